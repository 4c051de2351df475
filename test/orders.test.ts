import { env } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { getDb } from '../src/db/client'
import { idempotencyKeys, orders, users } from '../src/db/schema'
import { onHoldsExpired } from '../src/orders/expiry'
import { commitOrderStock, type OrderPage, type OrderView } from '../src/orders/service'
import { canTransition, transition } from '../src/orders/status'
import { stockOf } from '../src/stock/client'
import type { ErrorBody } from '../src/platform/errors'
import { callJson, insertProduct } from './helpers'
import { ADDRESS, cartCall, d1Stock, eventsOf, placeOrder, range, runOutHolds, setProduct, shopper, stockView, type Answer, type Shopper } from './orders-helpers'

// Hundreds of concurrent requests: on a shared, busy machine they can take longer than vitest's 5 s default.
vi.setConfig({ testTimeout: 30_000 })

const HOLD_TTL_MS = 900_000

const getOrder = (who: Shopper, id: string) => callJson<Answer<OrderView>>('GET', `/api/orders/${id}`, undefined, who.bearer)

/** The order of a 201, or a failed test saying what came back instead. */
async function placed(who: Shopper, items: { product_id: number; quantity: number }[]) {
  const answer = await placeOrder(who, items)
  if (answer.status !== 201) throw new Error(`order answered ${answer.status}: ${JSON.stringify(answer.body)}`)
  return answer.body
}

describe('POST /api/orders', () => {
  it('places an order priced from D1 now, holding every line in its stock object until the hold deadline', async () => {
    const mug = await insertProduct({ name: 'Blue mug', priceCents: 1250, stockQuantity: 10 })
    const tee = await insertProduct({ name: 'Grey tee', priceCents: 2000, stockQuantity: 10 })
    await setProduct(mug.id, { priceCents: 1300 }) // in D1 only: the catalog cache still says 1250
    const user = await shopper()
    const before = Date.now()
    const answer = await placeOrder(user, [
      { product_id: mug.id, quantity: 2 },
      { product_id: tee.id, quantity: 1 },
    ])

    expect(answer.status).toBe(201)
    const order = answer.body
    expect(order).toMatchObject({
      status: 'pending_payment',
      currency: 'USD',
      subtotal_cents: 2 * 1300 + 2000,
      total_cents: 2 * 1300 + 2000,
      shipping_address: { ...ADDRESS, line2: null, region: null },
      items: [
        { product_id: mug.id, name: 'Blue mug', quantity: 2, price_at_purchase_cents: 1300, line_total_cents: 2600 },
        { product_id: tee.id, name: 'Grey tee', quantity: 1, price_at_purchase_cents: 2000, line_total_cents: 2000 },
      ],
    })
    expect(order.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const holdExpiresAt = Date.parse(order.hold_expires_at ?? '')
    expect(holdExpiresAt).toBeGreaterThanOrEqual(before + HOLD_TTL_MS)
    expect(holdExpiresAt).toBeLessThanOrEqual(Date.now() + HOLD_TTL_MS)
    expect(await stockView(mug.id)).toMatchObject({ onHand: 10, held: 2, holds: [{ qty: 2, orderId: order.id }] })
    expect(await stockView(tee.id)).toMatchObject({ held: 1, holds: [{ qty: 1, orderId: order.id }] })
    expect((await getOrder(user, order.id)).body).toEqual(order)
    expect((await eventsOf(order.id)).map((e) => [e.fromStatus, e.toStatus])).toEqual([[null, 'pending_payment']])
  })

  it("takes the profile's default shipping address when the order names none, and answers 400 when there is neither", async () => {
    const product = await insertProduct()
    const user = await shopper()
    const none = await placeOrder(user, [{ product_id: product.id, quantity: 1 }], { address: null })
    expect(none.status).toBe(400)
    expect(none.body.error?.fields).toHaveProperty('shipping_address')
    expect((await stockView(product.id)).held).toBe(0)

    const home = { ...ADDRESS, name: 'Home', country: 'fr' }
    expect((await callJson('PUT', '/api/users/profile', { default_shipping_address: home }, user.bearer)).status).toBe(200)
    const answer = await placeOrder(user, [{ product_id: product.id, quantity: 1 }], { address: null })
    expect(answer.status).toBe(201)
    expect(answer.body.shipping_address).toMatchObject({ name: 'Home', country: 'FR' })
  })

  it('orders the sellable lines of the cart and takes them out of it once the order exists', async () => {
    const a = await insertProduct({ priceCents: 300 })
    const b = await insertProduct({ priceCents: 400 })
    const retired = await insertProduct()
    const user = await shopper()
    for (const [product, quantity] of [[a, 2], [b, 1], [retired, 1]] as const) {
      await cartCall('POST', '/items', { product_id: product.id, quantity }, { bearer: user.bearer })
    }
    await setProduct(retired.id, { isActive: false })

    const answer = await callJson<Answer<OrderView>>('POST', '/api/orders', { from_cart: true, shipping_address: ADDRESS }, user.bearer)
    expect(answer.status).toBe(201)
    expect(answer.body).toMatchObject({ subtotal_cents: 1000, items: [{ product_id: a.id, quantity: 2 }, { product_id: b.id, quantity: 1 }] })
    const cart = await cartCall('GET', '', undefined, { bearer: user.bearer })
    expect(cart.body.items).toEqual([expect.objectContaining({ product_id: retired.id, unavailable: 'no_longer_sold' })])

    const again = await callJson<ErrorBody>('POST', '/api/orders', { from_cart: true, shipping_address: ADDRESS }, user.bearer)
    expect(again.status).toBe(400)
    expect(again.body.error.code).toBe('cart_empty')
  })

  it('answers 409 naming the short lines, and holds nothing when one line cannot be held', async () => {
    const enough = await insertProduct({ stockQuantity: 5 })
    const short = await insertProduct({ stockQuantity: 1 })
    const user = await shopper()
    const answer = await placeOrder(user, [
      { product_id: enough.id, quantity: 2 },
      { product_id: short.id, quantity: 3 },
    ])
    expect(answer.status).toBe(409)
    expect(answer.body.error).toMatchObject({ code: 'insufficient_stock', fields: { [`product:${short.id}`]: ['requested 3, available 1'] } })
    expect(await stockView(enough.id)).toMatchObject({ held: 0, available: 5 })
    expect(await stockView(short.id)).toMatchObject({ held: 0, available: 1 })
    expect((await callJson<OrderPage>('GET', '/api/orders', undefined, user.bearer)).body.total).toBe(0)
  })
})

describe('orders racing for stock', () => {
  it('gives 50 of 200 concurrent single-unit orders when 50 are in stock; paying them leaves 0 everywhere and no hold', async () => {
    const product = await insertProduct({ stockQuantity: 50 })
    const users = await Promise.all(range(10).map(() => shopper()))
    const answers = await Promise.all(range(200).map((i) => placeOrder(users[i % 10] as Shopper, [{ product_id: product.id, quantity: 1 }])))

    const won = answers.filter((a) => a.status === 201)
    expect(won).toHaveLength(50)
    expect(answers.filter((a) => a.status === 409 && a.body.error?.code === 'insufficient_stock')).toHaveLength(150)
    expect(await stockView(product.id)).toMatchObject({ onHand: 50, held: 50, available: 0 })

    const paid = await Promise.all(won.map((a) => commitOrderStock(env, a.body.id)))
    expect(paid.every((p) => p.ok)).toBe(true)
    expect(await stockView(product.id)).toMatchObject({ onHand: 0, held: 0, available: 0, holds: [] })
    expect(await d1Stock(product.id)).toBe(0)
    const statuses = await getDb(env).select({ status: orders.status }).from(orders).where(eq(orders.userId, (users[0] as Shopper).user.id))
    expect(statuses.length).toBeGreaterThan(0)
    expect(statuses.every((s) => s.status === 'paid')).toBe(true)
    // Committing again sells nothing more.
    expect(await commitOrderStock(env, (won[0] as (typeof won)[number]).body.id)).toEqual({ ok: true, status: 'paid' })
    expect(await d1Stock(product.id)).toBe(0)
  })

  it('holds each of many concurrent multi-line orders over shared products fully or not at all', async () => {
    const stock = [6, 4, 5]
    const products = await Promise.all(stock.map((stockQuantity) => insertProduct({ stockQuantity })))
    const users = await Promise.all(range(4).map(() => shopper()))
    // Every order takes two or three of the products, 1..3 units each, in varying order.
    const baskets = range(30).map((i) =>
      products
        .filter((_, p) => (i + p) % 4 !== 0)
        .map((product, p) => ({ product_id: product.id, quantity: 1 + ((i + p) % 3) })),
    )
    const answers = await Promise.all(baskets.map((items, i) => placeOrder(users[i % 4] as Shopper, items)))
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true)
    const won = answers.flatMap((a) => (a.status === 201 ? [a.body] : []))
    expect(won.length).toBeGreaterThan(0)
    expect(won.length).toBeLessThan(30)

    for (const [p, product] of products.entries()) {
      const view = await stockView(product.id)
      const ordered = won.flatMap((o) => o.items).filter((line) => line.product_id === product.id)
      expect(view.held).toBe(ordered.reduce((sum, line) => sum + line.quantity, 0))
      expect(view.held).toBeLessThanOrEqual(stock[p] as number)
      // Every hold belongs to an order that exists, with the quantity of its line.
      const lineOf = new Map(won.map((o) => [o.id, o.items.find((line) => line.product_id === product.id)?.quantity]))
      for (const hold of view.holds) expect(lineOf.get(hold.orderId ?? '')).toBe(hold.qty)
    }
  })
})

describe('an order whose hold runs out', () => {
  it('becomes expired and gives back the holds of its other lines; delivering the expiry again changes nothing', async () => {
    const first = await insertProduct({ stockQuantity: 3 })
    const second = await insertProduct({ stockQuantity: 3 })
    const user = await shopper()
    const order = await placed(user, [
      { product_id: first.id, quantity: 2 },
      { product_id: second.id, quantity: 1 },
    ])

    expect(await runOutHolds(first.id)).toBe(true)
    const expired = (await getOrder(user, order.id)).body
    expect(expired).toMatchObject({ status: 'expired', hold_expires_at: null })
    expect(await stockView(first.id)).toMatchObject({ held: 0, available: 3 })
    expect(await stockView(second.id)).toMatchObject({ held: 0, available: 3 })

    const hold = { productId: first.id, reservationId: `${order.id}:${first.id}`, orderId: order.id, qty: 2, expiredAt: Date.now() }
    await onHoldsExpired(env, [hold])
    await onHoldsExpired(env, [hold])
    expect((await getOrder(user, order.id)).body.status).toBe('expired')
    expect((await eventsOf(order.id)).map((e) => e.toStatus)).toEqual(['pending_payment', 'expired'])
    // A payment arriving now finds no hold to sell: the payments issue decides (take the units, or refund).
    expect(await commitOrderStock(env, order.id)).toMatchObject({ ok: false, reason: 'not_held', lines: [{ productId: first.id }, { productId: second.id }] })
    expect((await getOrder(user, order.id)).body.status).toBe('expired')
  })

  it('leaves a paid order alone', async () => {
    const product = await insertProduct({ stockQuantity: 3 })
    const user = await shopper()
    const order = await placed(user, [{ product_id: product.id, quantity: 1 }])
    await commitOrderStock(env, order.id)
    await onHoldsExpired(env, [{ productId: product.id, reservationId: `${order.id}:${product.id}`, orderId: order.id, qty: 1, expiredAt: Date.now() }])
    expect((await getOrder(user, order.id)).body.status).toBe('paid')
    expect(await stockView(product.id)).toMatchObject({ onHand: 2, held: 0 })
  })
})

describe('Idempotency-Key', () => {
  it('answers a repeated POST with the same order (200, same body) and holds its stock once', async () => {
    const product = await insertProduct({ stockQuantity: 10 })
    const user = await shopper()
    const items = [{ product_id: product.id, quantity: 3 }]
    const first = await placeOrder(user, items, { key: 'checkout-1' })
    const again = await placeOrder(user, items, { key: 'checkout-1' })
    expect(first.status).toBe(201)
    expect(again.status).toBe(200)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.body).toEqual(first.body)
    expect(await stockView(product.id)).toMatchObject({ held: 3 })
    expect((await callJson<OrderPage>('GET', '/api/orders', undefined, user.bearer)).body.total).toBe(1)
  })

  it('makes one order of concurrent POSTs with the same key', async () => {
    const product = await insertProduct({ stockQuantity: 10 })
    const user = await shopper()
    const items = [{ product_id: product.id, quantity: 2 }]
    const answers = await Promise.all(range(8).map(() => placeOrder(user, items, { key: 'double-click' })))
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201])
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1)
    expect(await stockView(product.id)).toMatchObject({ held: 2, holds: [{ qty: 2 }] })
  })

  it('refuses the same key with another body, and keeps keys apart between users', async () => {
    const product = await insertProduct({ stockQuantity: 10 })
    const [alice, bob] = [await shopper(), await shopper()]
    await placeOrder(alice, [{ product_id: product.id, quantity: 1 }], { key: 'k' })
    const changed = await placeOrder(alice, [{ product_id: product.id, quantity: 2 }], { key: 'k' })
    expect(changed.status).toBe(422)
    expect(changed.body.error?.code).toBe('idempotency_key_reused')
    expect((await placeOrder(bob, [{ product_id: product.id, quantity: 2 }], { key: 'k' })).status).toBe(201)
    expect((await stockView(product.id)).held).toBe(3)
  })

  it('lets a key whose attempt failed be retried', async () => {
    const product = await insertProduct({ stockQuantity: 1 })
    const user = await shopper()
    const items = [{ product_id: product.id, quantity: 2 }]
    expect((await placeOrder(user, items, { key: 'retry-me' })).status).toBe(409)
    await stockOf(env, product.id).adjust(product.id, 1)
    expect((await placeOrder(user, items, { key: 'retry-me' })).status).toBe(201)
  })

  it('forgets a key after 24 hours, and takes over the claim of a request that died before making its order', async () => {
    const product = await insertProduct({ stockQuantity: 10 })
    const user = await shopper()
    const items = [{ product_id: product.id, quantity: 1 }]
    const claimOf = and(eq(idempotencyKeys.userId, user.user.id), eq(idempotencyKeys.key, 'old'))
    const first = await placeOrder(user, items, { key: 'old' })

    await getDb(env).update(idempotencyKeys).set({ createdAt: Date.now() - 25 * 60 * 60 * 1000 }).where(claimOf)
    const later = await placeOrder(user, items, { key: 'old' })
    expect(later.status).toBe(201)
    expect(later.body.id).not.toBe(first.body.id)

    // A claim naming an order that never got written, a minute old: its request is gone.
    await getDb(env).update(idempotencyKeys).set({ orderId: crypto.randomUUID(), createdAt: Date.now() - 61_000 }).where(claimOf)
    const retried = await placeOrder(user, items, { key: 'old' })
    expect(retried.status).toBe(201)
    expect((await stockView(product.id)).held).toBe(3)
  })

  it('refuses a key longer than 255 characters', async () => {
    const product = await insertProduct()
    const answer = await placeOrder(await shopper(), [{ product_id: product.id, quantity: 1 }], { key: 'k'.repeat(256) })
    expect(answer.status).toBe(400)
    expect(answer.body.error?.fields).toHaveProperty('idempotency-key')
  })
})

describe('order status', () => {
  it('allows only the moves of the state machine', () => {
    expect(canTransition('pending_payment', 'paid')).toBe(true)
    expect(canTransition('pending_payment', 'expired')).toBe(true)
    expect(canTransition('paid', 'shipped')).toBe(true)
    expect(canTransition('shipped', 'delivered')).toBe(true)
    expect(canTransition('delivered', 'refunded')).toBe(true)
    expect(canTransition('pending_payment', 'shipped')).toBe(false)
    expect(canTransition('delivered', 'cancelled')).toBe(false)
    expect(canTransition('cancelled', 'paid')).toBe(false)
    expect(canTransition('refunded', 'paid')).toBe(false)
    expect(canTransition('paid', 'pending_payment')).toBe(false)
  })

  it('refuses an illegal transition with 409 illegal_transition and records each legal one', async () => {
    const product = await insertProduct()
    const order = await placed(await shopper(), [{ product_id: product.id, quantity: 1 }])
    await expect(transition(env, order.id, 'shipped')).rejects.toMatchObject({ status: 409, code: 'illegal_transition' })
    await commitOrderStock(env, order.id)
    await transition(env, order.id, 'shipped', { note: 'tracking 1Z999' })
    await expect(transition(env, order.id, 'paid')).rejects.toMatchObject({ code: 'illegal_transition' })
    const events = await eventsOf(order.id)
    expect(events.map((e) => [e.fromStatus, e.toStatus, e.note])).toEqual([
      [null, 'pending_payment', 'placed'],
      ['pending_payment', 'paid', 'stock committed'],
      ['paid', 'shipped', 'tracking 1Z999'],
    ])
  })

  it('refuses to sell the stock of an order that can no longer be paid', async () => {
    const product = await insertProduct({ stockQuantity: 2 })
    const order = await placed(await shopper(), [{ product_id: product.id, quantity: 1 }])
    await transition(env, order.id, 'cancelled', { note: 'changed my mind' })
    await expect(commitOrderStock(env, order.id)).rejects.toMatchObject({ status: 409, code: 'illegal_transition' })
    expect(await stockView(product.id)).toMatchObject({ onHand: 2 })
  })

  it('lets exactly one of three racing transitions apply', async () => {
    const product = await insertProduct()
    const order = await placed(await shopper(), [{ product_id: product.id, quantity: 1 }])
    const results = await Promise.allSettled([transition(env, order.id, 'cancelled'), transition(env, order.id, 'expired'), transition(env, order.id, 'paid')])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['illegal_transition', 'illegal_transition'])
    expect(await eventsOf(order.id)).toHaveLength(2)
  })
})

describe('reading orders', () => {
  it("answers 404 for another customer's order and for an unknown id, but shows it to staff", async () => {
    const product = await insertProduct()
    const [owner, stranger, clerk] = [await shopper(), await shopper(), await shopper()]
    const order = await placed(owner, [{ product_id: product.id, quantity: 1 }])
    const theirs = await getOrder(stranger, order.id)
    expect(theirs.status).toBe(404)
    expect(theirs.body.error?.code).toBe('not_found')
    expect((await getOrder(owner, crypto.randomUUID())).status).toBe(404)
    await getDb(env).update(users).set({ role: 'staff' }).where(eq(users.id, clerk.user.id))
    expect((await getOrder(clerk, order.id)).body.id).toBe(order.id)
    expect((await callJson('GET', `/api/orders/${order.id}`)).status).toBe(401)
  })

  it('lists my orders newest first, a page at a time, with their lines', async () => {
    const product = await insertProduct({ stockQuantity: 20 })
    const [me, other] = [await shopper(), await shopper()]
    const mine: string[] = []
    for (const quantity of [1, 2, 3]) mine.push((await placed(me, [{ product_id: product.id, quantity }])).id)
    await placed(other, [{ product_id: product.id, quantity: 1 }])

    const first = await callJson<OrderPage>('GET', '/api/orders?page_size=2', undefined, me.bearer)
    expect(first.body).toMatchObject({ page: 1, page_size: 2, total: 3, total_pages: 2, prev: null, next: '/api/orders?page=2&page_size=2' })
    const second = await callJson<OrderPage>('GET', '/api/orders?page=2&page_size=2', undefined, me.bearer)
    expect([...first.body.items, ...second.body.items].map((o) => o.id)).toEqual([...mine].reverse())
    expect(second.body.items[0]?.items).toEqual([expect.objectContaining({ product_id: product.id, quantity: 1 })])
    expect((await callJson<ErrorBody>('GET', '/api/orders?page=0', undefined, me.bearer)).status).toBe(400)
  })
})

describe('bad order input', () => {
  it.each([
    ['quantity 0', { items: [{ product_id: 1, quantity: 0 }] }, 'items.0.quantity'],
    ['quantity 1000', { items: [{ product_id: 1, quantity: 1000 }] }, 'items.0.quantity'],
    ['empty items', { items: [] }, 'items'],
    ['neither items nor from_cart', {}, 'items'],
    ['both items and from_cart', { items: [{ product_id: 1, quantity: 1 }], from_cart: true }, 'items'],
    ['a product twice', { items: [{ product_id: 1, quantity: 1 }, { product_id: 1, quantity: 2 }] }, 'items.1.product_id'],
    ['a bad address', { items: [{ product_id: 1, quantity: 1 }], shipping_address: { ...ADDRESS, country: 'XX' } }, 'shipping_address.country'],
    ['an unknown field', { items: [{ product_id: 1, quantity: 1 }], coupon: 'x' }, 'coupon'],
  ])('refuses %s with a 400 naming the field', async (_label, body, field) => {
    const answer = await callJson<ErrorBody>('POST', '/api/orders', body, (await shopper()).bearer)
    expect(answer.status).toBe(400)
    expect(answer.body.error.code).toBe('validation_failed')
    expect(Object.keys(answer.body.error.fields ?? {})).toContain(field)
  })

  it('answers 404 naming an unknown or inactive product, and holds nothing', async () => {
    const fine = await insertProduct()
    const inactive = await insertProduct({ isActive: false })
    const user = await shopper()
    const answer = await placeOrder(user, [
      { product_id: fine.id, quantity: 1 },
      { product_id: 987_654_321, quantity: 1 },
      { product_id: inactive.id, quantity: 1 },
    ])
    expect(answer.status).toBe(404)
    expect(Object.keys(answer.body.error?.fields ?? {})).toEqual([`product:987654321`, `product:${inactive.id}`])
    expect((await stockView(fine.id)).held).toBe(0)
  })

  it('refuses lines in two currencies with a 400', async () => {
    const dollars = await insertProduct({ currency: 'USD' })
    const euros = await insertProduct({ currency: 'EUR' })
    const answer = await placeOrder(await shopper(), [
      { product_id: dollars.id, quantity: 1 },
      { product_id: euros.id, quantity: 1 },
    ])
    expect(answer.status).toBe(400)
    expect(answer.body.error?.message).toContain('one currency')
  })

  it('refuses malformed JSON with a 400 and an anonymous caller with a 401, in the one error shape', async () => {
    const malformed = await callJson<ErrorBody>('POST', '/api/orders', '{"items": [', (await shopper()).bearer)
    expect(malformed.status).toBe(400)
    expect(malformed.body.error.code).toBe('bad_request')
    const anonymous = await callJson<ErrorBody>('POST', '/api/orders', { items: [{ product_id: 1, quantity: 1 }] })
    expect(anonymous.status).toBe(401)
    expect(anonymous.body.error.code).toBe('unauthorized')
  })
})
