import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import type { QuoteView } from '../src/checkout/responses'
import { getDb } from '../src/db/client'
import { checkoutSettings, orderTaxLines, productVariants, shippingMethods, shippingZoneAreas, shippingZones, taxRates } from '../src/db/schema'
import type { OrderView } from '../src/orders/service'
import { localCheckoutFor, startCheckout, stripeLineItems } from '../src/payments/checkout'
import { localCheckoutEvent } from '../src/payments/local'
import { handleStripeEvent } from '../src/payments/events'
import { BASE, Browser, callJson, insertProduct, registerUser, staffUser } from './helpers'
import { ADDRESS, cartCall, cartCookieOf, setProduct, shopper, stockView, withCsrf, type Answer, type Shopper } from './orders-helpers'
import { STRIPE_ENV, stripeRequests, viewerOf } from './payments-helpers'

const US_ADDRESS = { name: 'Grace Hopper', line1: '1 Infinite Loop', city: 'Cupertino', region: 'CA', postal_code: '95014', country: 'US' }
const FR_ADDRESS = { name: 'Marie Curie', line1: '1 rue Pierre et Marie Curie', city: 'Paris', postal_code: '75005', country: 'FR' }

let methods: { standard: number; express: number; eu: number }

/** The store of this file: domestic (US) with a flat method free above $100 and an express one by weight; the EU (FR) with taxable shipping. */
beforeAll(async () => {
  const db = getDb(env)
  const [domestic, eu] = await db.insert(shippingZones).values([{ name: 'Domestic', position: 0 }, { name: 'EU', shippingTaxable: true, position: 1 }]).returning()
  if (!domestic || !eu) throw new Error('zones not inserted')
  await db.insert(shippingZoneAreas).values([
    { zoneId: domestic.id, country: 'US', region: '' },
    { zoneId: eu.id, country: 'FR', region: '' },
  ])
  const [standard, express, euStandard] = await db
    .insert(shippingMethods)
    .values([
      { zoneId: domestic.id, name: 'Standard', estimate: '3–5 business days', rateKind: 'flat', flatCents: 500, freeAboveCents: 10_000, position: 0 },
      {
        zoneId: domestic.id,
        name: 'Express',
        estimate: 'Next day',
        rateKind: 'weight',
        bands: [
          { min: 0, max: 1000, price_cents: 1500 },
          { min: 1000, max: null, price_cents: 2500 },
        ],
        position: 1,
      },
      { zoneId: eu.id, name: 'La Poste', estimate: '4–6 jours', rateKind: 'flat', flatCents: 600, position: 0 },
    ])
    .returning()
  if (!standard || !express || !euStandard) throw new Error('methods not inserted')
  methods = { standard: standard.id, express: express.id, eu: euStandard.id }
  await db.insert(taxRates).values([
    { country: 'US', region: 'CA', taxClass: 'standard', rateBp: 725, name: 'CA sales tax' },
    { country: 'FR', region: '', taxClass: 'standard', rateBp: 2000, name: 'TVA' },
    { country: 'FR', region: '', taxClass: 'reduced', rateBp: 550, name: 'TVA réduite' },
  ])
})

/** Prices in this file exclude tax unless a test says otherwise (and puts it back). */
async function pricesIncludeTax(inclusive: boolean) {
  await getDb(env).insert(checkoutSettings).values({ id: 1, pricesIncludeTax: inclusive }).onConflictDoUpdate({ target: checkoutSettings.id, set: { pricesIncludeTax: inclusive } })
}

/** A product of one variant with a price, a weight and a tax class. */
async function product({ priceCents, weightGrams = 0, taxClass = 'standard' as const, stock = 20 }: { priceCents: number; weightGrams?: number; taxClass?: 'standard' | 'reduced' | 'zero'; stock?: number }) {
  const row = await insertProduct({ priceCents, stockQuantity: stock })
  await getDb(env).update(productVariants).set({ weightGrams }).where(eq(productVariants.productId, row.id))
  if (taxClass !== 'standard') await setProduct(row.id, { taxClass })
  return row
}

const quote = (body: unknown, headers: Record<string, string> = {}) => callJson<Answer<QuoteView>>('POST', '/api/checkout/quote', body, headers)
const order = (who: Shopper, body: Record<string, unknown>) => callJson<Answer<OrderView>>('POST', '/api/orders', body, who.bearer)

describe('a quote', () => {
  it('lists the methods that ship the cart to a Californian address, with prices and estimates, and adds state tax per line', async () => {
    // 2 × $19.99 (400 g) and 1 × $5.10 (400 g): 1200 g, Express in its 1 kg+ band at $25.
    const tee = await product({ priceCents: 1999, weightGrams: 400 })
    const pin = await product({ priceCents: 510, weightGrams: 400 })
    const items = [
      { product_id: tee.id, quantity: 2 },
      { product_id: pin.id, quantity: 1 },
    ]
    const answer = await quote({ items, shipping_address: US_ADDRESS, shipping_method_id: methods.express })
    expect(answer.status).toBe(200)
    expect(answer.body.shipping_methods.map((m) => [m.name, m.price_cents, m.estimate])).toEqual([
      ['Standard', 500, '3–5 business days'],
      ['Express', 2500, 'Next day'],
    ])
    // Tax half-up per line: 3998 × 7.25 % = 289.855 → 290; 510 × 7.25 % = 36.975 → 37.
    expect(answer.body.lines.map((l) => l.tax_cents)).toEqual([290, 37])
    expect(answer.body).toMatchObject({ subtotal_cents: 4508, shipping_cents: 2500, tax_cents: 327, total_cents: 7335, weight_grams: 1200, tax_inclusive: false, problems: [] })
    expect(answer.body.tax_lines).toEqual([{ name: 'CA sales tax', rate_bp: 725, taxable_cents: 4508, amount_cents: 327 }])
  })

  it('says when no zone covers the country, and when no method was chosen', async () => {
    const mug = await product({ priceCents: 1200 })
    const japan = await quote({ items: [{ product_id: mug.id, quantity: 1 }], country: 'JP' })
    expect(japan.body.problems).toEqual([{ code: 'no_zone', message: 'We do not ship to JP.' }])
    expect(japan.body.shipping_methods).toEqual([])
    const noMethod = await quote({ items: [{ product_id: mug.id, quantity: 1 }], country: 'US', region: 'NY' })
    expect(noMethod.body.problems.map((p) => p.code)).toEqual(['method_required'])
    expect(noMethod.body.tax_cents).toBe(0)
  })

  it('refuses a code it does not know in words, never silently', async () => {
    const mug = await product({ priceCents: 1200 })
    const answer = await quote({ items: [{ product_id: mug.id, quantity: 1 }], country: 'US', discount_code: 'nope-42' })
    expect(answer.body.code_refusal?.message.toUpperCase()).toContain('NOPE-42')
    expect(answer.body).toMatchObject({ discount_cents: 0, discount_code: 'nope-42' })
  })

  it('refuses an unknown country code and a body with neither items nor the cart', async () => {
    const mug = await product({ priceCents: 1200 })
    const bad = await quote({ items: [{ product_id: mug.id, quantity: 1 }], country: 'XX' })
    expect(bad.status).toBe(400)
    expect(bad.body.error?.fields?.['country']?.[0]).toContain('ISO 3166-1')
    expect((await quote({ country: 'US' })).status).toBe(400)
  })
})

describe('placing an order with shipping and tax', () => {
  it('stores the method, its price and weight, the tax per line and per rate, and charges their sum', async () => {
    const who = await shopper()
    const tee = await product({ priceCents: 1999, weightGrams: 400 })
    const placed = await order(who, { items: [{ product_id: tee.id, quantity: 2 }], shipping_address: US_ADDRESS, shipping_method_id: methods.standard })
    expect(placed.status).toBe(201)
    // 3998 + 500 shipping (not taxed in this zone) + 290 tax.
    expect(placed.body).toMatchObject({
      subtotal_cents: 3998,
      discount_cents: 0,
      shipping: { method_id: methods.standard, method: 'Standard', cents: 500, discount_cents: 0, weight_grams: 800 },
      tax_cents: 290,
      tax_inclusive: false,
      tax_lines: [{ name: 'CA sales tax', rate_bp: 725, taxable_cents: 3998, amount_cents: 290 }],
      total_cents: 4788,
      email: who.email.toLowerCase(),
    })
    expect(placed.body.items[0]).toMatchObject({ line_total_cents: 3998, discount_cents: 0, tax_cents: 290, tax_rate_bp: 725 })
    const rows = await getDb(env).select().from(orderTaxLines).where(eq(orderTaxLines.orderId, placed.body.id))
    expect(rows.map((r) => r.amountCents)).toEqual([290])
  })

  it('refuses a country no zone covers, naming it, and holds nothing', async () => {
    const who = await shopper()
    const mug = await product({ priceCents: 1200, stock: 3 })
    const answer = await order(who, { items: [{ product_id: mug.id, quantity: 1 }], shipping_address: { ...ADDRESS, country: 'JP' } })
    expect(answer.status).toBe(400)
    expect(answer.body.error).toMatchObject({ code: 'unshippable_country', message: 'We do not ship to JP.' })
    expect((await stockView(mug.id)).held).toBe(0)
  })

  it('requires a method once the store has zones, and refuses one that does not ship to the address', async () => {
    const who = await shopper()
    const mug = await product({ priceCents: 1200 })
    const none = await order(who, { items: [{ product_id: mug.id, quantity: 1 }], shipping_address: US_ADDRESS })
    expect(none.status).toBe(400)
    expect(none.body.error?.code).toBe('shipping_method_required')
    const wrong = await order(who, { items: [{ product_id: mug.id, quantity: 1 }], shipping_address: US_ADDRESS, shipping_method_id: methods.eu })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error?.code).toBe('shipping_method_unavailable')
  })

  it('answers 409 total_changed with the new breakdown when the total differs from the one shown, and places nothing', async () => {
    const who = await shopper()
    const mug = await product({ priceCents: 1200, stock: 4 })
    const body = { items: [{ product_id: mug.id, quantity: 1 }], shipping_address: US_ADDRESS, shipping_method_id: methods.standard }
    const shown = await quote(body)
    await getDb(env).update(productVariants).set({ priceCents: 1500 }).where(eq(productVariants.productId, mug.id))
    const answer = await order(who, { ...body, expected_total_cents: shown.body.total_cents })
    expect(answer.status).toBe(409)
    expect(answer.body.error?.code).toBe('total_changed')
    const fresh = answer.body.error?.details?.['quote'] as QuoteView
    // 1200 + 87 tax + 500 → 1500 + 109 tax + 500.
    expect([shown.body.total_cents, fresh.total_cents]).toEqual([1787, 2109])
    expect(answer.body.error?.message).toBe('The total changed from 17.87 USD to 21.09 USD: check the new breakdown and order again')
    expect((await stockView(mug.id)).held).toBe(0)
    expect((await order(who, { ...body, expected_total_cents: fresh.total_cents })).status).toBe(201)
  })

  it('refuses an entered code that does not apply with its message, and places nothing', async () => {
    const who = await shopper()
    const mug = await product({ priceCents: 1200, stock: 2 })
    const answer = await order(who, { items: [{ product_id: mug.id, quantity: 1 }], shipping_address: US_ADDRESS, shipping_method_id: methods.standard, discount_code: 'BOGUS' })
    expect(answer.status).toBe(400)
    expect(answer.body.error?.code).toBe('discount_code_refused')
    expect(answer.body.error?.fields?.['discount_code']?.[0]?.toUpperCase()).toContain('BOGUS')
    expect((await stockView(mug.id)).held).toBe(0)
  })

  it('shows the VAT EU prices include without changing the total, shipping taxed at the standard rate', async () => {
    await pricesIncludeTax(true)
    try {
      const who = await shopper()
      const shirt = await product({ priceCents: 3000 })
      const book = await product({ priceCents: 1266, taxClass: 'reduced' })
      const placed = await order(who, {
        items: [
          { product_id: shirt.id, quantity: 1 },
          { product_id: book.id, quantity: 1 },
        ],
        shipping_address: FR_ADDRESS,
        shipping_method_id: methods.eu,
      })
      expect(placed.status).toBe(201)
      // 3000 × 20/120 = 500, 1266 × 5.5/105.5 = 66, shipping 600 × 20/120 = 100.
      expect(placed.body).toMatchObject({ subtotal_cents: 4266, tax_cents: 666, tax_inclusive: true, total_cents: 4866, shipping: { cents: 600, method: 'La Poste' } })
      expect(placed.body.tax_lines).toEqual([
        { name: 'TVA', rate_bp: 2000, taxable_cents: 3600, amount_cents: 600 },
        { name: 'TVA réduite', rate_bp: 550, taxable_cents: 1266, amount_cents: 66 },
      ])

      // Stripe gets the items at their prices (tax inside) and the shipping as its own line: exactly the total.
      const { url } = await startCheckout(STRIPE_ENV, viewerOf(who), placed.body.id, BASE)
      expect(url).toContain('checkout.stripe.com')
      const [sent] = (await stripeRequests('/v1/checkout/sessions')).filter((r) => r.form['metadata[order_id]'] === placed.body.id)
      const form = sent?.form ?? {}
      const names = [0, 1, 2, 3].map((i) => form[`line_items[${i}][price_data][product_data][name]`])
      const amounts = [0, 1, 2].map((i) => Number(form[`line_items[${i}][price_data][unit_amount]`]) * Number(form[`line_items[${i}][quantity]`]))
      expect(names).toEqual([shirt.name, book.name, 'Shipping — La Poste', undefined])
      expect(amounts.reduce((a, b) => a + b, 0)).toBe(4866)
    } finally {
      await pricesIncludeTax(false)
    }
  })

  it('sends Stripe a Tax line when prices exclude tax, and the lines add up to the total', async () => {
    const who = await shopper()
    const tee = await product({ priceCents: 1999, weightGrams: 400 })
    const placed = await order(who, { items: [{ product_id: tee.id, quantity: 3 }], shipping_address: US_ADDRESS, shipping_method_id: methods.express })
    expect(placed.status).toBe(201)
    await startCheckout(STRIPE_ENV, viewerOf(who), placed.body.id, BASE)
    const [sent] = (await stripeRequests('/v1/checkout/sessions')).filter((r) => r.form['metadata[order_id]'] === placed.body.id)
    const form = sent?.form ?? {}
    const lines = [0, 1, 2].map((i) => [form[`line_items[${i}][price_data][product_data][name]`], Number(form[`line_items[${i}][price_data][unit_amount]`]) * Number(form[`line_items[${i}][quantity]`])])
    // 3 × 1999 = 5997, Express 1200 g = 2500, tax 5997 × 7.25 % = 434.78 → 435.
    expect(lines).toEqual([
      [tee.name, 5997],
      ['Shipping — Express', 2500],
      ['Tax', 435],
    ])
    expect(placed.body.total_cents).toBe(5997 + 2500 + 435)
  })
})

describe("Stripe's line items", () => {
  const item = (over: Record<string, unknown>) => ({
    orderId: 'o',
    productId: 1,
    variantId: 1,
    productName: 'Mug',
    sku: null,
    variantTitle: 'Default',
    optionValues: [],
    priceAtPurchaseCents: 1000,
    quantity: 3,
    lineTotalCents: 3000,
    reservationId: 'r',
    discountCents: 0,
    taxCents: 0,
    taxRateBp: 0,
    ...over,
  })
  it('sends a discounted line as one item of its net amount, leaves out a line discounted to nothing, nets the shipping, and adds up to the total', () => {
    const lines = stripeLineItems({
      id: '8aca3f68-0000-4000-8000-000000000000',
      currency: 'USD',
      items: [item({ discountCents: 450 }), item({ variantId: 2, productName: 'Gift card', quantity: 1, priceAtPurchaseCents: 500, lineTotalCents: 500, discountCents: 500 }), item({ variantId: 3, productName: 'Plate', quantity: 2, priceAtPurchaseCents: 700, lineTotalCents: 1400 })],
      shippingCents: 900,
      shippingDiscountCents: 900,
      shippingMethodName: 'Standard',
      taxCents: 281,
      taxInclusive: false,
      // 3000 − 450 + 0 + 1400 + 0 shipping + 281 tax.
      totalCents: 4231,
    })
    expect(lines.map((l) => [l.price_data?.product_data?.name, l.price_data?.unit_amount, l.quantity])).toEqual([
      ['Mug × 3', 2550, 1],
      ['Plate', 700, 2],
      ['Tax', 281, 1],
    ])
  })
})

describe('the cart estimate', () => {
  it('estimates shipping by the cheapest method and the tax once the cart has a country, and keeps the code with its refusal', async () => {
    const mug = await product({ priceCents: 2000 })
    const added = await cartCall('POST', '/items', { product_id: mug.id, quantity: 2 })
    const cookie = cartCookieOf(added.headers) ?? ''
    expect(added.body.estimate).toBeNull()
    const estimated = await cartCall('PATCH', '', { estimate_country: 'us', estimate_region: 'ca' }, { cookie })
    expect(estimated.status).toBe(200)
    // 4000 + Standard 500 + 4000 × 7.25 % = 290.
    expect(estimated.body).toMatchObject({ estimate_country: 'US', estimate_region: 'CA', estimate: { shipping_cents: 500, shipping_method: { name: 'Standard' }, tax_cents: 290, total_cents: 4790 } })
    const coded = await cartCall('PATCH', '', { discount_code: 'SPRING' }, { cookie })
    expect(coded.body.discount_code).toBe('SPRING')
    expect(coded.body.estimate?.code_refusal?.message.toUpperCase()).toContain('SPRING')
    // The cart's own quote takes the saved code and country.
    const fromCart = await callJson<Answer<QuoteView>>('POST', '/api/checkout/quote', { from_cart: true, shipping_method_id: methods.express }, withCsrf(cookie))
    expect(fromCart.body).toMatchObject({ destination: { country: 'US', region: 'CA' }, shipping_cents: 1500, discount_code: 'SPRING' })
  })
})

describe('refunds of a discounted, taxed order', () => {
  async function paidOrder(who: Shopper, body: Record<string, unknown>) {
    const placed = await order(who, body)
    if (placed.status !== 201) throw new Error(`order answered ${placed.status}: ${JSON.stringify(placed.body)}`)
    const { url } = await startCheckout(env, viewerOf(who), placed.body.id, BASE)
    const { payment } = await localCheckoutFor(env, viewerOf(who), url.split('/').pop() ?? '')
    await handleStripeEvent(env, localCheckoutEvent(payment, 'pay'))
    return placed.body
  }
  const refund = (clerk: Shopper, orderId: string, body: Record<string, unknown>) =>
    callJson<Answer<{ refund: { amount_cents: number }; order: { refunded_cents: number } }>>('POST', `/api/admin/orders/${orderId}/refund`, body, clerk.bearer)

  it('returns a line’s units with their tax share, the shares adding up to the line, and a full refund the rest including shipping', async () => {
    const who = await registerUser()
    const clerk = await staffUser()
    const mug = await product({ priceCents: 1001 })
    // 3 × 10.01 = 3003, tax 7.25 % = 217.7175 → 218; Standard 500 (not taxed). Total 3721.
    const placed = await paidOrder(who, { items: [{ product_id: mug.id, quantity: 3 }], shipping_address: US_ADDRESS, shipping_method_id: methods.standard })
    expect(placed.total_cents).toBe(3721)
    // The line was paid 3003 + 218 = 3221: by unit, cumulatively rounded, 1074 + 1073 + 1074.
    const one = await refund(clerk, placed.id, { lines: [{ product_id: mug.id, quantity: 1 }], reason: 'chipped' })
    expect(one.body.refund.amount_cents).toBe(1074)
    const two = await refund(clerk, placed.id, { lines: [{ product_id: mug.id, quantity: 2 }], reason: 'both chipped' })
    expect(two.body.refund.amount_cents).toBe(2147)
    const rest = await refund(clerk, placed.id, { reason: 'shipping back' })
    expect(rest.body.refund.amount_cents).toBe(500)
    expect(rest.body.order.refunded_cents).toBe(3721)
  })
})

describe('the checkout and cart pages', () => {
  /** A registered shopper in a browser, with `quantity` of the product in the cart. */
  async function shopperWithCart(productId: number, quantity: number) {
    const browser = new Browser()
    const registered = await browser.submit('/account/register', '/account/register', { name: 'Page Buyer', email: `checkout-${crypto.randomUUID()}@example.com`, password: 'page password 1' })
    expect(registered.status).toBe(303)
    const added = await browser.fetch('/cart/items', {
      method: 'POST',
      body: new URLSearchParams({ product_id: String(productId), quantity: String(quantity) }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE },
    })
    expect(added.status).toBe(303)
    return browser
  }
  const addressFields = (address: Record<string, string>) => Object.fromEntries(Object.entries(address).map(([key, value]) => [`shipping_address.${key}`, value]))
  const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]

  it('lists the methods for the address with prices and estimates, picks the cheapest, and places exactly the total shown', async () => {
    const tee = await product({ priceCents: 1999, weightGrams: 400 })
    const browser = await shopperWithCart(tee.id, 2)
    const updated = await browser.submit('/checkout', '/checkout', { ...addressFields(US_ADDRESS), step: 'update' })
    expect(updated.status).toBe(200)
    const page = await updated.text()
    for (const text of ['Standard', '3–5 business days', 'Express', 'Next day', 'CA sales tax (7.25 %)', '$47.88']) expect(page).toContain(text)
    // 3998 + Standard 500 + 290 tax, the cheapest method checked.
    expect(hidden(page, 'expected_total_cents')).toBe('4788')
    expect(page).toMatch(new RegExp(`value="${methods.standard}" checked`))

    const placed = await browser.submit('/checkout', '/checkout', { ...addressFields(US_ADDRESS), shipping_method_id: String(methods.express), expected_total_cents: '5788', step: 'place' })
    expect(placed.status).toBe(303)
    const orderPage = await (await browser.fetch(placed.headers.get('Location') ?? '')).text()
    for (const text of ['Express', 'CA sales tax (7.25 %)', '$2.90', '$15.00', '$57.88']) expect(orderPage).toContain(text)
  })

  it('says why the total changed when it differs from the one shown, and places nothing', async () => {
    const tee = await product({ priceCents: 1999, weightGrams: 400 })
    const browser = await shopperWithCart(tee.id, 2)
    const answer = await browser.submit('/checkout', '/checkout', {
      ...addressFields(US_ADDRESS),
      shipping_method_id: String(methods.express),
      expected_total_cents: '4788',
      shown_subtotal: '3998',
      shown_discount: '0',
      shown_shipping: '500',
      shown_tax: '290',
      step: 'place',
    })
    expect(answer.status).toBe(409)
    const page = await answer.text()
    expect(page).toContain('The total changed from $47.88 to $57.88 because the shipping changed (address or method).')
    expect(hidden(page, 'expected_total_cents')).toBe('5788')
    expect((await stockView(tee.id)).held).toBe(0)
  })

  it('asks for a shipping method when the address was entered and placed at once, listing the methods for it', async () => {
    const mug = await product({ priceCents: 1200 })
    const browser = await shopperWithCart(mug.id, 1)
    const first = await (await browser.fetch('/checkout')).text()
    // No address yet: no total is promised.
    expect(hidden(first, 'expected_total_cents')).toBeUndefined()
    const answer = await browser.submit('/checkout', '/checkout', { ...addressFields(US_ADDRESS), step: 'place' })
    expect(answer.status).toBe(400)
    const page = await answer.text()
    expect(page).toContain('Choose a shipping method below, then place the order.')
    expect(page).toMatch(new RegExp(`value="${methods.standard}" checked`))
    // 1200 + 500 + 87 tax.
    expect(hidden(page, 'expected_total_cents')).toBe('1787')
    expect((await stockView(mug.id)).held).toBe(0)
  })

  it('says on the page when no zone covers the address, and refuses to place it', async () => {
    const mug = await product({ priceCents: 1200 })
    const browser = await shopperWithCart(mug.id, 1)
    const page = await (await browser.submit('/checkout', '/checkout', { ...addressFields({ ...US_ADDRESS, country: 'JP', region: '' }), step: 'update' })).text()
    expect(page).toContain('We do not ship to JP.')
    expect(hidden(page, 'expected_total_cents')).toBeUndefined()
    const placed = await browser.submit('/checkout', '/checkout', { ...addressFields({ ...US_ADDRESS, country: 'JP', region: '' }), step: 'place' })
    expect(placed.status).toBe(400)
    expect(await placed.text()).toContain('We do not ship to JP.')
  })

  it('estimates shipping and tax on the cart once a country is given, and shows a refused code next to its field', async () => {
    const mug = await product({ priceCents: 2000 })
    const browser = await shopperWithCart(mug.id, 2)
    const estimated = await browser.submit('/cart', '/cart/estimate', { estimate_country: 'US', estimate_region: 'CA' })
    expect(estimated.status).toBe(303)
    const cart = await (await browser.fetch('/cart')).text()
    for (const text of ['Shipping and tax estimated for US (CA).', 'Shipping (estimate) · Standard', 'CA sales tax (7.25 %)', '$47.90', 'Check out']) expect(cart).toContain(text)
    await browser.submit('/cart', '/cart/discount', { discount_code: 'BOGUS' })
    const refused = await (await browser.fetch('/cart')).text()
    expect(refused).toContain('The code BOGUS was not applied')
    expect(refused).toContain('id="discount-code-error"')
    expect(refused).toContain('value="BOGUS"')
  })
})
