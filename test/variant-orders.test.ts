/**
 * Cart lines, order lines and refund lines by variant, end to end: the API and the pages, the rule that
 * `product_id` alone stands only for a product's single variant, and the proof that concurrent orders
 * over the variants of scarce products sell exactly their stock, with D1 equal to the stock objects.
 */
import { env, SELF } from 'cloudflare:test'
import { eq, inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../src/db/client'
import { orderItems, products, productVariants, users } from '../src/db/schema'
import { localCheckoutFor, startCheckout } from '../src/payments/checkout'
import { handleStripeEvent } from '../src/payments/events'
import { localCheckoutEvent } from '../src/payments/local'
import { stockOf } from '../src/stock/client'
import type { ErrorBody } from '../src/platform/errors'
import { BASE, Browser, callJson, insertProduct, insertVariantProduct, registerUser } from './helpers'
import { ADDRESS, cartCall, cartCookieOf, placeOrder, range, runOutHolds, type Shopper } from './orders-helpers'
import { STRIPE_ENV, stripeRequests, viewerOf } from './payments-helpers'

const db = () => getDb(env)
const SIZE_COLOUR = [
  { name: 'Size', values: ['S', 'M'] },
  { name: 'Colour', values: ['Navy', 'Sand'] },
]

/** "Harbor Tee" in Navy / S, Navy / M (its own image and price), Sand / M (inactive): 3, 4 and 5 units. */
async function harborTee(stock: [number, number, number] = [3, 4, 5]) {
  const made = await insertVariantProduct(
    SIZE_COLOUR,
    [
      { optionValues: ['S', 'Navy'], sku: `TEE-NVY-S-${crypto.randomUUID().slice(0, 6)}`, priceCents: 2500, stock: stock[0] },
      { optionValues: ['M', 'Navy'], sku: `TEE-NVY-M-${crypto.randomUUID().slice(0, 6)}`, priceCents: 2700, stock: stock[1], image: 1 },
      { optionValues: ['M', 'Sand'], sku: null, priceCents: 2500, stock: stock[2], isActive: false },
    ],
    { name: `Harbor Tee ${crypto.randomUUID().slice(0, 6)}`, priceCents: 2500, images: [`products/tee-front-${crypto.randomUUID()}.png`, `products/tee-navy-${crypto.randomUUID()}.png`] },
  )
  const [navyS, navyM, sandM] = made.variants as [(typeof made.variants)[number], (typeof made.variants)[number], (typeof made.variants)[number]]
  return { ...made, navyS, navyM, sandM }
}

/** A variant's stock as its product's object knows it. */
async function objectStock(productId: number, variantId: number) {
  const view = await stockOf(env, productId).get(productId, variantId)
  if (!view.ok) throw new Error(`variant ${variantId} unknown to the stock object of ${productId}`)
  return { onHand: view.onHand, held: view.held }
}

const variantRow = (variantId: number) =>
  db().select({ onHand: productVariants.stockQuantity, held: productVariants.stockHeld }).from(productVariants).where(eq(productVariants.id, variantId)).get()

/** Pays an order through the offline provider, as its customer would. */
async function pay(who: Shopper, orderId: string) {
  const { url } = await startCheckout(env, viewerOf(who), orderId, BASE)
  const { payment } = await localCheckoutFor(env, viewerOf(who), url.split('/').pop() ?? '')
  await handleStripeEvent(env, localCheckoutEvent(payment, 'pay'))
}

describe('cart lines by variant', () => {
  it('refuses product_id alone for a product with several variants: 400 variant_required naming variant_id', async () => {
    const tee = await harborTee()
    const answer = await cartCall('POST', '/items', { product_id: tee.product.id, quantity: 1 })
    expect(answer.status).toBe(400)
    expect(answer.body.error?.code).toBe('variant_required')
    expect(Object.keys(answer.body.error?.fields ?? {})).toEqual(['variant_id'])
    expect(answer.body.error?.message).toContain('Choose a size and colour')
  })

  it('takes product_id alone for a product with one variant, and refuses neither or both', async () => {
    const mug = await insertProduct({ priceCents: 900 })
    const added = await cartCall('POST', '/items', { product_id: mug.id, quantity: 1 })
    expect(added.status).toBe(200)
    expect(added.body.items).toMatchObject([{ product_id: mug.id, variant_title: 'Default', option_values: [], sku: null }])
    const tee = await harborTee()
    const neither = await cartCall('POST', '/items', { quantity: 1 })
    const both = await cartCall('POST', '/items', { product_id: tee.product.id, variant_id: tee.navyS.id, quantity: 1 })
    for (const refused of [neither, both]) {
      expect([refused.status, refused.body.error?.code]).toEqual([400, 'validation_failed'])
      expect(refused.body.error?.fields).toHaveProperty('variant_id')
    }
  })

  it("shows each variant as its own line: its SKU, title, option values, price, availability and image (the variant's, else the product's first)", async () => {
    const tee = await harborTee()
    const { cookie } = await guestCart(tee.navyS.id, 2)
    const cart = (await cartCall('POST', '/items', { variant_id: tee.navyM.id, quantity: 1 }, { cookie })).body
    const [frontImage, navyImage] = await imageKeys(tee.product.id)
    expect(cart.items).toEqual([
      expect.objectContaining({
        variant_id: tee.navyS.id,
        product_id: tee.product.id,
        sku: tee.navyS.sku,
        variant_title: 'S / Navy',
        option_values: [
          { name: 'Size', value: 'S' },
          { name: 'Colour', value: 'Navy' },
        ],
        unit_price_cents: 2500,
        quantity: 2,
        available: 3,
        image_url: `/images/${frontImage}`,
        unavailable: null,
      }),
      expect.objectContaining({ variant_id: tee.navyM.id, variant_title: 'M / Navy', unit_price_cents: 2700, available: 4, image_url: `/images/${navyImage}` }),
    ])
    expect(cart.subtotal_cents).toBe(2 * 2500 + 2700)

    // PATCH and DELETE name the line by its variant: the other variant's line is untouched.
    const patched = await cartCall('PATCH', `/items/${tee.navyM.id}`, { quantity: 3 }, { cookie })
    expect(patched.body.items.map((line) => [line.variant_id, line.quantity])).toEqual([
      [tee.navyS.id, 2],
      [tee.navyM.id, 3],
    ])
    const tooMany = await cartCall('PATCH', `/items/${tee.navyS.id}`, { quantity: 4 }, { cookie })
    expect([tooMany.status, tooMany.body.error?.code]).toEqual([409, 'insufficient_stock'])
    const removed = await cartCall('DELETE', `/items/${tee.navyS.id}`, undefined, { cookie })
    expect(removed.body.items.map((line) => line.variant_id)).toEqual([tee.navyM.id])
  })

  it('checks the stock of the variant, not of the product: 4 of Navy / S are more than its 3', async () => {
    const tee = await harborTee([3, 40, 5])
    const answer = await cartCall('POST', '/items', { variant_id: tee.navyS.id, quantity: 4 })
    expect([answer.status, answer.body.error?.code]).toEqual([409, 'insufficient_stock'])
    expect(answer.body.error?.fields).toEqual({ quantity: ['only 3 available'] })
  })

  it('refuses an inactive variant (404), and keeps a line whose variant stopped being sold as unavailable', async () => {
    const tee = await harborTee()
    expect((await cartCall('POST', '/items', { variant_id: tee.sandM.id, quantity: 1 })).status).toBe(404)
    expect((await cartCall('POST', '/items', { variant_id: 987_654_321, quantity: 1 })).status).toBe(404)
    const { cookie } = await guestCart(tee.navyS.id, 1)
    await cartCall('POST', '/items', { variant_id: tee.navyM.id, quantity: 1 }, { cookie })
    await db().update(productVariants).set({ isActive: false }).where(eq(productVariants.id, tee.navyM.id))
    const cart = (await cartCall('GET', '', undefined, { cookie })).body
    expect(cart.items.map((line) => [line.variant_id, line.unavailable, line.line_total_cents])).toEqual([
      [tee.navyS.id, null, 2500],
      [tee.navyM.id, 'no_longer_sold', null],
    ])
    expect(cart.subtotal_cents).toBe(2500)
    expect((await cartCall('PATCH', `/items/${tee.navyM.id}`, { quantity: 1 }, { cookie })).body.error?.code).toBe('product_unavailable')
  })

  it('merges a guest cart by variant at sign-in: the same variant adds up, another stays its own line', async () => {
    const tee = await harborTee([3, 4, 5])
    const who = await registerUser()
    await cartCall('POST', '/items', { variant_id: tee.navyS.id, quantity: 1 }, { bearer: who.bearer })
    const { cookie } = await guestCart(tee.navyS.id, 3)
    await cartCall('POST', '/items', { variant_id: tee.navyM.id, quantity: 2 }, { cookie })
    const merged = await callJson<{ items: { variant_id: number; quantity: number }[] }>('GET', '/api/cart', undefined, { ...who.bearer, Cookie: cookie })
    // 1 + 3 of Navy / S is capped by its 3 in stock.
    expect(merged.body.items.map((line) => [line.variant_id, line.quantity])).toEqual([
      [tee.navyS.id, 3],
      [tee.navyM.id, 2],
    ])
  })
})

describe('order lines by variant', () => {
  it("prices each line from its variant in D1 and keeps the SKU, title, option values and product name as they were", async () => {
    const tee = await harborTee()
    const who = await registerUser()
    const placed = await placeOrder(who, [
      { variant_id: tee.navyS.id, quantity: 2 },
      { variant_id: tee.navyM.id, quantity: 1 },
    ])
    expect(placed.status).toBe(201)
    expect(placed.body.total_cents).toBe(2 * 2500 + 2700)
    expect(placed.body.items).toEqual([
      {
        variant_id: tee.navyS.id,
        product_id: tee.product.id,
        name: tee.product.name,
        sku: tee.navyS.sku,
        variant_title: 'S / Navy',
        option_values: [
          { name: 'Size', value: 'S' },
          { name: 'Colour', value: 'Navy' },
        ],
        quantity: 2,
        price_at_purchase_cents: 2500,
        line_total_cents: 5000,
        // A store without zones, rates or discounts: nothing off, no tax.
        discount_cents: 0,
        tax_cents: 0,
        tax_rate_bp: 0,
      },
      expect.objectContaining({ variant_id: tee.navyM.id, sku: tee.navyM.sku, variant_title: 'M / Navy', price_at_purchase_cents: 2700, line_total_cents: 2700 }),
    ])
    // The catalog changes afterwards; the order keeps what was bought.
    await db().update(productVariants).set({ title: 'Small / Navy', sku: null, priceCents: 9900 }).where(eq(productVariants.id, tee.navyS.id))
    await db().update(products).set({ name: 'Renamed Tee' }).where(eq(products.id, tee.product.id))
    const later = await callJson<{ items: { name: string; sku: string | null; variant_title: string; price_at_purchase_cents: number }[] }>('GET', `/api/orders/${placed.body.id}`, undefined, who.bearer)
    expect(later.body.items[0]).toMatchObject({ name: tee.product.name, sku: tee.navyS.sku, variant_title: 'S / Navy', price_at_purchase_cents: 2500 })
    // Both lines are held, each on its own variant.
    expect([await objectStock(tee.product.id, tee.navyS.id), await objectStock(tee.product.id, tee.navyM.id)]).toEqual([
      { onHand: 3, held: 2 },
      { onHand: 4, held: 1 },
    ])
  })

  it('refuses product_id alone for a product with several variants, naming the line', async () => {
    const tee = await harborTee()
    const mug = await insertProduct()
    const answer = await placeOrder(await registerUser(), [
      { product_id: mug.id, quantity: 1 },
      { product_id: tee.product.id, quantity: 1 },
    ])
    expect([answer.status, answer.body.error?.code]).toEqual([400, 'variant_required'])
    expect(Object.keys(answer.body.error?.fields ?? {})).toEqual(['items.1.variant_id'])
    expect((await objectStock(mug.id, (await defaultOf(mug.id)) ?? 0)).held).toBe(0)
  })

  it('refuses the same variant twice, named twice or once by its product and once by itself', async () => {
    const tee = await harborTee()
    const mug = await insertProduct()
    const mugVariant = (await defaultOf(mug.id)) ?? 0
    const twice = await placeOrder(await registerUser(), [
      { variant_id: tee.navyS.id, quantity: 1 },
      { variant_id: tee.navyS.id, quantity: 2 },
    ])
    expect([twice.status, Object.keys(twice.body.error?.fields ?? {})]).toEqual([400, ['items.1.variant_id']])
    const aliased = await placeOrder(await registerUser(), [
      { product_id: mug.id, quantity: 1 },
      { variant_id: mugVariant, quantity: 1 },
    ])
    expect([aliased.status, Object.keys(aliased.body.error?.fields ?? {})]).toEqual([400, ['items.1.variant_id']])
    expect((await objectStock(mug.id, mugVariant)).held).toBe(0)
  })

  it('refuses an inactive variant with a 404 naming it, and holds nothing', async () => {
    const tee = await harborTee()
    const answer = await placeOrder(await registerUser(), [
      { variant_id: tee.navyS.id, quantity: 1 },
      { variant_id: tee.sandM.id, quantity: 1 },
    ])
    expect([answer.status, Object.keys(answer.body.error?.fields ?? {})]).toEqual([404, [`variant:${tee.sandM.id}`]])
    expect((await objectStock(tee.product.id, tee.navyS.id)).held).toBe(0)
  })

  it('holds the variants of a product all or nothing: one short line refuses the order and holds neither', async () => {
    const tee = await harborTee([3, 1, 5])
    const mug = await insertProduct({ stockQuantity: 5 })
    const answer = await placeOrder(await registerUser(), [
      { product_id: mug.id, quantity: 1 },
      { variant_id: tee.navyS.id, quantity: 2 },
      { variant_id: tee.navyM.id, quantity: 2 },
    ])
    expect([answer.status, answer.body.error?.code]).toEqual([409, 'insufficient_stock'])
    expect(answer.body.error?.fields).toEqual({ [`variant:${tee.navyM.id}`]: ['requested 2, available 1'] })
    expect(answer.body.error?.message).toContain('(M / Navy)')
    expect([(await objectStock(tee.product.id, tee.navyS.id)).held, (await objectStock(tee.product.id, tee.navyM.id)).held, (await objectStock(mug.id, (await defaultOf(mug.id)) ?? 0)).held]).toEqual([0, 0, 0])
  })

  it('orders the cart by variant, and an expired order gives the lines back to the cart by variant', async () => {
    const tee = await harborTee()
    const who = await registerUser()
    await cartCall('POST', '/items', { variant_id: tee.navyS.id, quantity: 1 }, { bearer: who.bearer })
    await cartCall('POST', '/items', { variant_id: tee.navyM.id, quantity: 2 }, { bearer: who.bearer })
    const placed = await callJson<{ id: string; items: { variant_id: number; quantity: number }[] }>('POST', '/api/orders', { from_cart: true, shipping_address: ADDRESS }, who.bearer)
    expect(placed.status).toBe(201)
    expect(placed.body.items.map((line) => [line.variant_id, line.quantity])).toEqual([
      [tee.navyS.id, 1],
      [tee.navyM.id, 2],
    ])
    expect((await cartCall('GET', '', undefined, { bearer: who.bearer })).body.items).toEqual([])

    await runOutHolds(tee.product.id)
    const back = (await cartCall('GET', '', undefined, { bearer: who.bearer })).body
    expect(back.items.map((line) => [line.variant_id, line.quantity])).toEqual([
      [tee.navyS.id, 1],
      [tee.navyM.id, 2],
    ])
    expect([await objectStock(tee.product.id, tee.navyS.id), await objectStock(tee.product.id, tee.navyM.id)]).toEqual([
      { onHand: 3, held: 0 },
      { onHand: 4, held: 0 },
    ])
  })

  it('sells each variant when paid, and only those variants', async () => {
    const tee = await harborTee()
    const who = await registerUser()
    const placed = await placeOrder(who, [
      { variant_id: tee.navyS.id, quantity: 2 },
      { variant_id: tee.navyM.id, quantity: 1 },
    ])
    const page = await new PageAs(who).text(`/orders/${placed.body.id}`)
    expect(page).toContain('S / Navy')
    await pay(who, placed.body.id)
    expect([await objectStock(tee.product.id, tee.navyS.id), await objectStock(tee.product.id, tee.navyM.id), await objectStock(tee.product.id, tee.sandM.id)]).toEqual([
      { onHand: 1, held: 0 },
      { onHand: 3, held: 0 },
      { onHand: 5, held: 0 },
    ])
    expect([await variantRow(tee.navyS.id), await variantRow(tee.navyM.id)]).toEqual([
      { onHand: 1, held: 0 },
      { onHand: 3, held: 0 },
    ])
  })

  it("sells a late payment's units from the line's variant even when the object no longer knows the reservation", async () => {
    const tee = await harborTee([3, 4, 5])
    // A reservation the object never saw (as after its outcome was pruned): `take` with the variant sells that variant.
    const taken = await stockOf(env, tee.product.id).take(tee.product.id, `pruned-${crypto.randomUUID()}`, 2, tee.navyM.id)
    expect(taken.ok).toBe(true)
    expect([await objectStock(tee.product.id, tee.navyS.id), await objectStock(tee.product.id, tee.navyM.id)]).toEqual([
      { onHand: 3, held: 0 },
      { onHand: 2, held: 0 },
    ])
  })
})

describe('Stripe Checkout', () => {
  it('names each line item with its variant: "Harbor Tee — S / Navy", a default variant by its product alone', async () => {
    const tee = await harborTee()
    const mug = await insertProduct({ name: `Plain Mug ${crypto.randomUUID().slice(0, 6)}`, priceCents: 900 })
    const who = await registerUser()
    const placed = await placeOrder(who, [
      { variant_id: tee.navyS.id, quantity: 2 },
      { product_id: mug.id, quantity: 1 },
    ])
    await startCheckout(STRIPE_ENV, viewerOf(who), placed.body.id, BASE)
    const [sent] = (await stripeRequests('/v1/checkout/sessions')).filter((r) => r.form['metadata[order_id]'] === placed.body.id)
    const form = sent?.form ?? {}
    const lines = [0, 1].map((i) => [form[`line_items[${i}][price_data][product_data][name]`], form[`line_items[${i}][quantity]`], form[`line_items[${i}][price_data][unit_amount]`]])
    expect(lines.sort()).toEqual(
      [
        [`${tee.product.name} — S / Navy`, '2', '2500'],
        [mug.name, '1', '900'],
      ].sort(),
    )
    expect(Object.values(form).join(' ')).toContain(`SKU ${tee.navyS.sku}`)
  })
})

describe('refund lines by variant', () => {
  it('refunds and restocks the named variant only; product_id is refused when the order has two lines of the product', async () => {
    const tee = await harborTee([3, 4, 5])
    const who = await registerUser()
    const placed = await placeOrder(who, [
      { variant_id: tee.navyS.id, quantity: 2 },
      { variant_id: tee.navyM.id, quantity: 2 },
    ])
    await pay(who, placed.body.id)
    const staff = await registerUser()
    await db().update(users).set({ role: 'staff' }).where(eq(users.id, staff.user.id))
    const refund = (body: unknown) => callJson<{ refund: { amount_cents: number; restocked_units: number; lines: unknown[] } } & Partial<ErrorBody>>('POST', `/api/admin/orders/${placed.body.id}/refund`, body, staff.bearer)

    const ambiguous = await refund({ lines: [{ product_id: tee.product.id, quantity: 1 }], restock: true, reason: 'which one?' })
    expect([ambiguous.status, ambiguous.body.error?.code]).toEqual([400, 'variant_required'])

    const done = await refund({ lines: [{ variant_id: tee.navyM.id, quantity: 1 }], restock: true, reason: 'M came back' })
    expect(done.status).toBe(200)
    expect(done.body.refund).toMatchObject({ amount_cents: 2700, restocked_units: 1, lines: [{ variant_id: tee.navyM.id, product_id: tee.product.id, quantity: 1 }] })
    expect([await objectStock(tee.product.id, tee.navyS.id), await objectStock(tee.product.id, tee.navyM.id)]).toEqual([
      { onHand: 1, held: 0 },
      { onHand: 3, held: 0 },
    ])
    const beyond = await refund({ lines: [{ variant_id: tee.navyM.id, quantity: 2 }], reason: 'too many' })
    expect(beyond.status).toBe(400)
    expect(beyond.body.error?.fields?.[`lines.variant:${tee.navyM.id}`]?.[0]).toContain('at most 1 of 2 left to refund')
    expect(await variantRow(tee.navyM.id)).toEqual({ onHand: 3, held: 0 })
  })
})

describe('pages by variant', () => {
  it('adds a variant from the product form; a product with options and no choice goes back to its page saying what to choose', async () => {
    const tee = await harborTee()
    const browser = new Browser()
    const post = (fields: Record<string, string>) =>
      browser.fetch('/cart/items', { method: 'POST', body: new URLSearchParams(fields), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } })
    const unchosen = await post({ product_id: String(tee.product.id), quantity: '1' })
    expect([unchosen.status, unchosen.headers.get('Location')]).toEqual([303, `/products/${tee.product.slug}?choose=1`])
    // The product page says what to choose, named from the product's options, in an alert; nothing went into the cart.
    const back = await (await browser.fetch(unchosen.headers.get('Location')!)).text()
    expect(back).toMatch(new RegExp(`<p class="notice notice-error" role="alert">Choose a size and colour before adding ${tee.product.name} to your cart\\.</p>`))
    expect(await (await browser.fetch(`/products/${tee.product.slug}`)).text()).not.toContain('Choose a size and colour')

    const added = await post({ variant_id: String(tee.navyM.id), quantity: '2' })
    expect([added.status, added.headers.get('Location')]).toEqual([303, '/cart?added=1'])
    const cart = await (await browser.fetch('/cart')).text()
    expect(cart).not.toContain('Choose a size and colour')
    expect(cart).toContain('M / Navy')
    expect(cart).toContain(`SKU ${tee.navyM.sku}`)
    expect(cart).toContain(`action="/cart/items/${tee.navyM.id}"`)
    expect(cart).toContain(`action="/cart/items/${tee.navyM.id}/remove"`)
    const updated = await browser.submit('/cart', `/cart/items/${tee.navyM.id}`, { quantity: '3' })
    expect(updated.status).toBe(303)
    expect((await (await browser.fetch('/api/cart')).json()) as unknown).toMatchObject({ items: [{ variant_id: tee.navyM.id, quantity: 3 }] })
    expect((await post({ variant_id: String(tee.sandM.id), quantity: '1' })).status).toBe(404)
  })

  it('show the variant title and SKU on checkout, confirmation, history, order and admin order pages, and in the CSV; nothing extra for a default variant', async () => {
    const tee = await harborTee()
    const mug = await insertProduct({ name: `Plain Mug ${crypto.randomUUID().slice(0, 6)}` })
    const browser = new Browser()
    const email = `variant-${crypto.randomUUID()}@example.com`
    const registered = await browser.submit('/account/register', '/account/register', { name: 'Variant Shopper', email, password: 'variant password 1' })
    expect(registered.status).toBe(303)
    const forms: Record<string, string>[] = [{ variant_id: String(tee.navyS.id), quantity: '1' }, { product_id: String(mug.id), quantity: '1' }]
    for (const fields of forms) {
      const added = await browser.fetch('/cart/items', { method: 'POST', body: new URLSearchParams(fields), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } })
      expect(added.status).toBe(303)
    }
    const checkout = await (await browser.fetch('/checkout')).text()
    expect(checkout).toContain(`S / Navy, SKU ${tee.navyS.sku}`)
    const fields = Object.fromEntries(Object.entries(ADDRESS).map(([key, value]) => [`shipping_address.${key}`, value]))
    const placed = await browser.submit('/checkout', '/checkout', fields)
    const location = placed.headers.get('Location') ?? ''
    const orderId = new URL(location, BASE).pathname.split('/').pop() ?? ''
    const confirmation = await (await browser.fetch(location)).text()
    expect(confirmation).toContain('S / Navy')
    expect(confirmation).toContain(`SKU ${tee.navyS.sku}`)
    expect(confirmation).not.toContain('Default')
    expect(await (await browser.fetch('/orders')).text()).toContain(`1 × ${tee.product.name} (S / Navy)`)

    const staff = await registerUser()
    await db().update(users).set({ role: 'staff' }).where(eq(users.id, staff.user.id))
    const admin = new Browser()
    await admin.submit('/account/sign-in', '/account/sign-in', { email: staff.email, password: staff.password })
    const adminPage = await (await admin.fetch(`/admin/orders/${orderId}`)).text()
    expect(adminPage).toContain('S / Navy')
    expect(adminPage).toContain(`<td data-label="SKU">${tee.navyS.sku}</td>`)
    const csv = await (await SELF.fetch(`${BASE}/api/admin/orders.csv?email=${encodeURIComponent(email)}`, { headers: staff.bearer })).text()
    const row = csv.split('\r\n').find((line) => line.startsWith(orderId)) ?? ''
    expect(row).toContain(`1 × ${tee.product.name} (S / Navy, SKU ${tee.navyS.sku})`)
    expect(row).toContain(`1 × ${mug.name}`)
    expect(row).not.toContain(`${mug.name} (`)
  })
})

describe('concurrent orders over variants', () => {
  it('sell exactly the stock of each variant of two scarce products, all or nothing per order, and D1 equals the objects', async () => {
    const tee = await insertVariantProduct(
      [{ name: 'Size', values: ['S', 'M', 'L'] }],
      [
        { optionValues: ['S'], stock: 7 },
        { optionValues: ['M'], stock: 5 },
        { optionValues: ['L'], stock: 3 },
      ],
    )
    const cap = await insertVariantProduct(
      [{ name: 'Colour', values: ['Navy', 'Sand'] }],
      [
        { optionValues: ['Navy'], stock: 4 },
        { optionValues: ['Sand'], stock: 6 },
      ],
    )
    const stockOfVariant = new Map([...tee.variants, ...cap.variants].map((v) => [v.id, v.stockQuantity]))
    const all = [...tee.variants.map((v) => ({ productId: tee.product.id, variantId: v.id })), ...cap.variants.map((v) => ({ productId: cap.product.id, variantId: v.id }))]
    const shoppers = await Promise.all(range(6).map(() => registerUser()))
    // Deterministic mixes: a single line, two variants of one product, or lines across both products.
    const basket = (i: number) => {
      const pick = (k: number) => all[(i * 7 + k * 3) % all.length]!
      const lines = i % 3 === 0 ? [pick(0)] : i % 3 === 1 ? [pick(0), pick(1)] : [pick(0), pick(1), pick(2)]
      const unique = [...new Map(lines.map((line) => [line.variantId, line])).values()]
      return unique.map((line, k) => ({ variant_id: line.variantId, quantity: 1 + ((i + k) % 2) }))
    }
    const first = await Promise.all(range(240).map((i) => placeOrder(shoppers[i % shoppers.length]!, basket(i))))
    // Then single lines of every variant, more than could be left: whatever mixed orders left unsold goes now.
    const second = await Promise.all(range(60).map((i) => placeOrder(shoppers[i % shoppers.length]!, [{ variant_id: all[i % all.length]!.variantId, quantity: 1 }])))
    const answers = [...first, ...second]
    expect(answers.every((answer) => answer.status === 201 || (answer.status === 409 && answer.body.error?.code === 'insufficient_stock'))).toBe(true)

    // Units held per variant by the orders that were placed: exactly each variant's stock, no more, no less.
    const placedIds = answers.filter((answer) => answer.status === 201).map((answer) => answer.body.id)
    const lines = await db().select({ variantId: orderItems.variantId, quantity: orderItems.quantity }).from(orderItems).where(inArray(orderItems.orderId, placedIds))
    const sold = new Map<number, number>()
    for (const line of lines) sold.set(line.variantId, (sold.get(line.variantId) ?? 0) + line.quantity)
    expect(Object.fromEntries(sold)).toEqual(Object.fromEntries(stockOfVariant))
    // An order is placed whole or not at all: every placed order has every line it asked for.
    for (const [i, answer] of answers.entries()) {
      if (answer.status !== 201) continue
      const asked = i < first.length ? basket(i) : [{ variant_id: all[(i - first.length) % all.length]!.variantId, quantity: 1 }]
      expect(answer.body.items.map((line) => [line.variant_id, line.quantity]).sort()).toEqual(asked.map((line) => [line.variant_id, line.quantity]).sort())
    }

    // The objects hold exactly that, and D1 says the same per variant and in the products' sums.
    for (const { productId, variantId } of all) {
      expect(await objectStock(productId, variantId), `variant ${variantId}`).toEqual({ onHand: stockOfVariant.get(variantId), held: stockOfVariant.get(variantId) })
      expect(await variantRow(variantId), `variant ${variantId} in D1`).toEqual({ onHand: stockOfVariant.get(variantId), held: stockOfVariant.get(variantId) })
    }
    const sums = await db().select({ id: products.id, onHand: products.stockQuantity, held: products.stockHeld }).from(products).where(inArray(products.id, [tee.product.id, cap.product.id]))
    expect(sums.sort((a, b) => a.id - b.id)).toEqual([
      { id: tee.product.id, onHand: 15, held: 15 },
      { id: cap.product.id, onHand: 10, held: 10 },
    ])
  }, 120_000)
})

/** Starts a guest cart with a variant line; answers its cookie. */
async function guestCart(variantId: number, quantity: number) {
  const answer = await cartCall('POST', '/items', { variant_id: variantId, quantity })
  const cookie = cartCookieOf(answer.headers)
  if (answer.status !== 200 || !cookie) throw new Error(`add answered ${answer.status}: ${JSON.stringify(answer.body)}`)
  return { cookie }
}

/** A product's image keys in gallery order. */
async function imageKeys(productId: number): Promise<string[]> {
  const product = await db().query.products.findFirst({ where: eq(products.id, productId), with: { images: { columns: { r2Key: true }, orderBy: (images, { asc }) => [asc(images.position)] } } })
  return product?.images.map((image) => image.r2Key) ?? []
}

const defaultOf = async (productId: number) => (await db().select({ id: productVariants.id }).from(productVariants).where(eq(productVariants.productId, productId)).get())?.id

/** The pages as a registered API user sees them: signs the same account in through the page. */
class PageAs {
  private readonly browser = new Browser()
  private signedIn: Promise<unknown> | null = null
  constructor(private readonly who: Shopper) {}
  async text(path: string) {
    this.signedIn ??= this.browser.submit('/account/sign-in', '/account/sign-in', { email: this.who.email, password: this.who.password })
    await this.signedIn
    return (await this.browser.fetch(path)).text()
  }
}

