import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { formatAddressInline, formatAddressLines } from '../src/accounts/address-format'
import { markShipped } from '../src/admin/orders'
import type { CartView } from '../src/cart/service'
import { getDb } from '../src/db/client'
import { orders, storeSettings, users } from '../src/db/schema'
import type { ReorderResult } from '../src/orders/customer-actions'
import type { OrderView } from '../src/orders/service'
import { localCheckoutEvent } from '../src/payments/local'
import { localCheckoutFor, startCheckout } from '../src/payments/checkout'
import { handleStripeEvent } from '../src/payments/events'
import { forgetStoreSettings } from '../src/platform/store-settings'
import { BASE, Browser, callJson, insertProduct, registerUser, uniqueEmail } from './helpers'
import { ADDRESS, placeOrder, setProduct, stockView, type Shopper } from './orders-helpers'
import { viewerOf } from './payments-helpers'

/** A registered shopper signed in in a browser of their own. */
async function signedIn() {
  const who = await registerUser()
  const browser = new Browser()
  const answer = await browser.submit('/account/sign-in', '/account/sign-in', { email: who.email, password: who.password })
  expect(answer.status).toBe(303)
  return { who, browser }
}

async function pay(who: Shopper, orderId: string) {
  const { url } = await startCheckout(env, viewerOf(who), orderId, BASE)
  const { payment } = await localCheckoutFor(env, viewerOf(who), url.split('/').pop() ?? '')
  await handleStripeEvent(env, localCheckoutEvent(payment, 'pay'))
}

const staffActor = async () => {
  const staff = await registerUser()
  await getDb(env).update(users).set({ role: 'staff' }).where(eq(users.id, staff.user.id))
  return { id: staff.user.id, email: staff.email, name: 'Staff', role: 'staff' as const, tokenVersion: 0 }
}

const statusOf = async (orderId: string) => (await getDb(env).select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).get())?.status
const html = async (browser: Browser, path: string, headers: Record<string, string> = {}) => {
  const answer = await browser.fetch(path, { headers })
  return { status: answer.status, location: answer.headers.get('Location'), text: await answer.text() }
}

describe('cancelling an unpaid order through the API', () => {
  it("cancels the owner's unpaid order and releases its stock", async () => {
    const lamp = await insertProduct({ stockQuantity: 5, name: 'Harbor Lamp' })
    const who = await registerUser()
    const order = (await placeOrder(who, [{ product_id: lamp.id, quantity: 2 }])).body
    expect((await stockView(lamp.id)).held).toBe(2)
    const answer = await callJson<OrderView>('POST', `/api/orders/${order.id}/cancel`, undefined, who.bearer)
    expect(answer.status).toBe(200)
    expect(answer.body.status).toBe('cancelled')
    expect((await stockView(lamp.id)).held).toBe(0)
  })

  it("answers another customer's order, and staff's, with the 404 of an unknown one", async () => {
    const lamp = await insertProduct({ stockQuantity: 5 })
    const owner = await registerUser()
    const order = (await placeOrder(owner, [{ product_id: lamp.id, quantity: 1 }])).body
    const stranger = await registerUser()
    const theirs = await callJson<{ error: { code: string } }>('POST', `/api/orders/${order.id}/cancel`, undefined, stranger.bearer)
    expect(theirs.status).toBe(404)
    const staff = await registerUser()
    await getDb(env).update(users).set({ role: 'staff' }).where(eq(users.id, staff.user.id))
    expect((await callJson('POST', `/api/orders/${order.id}/cancel`, undefined, staff.bearer)).status).toBe(404)
    expect((await callJson('POST', '/api/orders/no-such-order/cancel', undefined, owner.bearer)).status).toBe(404)
    expect((await callJson('POST', `/api/orders/${order.id}/cancel`)).status).toBe(401)
    expect(await statusOf(order.id)).toBe('pending_payment')
  })

  it('refuses a paid order with a clear 409', async () => {
    const lamp = await insertProduct({ stockQuantity: 5 })
    const who = await registerUser()
    const order = (await placeOrder(who, [{ product_id: lamp.id, quantity: 1 }])).body
    await pay(who, order.id)
    const answer = await callJson<{ error: { code: string; message: string } }>('POST', `/api/orders/${order.id}/cancel`, undefined, who.bearer)
    expect(answer.status).toBe(409)
    expect(answer.body.error.code).toBe('not_cancellable')
    expect(answer.body.error.message).toContain(`Order ${order.id.slice(0, 8).toUpperCase()} is paid`)
    expect(await statusOf(order.id)).toBe('paid')
  })
})

describe('cancelling on the order pages', () => {
  it('lets a guest cancel through the signed link, after a confirmation, and releases the stock', async () => {
    const vase = await insertProduct({ stockQuantity: 4, name: 'Glaze Vase' })
    const placed = await callJson<OrderView & { order_url: string; access_key: string }>('POST', '/api/guest-orders', { email: uniqueEmail('guest'), items: [{ product_id: vase.id, quantity: 1 }], shipping_address: ADDRESS })
    expect(placed.status).toBe(201)
    const guest = new Browser()
    const key = encodeURIComponent(placed.body.access_key)
    const orderPage = await html(guest, placed.body.order_url)
    expect(orderPage.text).toContain(`href="/orders/${placed.body.id}/cancel?key=${key}"`)
    const confirm = await html(guest, `/orders/${placed.body.id}/cancel?key=${key}`)
    expect(confirm.status).toBe(200)
    expect(confirm.text).toContain(`action="/orders/${placed.body.id}/cancel?key=${key}"`)
    const done = await guest.submit(`/orders/${placed.body.id}/cancel?key=${key}`, `/orders/${placed.body.id}/cancel?key=${key}`, { confirm: 'yes' })
    expect(done.status).toBe(303)
    expect(done.headers.get('Location')).toBe(`/orders/${placed.body.id}?key=${key}`)
    expect(await statusOf(placed.body.id)).toBe('cancelled')
    expect((await stockView(vase.id)).held).toBe(0)
    const after = await html(guest, `/orders/${placed.body.id}?key=${key}`)
    expect(after.text).toContain(`Order ${placed.body.id.slice(0, 8).toUpperCase()} is cancelled`)
  })

  it('refuses a wrong key (404) and a forged form without its CSRF token (403), cancelling nothing', async () => {
    const vase = await insertProduct({ stockQuantity: 4 })
    const placed = await callJson<OrderView & { access_key: string }>('POST', '/api/guest-orders', { email: uniqueEmail('guest'), items: [{ product_id: vase.id, quantity: 1 }], shipping_address: ADDRESS })
    const guest = new Browser()
    expect((await html(guest, `/orders/${placed.body.id}/cancel?key=wrong`)).status).toBe(404)
    const key = encodeURIComponent(placed.body.access_key)
    const forged = await guest.submit(`/orders/${placed.body.id}?key=${key}`, `/orders/${placed.body.id}/cancel?key=${key}`, { confirm: 'yes' }, { csrf: false })
    expect(forged.status).toBe(403)
    const wrongKey = await guest.submit(`/orders/${placed.body.id}?key=${key}`, `/orders/${placed.body.id}/cancel?key=nope`, { confirm: 'yes' })
    expect(wrongKey.status).toBe(404)
    expect(await statusOf(placed.body.id)).toBe('pending_payment')
  })

  it('says in words that a paid order cannot be cancelled here, and offers no cancel link', async () => {
    const { who, browser } = await signedIn()
    const lamp = await insertProduct({ stockQuantity: 5 })
    const order = (await placeOrder(who, [{ product_id: lamp.id, quantity: 1 }])).body
    await pay(who, order.id)
    const page = await html(browser, `/orders/${order.id}`)
    expect(page.text).not.toContain(`/orders/${order.id}/cancel`)
    const asked = await html(browser, `/orders/${order.id}/cancel`)
    expect(asked.location).toBe(`/orders/${order.id}`)
    const back = await html(browser, `/orders/${order.id}`)
    expect(back.text).toContain('is paid, so it can no longer be cancelled here')
    const posted = await browser.submit(`/orders/${order.id}`, `/orders/${order.id}/cancel`, { confirm: 'yes' })
    expect(posted.status).toBe(303)
    expect(await statusOf(order.id)).toBe('paid')
  })
})

describe('ordering a past order again', () => {
  it('puts each line still sold into the cart, capped to the stock, and names what could not be added', async () => {
    const mug = await insertProduct({ stockQuantity: 10, name: 'Harbor Mug' })
    const desk = await insertProduct({ stockQuantity: 10, name: 'Oak Desk' })
    const tea = await insertProduct({ stockQuantity: 10, name: 'Smoky Tea' })
    const who = await registerUser()
    const order = (await placeOrder(who, [{ product_id: mug.id, quantity: 3 }, { product_id: desk.id, quantity: 1 }, { product_id: tea.id, quantity: 2 }])).body
    await pay(who, order.id)
    await setProduct(desk.id, { isActive: false })
    // 10 − 3 sold = 7 left of the mug; leave 1.
    const admin = await callJson('PATCH', `/api/admin/products/${mug.id}`, { stock_adjustment: -6 }, (await adminBearer()).bearer)
    expect(admin.status).toBe(200)
    const answer = await callJson<ReorderResult & { cart: CartView }>('POST', `/api/orders/${order.id}/reorder`, undefined, who.bearer)
    expect(answer.status).toBe(200)
    expect(answer.body.added.map((line) => [line.name, line.quantity])).toEqual([
      ['Harbor Mug', 1],
      ['Smoky Tea', 2],
    ])
    expect(answer.body.not_added).toEqual([expect.objectContaining({ name: 'Oak Desk', reason: 'no_longer_sold' })])
    expect(answer.body.message).toBe(`Added 3 items of order ${order.id.slice(0, 8).toUpperCase()} to your cart (only 1 of Harbor Mug was in stock). Not added: Oak Desk is no longer sold.`)
    expect(Object.fromEntries(answer.body.cart.items.map((line) => [line.name, line.quantity]))).toEqual({ 'Harbor Mug': 1, 'Smoky Tea': 2 })
    // Again: the cart already holds all the mugs there are.
    const again = await callJson<ReorderResult>('POST', `/api/orders/${order.id}/reorder`, undefined, who.bearer)
    expect(again.body.not_added.map((line) => line.message)).toContain('Harbor Mug: your cart already holds all we have in stock (1)')
  })

  it("answers another's order with 404 and puts nothing in anyone's cart", async () => {
    const mug = await insertProduct({ stockQuantity: 10 })
    const owner = await registerUser()
    const order = (await placeOrder(owner, [{ product_id: mug.id, quantity: 1 }])).body
    const stranger = await registerUser()
    expect((await callJson('POST', `/api/orders/${order.id}/reorder`, undefined, stranger.bearer)).status).toBe(404)
    const cart = await callJson<CartView>('GET', '/api/cart', undefined, stranger.bearer)
    expect(cart.body.items).toEqual([])
  })

  it('works from the order page: the cart says what was added; a forged form is refused', async () => {
    const { who, browser } = await signedIn()
    const mug = await insertProduct({ stockQuantity: 10, name: 'Reorder Mug' })
    const order = (await placeOrder(who, [{ product_id: mug.id, quantity: 2 }])).body
    await pay(who, order.id)
    const page = await html(browser, `/orders/${order.id}`)
    expect(page.text).toContain(`action="/orders/${order.id}/reorder"`)
    const forged = await browser.submit(`/orders/${order.id}`, `/orders/${order.id}/reorder`, {}, { csrf: false })
    expect(forged.status).toBe(403)
    const done = await browser.submit(`/orders/${order.id}`, `/orders/${order.id}/reorder`, {})
    expect(done.status).toBe(303)
    expect(done.headers.get('Location')).toBe('/cart')
    const cart = await html(browser, '/cart')
    expect(cart.text).toContain(`Added 2 items of order ${order.id.slice(0, 8).toUpperCase()} to your cart.`)
  })
})

async function adminBearer() {
  const admin = await registerUser()
  await getDb(env).update(users).set({ role: 'admin' }).where(eq(users.id, admin.user.id))
  return admin
}

describe('a shipped order shows its parcel', () => {
  it('with the carrier, the number and the tracking link on the order page, the list and the receipt', async () => {
    const { who, browser } = await signedIn()
    const lamp = await insertProduct({ stockQuantity: 5 })
    const order = (await placeOrder(who, [{ product_id: lamp.id, quantity: 1 }])).body
    await pay(who, order.id)
    await markShipped(env, await staffActor(), order.id, { carrier: 'UPS', tracking_number: '1Z999AA10123456784' })
    const link = 'href="https://www.ups.com/track?tracknum=1Z999AA10123456784"'
    const page = await html(browser, `/orders/${order.id}`)
    expect(page.text).toContain('<strong>UPS</strong>')
    expect(page.text).toContain('1Z999AA10123456784')
    expect(page.text).toContain(link)
    expect((await html(browser, '/orders')).text).toContain(link)
    expect((await html(browser, `/orders/${order.id}/receipt`)).text).toContain(link)
  })

  it('with the number alone for a carrier we have no tracking page for', async () => {
    const { who, browser } = await signedIn()
    const lamp = await insertProduct({ stockQuantity: 5 })
    const order = (await placeOrder(who, [{ product_id: lamp.id, quantity: 1 }])).body
    await pay(who, order.id)
    await markShipped(env, await staffActor(), order.id, { carrier: 'Bike Courier Ltd', tracking_number: 'BC-42' })
    const page = await html(browser, `/orders/${order.id}`)
    expect(page.text).toContain('<strong>Bike Courier Ltd</strong>')
    expect(page.text).toContain('BC-42')
    expect(page.text).not.toContain('Track the parcel')
  })
})

describe("dates in the shopper's locale and the store's time zone", () => {
  it('shows when an order was placed as the shopper reads it, with a machine copy', async () => {
    const { who, browser } = await signedIn()
    const lamp = await insertProduct({ stockQuantity: 5 })
    const order = (await placeOrder(who, [{ product_id: lamp.id, quantity: 1 }])).body
    await getDb(env).update(orders).set({ createdAt: Date.UTC(2026, 11, 1, 17, 39) }).where(eq(orders.id, order.id))
    await getDb(env).update(storeSettings).set({ timeZone: 'Europe/London' }).where(eq(storeSettings.id, 1))
    forgetStoreSettings()
    try {
      const british = await html(browser, `/orders/${order.id}`, { 'Accept-Language': 'en-GB,en;q=0.8' })
      expect(british.text).toContain('<time datetime="2026-12-01T17:39:00.000Z">1 Dec 2026, 17:39</time>')
      await getDb(env).update(storeSettings).set({ timeZone: 'America/New_York' }).where(eq(storeSettings.id, 1))
      forgetStoreSettings()
      const american = await html(browser, `/orders/${order.id}`, { 'Accept-Language': 'en-US' })
      expect(american.text).toMatch(/<time datetime="2026-12-01T17:39:00.000Z">Dec 1, 2026, 12:39\sPM<\/time>/)
      const german = await html(browser, '/orders', { 'Accept-Language': 'de-DE' })
      expect(german.text).toContain('>01.12.2026, 12:39</time>')
      expect((await html(browser, `/orders/${order.id}/receipt`, { 'Accept-Language': 'de-DE' })).text).toContain('>01.12.2026, 12:39</time>')
    } finally {
      await getDb(env).update(storeSettings).set({ timeZone: 'UTC' }).where(eq(storeSettings.id, 1))
      forgetStoreSettings()
    }
  })
})

describe('addresses formatted per country', () => {
  const base = { name: 'Ada Lovelace', line1: '1 Main St', line2: null, phone: '+15555550100' }
  it('writes "City, ST 12345" in the US, the postcode on its own line in the UK, "12345 City" in Germany and France, the country last', () => {
    expect(formatAddressLines({ ...base, city: 'Springfield', region: 'IL', postal_code: '62701', country: 'US' })).toEqual(['Ada Lovelace', '1 Main St', 'Springfield, IL 62701', 'United States'])
    expect(formatAddressLines({ ...base, city: 'London', region: null, postal_code: 'sw1y 4jh', country: 'GB' })).toEqual(['Ada Lovelace', '1 Main St', 'LONDON', 'SW1Y 4JH', 'United Kingdom'])
    expect(formatAddressLines({ ...base, city: 'Berlin', postal_code: '10115', country: 'DE' })).toEqual(['Ada Lovelace', '1 Main St', '10115 Berlin', 'Germany'])
    expect(formatAddressLines({ ...base, city: 'Paris', postal_code: '75008', country: 'FR' }, { withPhone: true })).toEqual(['Ada Lovelace', '1 Main St', '75008 Paris', 'France', '+15555550100'])
    expect(formatAddressInline({ ...base, city: 'Roma', region: 'RM', postal_code: '00144', country: 'IT' })).toBe('1 Main St, 00144 Roma RM, Italy')
  })

  it('on the order page and the receipt', async () => {
    const { who, browser } = await signedIn()
    const lamp = await insertProduct({ stockQuantity: 5 })
    const order = (await placeOrder(who, [{ product_id: lamp.id, quantity: 1 }])).body
    const page = await html(browser, `/orders/${order.id}`)
    expect(page.text).toContain('<span>12 St James Square<br/></span><span>LONDON<br/></span><span>SW1Y 4JH<br/></span><span>United Kingdom<br/></span>')
    expect((await html(browser, `/orders/${order.id}/receipt`)).text).toContain('<span>LONDON<br/></span><span>SW1Y 4JH<br/></span>')
  })
})

describe('order rows say what each cell is on a phone', () => {
  it('labels the cells of the order list, the order lines and the receipt', async () => {
    const { who, browser } = await signedIn()
    const lamp = await insertProduct({ stockQuantity: 5 })
    const order = (await placeOrder(who, [{ product_id: lamp.id, quantity: 1 }])).body
    for (const label of ['Order', 'Placed', 'Items', 'Total', 'Status']) expect((await html(browser, '/orders')).text).toContain(`data-label="${label}"`)
    for (const label of ['Product', 'Price', 'Quantity', 'Total']) expect((await html(browser, `/orders/${order.id}`)).text).toContain(`data-label="${label}"`)
    for (const label of ['Item', 'SKU', 'Qty', 'Unit price', 'Discount', 'Line total']) expect((await html(browser, `/orders/${order.id}/receipt`)).text).toContain(`data-label="${label}"`)
  })
})
