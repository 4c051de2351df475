import { env, SELF } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { chunkRows, getDb } from '../src/db/client'
import { users } from '../src/db/schema'
import { stockOf } from '../src/stock/client'
import { localCheckoutEvent } from '../src/payments/local'
import { localCheckoutFor, startCheckout } from '../src/payments/checkout'
import { handleStripeEvent } from '../src/payments/events'
import { BASE, Browser, callJson, insertProduct, registerUser } from './helpers'
import { ADDRESS, placeOrder } from './orders-helpers'

describe('D1 parameter limit', () => {
  it('splits multi-row inserts so that no statement binds more than 100 parameters', () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ a: i, b: i, c: i, d: i, e: i, f: i, g: i }))
    const chunks = chunkRows(rows)
    expect(chunks.flat()).toEqual(rows)
    expect(Math.max(...chunks.map((chunk) => chunk.length * 7))).toBeLessThanOrEqual(100)
  })

  it('places an order of 30 lines (210 parameters for its lines) in one go', async () => {
    const shopper = await registerUser()
    const products = await Promise.all(Array.from({ length: 30 }, () => insertProduct({ stockQuantity: 3 })))
    const order = await placeOrder(shopper, products.map((p) => ({ product_id: p.id, quantity: 1 })), { address: ADDRESS })
    expect(order.status).toBe(201)
    expect(order.body.items).toHaveLength(30)
  })

  it('keeps a cart to 50 different products', async () => {
    const shopper = await registerUser()
    const products = await Promise.all(Array.from({ length: 51 }, () => insertProduct({ stockQuantity: 3 })))
    for (const product of products.slice(0, 50)) {
      expect((await callJson('POST', '/api/cart/items', { product_id: product.id, quantity: 1 }, shopper.bearer)).status).toBe(200)
    }
    const full = await callJson<{ error: { code: string } }>('POST', '/api/cart/items', { product_id: products[50]?.id, quantity: 1 }, shopper.bearer)
    expect(full.status).toBe(409)
    expect(full.body.error.code).toBe('cart_full')
  }, 30_000)
})

describe('refunds and stock', () => {
  it('refuses restock on a refund of money alone (it names no units); the refund of everything left returns every unit', async () => {
    const staff = await registerUser()
    await getDb(env).update(users).set({ role: 'staff' }).where(eq(users.id, staff.user.id))
    const product = await insertProduct({ stockQuantity: 10, priceCents: 1000 })
    const shopper = await registerUser()
    const placed = await placeOrder(shopper, [{ product_id: product.id, quantity: 4 }], { address: ADDRESS })
    const viewer = { id: shopper.user.id, email: shopper.email, name: shopper.name, role: 'customer' as const, tokenVersion: 0 }
    const { url } = await startCheckout(env, viewer, placed.body.id as string, BASE)
    const { payment } = await localCheckoutFor(env, viewer, url.split('/').pop() as string)
    await handleStripeEvent(env, localCheckoutEvent(payment, 'pay'))
    const onHand = async () => {
      const stock = await stockOf(env, product.id).get(product.id)
      return stock.ok ? stock.onHand : -1
    }
    expect(await onHand()).toBe(6)
    const moneyOnly = await callJson('POST', `/api/admin/orders/${placed.body.id}/refund`, { amount: '10.00', reason: 'one broken', restock: true }, staff.bearer)
    expect(moneyOnly.status).toBe(400)
    expect(await onHand()).toBe(6)
    await callJson('POST', `/api/admin/orders/${placed.body.id}/refund`, { reason: 'all returned', restock: true }, staff.bearer)
    expect(await onHand()).toBe(10)
  })
})

describe('bad form requests are pages with a 4xx, never a 500', () => {
  it('answers a cross-site form with 403', async () => {
    const product = await insertProduct()
    for (const path of ['/cart/items', '/account/sign-in']) {
      const answer = await SELF.fetch(`${BASE}${path}`, {
        method: 'POST',
        body: new URLSearchParams({ product_id: String(product.id), quantity: '1' }),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://evil.example' },
      })
      expect(answer.status, path).toBe(403)
      expect(answer.headers.get('Content-Type'), path).toMatch(/text\/html/)
    }
  })

  it('answers add-to-cart with quantity 0 with a 400 page', async () => {
    const product = await insertProduct()
    const answer = await new Browser().fetch('/cart/items', {
      method: 'POST',
      body: new URLSearchParams({ product_id: String(product.id), quantity: '0' }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE },
    })
    expect(answer.status).toBe(400)
    expect(await answer.text()).toContain('Choose a quantity from 1 to 99')
  })

  it('refuses an oversized form with 413 before reading it, and never parses a stranger’s admin upload', async () => {
    const browser = new Browser()
    const big = await browser.fetch('/account/sign-in', {
      method: 'POST',
      body: new URLSearchParams({ email: 'x@example.com', password: 'x'.repeat(100 * 1024) }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE },
    })
    expect(big.status).toBe(413)
    const stranger = await new Browser().fetch('/admin/products/1/images', {
      method: 'POST',
      body: new Uint8Array(1024 * 1024),
      headers: { 'Content-Type': 'multipart/form-data; boundary=x', Origin: BASE },
    })
    expect(stranger.status).toBe(303)
  })
})
