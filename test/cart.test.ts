import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../src/db/client'
import { carts, products } from '../src/db/schema'
import { stockOf } from '../src/stock/client'
import { sha256Hex } from '../src/platform/encoding'
import { insertProduct } from './helpers'
import { cartCall, cartCookieOf, defaultVariant, setProduct, shopper } from './orders-helpers'

/** A guest's first add: answers the cart and the cookie that names it. */
async function guestAdds(productId: number, quantity: number) {
  const answer = await cartCall('POST', '/items', { product_id: productId, quantity })
  const cookie = cartCookieOf(answer.headers)
  if (answer.status !== 200 || !cookie) throw new Error(`add answered ${answer.status}: ${JSON.stringify(answer.body)}`)
  return { cart: answer.body, cookie }
}

describe('a guest cart', () => {
  it('is made by the first add and named by an HttpOnly, SameSite=Lax cookie (not Secure in development)', async () => {
    const product = await insertProduct({ priceCents: 1250, currency: 'EUR', images: ['mugs/blue.png'] })
    const answer = await cartCall('POST', '/items', { product_id: product.id, quantity: 2 })
    expect(answer.status).toBe(200)
    const setCookie = answer.headers.getSetCookie().find((c) => c.startsWith('cart='))
    expect(setCookie).toMatch(/^cart=[A-Za-z0-9_-]{43};/)
    expect(setCookie).toMatch(/HttpOnly/i)
    expect(setCookie).toMatch(/SameSite=Lax/i)
    expect(setCookie).not.toMatch(/Secure/i)
    expect(answer.body).toEqual({
      items: [
        {
          variant_id: await defaultVariant(product.id),
          product_id: product.id,
          slug: product.slug,
          name: product.name,
          sku: null,
          variant_title: 'Default',
          option_values: [],
          image_url: '/images/mugs/blue.png',
          unit_price_cents: 1250,
          quantity: 2,
          line_total_cents: 2500,
          currency: 'EUR',
          available: 5,
          unavailable: null,
        },
      ],
      currency: 'EUR',
      subtotal_cents: 2500,
      item_count: 2,
      discount_code: null,
      estimate_country: null,
      estimate_region: null,
      estimate: null,
    })
  })

  it('keeps only the hash of its token in D1', async () => {
    const product = await insertProduct()
    const { cookie } = await guestAdds(product.id, 1)
    const token = cookie.split('=')[1] ?? ''
    const rows = await getDb(env).select().from(carts).where(eq(carts.tokenHash, await sha256Hex(token)))
    expect(rows).toHaveLength(1)
    expect(JSON.stringify(rows)).not.toContain(token)
  })

  it('is empty, and not made, for a request without a cookie', async () => {
    const answer = await cartCall('GET', '')
    expect(answer.body).toEqual({ items: [], currency: null, subtotal_cents: 0, item_count: 0, discount_code: null, estimate_country: null, estimate_region: null, estimate: null })
    expect(cartCookieOf(answer.headers)).toBeUndefined()
  })

  it('adds up repeated adds, sets a quantity with PATCH, removes a line with DELETE, and totals follow', async () => {
    const mug = await insertProduct({ priceCents: 800, stockQuantity: 20 })
    const tee = await insertProduct({ priceCents: 1500, stockQuantity: 20 })
    const { cookie } = await guestAdds(mug.id, 1)
    await cartCall('POST', '/items', { product_id: mug.id, quantity: 2 }, { cookie })
    const added = await cartCall('POST', '/items', { product_id: tee.id, quantity: 1 }, { cookie })
    expect(added.body.items.map((i) => [i.product_id, i.quantity])).toEqual([
      [mug.id, 3],
      [tee.id, 1],
    ])
    expect(added.body.subtotal_cents).toBe(3 * 800 + 1500)

    const patched = await cartCall('PATCH', `/items/${await defaultVariant(mug.id)}`, { quantity: 5 }, { cookie })
    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({ subtotal_cents: 5 * 800 + 1500, item_count: 6 })

    const removed = await cartCall('DELETE', `/items/${await defaultVariant(tee.id)}`, undefined, { cookie })
    expect(removed.body).toMatchObject({ subtotal_cents: 4000, items: [{ product_id: mug.id, quantity: 5, line_total_cents: 4000 }] })
    expect((await cartCall('DELETE', `/items/${await defaultVariant(tee.id)}`, undefined, { cookie })).status).toBe(200)
    expect((await cartCall('GET', '', undefined, { cookie })).body.items).toHaveLength(1)
  })

  it('prices lines from D1 at the moment, not from the catalog cache', async () => {
    const product = await insertProduct({ priceCents: 1000 })
    const { cookie } = await guestAdds(product.id, 2)
    // A direct D1 write, with no catalog version bump: the cached catalog still says 1000.
    await setProduct(product.id, { priceCents: 1300 })
    expect((await cartCall('GET', '', undefined, { cookie })).body).toMatchObject({ subtotal_cents: 2600, items: [{ unit_price_cents: 1300 }] })
  })
})

describe('cart quantities and stock', () => {
  it('refuses more than is available with a 409 naming the available amount', async () => {
    const product = await insertProduct({ stockQuantity: 3 })
    const { cookie } = await guestAdds(product.id, 2)
    const more = await cartCall('POST', '/items', { product_id: product.id, quantity: 2 }, { cookie })
    expect(more.status).toBe(409)
    expect(more.body.error).toMatchObject({ code: 'insufficient_stock', fields: { quantity: ['only 3 available (the cart already holds 2)'] } })
    expect(more.body.error?.message).toContain('Only 3')

    const patched = await cartCall('PATCH', `/items/${await defaultVariant(product.id)}`, { quantity: 4 }, { cookie })
    expect(patched.status).toBe(409)
    expect(patched.body.error?.fields).toEqual({ quantity: ['only 3 available'] })
    expect((await cartCall('GET', '', undefined, { cookie })).body.items[0]?.quantity).toBe(2)
  })

  it('counts units held by orders as gone: available is on hand minus holds', async () => {
    const product = await insertProduct({ stockQuantity: 5 })
    await stockOf(env, product.id).reserve(product.id, `someone-else-${product.id}`, 4)
    const answer = await cartCall('POST', '/items', { product_id: product.id, quantity: 2 })
    expect(answer.status).toBe(409)
    expect(answer.body.error?.fields).toEqual({ quantity: ['only 1 available'] })
  })

  it('refuses a line past 99 units', async () => {
    const product = await insertProduct({ stockQuantity: 500 })
    const { cookie } = await guestAdds(product.id, 99)
    const more = await cartCall('POST', '/items', { product_id: product.id, quantity: 1 }, { cookie })
    expect(more.status).toBe(409)
    expect(more.body.error?.code).toBe('quantity_limit')
  })

  it('keeps a product that stopped being sold, with a note, out of the totals', async () => {
    const kept = await insertProduct({ priceCents: 500 })
    const retired = await insertProduct({ priceCents: 700 })
    const deleted = await insertProduct({ priceCents: 900 })
    const { cookie } = await guestAdds(kept.id, 1)
    await cartCall('POST', '/items', { product_id: retired.id, quantity: 2 }, { cookie })
    await cartCall('POST', '/items', { product_id: deleted.id, quantity: 1 }, { cookie })
    await setProduct(retired.id, { isActive: false })
    await getDb(env).delete(products).where(eq(products.id, deleted.id))

    const cart = (await cartCall('GET', '', undefined, { cookie })).body
    expect(cart.subtotal_cents).toBe(500)
    expect(cart.item_count).toBe(1)
    expect(cart.items).toEqual([
      expect.objectContaining({ product_id: kept.id, unavailable: null, line_total_cents: 500 }),
      expect.objectContaining({ product_id: retired.id, name: retired.name, quantity: 2, unavailable: 'no_longer_sold', line_total_cents: null }),
      expect.objectContaining({ product_id: deleted.id, name: null, quantity: 1, unavailable: 'no_longer_sold', line_total_cents: null }),
    ])
    const patched = await cartCall('PATCH', `/items/${await defaultVariant(retired.id)}`, { quantity: 1 }, { cookie })
    expect(patched.status).toBe(409)
    expect(patched.body.error?.code).toBe('product_unavailable')
    expect((await cartCall('DELETE', `/items/${await defaultVariant(retired.id)}`, undefined, { cookie })).body.items).toHaveLength(2)
  })
})

describe('a signed-in cart', () => {
  it('belongs to the user across requests, and to no one else', async () => {
    const product = await insertProduct()
    const [alice, bob] = [await shopper(), await shopper()]
    await cartCall('POST', '/items', { product_id: product.id, quantity: 2 }, { bearer: alice.bearer })
    const again = await cartCall('GET', '', undefined, { bearer: alice.bearer })
    expect(again.body.items).toEqual([expect.objectContaining({ product_id: product.id, quantity: 2 })])
    expect(cartCookieOf(again.headers)).toBeUndefined()
    expect((await cartCall('GET', '', undefined, { bearer: bob.bearer })).body.items).toEqual([])
  })

  it('loses nothing when the merge fails half-way: the guest cart stays until a merge lands whole', async () => {
    const product = await insertProduct({ stockQuantity: 10 })
    const user = await shopper()
    const { cookie } = await guestAdds(product.id, 3)
    await env.DB.prepare("CREATE TRIGGER injected_failure BEFORE INSERT ON cart_items BEGIN SELECT RAISE(ABORT, 'injected failure'); END").run()
    try {
      expect((await cartCall('GET', '', undefined, { cookie, bearer: user.bearer })).status).toBe(500)
    } finally {
      await env.DB.prepare('DROP TRIGGER injected_failure').run()
    }
    const retried = await cartCall('GET', '', undefined, { cookie, bearer: user.bearer })
    expect(retried.body.items.map((i) => [i.product_id, i.quantity])).toEqual([[product.id, 3]])
  })

  it('merges one guest cart once, whatever number of requests carry its cookie at the same time', async () => {
    const product = await insertProduct({ stockQuantity: 50 })
    const user = await shopper()
    const { cookie } = await guestAdds(product.id, 2)
    await Promise.all([1, 2, 3, 4].map(() => cartCall('GET', '', undefined, { cookie, bearer: user.bearer })))
    expect((await cartCall('GET', '', undefined, { bearer: user.bearer })).body.items.map((i) => i.quantity)).toEqual([2])
  })

  it('takes in the guest cart of the same request: quantities add up, capped by stock, then the guest cart and cookie are gone', async () => {
    const scarce = await insertProduct({ stockQuantity: 4 })
    const plenty = await insertProduct({ stockQuantity: 50 })
    const user = await shopper()
    await cartCall('POST', '/items', { product_id: scarce.id, quantity: 3 }, { bearer: user.bearer })
    const { cookie } = await guestAdds(scarce.id, 2)
    await cartCall('POST', '/items', { product_id: plenty.id, quantity: 5 }, { cookie })

    const merged = await cartCall('GET', '', undefined, { cookie, bearer: user.bearer })
    expect(merged.body.items.map((i) => [i.product_id, i.quantity])).toEqual([
      [scarce.id, 4],
      [plenty.id, 5],
    ])
    expect(merged.headers.getSetCookie().find((c) => c.startsWith('cart='))).toMatch(/Max-Age=0/i)
    expect((await cartCall('GET', '', undefined, { cookie })).body.items).toEqual([])
    // The same cookie again (a request still in flight, a stale tab) adds nothing twice.
    const replayed = await cartCall('GET', '', undefined, { cookie, bearer: user.bearer })
    expect(replayed.body.items.map((i) => i.quantity)).toEqual([4, 5])
  })

  it('merges once when two requests carry the guest cookie at the same time', async () => {
    const product = await insertProduct({ stockQuantity: 50 })
    const user = await shopper()
    const { cookie } = await guestAdds(product.id, 3)
    await Promise.all([1, 2, 3].map(() => cartCall('GET', '', undefined, { cookie, bearer: user.bearer })))
    expect((await cartCall('GET', '', undefined, { bearer: user.bearer })).body.items).toEqual([expect.objectContaining({ quantity: 3 })])
  })
})

describe('bad cart input', () => {
  it.each([
    ['quantity 0', { quantity: 0 }, 'quantity'],
    ['quantity 100', { quantity: 100 }, 'quantity'],
    ['a fractional quantity', { quantity: 1.5 }, 'quantity'],
    ['a quantity as text', { quantity: '2' }, 'quantity'],
    ['a product id as text', { product_id: 'x' }, 'product_id'],
    ['an unknown field', { coupon: 'FREE' }, 'coupon'],
  ])('refuses %s with a 400 naming the field', async (_label, change, field) => {
    const product = await insertProduct()
    const answer = await cartCall('POST', '/items', { product_id: product.id, quantity: 1, ...change })
    expect(answer.status).toBe(400)
    expect(answer.body.error?.code).toBe('validation_failed')
    expect(Object.keys(answer.body.error?.fields ?? {})).toContain(field)
  })

  it('answers 404 for an unknown or inactive product, and for a line not in the cart', async () => {
    const inactive = await insertProduct({ isActive: false })
    expect((await cartCall('POST', '/items', { product_id: 987_654_321, quantity: 1 })).status).toBe(404)
    expect((await cartCall('POST', '/items', { product_id: inactive.id, quantity: 1 })).status).toBe(404)
    const product = await insertProduct()
    const { cookie } = await guestAdds(product.id, 1)
    const missing = await cartCall('PATCH', `/items/${await defaultVariant(inactive.id)}`, { quantity: 1 }, { cookie })
    expect(missing.status).toBe(404)
    expect(missing.body.error?.code).toBe('not_found')
  })

  it('refuses malformed JSON and a bad variant id in the path with a 400, never a 500', async () => {
    const malformed = await cartCall('POST', '/items', '{"product_id": 1,')
    expect(malformed.status).toBe(400)
    expect(malformed.body.error?.code).toBe('bad_request')
    const badParam = await cartCall('PATCH', '/items/1e3', { quantity: 1 })
    expect(badParam.status).toBe(400)
    expect(badParam.body.error?.fields).toHaveProperty('variantId')
  })
})
