/**
 * `npx tsx bench/ab.ts --against ../other-checkout`: is this build slower than another one (an earlier
 * commit's checkout, its dependencies installed)? Both are built, served side by side on workerd through
 * Miniflare's API and seeded alike with their own migrations and seed; then each scenario runs in short
 * loads on both at once, so that a shared, noisy machine weighs on both alike and the cheaper build
 * answers more. Prints, per scenario, the median req/s of each side and their ratio with its spread.
 */
import autocannon from 'autocannon'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { Miniflare } from 'miniflare'
import type { Readable } from 'node:stream'

const { values } = parseArgs({
  options: {
    against: { type: 'string' },
    size: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '16' },
  },
})
if (!values.against) throw new Error('--against <directory of the other checkout> is required')
const HERE = new URL('..', import.meta.url).pathname
const THERE = resolve(values.against)
const ROUNDS = Number(values.rounds)
const SECONDS = Number(values.seconds)
const CONNECTIONS = Number(values.connections)
const SIZE = Number(values.size)

interface SeedModule {
  seedCatalog: (env: unknown, options: { products: number }) => Promise<unknown>
}

/** The migrations as wrangler applies them, without comment lines (D1's splitter reads an apostrophe in one as a quote). */
async function applyMigrations(root: string, db: D1Database) {
  const dir = join(root, 'migrations')
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    for (const chunk of readFileSync(join(dir, file), 'utf8').split('--> statement-breakpoint')) {
      const statement = chunk.replace(/^\s*--.*$/gm, '').trim()
      if (statement) await db.prepare(statement).run()
    }
  }
}

async function serve(root: string, name: string) {
  execFileSync(join(root, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', 'dist'], { cwd: root, stdio: 'ignore' })
  const compatibilityDate = /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(join(root, 'wrangler.toml'), 'utf8'))?.[1]
  const mf = new Miniflare({
    scriptPath: join(root, 'dist/index.js'),
    modules: true,
    modulesRoot: join(root, 'dist'),
    compatibilityDate,
    host: '127.0.0.1',
    port: 0,
    d1Databases: { DB: `ab-${name}-db` },
    kvNamespaces: { CACHE: `ab-${name}-cache` },
    r2Buckets: { IMAGES: `ab-${name}-images` },
    durableObjects: { STOCK: { className: 'StockObject', useSQLite: true } },
    bindings: { ENVIRONMENT: 'development', CATALOG_VERSION_TTL_MS: '5000' },
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.resume()
      stderr.resume()
    },
  })
  const url = await mf.ready
  const env = { DB: await mf.getD1Database('DB'), IMAGES: await mf.getR2Bucket('IMAGES'), CACHE: await mf.getKVNamespace('CACHE') }
  await applyMigrations(root, env.DB as unknown as D1Database)
  const seed = (await import(join(root, 'scripts/seed/catalog.ts'))) as SeedModule
  await seed.seedCatalog(env, { products: SIZE })
  return { mf, base: url.origin, slug: await newestSlug(url.origin) }
}

const scenarios: { name: string; path: (n: number, slug: string) => string }[] = [
  { name: 'GET /healthz', path: () => '/healthz' },
  { name: 'GET /api/products cached', path: () => '/api/products' },
  { name: 'GET /api/products uncached', path: (n) => `/api/products?min_price=${n}` },
  { name: 'GET /api/products?q=oak uncached', path: (n) => `/api/products?q=oak&min_price=${n}` },
  { name: 'GET /products uncached (page)', path: (n) => `/products?min=${(n / 100).toFixed(2)}` },
  { name: 'GET /api/products/:slug cached', path: (_n, slug) => `/api/products/${slug}` },
  { name: 'GET /products/:slug cached (page)', path: (_n, slug) => `/products/${slug}` },
]

/** The slug of a side's newest product, for the detail routes. */
async function newestSlug(base: string): Promise<string> {
  const body = (await (await fetch(`${base}/api/products?page_size=1`)).json()) as { items: { slug: string }[] }
  return body.items[0]?.slug ?? 'missing'
}

/** One short load; `counter` carries on across a side's loads, so that a varying path never repeats (every request a cache miss). */
async function rate(side: { base: string; slug: string }, path: (n: number, slug: string) => string, counter: { n: number }): Promise<number> {
  const result = await autocannon({ url: side.base, connections: CONNECTIONS, duration: SECONDS, requests: [{ setupRequest: (r) => ({ ...r, path: path(counter.n++, side.slug) }) }] })
  return result.requests.average
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

const here = await serve(HERE, 'here')
const there = await serve(THERE, 'there')
try {
  console.log(`A/B at ${SIZE} products, ${ROUNDS} rounds of ${SECONDS} s per side, ${CONNECTIONS} connections: this build (A) against ${THERE} (B)`)
  console.log(['scenario'.padEnd(36), 'A req/s'.padStart(8), 'B req/s'.padStart(8), 'A/B'.padStart(6), 'A/B per round (min–max)'.padStart(26)].join(' '))
  for (const scenario of scenarios) {
    // Both sides walk the same paths (each has its own caches), from a warm-up round that is not counted.
    const a: number[] = []
    const b: number[] = []
    const na = { n: 0 }
    const nb = { n: 0 }
    await rate(here, scenario.path, na)
    await rate(there, scenario.path, nb)
    for (let round = 0; round < ROUNDS; round++) {
      // Both at once: whatever else the machine does weighs on both alike, and the cheaper side answers more.
      const [x, y] = await Promise.all([rate(here, scenario.path, na), rate(there, scenario.path, nb)])
      a.push(x)
      b.push(y)
    }
    const ratios = a.map((x, i) => x / (b[i] as number))
    console.log(
      [
        scenario.name.padEnd(36),
        String(Math.round(median(a))).padStart(8),
        String(Math.round(median(b))).padStart(8),
        (median(a) / median(b)).toFixed(2).padStart(6),
        `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`.padStart(26),
      ].join(' '),
    )
  }
} finally {
  await here.mf.dispose()
  await there.mf.dispose()
}
