/**
 * The shop shows the stock it will sell: every change of a product's stock (a hold, a sale, an expiry,
 * a restock, a staff change) reaches the catalog API, its listings and the product pages at once here,
 * and within CATALOG_VERSION_TTL_MS in production, without any write path having to remember to say so.
 */
import { env, runDurableObjectAlarm, SELF } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { catalogVersion, forgetCatalogVersion, versionTtlMs } from '../src/catalog/cache'
import { STOCK_SHOWN_MAX } from '../src/catalog/availability'
import type { ProductDetail, ProductList } from '../src/catalog/responses'
import { getDb } from '../src/db/client'
import { catalogState, products, users } from '../src/db/schema'
import type { OrderView } from '../src/orders/service'
import { stockOf } from '../src/stock/client'
import { BASE, callJson, getJson, insertProduct, registerUser } from './helpers'
import { placeOrder, range, runOutHolds, shopper, type Answer } from './orders-helpers'
import { postWebhook, sessionObject, stripeEvent } from './payments-helpers'

vi.setConfig({ testTimeout: 30_000 })
afterEach(() => vi.restoreAllMocks())

/** What a shopper sees of a product everywhere the catalog shows it, read the way shoppers read it (through every cache). */
async function shown(product: { id: number; slug: string }) {
  const detail = await getJson<ProductDetail>(`/api/products/${product.slug}`)
  const newest = await getJson<ProductList>('/api/products?page_size=100')
  const inStock = await getJson<ProductList>('/api/products?in_stock=true&page_size=100')
  const soldOut = await getJson<ProductList>('/api/products?in_stock=false&page_size=100')
  const page = await (await SELF.fetch(`${BASE}/products/${product.slug}`)).text()
  const item = newest.body.items.find((i) => i.id === product.id)
  return {
    detail: { in_stock: detail.body.in_stock, stock_quantity: detail.body.stock_quantity },
    listed: { in_stock: item?.in_stock, stock_quantity: item?.stock_quantity },
    inStockList: inStock.body.items.some((i) => i.id === product.id),
    soldOutList: soldOut.body.items.some((i) => i.id === product.id),
    page: page.includes('Out of stock') ? 'sold out' : page.includes('Add to cart') ? 'for sale' : 'neither',
  }
}

const soldOut = { detail: { in_stock: false, stock_quantity: 0 }, listed: { in_stock: false, stock_quantity: 0 }, inStockList: false, soldOutList: true, page: 'sold out' }
const forSale = (n: number) => ({ detail: { in_stock: true, stock_quantity: n }, listed: { in_stock: true, stock_quantity: n }, inStockList: true, soldOutList: false, page: 'for sale' })

/** Pays an order through the offline checkout and a signed checkout.session.completed event. */
async function pay(who: Awaited<ReturnType<typeof shopper>>, order: OrderView) {
  const checkout = await callJson<Answer<{ url: string }>>('POST', `/api/orders/${order.id}/checkout`, undefined, who.bearer)
  expect(checkout.status).toBe(200)
  const sessionId = checkout.body.url.split('/').pop() ?? ''
  const answer = await postWebhook(stripeEvent('checkout.session.completed', sessionObject(order, sessionId)))
  expect(answer.body.outcome).toBe('paid')
}

const versionInD1 = async () => (await getDb(env).select().from(catalogState).get())?.version ?? 0

describe('the catalog shows the stock it will sell', () => {
  it('shows the last unit sold out everywhere once it is held, and still once it is paid for', async () => {
    const product = await insertProduct({ stockQuantity: 1 })
    expect(await shown(product)).toEqual(forSale(1))
    // Every answer is now cached in memory, KV and the edge's HTML cache.
    expect((await getJson(`/api/products/${product.slug}`)).headers.get('x-cache')).toBe('memory')

    const who = await shopper()
    const order = await placeOrder(who, [{ product_id: product.id, quantity: 1 }])
    expect(order.status).toBe(201)
    // Held for an unpaid order: the cart and the order would refuse it, so the shop says sold out.
    expect(await shown(product)).toEqual(soldOut)
    expect((await callJson('POST', '/api/cart/items', { product_id: product.id, quantity: 1 }, (await shopper()).bearer)).status).toBe(409)

    await pay(who, order.body)
    expect(await shown(product)).toEqual(soldOut)
    expect(await getDb(env).select({ onHand: products.stockQuantity, held: products.stockHeld }).from(products).where(eq(products.id, product.id)).get()).toEqual({ onHand: 0, held: 0 })
  })

  it('puts a product back on sale when the hold of an unpaid order runs out', async () => {
    const product = await insertProduct({ stockQuantity: 2 })
    const order = await placeOrder(await shopper(), [{ product_id: product.id, quantity: 2 }])
    expect(order.status).toBe(201)
    expect(await shown(product)).toEqual(soldOut)
    await runOutHolds(product.id)
    expect(await shown(product)).toEqual(forSale(2))
  })

  it('shows a staff change (the admin API, or the stock object by any other path) at once', async () => {
    const product = await insertProduct({ stockQuantity: 0 })
    expect(await shown(product)).toEqual(soldOut)
    const staff = await registerUser()
    await getDb(env).update(users).set({ role: 'staff' }).where(eq(users.id, staff.user.id))
    const saved = await callJson('PATCH', `/api/admin/products/${product.id}`, { stock_quantity: 3, expected_stock_quantity: 0 }, staff.bearer)
    expect(saved.status).toBe(200)
    expect(await shown(product)).toEqual(forSale(3))
    // No caller tells the catalog anything: the object does, whoever changes the stock.
    expect(await stockOf(env, product.id).adjust(product.id, -3)).toMatchObject({ ok: true, onHand: 0 })
    expect(await shown(product)).toEqual(soldOut)
  })

  it('shows a restock of a refunded sale', async () => {
    const product = await insertProduct({ stockQuantity: 1 })
    const stock = stockOf(env, product.id)
    await stock.reserve(product.id, `restock-${product.id}`, 1)
    await stock.commit(product.id, `restock-${product.id}`)
    expect(await shown(product)).toEqual(soldOut)
    await stock.restock(product.id, `restock-${product.id}`)
    expect(await shown(product)).toEqual(forSale(1))
  })
})

describe('what stock changes cost the cache', () => {
  it(`moves the catalog version only when the figure shown changes: exact up to ${STOCK_SHOWN_MAX}, then "${STOCK_SHOWN_MAX} or more"`, async () => {
    const product = await insertProduct({ stockQuantity: 40 })
    const stock = stockOf(env, product.id)
    const sell = async (n: number) => {
      for (const i of range(n)) {
        const id = `flash-${product.id}-${crypto.randomUUID()}-${i}`
        await stock.reserve(product.id, id, 1)
        await stock.commit(product.id, id)
      }
    }
    await stock.get(product.id)
    const start = await versionInD1()
    await sell(30) // 40 → 10: the shop shows "10" throughout
    expect(await versionInD1()).toBe(start)
    expect(await shown(product)).toEqual(forSale(STOCK_SHOWN_MAX))
    const beforeLast = await versionInD1()
    await sell(10) // 10 → 0: each sale changes what is shown (its hold already does, the sale then not)
    expect(await versionInD1()).toBe(beforeLast + 10)
    expect(await shown(product)).toEqual(soldOut)
  })

  it('announces no stock change D1 refused (the bump rides in the write-through batch), and announces it with the alarm\'s retry', async () => {
    const product = await insertProduct({ stockQuantity: 1 })
    const stock = stockOf(env, product.id)
    await stock.get(product.id)
    const before = await versionInD1()
    await env.DB.prepare(
      `CREATE TRIGGER stock_fails_${product.id} BEFORE UPDATE OF stock_held ON products WHEN new.id = ${product.id} BEGIN SELECT RAISE(ABORT, 'D1 is down'); END`,
    ).run()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(await stock.reserve(product.id, `batch-${product.id}`, 1)).toMatchObject({ ok: true })
    expect(await versionInD1()).toBe(before)
    await env.DB.prepare(`DROP TRIGGER stock_fails_${product.id}`).run()
    // The alarm retries the write-through, and the announcement with it.
    expect(await runDurableObjectAlarm(stock)).toBe(true)
    expect(await versionInD1()).toBe(before + 1)
    expect(await shown(product)).toEqual(soldOut)
  })
})

describe('the production staleness bound', () => {
  it('is CATALOG_VERSION_TTL_MS: an isolate that did not make the change reads the new version once its copy is that old', async () => {
    const ttl = versionTtlMs(env)
    expect(ttl).toBe(5_000)
    forgetCatalogVersion()
    const seen = await catalogVersion(env)
    // Another isolate's stock object announces a change: this isolate's copy is not told.
    await getDb(env).update(catalogState).set({ version: Number(seen) + 1 })
    expect(await catalogVersion(env)).toBe(seen)
    const now = Date.now()
    vi.spyOn(Date, 'now').mockReturnValue(now + ttl)
    expect(await catalogVersion(env)).toBe(String(Number(seen) + 1))
  })
})
