import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { getDb } from '../src/db/client'
import { discountRedemptions, discounts, orderItems, orders, orderTaxLines, payments, type NewOrder } from '../src/db/schema'
import { BASE, Browser, registerUser, staffUser, type TokenPair } from './helpers'

type Buyer = Awaited<ReturnType<typeof registerUser>>

async function browserOf(who: { email: string; password: string }) {
  const browser = new Browser()
  await browser.submit('/account/sign-in', '/account/sign-in', { email: who.email, password: who.password })
  return browser
}

/** Text of a page without its tags, spaces collapsed: what a reader sees, in order. */
const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')

/**
 * A US order stored as the totals formula would have stored it: 2 × Harbor Tee (Navy / M) at $25.00 and
 * 1 × Atlas at $30.00, WELCOME10 taking 10 % ($5.00 + $3.00), Express shipping $15.00, California sales
 * tax 7.25 % per line after discount ($4,500 × 7.25 % = 326.25 → $3.26; $27.00 → 195.75 → $1.96),
 * total 80.00 − 8.00 + 15.00 + 5.22 = $92.22, of which $10.00 refunded.
 */
async function usOrder(buyer: Buyer) {
  const db = getDb(env)
  const id = crypto.randomUUID()
  const code = `WELCOME10-${id.slice(0, 6).toUpperCase()}`
  const [discount] = await db.insert(discounts).values({ code, title: 'Welcome 10 % off', kind: 'percentage', value: 1000 }).returning()
  const order: NewOrder = {
    id,
    userId: buyer.user.id,
    status: 'paid',
    paymentStatus: 'partially_refunded',
    currency: 'USD',
    email: buyer.email,
    subtotalCents: 8000,
    discountCents: 800,
    shippingCents: 1500,
    shippingDiscountCents: 0,
    taxCents: 522,
    taxInclusive: false,
    totalCents: 9222,
    shippingMethodId: null,
    shippingMethodName: 'Express',
    shippingWeightGrams: 1250,
    shippingAddress: { name: 'Ada Shopper', line1: '1 Market St', line2: null, city: 'San Francisco', region: 'CA', postal_code: '94105', country: 'US' },
    holdExpiresAt: Date.now() + 60_000,
  }
  await db.batch([
    db.insert(orders).values(order),
    db.insert(orderItems).values([
      { orderId: id, productId: 900001, variantId: 900011, productName: 'Harbor Tee', sku: 'TEE-NVY-M', variantTitle: 'Navy / M', optionValues: [{ name: 'Colour', value: 'Navy' }, { name: 'Size', value: 'M' }], priceAtPurchaseCents: 2500, quantity: 2, lineTotalCents: 5000, reservationId: `${id}:1`, discountCents: 500, taxCents: 326, taxRateBp: 725 },
      { orderId: id, productId: 900002, variantId: 900021, productName: 'Atlas of the World', sku: null, variantTitle: 'Default', optionValues: [], priceAtPurchaseCents: 3000, quantity: 1, lineTotalCents: 3000, reservationId: `${id}:2`, discountCents: 300, taxCents: 196, taxRateBp: 725 },
    ]),
    db.insert(orderTaxLines).values({ orderId: id, position: 0, name: 'Sales tax', rateBp: 725, taxableCents: 7200, amountCents: 522 }),
    db.insert(discountRedemptions).values({ orderId: id, discountId: discount?.id ?? 0, code, title: 'Welcome 10 % off', customerKey: buyer.email, amountCents: 800 }),
    db.insert(payments).values({ orderId: id, provider: 'local', status: 'complete', amountCents: 9222, currency: 'USD', receivedCents: 9222, refundedCents: 1000 }),
  ])
  return { id, code, ref: id.slice(0, 8).toUpperCase() }
}

/**
 * A German order, prices including 19 % VAT: 1 × Desk Lamp at €119.00 (its tax 119.00 × 19/119 = €19.00),
 * Standard shipping €9.00 made free by a free-shipping discount, no redemption row (an order of before),
 * total €119.00 — the VAT shown as included, not added.
 */
async function germanOrder(buyer: Buyer) {
  const db = getDb(env)
  const id = crypto.randomUUID()
  await db.batch([
    db.insert(orders).values({
      id,
      userId: buyer.user.id,
      status: 'paid',
      paymentStatus: 'paid',
      currency: 'EUR',
      email: buyer.email,
      subtotalCents: 11900,
      discountCents: 0,
      shippingCents: 900,
      shippingDiscountCents: 900,
      taxCents: 1900,
      taxInclusive: true,
      totalCents: 11900,
      shippingMethodName: 'Standard',
      shippingAddress: { name: 'Grete Käufer', line1: 'Hauptstraße 1', city: 'Berlin', postal_code: '10115', country: 'DE' },
      holdExpiresAt: Date.now() + 60_000,
    }),
    db.insert(orderItems).values({ orderId: id, productId: 900003, variantId: 900031, productName: 'Desk Lamp', sku: 'LAMP-1', variantTitle: 'Default', optionValues: [], priceAtPurchaseCents: 11900, quantity: 1, lineTotalCents: 11900, reservationId: `${id}:3`, taxCents: 1900, taxRateBp: 1900 }),
    db.insert(orderTaxLines).values({ orderId: id, position: 0, name: 'VAT', rateBp: 1900, taxableCents: 10000, amountCents: 1900 }),
  ])
  return { id, ref: id.slice(0, 8).toUpperCase() }
}

describe('the printable receipt', () => {
  it('shows the buyer every line and every stored figure, in the order they add up', async () => {
    const buyer = await registerUser()
    const order = await usOrder(buyer)
    const browser = await browserOf(buyer)
    expect(await (await browser.fetch(`/orders/${order.id}`)).text()).toContain(`<a href="/orders/${order.id}/receipt">Printable receipt</a>`)
    const page = await browser.fetch(`/orders/${order.id}/receipt`)
    expect(page.status).toBe(200)
    expect(page.headers.get('Cache-Control')).toBe('no-store')
    const text = visible(await page.text())
    expect(text).toContain(`Order ${order.ref}`)
    expect(text).toContain('Cato-Store (development) 1 Example Street Springfield 00000 Nowhere')
    expect(text).toContain(buyer.email)
    expect(text).toContain('Ada Shopper 1 Market St San Francisco, CA 94105 United States')
    expect(text).toContain('Express · 1.25 kg')
    expect(text).toContain('Harbor Tee Navy / M tax 7.25 %: $3.26 TEE-NVY-M 2 $25.00 −$5.00 $45.00')
    expect(text).toContain('Atlas of the World tax 7.25 %: $1.96 — 1 $30.00 −$3.00 $27.00')
    expect(text).toContain(`Subtotal $80.00 Code ${order.code} −$8.00 Shipping · Express $15.00 Sales tax (7.25 %) $5.22 Total $92.22 Refunded −$10.00 Paid after refunds $82.22`)
  })

  it('shows tax that prices include under the total, and shipping a discount made free as free beside its price', async () => {
    const buyer = await registerUser()
    const order = await germanOrder(buyer)
    const text = visible(await (await (await browserOf(buyer)).fetch(`/orders/${order.id}/receipt`)).text())
    expect(text).toContain('Subtotal €119.00 Shipping · Standard Free €9.00 Total €119.00 Includes VAT (19 %) €19.00')
    expect(text).not.toContain('Refunded')
    expect(text).toContain('Desk Lamp incl. 19 %: €19.00 LAMP-1 1 €119.00 — €119.00')
    expect(text).toContain('Grete Käufer Hauptstraße 1 10115 Berlin Germany')
  })

  it('is for the buyer and staff only: anyone else gets the page an unknown order gets', async () => {
    const buyer = await registerUser()
    const order = await usOrder(buyer)
    const stranger = await browserOf(await registerUser())
    expect((await stranger.fetch(`/orders/${order.id}/receipt`)).status).toBe(404)
    expect((await stranger.fetch(`/orders/${crypto.randomUUID()}/receipt`)).status).toBe(404)
    const signedOut = await SELF.fetch(`${BASE}/orders/${order.id}/receipt`, { redirect: 'manual' })
    expect(signedOut.status).toBe(303)
    expect(signedOut.headers.get('Location')).toBe(`/account/sign-in?next=${encodeURIComponent(`/orders/${order.id}/receipt`)}`)
    const staff = await staffUser('staff')
    const staffPage = await (await browserOf(staff)).fetch(`/orders/${order.id}/receipt`)
    expect(staffPage.status).toBe(200)
    expect(await staffPage.text()).toContain(`href="/admin/orders/${order.id}"`)
  })
})

describe("the admin's view of an order's money", () => {
  it('shows the same figures on the order page as on the receipt, with the method and its weight', async () => {
    const buyer = await registerUser()
    const order = await usOrder(buyer)
    const staff = await staffUser('staff')
    const text = visible(await (await (await browserOf(staff)).fetch(`/admin/orders/${order.id}`)).text())
    expect(text).toContain(`Subtotal $80.00 Code ${order.code} −$8.00 Shipping · Express $15.00 Sales tax (7.25 %) $5.22 Total $92.22`)
    expect(text).toMatch(/Partly refunded Placed .* · \$10\.00 refunded/)
    expect(text).toContain(`Printable receipt`)
    expect(text).toContain(`Customer Test Shopper ${buyer.email}`)
    expect(text).toContain('Express, priced on 1250 g')
  })

  it('exports every figure in the CSV, adding up on each row', async () => {
    const buyer = await registerUser()
    const us = await usOrder(buyer)
    const de = await germanOrder(buyer)
    const staff: TokenPair & { bearer: Record<string, string> } = await staffUser('staff')
    const csv = await (await SELF.fetch(`${BASE}/api/admin/orders.csv?email=${encodeURIComponent(buyer.email)}`, { headers: staff.bearer })).text()
    const [header = '', ...rows] = csv.trim().split('\r\n')
    const columns = header.split(',')
    expect(columns).toEqual(['order_id', 'created_at', 'email', 'customer_email', 'status', 'payment_status', 'currency', 'subtotal', 'discount', 'shipping', 'tax', 'tax_inclusive', 'total', 'refunded', 'shipping_method', 'address', 'review_reason', 'items', 'discounts_applied'])
    const rowOf = (id: string) => {
      const row = rows.find((line) => line.startsWith(id)) ?? ''
      // The address and items cells are quoted (they hold commas): read the plain cells before them.
      const cells = row.split(',')
      return Object.fromEntries(columns.slice(0, 15).map((name, i) => [name, cells[i]]))
    }
    expect(rowOf(us.id)).toMatchObject({ email: buyer.email, currency: 'USD', subtotal: '80.00', discount: '8.00', shipping: '15.00', tax: '5.22', tax_inclusive: 'no', total: '92.22', refunded: '10.00', shipping_method: 'Express' })
    expect(rowOf(de.id)).toMatchObject({ currency: 'EUR', subtotal: '119.00', discount: '9.00', shipping: '9.00', tax: '19.00', tax_inclusive: 'yes', total: '119.00', refunded: '0.00', shipping_method: 'Standard' })
    const usRow = rows.find((line) => line.startsWith(us.id)) ?? ''
    expect(usRow).toContain('"Ada Shopper, 1 Market St, 94105 San Francisco, California, United States"')
    expect(usRow).toContain('"2 × Harbor Tee (Navy / M, SKU TEE-NVY-M); 1 × Atlas of the World"')
  })
})
