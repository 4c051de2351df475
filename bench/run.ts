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
import { seedCheckout } from '../scripts/seed/checkout'

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

/** A request of a scenario beyond a GET of a path: its method, headers and body, which may vary per request too. */
type RequestOf = (n: number) => { method?: 'POST'; headers?: Record<string, string>; body?: string }

/** Runs one load against `base`; `path` may vary per request (a counter makes every request unique). */
async function load(base: string, path: (n: number) => string, request?: RequestOf): Promise<Figures> {
  let n = 0
  const setup = (r: autocannon.Request) => {
    const i = n++
    return { ...r, path: path(i), ...request?.(i) }
  }
  const warm = await autocannon({ url: base, connections: CONNECTIONS, duration: 1, requests: [{ setupRequest: setup }] })
  void warm
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        setupRequest: setup,
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
  request?: RequestOf
  /** The ceiling this scenario is compared with. */
  ceiling?: 'healthz' | 'd1'
  target?: number
}

/** What the checkout scenario orders with: customers' bearer tokens, a variant with stock for the whole run, a method. */
interface CheckoutFixture {
  bearers: string[]
  variantId: number
  methodId: number
}

const CHECKOUT_ADDRESS = { name: 'Bench Buyer', line1: '1 Infinite Loop', city: 'Cupertino', region: 'CA', postal_code: '95014', country: 'US' }

/** One order per request, each from the next customer: one line, shipped to California by the demo's Standard method, taxed. */
const orderRequest =
  (fixture: CheckoutFixture): RequestOf =>
  (n) => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${fixture.bearers[n % fixture.bearers.length]}` },
    body: JSON.stringify({ items: [{ variant_id: fixture.variantId, quantity: 1 }], shipping_address: CHECKOUT_ADDRESS, shipping_method_id: fixture.methodId }),
  })

const scenarios = (slug: string, word: string, checkout?: CheckoutFixture): Scenario[] => [
  { name: 'GET /healthz (runtime ceiling)', path: () => '/healthz' },
  { name: 'GET /healthz/d1 (one D1 query: database ceiling)', path: () => '/healthz/d1' },
  { name: 'GET /api/products cached', path: () => '/api/products', ceiling: 'healthz', target: 0.8 },
  { name: 'GET /api/products uncached', path: (n) => `/api/products?min_price=${n}`, ceiling: 'd1', target: 0.8 },
  { name: `GET /api/products?q=${word} uncached`, path: (n) => `/api/products?q=${word}&min_price=${n}`, ceiling: 'd1' },
  { name: `GET /api/products?q=${word} cached`, path: () => `/api/products?q=${word}`, ceiling: 'healthz' },
  { name: 'GET /api/products/:slug cached', path: () => `/api/products/${slug}`, ceiling: 'healthz' },
  { name: 'GET /products (shop list page) uncached', path: (n) => `/products?min=${(n / 100).toFixed(2)}`, ceiling: 'd1' },
  { name: 'GET /products/:slug (product page) cached', path: () => `/products/${slug}`, ceiling: 'healthz' },
  ...(checkout ? [{ name: 'POST /api/orders (one line, shipping and tax)', path: () => '/api/orders', request: orderRequest(checkout), ceiling: 'd1' as const }] : []),
]

type Row = { scenario: Scenario; figures: Figures }

async function measure(label: string, base: string, slug: string, word: string, checkout?: CheckoutFixture): Promise<Row[]> {
  const rows: Row[] = []
  for (const scenario of scenarios(slug, word, checkout)) {
    const figures = await load(base, scenario.path, scenario.request)
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

/**
 * Customers (one per connection, each registered from an address of its own, as rate limits count per
 * client) and a single-variant product with stock for every order of the run, set in D1 before its
 * stock object first loads it.
 */
async function checkoutFixture(base: string, db: D1Database): Promise<CheckoutFixture> {
  const bearers: string[] = []
  for (let i = 0; i < CONNECTIONS; i++) {
    const response = await fetch(new URL('/api/auth/register', base), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': `bench-client-${i}` },
      body: JSON.stringify({ email: `bench-${i}-${Date.now().toString(36)}@example.com`, password: 'bench password 1234', name: `Bench Buyer ${i}` }),
    })
    if (response.status !== 201) throw new Error(`registering a bench customer answered ${response.status}: ${await response.text()}`)
    bearers.push(((await response.json()) as { access_token: string }).access_token)
  }
  const variant = await db
    .prepare(`SELECT v.id AS id FROM product_variants v JOIN products p ON p.id = v.product_id WHERE p.is_active = 1 AND v.is_active = 1
      AND (SELECT count(*) FROM product_variants o WHERE o.product_id = p.id) = 1 AND p.price_cents < 7500 ORDER BY p.id LIMIT 1`)
    .first<{ id: number }>()
  const method = await db.prepare(`SELECT m.id AS id FROM shipping_methods m JOIN shipping_zones z ON z.id = m.zone_id WHERE z.name = 'Domestic' AND m.name = 'Standard'`).first<{ id: number }>()
  if (!variant || !method) throw new Error('the seeded store has no single-variant product or no Domestic Standard method')
  await db.prepare('UPDATE product_variants SET stock_quantity = 10000000 WHERE id = ?').bind(variant.id).run()
  return { bearers, variantId: variant.id, methodId: method.id }
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
    await seedCheckout(env.DB)
    const slug = await newestSlug(url)
    return await measure(`workerd ${size}`, url.origin, slug, 'oak', await checkoutFixture(url.origin, env.DB))
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
    // The catalog only: the checkout is measured on workerd directly, where the bench holds the database.
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
