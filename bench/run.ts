/**
 * `npm run bench`: the catalog's throughput and latency, each as a ratio to a ceiling measured in the
 * same run (machines are shared and noisy: compare ratios, not absolute figures).
 *
 * The Worker is built with `wrangler deploy --dry-run --outdir dist` and served on workerd by Miniflare's
 * API with the bindings of wrangler.toml (in-memory storage, fresh per catalog size). The same routes are
 * then measured through `wrangler dev`, which puts a proxy in front. Load comes from autocannon.
 */
import autocannon from 'autocannon'
import { execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Log, LogLevel, Miniflare } from 'miniflare'
import type { Readable } from 'node:stream'
import { seedCatalog, type SeedBindings } from '../scripts/seed/catalog'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '16' },
    sizes: { type: 'string', default: '200,10000' },
    'skip-wrangler-dev': { type: 'boolean', default: false },
    /** Print the Worker's log lines other than the per-request ones (to see what an error was). */
    'worker-logs': { type: 'boolean', default: false },
  },
})
const SECONDS = Number(values.seconds)
const CONNECTIONS = Number(values.connections)
const ROOT = new URL('..', import.meta.url).pathname
const COMPATIBILITY_DATE = /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))?.[1]

interface Figures {
  requestsPerSecond: number
  p50: number
  p99: number
  errors: number
  /** What the errors were: status codes, socket errors, timeouts. */
  detail: string
}

/** Runs one load against `base`; `path` may vary per request (a counter makes every request unique). */
async function load(base: string, path: (n: number) => string): Promise<Figures> {
  let n = 0
  const warm = await autocannon({ url: base, connections: CONNECTIONS, duration: 1, requests: [{ setupRequest: (r) => ({ ...r, path: path(n++) }) }] })
  void warm
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        setupRequest: (r) => ({ ...r, path: path(n++) }),
        onResponse: (status, body) => {
          if (status >= 500 && values['worker-logs']) process.stderr.write(`  ${status}: ${String(body).slice(0, 300)}\n`)
        },
      },
    ],
  })
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    detail: [
      ...Object.entries(result.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2')).map(([code, { count }]) => `${count}×${code}`),
      ...(result.errors ? [`${result.errors} socket errors`] : []),
      ...(result.timeouts ? [`${result.timeouts} timeouts`] : []),
    ].join(', '),
  }
}

/** The migrations as wrangler applies them: files in order, statements split at drizzle's breakpoints. */
async function applyMigrations(db: D1Database) {
  const dir = join(ROOT, 'migrations')
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    for (const chunk of readFileSync(join(dir, file), 'utf8').split('--> statement-breakpoint')) {
      // Without its comments: D1's own statement splitter reads an apostrophe in a comment as a quote.
      const statement = chunk.replace(/^\s*--.*$/gm, '').trim()
      if (statement) await db.prepare(statement).run()
    }
  }
}

interface Scenario {
  name: string
  path: (n: number) => string
  /** The ceiling this scenario is compared with. */
  ceiling?: 'healthz' | 'd1'
  target?: number
}

const scenarios = (slug: string, word: string): Scenario[] => [
  { name: 'GET /healthz (runtime ceiling)', path: () => '/healthz' },
  { name: 'GET /healthz/d1 (one D1 query: database ceiling)', path: () => '/healthz/d1' },
  { name: 'GET /api/products cached', path: () => '/api/products', ceiling: 'healthz', target: 0.8 },
  { name: 'GET /api/products uncached', path: (n) => `/api/products?min_price=${n}`, ceiling: 'd1', target: 0.8 },
  { name: `GET /api/products?q=${word} uncached`, path: (n) => `/api/products?q=${word}&min_price=${n}`, ceiling: 'd1' },
  { name: `GET /api/products?q=${word} cached`, path: () => `/api/products?q=${word}`, ceiling: 'healthz' },
  { name: 'GET /api/products/:slug cached', path: () => `/api/products/${slug}`, ceiling: 'healthz' },
  { name: 'GET /products (shop list page) uncached', path: (n) => `/products?min=${(n / 100).toFixed(2)}`, ceiling: 'd1' },
  { name: 'GET /products/:slug (product page) cached', path: () => `/products/${slug}`, ceiling: 'healthz' },
]

type Row = { scenario: Scenario; figures: Figures }

async function measure(label: string, base: string, slug: string, word: string): Promise<Row[]> {
  const rows: Row[] = []
  for (const scenario of scenarios(slug, word)) {
    const figures = await load(base, scenario.path)
    rows.push({ scenario, figures })
    process.stderr.write(`  ${label}: ${scenario.name}: ${Math.round(figures.requestsPerSecond)} req/s\n`)
  }
  return rows
}

function report(title: string, rows: Row[], baseline?: Row[]) {
  const ceiling = (kind: 'healthz' | 'd1') => rows[kind === 'healthz' ? 0 : 1]?.figures.requestsPerSecond ?? NaN
  console.log(`\n${title}`)
  console.log(
    ['scenario'.padEnd(52), 'req/s'.padStart(8), 'p50 ms'.padStart(7), 'p99 ms'.padStart(7), 'errors'.padStart(7), 'ratio'.padStart(16), baseline ? 'p99 vs 200' : ''].join(' '),
  )
  rows.forEach(({ scenario, figures }, i) => {
    const ratio = scenario.ceiling ? figures.requestsPerSecond / ceiling(scenario.ceiling) : undefined
    const ratioText = ratio === undefined ? '' : `${ratio.toFixed(2)}× ${scenario.ceiling}${scenario.target ? (ratio >= scenario.target ? ' ✓' : ' ✗') : ''}`
    const before = baseline?.[i]?.figures.p99
    const p99Ratio = before ? `${(figures.p99 / before).toFixed(2)}×${figures.p99 / before <= 2 ? ' ✓' : ' ✗'}` : ''
    console.log(
      [
        scenario.name.padEnd(52),
        String(Math.round(figures.requestsPerSecond)).padStart(8),
        String(figures.p50).padStart(7),
        String(figures.p99).padStart(7),
        String(figures.errors).padStart(7),
        ratioText.padStart(16),
        p99Ratio,
        figures.detail ? `(${figures.detail})` : '',
      ].join(' '),
    )
  })
}

/** The slug of the newest product, for the detail route. */
async function newestSlug(base: string | URL): Promise<string> {
  const body = (await (await fetch(new URL('/api/products?page_size=1', base))).json()) as { items: { slug: string }[] }
  return body.items[0]?.slug ?? 'missing'
}

async function onWorkerd(size: number): Promise<Row[]> {
  const mf = new Miniflare({
    scriptPath: join(ROOT, 'dist/index.js'),
    modules: true,
    modulesRoot: join(ROOT, 'dist'),
    compatibilityDate: COMPATIBILITY_DATE,
    host: '127.0.0.1',
    port: 0,
    d1Databases: { DB: 'bench-db' },
    kvNamespaces: { CACHE: 'bench-cache' },
    r2Buckets: { IMAGES: 'bench-images' },
    durableObjects: { STOCK: { className: 'StockObject', useSQLite: true } },
    bindings: { ENVIRONMENT: 'development', CATALOG_VERSION_TTL_MS: '5000' },
    // The Worker writes a log line per request; in production those go to Workers Logs, off the request
    // path. Here they are drained and dropped rather than printed, so that the terminal is not measured.
    ...(values['worker-logs'] && { log: new Log(LogLevel.WARN) }),
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      for (const stream of [stdout, stderr]) {
        if (!values['worker-logs']) stream.resume()
        else stream.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter((line) => line.trim() && !line.includes('"msg":"request"')).forEach((line) => process.stderr.write(`  worker: ${line.slice(0, 800)}\n`)))
      }
    },
  })
  try {
    const url = await mf.ready
    const env = {
      DB: await mf.getD1Database('DB'),
      IMAGES: await mf.getR2Bucket('IMAGES'),
      CACHE: await mf.getKVNamespace('CACHE'),
    } as unknown as SeedBindings
    await applyMigrations(env.DB)
    const started = Date.now()
    await seedCatalog(env, { products: size })
    process.stderr.write(`Seeded ${size} products on workerd in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
    const slug = await newestSlug(url)
    return await measure(`workerd ${size}`, url.origin, slug, 'oak')
  } finally {
    await mf.dispose()
  }
}

async function throughWranglerDev(): Promise<Row[]> {
  const state = join(ROOT, '.wrangler/bench-state')
  rmSync(state, { recursive: true, force: true })
  const wrangler = join(ROOT, 'node_modules/.bin/wrangler')
  execFileSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: ROOT, stdio: 'ignore' })
  execFileSync(join(ROOT, 'node_modules/.bin/tsx'), ['scripts/seed.ts', '--products', '200', '--persist-to', state], { cwd: ROOT, stdio: 'ignore' })
  const port = '8799'
  const dev = spawn(wrangler, ['dev', '--ip', '127.0.0.1', '--port', port, '--persist-to', state, '--var', 'ENVIRONMENT:development', '--log-level', 'error'], {
    cwd: ROOT,
    stdio: 'ignore',
    detached: true,
  })
  try {
    const base = `http://127.0.0.1:${port}`
    for (let i = 0; ; i++) {
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break
      if (i > 120) throw new Error('wrangler dev did not start within 60 s')
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    const slug = await newestSlug(base)
    return await measure('wrangler dev 200', base, slug, 'oak')
  } finally {
    if (dev.pid) process.kill(-dev.pid, 'SIGTERM')
  }
}

execFileSync(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', 'dist'], { cwd: ROOT, stdio: 'ignore' })
const sizes = (values.sizes ?? '').split(',').map(Number)
const results = new Map<number, Row[]>()
for (const size of sizes) results.set(size, await onWorkerd(size))
console.log(`\nCato-Store catalog benchmark: ${CONNECTIONS} connections, ${SECONDS} s per scenario, node ${process.version}`)
for (const size of sizes) report(`workerd directly (Miniflare API on the deploy bundle), ${size} products`, results.get(size) ?? [], size === sizes[0] ? undefined : results.get(sizes[0] as number))
if (!values['skip-wrangler-dev']) report('through wrangler dev (proxy in front), 200 products', await throughWranglerDev())
