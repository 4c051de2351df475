import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import type { CartView } from '../src/cart/service'
import { getDb } from '../src/db/client'
import { orders, users } from '../src/db/schema'
import { expireOrder } from '../src/orders/service'
import { BASE, Browser, callJson, insertProduct, registerUser } from './helpers'
import { ADDRESS, cartCall, placeOrder, runOutHolds, setProduct, stockView } from './orders-helpers'
import { postWebhook, sessionObject, stripeEvent, viewerOf } from './payments-helpers'
import { startCheckout } from '../src/payments/checkout'

/** A signed-in browser with these products (id → quantity) in its cart, through the pages. */
async function browserWithCart(lines: [number, number][]) {
  const browser = new Browser()
  const registered = await browser.submit('/account/register', '/account/register', { name: 'Basket Keeper', email: `basket-${crypto.randomUUID()}@example.com`, password: 'basket password 1' })
  expect(registered.status).toBe(303)
  for (const [productId, quantity] of lines) await addToCart(browser, productId, quantity)
  return browser
}

async function addToCart(browser: Browser, productId: number, quantity: number) {
  const added = await browser.fetch('/cart/items', {
    method: 'POST',
    body: new URLSearchParams({ product_id: String(productId), quantity: String(quantity) }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE },
  })
  expect(added.status).toBe(303)
}

async function checkout(browser: Browser) {
  const fields = Object.fromEntries(Object.entries(ADDRESS).map(([key, value]) => [`shipping_address.${key}`, value]))
  const placed = await browser.submit('/checkout', '/checkout', fields)
  return new URL(placed.headers.get('Location') ?? '', BASE).pathname.split('/').pop() ?? ''
}

const cartOf = async (browser: Browser) => (await (await browser.fetch('/api/cart')).json()) as CartView
const quantities = (cart: CartView) => Object.fromEntries(cart.items.map((line) => [line.product_id, line.quantity]))
const statusOf = async (orderId: string) => (await getDb(env).query.orders.findFirst({ where: eq(orders.id, orderId) }))?.status

describe('an unpaid order that ends gives its lines back to the cart', () => {
  it('when its customer cancels it (after a confirmation step): merged with the cart, products no longer sold noted', async () => {
    const lamp = await insertProduct({ stockQuantity: 10 })
    const vase = await insertProduct({ stockQuantity: 10 })
    const browser = await browserWithCart([
      [lamp.id, 2],
      [vase.id, 1],
    ])
    const orderId = await checkout(browser)
    expect((await cartOf(browser)).items).toEqual([])
    await addToCart(browser, lamp.id, 1)
    await setProduct(vase.id, { isActive: false })

    const orderPage = await (await browser.fetch(`/orders/${orderId}`)).text()
    expect(orderPage).toContain(`href="/orders/${orderId}/cancel"`)
    const oneClick = await browser.submit(`/orders/${orderId}`, `/orders/${orderId}/cancel`, {})
    expect(oneClick.headers.get('Location')).toBe(`/orders/${orderId}/cancel`)
    expect(await statusOf(orderId)).toBe('pending_payment')

    const cancelled = await browser.submit(`/orders/${orderId}/cancel`, `/orders/${orderId}/cancel`, { confirm: 'yes' })
    expect(cancelled.headers.get('Location')).toBe('/cart')
    const cartPage = await (await browser.fetch('/cart')).text()
    expect(cartPage).toContain(`Order ${orderId.slice(0, 8).toUpperCase()} is cancelled and its items are back in your cart; one product is no longer sold (noted in the cart).`)
    expect(await statusOf(orderId)).toBe('cancelled')
    const cart = await cartOf(browser)
    expect(quantities(cart)).toEqual({ [lamp.id]: 3, [vase.id]: 1 })
    expect(cart.items.find((line) => line.product_id === vase.id)?.unavailable).toBe('no_longer_sold')
    expect((await stockView(lamp.id)).held).toBe(0)
  })

  it('when its holds run out (the stock alarm), once however often the expiry is delivered', async () => {
    const lamp = await insertProduct({ stockQuantity: 10 })
    const who = await registerUser()
    const order = (await placeOrder(who, [{ product_id: lamp.id, quantity: 4 }])).body
    await cartCall('POST', '/items', { product_id: lamp.id, quantity: 1 }, { bearer: who.bearer })
    await runOutHolds(lamp.id)
    expect(await statusOf(order.id)).toBe('expired')
    await expireOrder(env, order.id)
    const cart = (await cartCall('GET', '', undefined, { bearer: who.bearer })).body
    expect(quantities(cart)).toEqual({ [lamp.id]: 5 })
  })

  it('and takes them out again when the expired order is paid after all (a late payment that found its stock)', async () => {
    const lamp = await insertProduct({ stockQuantity: 10 })
    const who = await registerUser()
    const order = (await placeOrder(who, [{ product_id: lamp.id, quantity: 4 }])).body
    const { url } = await startCheckout(env, viewerOf(who), order.id, BASE)
    await cartCall('POST', '/items', { product_id: lamp.id, quantity: 1 }, { bearer: who.bearer })
    await runOutHolds(lamp.id)
    expect(quantities((await cartCall('GET', '', undefined, { bearer: who.bearer })).body)).toEqual({ [lamp.id]: 5 })
    const late = await postWebhook(stripeEvent('checkout.session.completed', sessionObject(order, url.split('/').pop() ?? '')))
    expect(late.body.outcome).toBe('paid_late')
    expect(quantities((await cartCall('GET', '', undefined, { bearer: who.bearer })).body)).toEqual({ [lamp.id]: 1 })
  })

  it('when staff cancel it', async () => {
    const lamp = await insertProduct({ stockQuantity: 10 })
    const who = await registerUser()
    const order = (await placeOrder(who, [{ product_id: lamp.id, quantity: 2 }])).body
    const clerk = await registerUser()
    await getDb(env).update(users).set({ role: 'staff' }).where(eq(users.id, clerk.user.id))
    expect((await callJson('POST', `/api/admin/orders/${order.id}/cancel`, undefined, clerk.bearer)).status).toBe(200)
    expect(quantities((await cartCall('GET', '', undefined, { bearer: who.bearer })).body)).toEqual({ [lamp.id]: 2 })
  })
})
