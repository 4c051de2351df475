/**
 * What the checkout and cart scenarios need from a seeded store: customers, a hot product for the flash
 * sale, products for carts, the words a search asks, and the flash sale's check afterwards (nothing
 * oversold, every 201 a stored order).
 */
import type { Miniflare } from 'miniflare'
import type { RequestOf } from './load'

export interface Customer {
  bearer: string
}

/** Customers registered through the API, each from a client address of its own (rate limits count per client). */
export async function registerCustomers(base: string, count: number, tag: string): Promise<Customer[]> {
  const stamp = Date.now().toString(36)
  const register = async (i: number): Promise<Customer> => {
    const response = await fetch(new URL('/api/auth/register', base), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': `10.${tag.length}.${Math.floor(i / 250)}.${i % 250}` },
      body: JSON.stringify({ email: `bench-${tag}-${i}-${stamp}@example.com`, password: 'bench password 1234', name: `Bench ${tag} ${i}` }),
    })
    if (response.status !== 201) throw new Error(`registering a bench customer answered ${response.status}: ${await response.text()}`)
    return { bearer: ((await response.json()) as { access_token: string }).access_token }
  }
  const customers: Customer[] = []
  // A few at a time: registering hashes a password, which is slow by design.
  for (let i = 0; i < count; i += 8) customers.push(...(await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, j) => register(i + j)))))
  return customers
}

export interface StockedVariant {
  productId: number
  variantId: number
  onHand: number
}

/**
 * Single-variant products priced under the free-shipping threshold, given `onHand` units each in D1
 * before their stock objects first load them (the object reads D1 once, then owns the figure).
 */
export async function stockedVariants(db: D1Database, count: number, onHand: number, skip = 0): Promise<StockedVariant[]> {
  const { results } = await db
    .prepare(`SELECT v.id AS variantId, p.id AS productId FROM product_variants v JOIN products p ON p.id = v.product_id
      WHERE p.is_active = 1 AND v.is_active = 1 AND p.price_cents < 7500
        AND (SELECT count(*) FROM product_variants o WHERE o.product_id = p.id) = 1
      ORDER BY p.id LIMIT ? OFFSET ?`)
    .bind(count, skip)
    .all<{ variantId: number; productId: number }>()
  if (results.length < count) throw new Error(`the seeded store has ${results.length} single-variant products under $75, not ${count + skip}`)
  await db.batch(results.map((r) => db.prepare('UPDATE product_variants SET stock_quantity = ? WHERE id = ?').bind(onHand, r.variantId)))
  return results.map((r) => ({ ...r, onHand }))
}

export async function domesticStandard(db: D1Database): Promise<number> {
  const method = await db
    .prepare(`SELECT m.id AS id FROM shipping_methods m JOIN shipping_zones z ON z.id = m.zone_id WHERE z.name = 'Domestic' AND m.name = 'Standard'`)
    .first<{ id: number }>()
  if (!method) throw new Error('the seeded store has no Domestic Standard shipping method')
  return method.id
}

const ADDRESS = { name: 'Bench Buyer', line1: '1 Infinite Loop', city: 'Cupertino', region: 'CA', postal_code: '95014', country: 'US' }

const json = (bearer: string) => ({ 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` })

/** The flash sale: each request an order of one unit of the hot product by the next customer, shipped to California, taxed. */
export const orderRequest =
  (customers: Customer[], hot: StockedVariant, methodId: number): RequestOf =>
  (n) => ({
    method: 'POST',
    headers: json((customers[n % customers.length] as Customer).bearer),
    body: JSON.stringify({ items: [{ variant_id: hot.variantId, quantity: 1 }], shipping_address: ADDRESS, shipping_method_id: methodId }),
  })

/**
 * A cart change by the next customer on the next of `pool`: each customer's cart gains one unit of each
 * product in turn (add), or has a line's quantity set (update, on the lines the adds made).
 */
const cartTarget = (customers: Customer[], pool: StockedVariant[], n: number) => ({
  customer: customers[n % customers.length] as Customer,
  variant: pool[Math.floor(n / customers.length) % pool.length] as StockedVariant,
})

export const cartAddRequest =
  (customers: Customer[], pool: StockedVariant[]): RequestOf =>
  (n) => {
    const { customer, variant } = cartTarget(customers, pool, n)
    return { method: 'POST', headers: json(customer.bearer), body: JSON.stringify({ variant_id: variant.variantId, quantity: 1 }) }
  }

/** Every customer's cart holds a line of every variant of the pool: what the cart update scenario changes, however few adds ran before it. */
export async function fillCarts(base: string, customers: Customer[], pool: StockedVariant[]): Promise<void> {
  const add = cartAddRequest(customers, pool)
  for (let n = 0; n < customers.length * pool.length; n++) {
    const { headers, body } = add(n)
    const answer = await fetch(`${base}/api/cart/items`, { method: 'POST', headers, body })
    if (!answer.ok) throw new Error(`filling the carts: ${answer.status} ${await answer.text()}`)
  }
}

export const cartUpdatePath = (customers: Customer[], pool: StockedVariant[]) => (n: number) => `/api/cart/items/${cartTarget(customers, pool, n).variant.variantId}`

export const cartUpdateRequest =
  (customers: Customer[], pool: StockedVariant[]): RequestOf =>
  (n) => ({ method: 'PATCH', headers: json(cartTarget(customers, pool, n).customer.bearer), body: JSON.stringify({ quantity: 1 + (n % 9) }) })

/**
 * What shoppers type, from the catalog itself (so they stay real whatever the demo's names are): each
 * word of some products' names (a material, a kind of product…), its plural, and pairs of words as the
 * names hold them ("oak skillet").
 */
export async function searchTexts(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare(`SELECT name FROM products WHERE is_active = 1 ORDER BY id LIMIT 60`).all<{ name: string }>()
  const words = results.flatMap(({ name }) => name.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 3))
  const plurals = words.filter((w) => /[a-z]$/.test(w) && !w.endsWith('s')).map((w) => `${w}s`)
  const pairs = results.map(({ name }) => name.toLowerCase().split(/\s+/).slice(-2).join(' '))
  const texts = [...new Set([...words, ...plurals.slice(0, 20), ...pairs])]
  if (texts.length === 0) throw new Error('the catalog has no product names to search for')
  return texts
}

/** Waits until the orders answered after the load stopped (in flight at its end) are stored: until the count holds for a second. */
async function settledOrderCount(db: D1Database, variantId: number): Promise<void> {
  let last = -1
  for (let i = 0; i < 30; i++) {
    const row = await db.prepare('SELECT count(*) AS n FROM order_items WHERE variant_id = ?').bind(variantId).first<{ n: number }>()
    if (row?.n === last) return
    last = row?.n ?? 0
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}

/**
 * After the flash sale: every 201's order is stored with its line; the only other stored orders of the
 * hot product are those still in flight when the load stopped (at most one per connection, their answers
 * unread); and its stock object holds exactly the units the stored orders bought, never more than it had.
 */
export async function checkFlashSale(mf: Miniflare, db: D1Database, hot: StockedVariant, orderIds: string[], connections: number): Promise<string[]> {
  await settledOrderCount(db, hot.variantId)
  const problems: string[] = []
  const stored = await db
    .prepare(`SELECT count(*) AS n FROM orders WHERE id IN (SELECT value FROM json_each(?))`)
    .bind(JSON.stringify(orderIds))
    .first<{ n: number }>()
  if ((stored?.n ?? 0) !== orderIds.length || new Set(orderIds).size !== orderIds.length) problems.push(`${orderIds.length} orders answered 201, ${stored?.n ?? 0} of them stored`)
  const lines = await db
    .prepare(`SELECT count(DISTINCT order_id) AS orders, coalesce(sum(quantity), 0) AS units FROM order_items WHERE variant_id = ?`)
    .bind(hot.variantId)
    .first<{ orders: number; units: number }>()
  const unanswered = (lines?.orders ?? 0) - orderIds.length
  if (unanswered < 0 || unanswered > connections) problems.push(`${lines?.orders ?? 0} stored orders hold the hot product, ${orderIds.length} answered 201 (at most ${connections} in flight at the end)`)
  const namespace = await mf.getDurableObjectNamespace('STOCK')
  const stub = namespace.get(namespace.idFromName(String(hot.productId))) as unknown as {
    get(productId: number, variantId: number): Promise<{ ok: boolean; onHand: number; held: number }>
  }
  const stock = await stub.get(hot.productId, hot.variantId)
  if (!stock.ok) problems.push(`the hot product's stock object does not know it`)
  else {
    const oversold = Math.max(stock.held - stock.onHand, 0)
    if (oversold > 0) problems.push(`${oversold} units oversold (held ${stock.held} of ${stock.onHand} on hand)`)
    if (stock.held !== (lines?.units ?? 0)) problems.push(`the stock object holds ${stock.held} units, the stored orders ${lines?.units ?? 0}`)
    if (stock.onHand !== hot.onHand) problems.push(`on hand moved from ${hot.onHand} to ${stock.onHand} without a payment`)
  }
  return problems
}
