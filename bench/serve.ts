/**
 * The Workers the benchmark loads, each built by `wrangler deploy --dry-run` and served on workerd through
 * Miniflare's API with the static assets of public/ in front (the assets router runs before each Worker,
 * as it does for the store in production and under `wrangler dev`): the store with the bindings of
 * wrangler.toml, and the two ceilings of bench/ceiling/. Storage is in memory, fresh per instance.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Log, LogLevel, Miniflare, type MiniflareOptions } from 'miniflare'
import type { Readable } from 'node:stream'

export const ROOT = new URL('..', import.meta.url).pathname
const COMPATIBILITY_DATE = /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))?.[1]
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler')

/** Builds the store's production bundle into dist/ and each ceiling's into dist/ceiling-<name>/. */
export function buildAll() {
  execFileSync(WRANGLER, ['deploy', '--dry-run', '--outdir', join(ROOT, 'dist')], { cwd: ROOT, stdio: 'ignore' })
  for (const name of ['bare', 'd1']) {
    execFileSync(WRANGLER, ['deploy', '--dry-run', '--config', join(ROOT, `bench/ceiling/${name}.toml`), '--outdir', join(ROOT, `dist/ceiling-${name}`)], { cwd: ROOT, stdio: 'ignore' })
  }
}

/** The static assets in front of a Worker, as wrangler.toml's `[assets]` puts them. */
const assets = { directory: join(ROOT, 'public'), binding: 'ASSETS', routerConfig: { has_user_worker: true } }

function stdio(workerLogs: boolean) {
  return {
    // The store writes a log line per request; in production those go to Workers Logs, off the request
    // path. Here they are drained and dropped rather than printed, so that the terminal is not measured.
    ...(workerLogs && { log: new Log(LogLevel.WARN) }),
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      for (const stream of [stdout, stderr]) {
        if (!workerLogs) stream.resume()
        else stream.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter((line) => line.trim() && !line.includes('"msg":"request"')).forEach((line) => process.stderr.write(`  worker: ${line.slice(0, 800)}\n`)))
      }
    },
  }
}

const served = async (options: MiniflareOptions) => {
  const mf = new Miniflare(options)
  const url = await mf.ready
  return { mf, base: url.origin }
}

/** The store's deploy bundle with the bindings of wrangler.toml. */
export const serveStore = (workerLogs: boolean) =>
  served({
    scriptPath: join(ROOT, 'dist/index.js'),
    modules: true,
    modulesRoot: join(ROOT, 'dist'),
    compatibilityDate: COMPATIBILITY_DATE,
    host: '127.0.0.1',
    port: 0,
    assets,
    d1Databases: { DB: 'bench-db' },
    kvNamespaces: { CACHE: 'bench-cache' },
    r2Buckets: { IMAGES: 'bench-images' },
    durableObjects: { STOCK: { className: 'StockObject', useSQLite: true } },
    // The producers of wrangler.toml, so that an order's outbox message is sent as in production; their
    // consumers are not run here: in production they run in invocations of their own, not in the request.
    queueProducers: { NOTIFY_QUEUE: { queueName: 'cato-notifications' }, WEBHOOK_QUEUE: { queueName: 'cato-webhooks' }, IMPORT_QUEUE: { queueName: 'cato-imports' } },
    bindings: { ENVIRONMENT: 'development', CATALOG_VERSION_TTL_MS: '5000' },
    ...stdio(workerLogs),
  })

/** A ceiling Worker (bench/ceiling/<name>.ts); the D1 one gets a table of 1,000 rows to read from. */
export async function serveCeiling(name: 'bare' | 'd1') {
  const side = await served({
    scriptPath: join(ROOT, `dist/ceiling-${name}/${name}.js`),
    modules: true,
    modulesRoot: join(ROOT, `dist/ceiling-${name}`),
    compatibilityDate: COMPATIBILITY_DATE,
    host: '127.0.0.1',
    port: 0,
    assets,
    ...(name === 'd1' && { d1Databases: { DB: 'bench-ceiling-db' } }),
    ...stdio(false),
  })
  if (name === 'd1') {
    const db = await side.mf.getD1Database('DB')
    await db.prepare('CREATE TABLE ceiling_rows (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL)').run()
    await db.prepare(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999) INSERT INTO ceiling_rows SELECT i, 'Row ' || i, 100 * i FROM n`).run()
  }
  return side
}

/** The migrations as wrangler applies them: files in order, statements split at drizzle's breakpoints. */
export async function applyMigrations(db: D1Database) {
  const dir = join(ROOT, 'migrations')
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    for (const chunk of readFileSync(join(dir, file), 'utf8').split('--> statement-breakpoint')) {
      // Without its comments: D1's own statement splitter reads an apostrophe in a comment as a quote.
      const statement = chunk.replace(/^\s*--.*$/gm, '').trim()
      if (statement) await db.prepare(statement).run()
    }
  }
}
