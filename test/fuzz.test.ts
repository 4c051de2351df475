/**
 * A generated fuzzer of every route: each method and path the app declares, its path parameters filled with
 * real ids and slugs and with hostile values, sent hostile queries, JSON bodies, form bodies and content
 * types, anonymously and signed in as a customer and as an admin (with valid CSRF tokens). No answer may be
 * a 5xx, and every API error must be in the one error shape.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../src/db/client'
import { categories, outbox, productImages, users } from '../src/db/schema'
import { deliverOutbox } from '../src/notifications/consumer'
import worker from '../src/index'
import { ErrorBody } from '../src/platform/errors'
import { startCheckout } from '../src/payments/checkout'
import { BASE, Browser, insertProduct, registerUser } from './helpers'
import { ADDRESS, defaultVariant, placeOrder } from './orders-helpers'
import { webhookDeliveries, webhookEndpoints } from '../src/db/schema'
import { recordWebhookEvent } from '../src/webhooks/events'
import { sealSecret } from '../src/webhooks/secrets'

const LONG_NAME = 'Organic Cotton Crew-Neck T-Shirt with Pocket, Navy Blue, XL' // 60 characters
const LONG_EMAIL = `${'a'.repeat(60)}@example.com`

/**
 * Query strings sent to every GET route, each packing several hostile values: keys named like
 * Object.prototype members, search text empty after NFKC, FTS5 syntax, NUL, lone surrogates, invalid
 * percent-encoding, numbers as exponents, hex, negative or past 2^53, repeated and array-style keys,
 * and LIKE text over D1's 50-byte pattern limit.
 */
const QUERIES = [
  'toString=1&__proto__=1&constructor=1&hasOwnProperty=2&__proto__[x]=1',
  `q=%EF%B9%B6&email=${encodeURIComponent(LONG_EMAIL)}&actor=${LONG_EMAIL}&action=${'c'.repeat(60)}`,
  `q=${encodeURIComponent(LONG_NAME)}&category=toString&sort=__proto__&status=constructor&role=toString&active=__proto__`,
  'q=%22NEAR(a%20b)%22%20OR%20name%3Ax*%20%5Ec%20%2B%7B%7D&page=1e3&page_size=0x10',
  'q=%00%ED%A0%80&category=%00&page=-1&min_price=9007199254740993&max_price=99999999999999999999&min=1e3&max=-1',
  'q=%ZZ&page=a&page=2&q[]=x&page[]=1&in_stock=maybe&sort=relevance&from=2026-02-31&to=9999-99-99&currency=%00%00%00',
  `token=${'t'.repeat(300)}&next=%2F%2Fevil.example&q=${encodeURIComponent('\u0301\u0301')}&page=99999999999999999999&target_id=${'9'.repeat(120)}`,
  // Variant filters (issue 14): option names like prototype members, an empty name, NUL, long values and SKUs, ?variant on product pages.
  `option.__proto__=1&option.constructor=M&option.=x&option.size=%00&sku=${'s'.repeat(120)}&variant=__proto__`,
  `option.Size=M&option.size=L&option.colour=${'n'.repeat(120)}&variant=9007199254740993&in_stock=true&min_price=1`,
  'option.size=M&option.colour=Navy&option.material=Wool&sku=CS-00004-NAV-M&variant=1e3&sort=price',
]

const json = (value: unknown) => JSON.stringify(value)
/** JSON bodies for non-GET routes: prototype keys at the top and nested, wrong types, huge numbers, non-JSON text, empty. */
const JSON_BODIES: string[] = [
  json({ ['__proto__']: { admin: true }, constructor: 1, toString: 2, shipping_address: { constructor: 1 }, default_shipping_address: { toString: 1 } }).replace('"__proto__"', '"__proto__"'),
  '[]',
  '{',
  '',
  json({ name: LONG_NAME, price: '12.50', position: 'aaa', parent_id: '1e3', stock_quantity: 1e21, product_id: 9007199254740993, quantity: 1e3, items: [{ product_id: -1, quantity: 0x10 }], email: [LONG_EMAIL], password: { x: 1 }, refresh_token: 'r'.repeat(300), role: '__proto__' }),
  json({ name: '\ud800\u0000', slug: '../x', description: '\u0000', category_ids: [1e3, '1'], image_ids: [9007199254740993], carrier: 'x'.repeat(100), order_ids: ['toString'], amount: '1e3', reason: '\u0000', refund_id: 'x'.repeat(300), alt_text: 'a'.repeat(400), from_cart: true, shipping_address: { ...ADDRESS, country: '__proto__' } }),
]
// JSON.stringify drops a "__proto__" key set through a literal: write it by hand.
JSON_BODIES[0] = `{"__proto__":{"admin":true},${(JSON_BODIES[0] as string).slice(1)}`

/** Form bodies (urlencoded) for non-GET routes: prototype keys, non-numbers where numbers are expected, repeats, long text. */
const FORM_BODIES: [string, string][][] = [
  [['toString', '1'], ['__proto__', '1'], ['constructor', '1'], ['shipping_address.constructor', '1'], ['shipping_address.__proto__', '1']],
  [['name', LONG_NAME], ['position', 'aaa'], ['parent_id', '1e3'], ['slug', ''], ['price', '1e3'], ['stock_quantity', '99999999999999999999'], ['currency', '__proto__'], ['category_ids', 'abc'], ['category_ids', '9007199254740993']],
  [['name', 'a'], ['name', 'b'], ['position', '-1'], ['parent_id', 'toString'], ['product_id', '0x10'], ['quantity', '1e3'], ['image_ids', '1,2,x,9007199254740993'], ['alt_text', 'a'.repeat(400)]],
  [['checkout_token', 'x'.repeat(300)], ...Object.entries(ADDRESS).map(([k, v]) => [`shipping_address.${k}`, v] as [string, string]), ['role', 'toString'], ['carrier', '\u0000'], ['order_ids', 'x'], ['amount', '1e3'], ['reason', ''], ['refund_id', 'x'.repeat(300)]],
  [['email', LONG_EMAIL], ['password', '\ud800'], ['name', '\u0000'], ['phone', '1e3'], ['current_password', 'x'], ['new_password', 'short'], ['outcome', '__proto__'], ['remember', 'toString'], ['product_id', '9007199254740993'], ['quantity', '-1']],
]

/** Other bodies: wrong or odd content types, with and without a body. */
const OTHER_BODIES: { type?: string; body?: string }[] = [
  { type: 'text/plain', body: '{"a":1}' },
  { type: 'application/json; charset=utf-16', body: '{}' },
  { type: 'application/x-www-form-urlencoded', body: '' },
  { type: 'multipart/form-data', body: 'garbage' },
  { type: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\n1\r\n--x--\r\n' },
  { type: 'text/plain; charset=utf-16', body: '%ZZ=%ZZ&a&_csrf' },
  {},
]

/** Conditional and range headers, for GET routes (the image route answers the conditionals itself). */
const HEADERS: Record<string, string>[] = [
  { 'If-None-Match': '"unterminated, W/', 'If-Match': 'W/"x", *, garbage' },
  { 'If-Match': '"nope"' },
  { 'If-None-Match': '*', Range: 'bytes=99999999999999999999-' },
]

/** Hostile path parameter values: numbers the id parsers must refuse, prototype names, NUL, a lone surrogate, odd Unicode, length. */
const HOSTILE_PARAMS = ['0', '1e3', '0x10', '-1', '1.5', '9007199254740993', '99999999999999999999', 'toString', '__proto__', '%00', '%ED%A0%80', '%E2%80%AE%F0%9F%98%80', '%22%27%3C%3E', 'a'.repeat(300)]

/** Every answer must come within this; the fuzzer's whole run stays within the test's timeout. */
const ANSWER_WITHIN_MS = 10_000

/**
 * A Browser that calls the Worker's fetch handler directly, with the test's real bindings: the same Worker
 * as SELF.fetch, without the pool's per-request cost (which grows with every request made through SELF).
 */
class DirectBrowser extends Browser {
  protected override async send(path: string, request: RequestInit) {
    const ctx = createExecutionContext()
    const response = await worker.fetch(new Request(`${BASE}${path}`, request), env, ctx)
    await waitOnExecutionContext(ctx)
    return response
  }
}

interface Who {
  name: 'anonymous' | 'customer' | 'admin'
  browser: Browser
  bearer: Record<string, string>
  csrf: string
}

interface Failure {
  who: string
  method: string
  url: string
  input: string
  status: number
  body: string
}

/** Path parameter values by name: real ones first, then hostile ones. */
function paramValues(real: Record<string, string[]>): (name: string) => string[] {
  return (name) => [...(real[name] ?? ['1']), ...HOSTILE_PARAMS]
}

/** Routes as the app declares them, one per method and path. */
function declaredRoutes() {
  const seen = new Set<string>()
  const routes: { method: string; path: string }[] = []
  for (const { method, path } of worker.routes) {
    // ALL entries are middleware, except the API's catch-all 404.
    if (method === 'ALL' && path !== '/api/*') continue
    for (const m of method === 'ALL' ? ['GET', 'POST'] : [method]) {
      const key = `${m} ${path}`
      if (seen.has(key)) continue
      seen.add(key)
      routes.push({ method: m, path })
    }
  }
  // Destructive routes last, so that the rest run against live records and sessions.
  const destructive = (r: { method: string; path: string }) => r.method === 'DELETE' || /delete|sign-out|logout|password$|role$/.test(r.path)
  return [...routes.filter((r) => !destructive(r)), ...routes.filter(destructive)]
}

/** `/a/:id/b/:key{.+}` with its parameters replaced, every combination of one hostile value at a time. */
function fill(path: string, values: (name: string) => string[]): string[] {
  const names = [...path.matchAll(/:(\w+)(\{[^}]*\})?/g)].map((m) => m[1] as string)
  const base = (pick: Record<string, string>) =>
    path.replace(/:(\w+)(\{[^}]*\})?/g, (_, name: string) => pick[name] ?? '').replace(/\/\*$/, '/anything').replace(/\*$/, 'anything')
  if (names.length === 0) return [base({})]
  const firstReal = Object.fromEntries(names.map((n) => [n, values(n)[0] as string]))
  const urls = new Set([base(firstReal)])
  for (const name of names) for (const value of values(name)) urls.add(base({ ...firstReal, [name]: value }))
  return [...urls]
}

async function signedIn(name: Who['name'], role?: 'admin'): Promise<Who> {
  const browser = new DirectBrowser()
  if (name === 'anonymous') return { name, browser, bearer: {}, csrf: await browser.csrfFrom('/account/sign-in') }
  const user = await registerUser()
  if (role) await getDb(env).update(users).set({ role }).where(eq(users.id, user.user.id))
  const signIn = await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
  expect(signIn.status).toBe(303)
  return { name, browser, bearer: user.bearer, csrf: await browser.csrfFrom('/account'), ...({ user } as object) }
}

/** Runs `jobs` with a few in flight at once. */
async function pool<T>(items: T[], size: number, job: (item: T) => Promise<void>) {
  let next = 0
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await job(items[next++] as T)
  }))
}

const ROUTES = declaredRoutes()

// The Worker's line per request would be thousands here: only its error lines (a 500's stack) are kept.
const quiet = () => {}
console.log = quiet
console.info = quiet
console.warn = quiet

describe('fuzzing every route', () => {
  let values: (name: string) => string[]
  let who: Who[] = []
  let sent = 0

  beforeAll(async () => {
    const category = (await getDb(env).insert(categories).values({ name: 'Fuzz category', slug: `fuzz-category-${Date.now().toString(36)}` }).returning())[0]
    const r2Key = `products/${'a'.repeat(64)}.png`
    await env.IMAGES.put(r2Key, new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { httpMetadata: { contentType: 'image/png' } })
    const product = await insertProduct({ stockQuantity: 50, categoryIds: category ? [category.id] : [], images: [r2Key] })
    const image = await getDb(env).select().from(productImages).where(eq(productImages.productId, product.id)).get()
    const anonymous = await signedIn('anonymous')
    const customer = await signedIn('customer')
    const admin = await signedIn('admin', 'admin')
    const shopper = (customer as unknown as { user: Awaited<ReturnType<typeof registerUser>> }).user
    const order = await placeOrder(shopper, [{ product_id: product.id, quantity: 1 }], { address: ADDRESS })
    const viewer = { id: shopper.user.id, email: shopper.email, name: shopper.name, role: 'customer' as const, tokenVersion: 0 }
    const { url } = await startCheckout(env, viewer, order.body.id as string, BASE)
    const sessionId = url.split('/').pop() as string
    const outboxIdOfOrder = (await getDb(env).select({ id: outbox.id }).from(outbox).where(eq(outbox.recipient, shopper.email)).all()).at(-1)?.id
    if (outboxIdOfOrder) await deliverOutbox(env, outboxIdOfOrder)
    // An outbound webhook endpoint with a delivery, for /admin/webhooks/:id and its deliveries (a receiver the tests have no network for).
    const [hook] = await getDb(env).insert(webhookEndpoints).values({ url: 'https://hooks.fuzz.test/in', eventTypes: ['order.paid'], secretSealed: await sealSecret(env, 'whsec_fuzz') }).returning()
    await recordWebhookEvent(env, { type: 'webhook.test', sourceKey: `fuzz:${Date.now()}`, data: {}, createdAt: Date.now(), endpointId: hook!.id })
    const delivery = await getDb(env).select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, hook!.id)).get()
    // A product CSV import job, for /api/admin/product-imports/:id and /admin/imports/:id.
    const imported = await admin.browser.fetch(`/api/admin/product-imports`, { method: 'POST', headers: { ...admin.bearer, 'Content-Type': 'text/csv' }, body: 'Handle,Title,Variant Price\nfuzz-import,Fuzz,1.00\n' })
    const importId = ((await imported.json()) as { id: string }).id
    values = paramValues({
      id: [String(product.id), String(category?.id ?? 1), order.body.id as string, String(shopper.user.id), String(hook!.id), importId],
      deliveryId: [String(delivery?.id ?? 1)],
      idOrSlug: [product.slug, String(product.id)],
      productId: [String(product.id)],
      variantId: [String(await defaultVariant(product.id))],
      imageId: [String(image?.id ?? 1)],
      key: [r2Key, 'products/missing.png'],
      sessionId: [sessionId],
      action: ['ship', 'refund'],
      // The order's outbox row (order.created) and a dev mailbox entry: the notifications' admin pages.
      outboxId: [outboxIdOfOrder ?? crypto.randomUUID()],
      mailId: [outboxIdOfOrder ?? 'no-mail'],
    })
    who = [anonymous, customer, admin]
    // The forms' tokens are good: a hostile form reaches the handler, not the CSRF check's 403.
    const form = new URLSearchParams({ name: `Fuzz check ${Date.now().toString(36)}`, _csrf: admin.csrf })
    expect((await admin.browser.fetch('/admin/categories', { method: 'POST', body: form, headers: { Origin: BASE } })).status).toBe(303)
  })

  async function send(failures: Failure[], person: Who, method: string, url: string, input: string, init: { type?: string; body?: string | URLSearchParams; api: boolean; headers?: Record<string, string> }) {
    const headers: Record<string, string> = { Origin: BASE, ...(init.api ? person.bearer : {}), ...init.headers }
    if (init.type) headers['Content-Type'] = init.type
    const hasBody = method !== 'GET' && method !== 'HEAD'
    // An answer that never comes is a failure too (and would hold up the pool).
    const timeout = AbortSignal.timeout(ANSWER_WITHIN_MS)
    let response: Response
    let text: string
    try {
      response = await person.browser.fetch(url, { method, headers, body: hasBody ? init.body : undefined, signal: timeout })
      // Decoded by hand: workerd warns of text() on a body whose type is not text (the images).
      text = method === 'HEAD' ? '' : new TextDecoder().decode(await response.arrayBuffer())
      sent += 1
    } catch (err) {
      failures.push({ who: person.name, method, url, input, status: 0, body: `no answer: ${String(err)}` })
      return
    }
    const isApi = url.startsWith('/api/')
    let wrongShape = false
    if (isApi && response.status >= 400) {
      try {
        wrongShape = !ErrorBody.safeParse(JSON.parse(text)).success
      } catch {
        wrongShape = true
      }
    }
    if (response.status >= 500 || wrongShape) failures.push({ who: person.name, method, url, input, status: response.status, body: text.slice(0, 300) })
  }

  /** The requests for one route: every identity plainly, then the admin (past every guard) with every hostile input. */
  function jobsFor(route: { method: string; path: string }, failures: Failure[]) {
    const jobs: (() => Promise<void>)[] = []
    const isApi = route.path.startsWith('/api/') || route.path.startsWith('/webhooks/')
    const [url, ...hostileUrls] = fill(route.path, values) as [string, ...string[]]
    const get = route.method === 'GET' || route.method === 'HEAD'
    const [anonymous, customer, admin] = who as [Who, Who, Who]
    const staffOnly = route.path.startsWith('/admin') || route.path.startsWith('/api/admin')
    jobs.push(() => send(failures, anonymous, route.method, url, 'plain', { api: isApi }))
    // The admin gets past every guard; the customer past all but the staff's, with a cart and an order of their own.
    for (const person of staffOnly ? [admin] : [customer, admin]) {
      if (staffOnly) jobs.push(() => send(failures, customer, route.method, url, 'plain', { api: isApi }))
      jobs.push(() => send(failures, person, route.method, url, 'plain', { api: isApi }))
      for (const hostile of hostileUrls) jobs.push(() => send(failures, person, route.method, hostile, 'hostile path', { api: isApi }))
      for (const query of get ? QUERIES : QUERIES.slice(0, 1)) jobs.push(() => send(failures, person, route.method, `${url}?${query}`, query, { api: isApi }))
      if (get) {
        for (const headers of HEADERS) jobs.push(() => send(failures, person, route.method, url, JSON.stringify(headers), { api: isApi, headers }))
        continue
      }
      for (const body of JSON_BODIES) jobs.push(() => send(failures, person, route.method, url, `json ${body.slice(0, 80)}`, { api: isApi, type: 'application/json', body }))
      for (const fields of FORM_BODIES) {
        jobs.push(() => {
          const form = new URLSearchParams([...fields, ['_csrf', person.csrf]])
          return send(failures, person, route.method, url, `form ${form.toString().slice(0, 120)}`, { api: isApi, type: 'application/x-www-form-urlencoded', body: form })
        })
      }
      for (const { type, body } of OTHER_BODIES) jobs.push(() => send(failures, person, route.method, url, `${type ?? 'no type'} ${body ?? 'no body'}`, { api: isApi, type, body }))
    }
    return jobs
  }

  // One test per route: a failure names the route, and no test runs long.
  for (const route of ROUTES) {
    it(`answers ${route.method} ${route.path} without a 5xx, API errors in the one error shape`, async () => {
      const failures: Failure[] = []
      await pool(jobsFor(route, failures), 6, (job) => job())
      expect(failures).toEqual([])
    }, 60_000)
  }

  it('sent every route its inputs', () => {
    expect(ROUTES.length).toBeGreaterThan(100)
    expect(sent).toBeGreaterThan(3000)
  })
})
