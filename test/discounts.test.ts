/**
 * Discounts (issue 15): codes read in one normalised form, the reasons a code does not apply, automatic
 * promotions, redemptions counted with the order and refused past their limits even by concurrent
 * orders, given back when an unpaid order ends; the admin's API and pages; the dashboard's discounts given.
 */
import { env } from 'cloudflare:test'
import { and, eq, isNull } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../src/db/client'
import { auditLog, categories, discountRedemptions, discounts, orderEvents, orders, type NewDiscount } from '../src/db/schema'
import { applicableDiscounts, readCode, redeemStatements, redemptionRefusal, releaseStatements, ruleOf, type DiscountRequest } from '../src/discounts/service'
import { BASE, Browser, callJson, insertProduct, registerUser, staffUser, uniqueEmail } from './helpers'
import { ADDRESS, placeOrder, range, runOutHolds } from './orders-helpers'
import { expireOrder } from '../src/orders/service'
import { startCheckout } from '../src/payments/checkout'
import { postWebhook, sessionObject, stripeEvent, viewerOf } from './payments-helpers'
import type { AdminDiscount, AdminDiscountPage } from '../src/discounts/responses'
import type { Dashboard } from '../src/admin/responses'
import type { ErrorBody } from '../src/platform/errors'
import { seedDemoDiscounts } from '../scripts/seed/discounts'

const db = () => getDb(env)
const HOUR = 3_600_000

let codes = 0
/** A fresh code (storage is shared by the tests of this file). */
const freshCode = (prefix = 'TEST') => `${prefix}${Date.now().toString(36).toUpperCase()}${++codes}`

async function insertDiscount(fields: Partial<NewDiscount> = {}) {
  const code = fields.code === undefined ? freshCode() : fields.code
  const [row] = await db()
    .insert(discounts)
    .values({ title: code ?? 'Automatic promotion', kind: 'percentage', value: 1000, ...fields, code })
    .returning()
  if (!row) throw new Error('discount insert failed')
  return row
}

const discountRow = async (id: number) => (await db().select().from(discounts).where(eq(discounts.id, id)).get())!

/** A cart of one line of `subtotalCents` for product `productId`. */
const cart = (fields: Partial<DiscountRequest> & { productId?: number; categoryIds?: number[] } = {}): DiscountRequest => {
  const { productId = 1, categoryIds = [], ...rest } = fields
  const subtotalCents = rest.subtotalCents ?? 5000
  return { code: null, customerKey: null, lines: [{ productId, categoryIds, subtotalCents }], subtotalCents, now: Date.now(), ...rest }
}

let buyer: { id: number; email: string } | undefined
/** One account that owns the orders inserted directly (the orders table needs a user). */
async function orderOwner() {
  if (!buyer) {
    const user = await registerUser()
    buyer = { id: user.user.id, email: user.email }
  }
  return buyer
}

/** The order row as placeOrder inserts it, for a batch of our own (a builder: awaiting it would run it). */
function orderInsert(owner: { id: number }, orderId: string) {
  return db().insert(orders).values({ id: orderId, userId: owner.id, currency: 'USD', subtotalCents: 5000, totalCents: 4500, discountCents: 500, shippingAddress: ADDRESS, holdExpiresAt: Date.now() + HOUR })
}

/** Places an order (directly, like placeOrder's batch) that redeems `discount` for `customer`. */
async function placeWith(discount: Awaited<ReturnType<typeof insertDiscount>>, customer: string, orderId = crypto.randomUUID()) {
  const statements = [orderInsert(await orderOwner(), orderId), ...redeemStatements(db(), orderId, customer, [{ rule: ruleOf(discount), amountCents: 500 }])]
  try {
    await db().batch(statements as [(typeof statements)[0], ...typeof statements])
    return { ok: true as const, orderId }
  } catch (err) {
    return { ok: false as const, orderId, err }
  }
}

const liveRedemptions = (discountId: number) =>
  db()
    .select()
    .from(discountRedemptions)
    .where(and(eq(discountRedemptions.discountId, discountId), isNull(discountRedemptions.releasedAt)))

describe('reading a code', () => {
  it('folds case, spaces, full-width letters and invisible characters into one code', () => {
    expect(readCode(' welcome 10 ')).toEqual({ ok: true, code: 'WELCOME10' })
    expect(readCode('ＷＥＬＣＯＭＥ１０')).toEqual({ ok: true, code: 'WELCOME10' })
    expect(readCode('WEL\u200BCOME\u00A010')).toEqual({ ok: true, code: 'WELCOME10' })
    expect(readCode('summer-sale_2')).toEqual({ ok: true, code: 'SUMMER-SALE_2' })
  })

  it('refuses look-alike letters that NFKC does not fold, saying codes use Latin letters', () => {
    // Cyrillic "Е" (U+0415) in place of the Latin E; Greek "Ο" for O; the dotless ı that upper-cases to I.
    for (const typed of ['WЕLCOME10', 'WELCΟME10', 'WELCOMEı0', 'straße']) {
      const reading = readCode(typed)
      expect(reading.ok, typed).toBe(false)
      if (!reading.ok) expect(reading.message).toMatch(/Latin letters/)
    }
  })

  it('bounds the length and the characters', () => {
    expect(readCode('A'.repeat(33))).toMatchObject({ ok: false, message: expect.stringMatching(/at most 32/) })
    expect(readCode('A'.repeat(5000))).toMatchObject({ ok: false })
    expect(readCode('WELCOME;10')).toMatchObject({ ok: false, message: expect.stringMatching(/letters A–Z, digits/) })
    expect(readCode('   ')).toMatchObject({ ok: false, message: 'Enter a discount code.' })
  })
})

describe('which discounts apply', () => {
  it('applies a code typed in another case with spaces and full-width digits', async () => {
    const code = freshCode('WELCOME')
    const discount = await insertDiscount({ code })
    const typed = ` ${code.toLowerCase().slice(0, 3)} ${code.slice(3).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))}`
    const answer = await applicableDiscounts(env, cart({ code: typed }))
    expect(answer.refusal).toBeNull()
    expect(answer.code).toMatchObject({ id: discount.id, code, kind: 'percentage', value: 1000 })
  })

  it('says an unknown code is unknown, and a look-alike code is not Latin', async () => {
    const code = freshCode('WELCOME')
    await insertDiscount({ code })
    const promotion = await insertDiscount({ code: null, title: 'For everyone' })
    expect((await applicableDiscounts(env, cart({ code: 'NOSUCHCODE' }))).refusal).toEqual({ reason: 'unknown', message: 'There is no discount code NOSUCHCODE: check its spelling.' })
    const lookAlike = await applicableDiscounts(env, cart({ code: code.replace('E', '\u0415') }))
    expect(lookAlike.code).toBeNull()
    expect(lookAlike.refusal?.reason).toBe('unknown')
    expect(lookAlike.refusal?.message).toMatch(/Latin letters/)
    // A refused code never costs the shopper the promotions that apply anyway.
    expect(lookAlike.automatic.map((rule) => rule.id)).toContain(promotion.id)
  })

  it('names each reason a code does not apply', async () => {
    const now = Date.now()
    const reason = async (fields: Partial<NewDiscount>, request: Partial<DiscountRequest> & { productId?: number; categoryIds?: number[] } = {}) => {
      const d = await insertDiscount(fields)
      return (await applicableDiscounts(env, cart({ code: d.code, now, ...request }))).refusal
    }
    expect(await reason({ isActive: false })).toMatchObject({ reason: 'inactive', message: expect.stringMatching(/no longer active/) })
    expect(await reason({ startsAt: Date.UTC(2099, 11, 3, 9, 0) })).toMatchObject({ reason: 'not_started', message: expect.stringMatching(/starts on 3 Dec 2099, 09:00 UTC/) })
    expect(await reason({ startsAt: Date.UTC(2020, 0, 1), endsAt: Date.UTC(2020, 0, 31, 23, 0) })).toMatchObject({ reason: 'expired', message: expect.stringMatching(/expired on 31 Jan 2020, 23:00 UTC/) })
    expect(await reason({ usageLimit: 3, timesUsed: 3 })).toMatchObject({ reason: 'used_up', message: expect.stringMatching(/used up: it was for the first 3 orders/) })
    expect(await reason({ minSubtotalCents: 10_000 }, { subtotalCents: 7550 })).toMatchObject({ reason: 'min_subtotal', message: expect.stringMatching(/needs a subtotal of \$100\.00: spend \$24\.50 more/) })
  })

  it('says "already used by you" once the buyer used up their limit, and counts only live uses', async () => {
    const discount = await insertDiscount({ perCustomerLimit: 1 })
    const customer = uniqueEmail('limit')
    expect((await applicableDiscounts(env, cart({ code: discount.code, customerKey: customer }))).code?.id).toBe(discount.id)
    const placed = await placeWith(discount, customer)
    expect(placed.ok).toBe(true)
    const refused = await applicableDiscounts(env, cart({ code: discount.code, customerKey: customer }))
    expect(refused.refusal).toMatchObject({ reason: 'customer_limit', message: expect.stringMatching(/already used by you: it can be used once per customer/) })
    // Another buyer still may; and once the order is given back, so may this one.
    expect((await applicableDiscounts(env, cart({ code: discount.code, customerKey: uniqueEmail('other') }))).code?.id).toBe(discount.id)
    await db().batch(releaseStatements(db(), placed.orderId) as [ReturnType<typeof releaseStatements>[0]])
    expect((await applicableDiscounts(env, cart({ code: discount.code, customerKey: customer }))).refusal).toBeNull()
  })

  it('names what a code applies to when no line of the cart is eligible', async () => {
    const tee = await insertProduct({ name: 'Harbor Tee' })
    const socks = await insertProduct({ name: 'Wool Socks' })
    const [outerwear] = await db().insert(categories).values({ name: 'Outerwear', slug: `outerwear-${Date.now().toString(36)}` }).returning()
    const discount = await insertDiscount({ productIds: [tee.id, socks.id], categoryIds: [outerwear!.id] })
    const other = await insertProduct({ name: 'Plain Mug' })
    const refused = await applicableDiscounts(env, cart({ code: discount.code, productId: other.id }))
    expect(refused.refusal).toEqual({ reason: 'not_eligible', message: `The code ${discount.code} applies only to Harbor Tee, Wool Socks or products in Outerwear, and none of them is in your cart.` })
    expect((await applicableDiscounts(env, cart({ code: discount.code, productId: socks.id }))).code?.id).toBe(discount.id)
    expect((await applicableDiscounts(env, cart({ code: discount.code, productId: other.id, categoryIds: [outerwear!.id] }))).code?.id).toBe(discount.id)
  })

  it('lists every automatic promotion whose dates, limits, minimum and eligibility hold, beside the code', async () => {
    const product = await insertProduct()
    const now = Date.now()
    const tenOffAbove100 = await insertDiscount({ code: null, title: '10% off above $100', minSubtotalCents: 10_000 })
    const forThisProduct = await insertDiscount({ code: null, title: 'Fixed off this product', kind: 'fixed', value: 300, productIds: [product.id] })
    const off = await insertDiscount({ code: null, title: 'Switched off', isActive: false })
    const later = await insertDiscount({ code: null, title: 'Later', startsAt: now + HOUR })
    const usedUp = await insertDiscount({ code: null, title: 'Used up', usageLimit: 1, timesUsed: 1 })
    const code = await insertDiscount()
    const small = await applicableDiscounts(env, cart({ code: code.code, productId: product.id, subtotalCents: 5000, now }))
    const ids = (answer: typeof small) => answer.automatic.map((rule) => rule.id)
    expect(small.code?.id).toBe(code.id)
    expect(ids(small)).toContain(forThisProduct.id)
    expect(ids(small)).not.toContain(tenOffAbove100.id)
    const big = await applicableDiscounts(env, cart({ productId: product.id, subtotalCents: 12_000, now }))
    expect(ids(big)).toEqual(expect.arrayContaining([tenOffAbove100.id, forThisProduct.id]))
    for (const refused of [off, later, usedUp]) expect(ids(big)).not.toContain(refused.id)
    expect(big.automatic.find((rule) => rule.id === forThisProduct.id)).toEqual({ id: forThisProduct.id, code: null, title: 'Fixed off this product', kind: 'fixed', value: 300, minSubtotalCents: null, productIds: [product.id], categoryIds: [] })
  })
})

describe('redemptions, counted with the order', () => {
  it('lets exactly 50 of 200 concurrent orders redeem a code limited to 50', async () => {
    const discount = await insertDiscount({ usageLimit: 50 })
    const results = await Promise.all(range(200).map((i) => placeWith(discount, `buyer-${i}@example.com`)))
    const placed = results.filter((r) => r.ok)
    expect(placed).toHaveLength(50)
    expect((await discountRow(discount.id)).timesUsed).toBe(50)
    expect(await liveRedemptions(discount.id)).toHaveLength(50)
    // The refused batches placed nothing: no order row without its redemption.
    const refusedIds = results.filter((r) => !r.ok).map((r) => r.orderId)
    const stray = await db().select({ id: orders.id }).from(orders).where(eq(orders.id, refusedIds[0]!))
    expect(stray).toHaveLength(0)
    const refusal = results.find((r) => !r.ok)
    expect(redemptionRefusal(refusal?.err, [ruleOf(discount)])).toEqual({ reason: 'used_up', message: `The code ${discount.code} was used up by other orders just now. Nothing was charged; check the new total.` })
  })

  it('places at most 50 orders with a code limited to 50 out of 200 concurrent checkouts through the API, each refusal in words, no stock held for them', async () => {
    const discount = await insertDiscount({ usageLimit: 50 })
    const product = await insertProduct({ priceCents: 2000, stockQuantity: 1000 })
    const buyers = await Promise.all(range(20).map(() => registerUser()))
    const answers = await Promise.all(
      range(200).map((i) => callJson<{ id: string; discount_cents: number } & ErrorBody>('POST', '/api/orders', { items: [{ product_id: product.id, quantity: 1 }], shipping_address: ADDRESS, discount_code: discount.code }, buyers[i % 20]!.bearer)),
    )
    const placed = answers.filter((a) => a.status === 201)
    const refused = answers.filter((a) => a.status !== 201)
    expect(placed).toHaveLength(50)
    expect(placed.every((a) => a.body.discount_cents > 0)).toBe(true)
    expect(new Set(refused.map((a) => `${a.status} ${a.body.error.code}`))).toEqual(new Set(['409 discount_code_refused']))
    expect(refused[0]?.body.error.message).toContain('used up')
    expect((await discountRow(discount.id)).timesUsed).toBe(50)
    expect(await liveRedemptions(discount.id)).toHaveLength(50)
    // Only the placed orders hold stock: the refused ones gave their holds back.
    const [variant] = await db().select().from(orders).where(eq(orders.id, placed[0]!.body.id))
    expect(variant).toBeDefined()
    const stock = await callJson<{ variants: { stock_held: number }[] }>('GET', `/api/admin/products/${product.id}/variants`, undefined, (await staffUser('admin')).bearer)
    expect(stock.body.variants[0]?.stock_held).toBe(50)
  }, 120_000)

  it('lets one of 20 concurrent orders of one buyer redeem a code limited to once per customer', async () => {
    const discount = await insertDiscount({ perCustomerLimit: 1 })
    const customer = uniqueEmail('eager')
    const results = await Promise.all(range(20).map(() => placeWith(discount, customer.toUpperCase())))
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect((await discountRow(discount.id)).timesUsed).toBe(1)
    expect(redemptionRefusal(results.find((r) => !r.ok)?.err)).toEqual({ reason: 'customer_limit', message: 'A discount of this order was already used by you. Nothing was charged; check the new total.' })
  })

  it('refuses a redemption of a discount switched off or out of its dates when the order is written', async () => {
    const off = await insertDiscount()
    await db().update(discounts).set({ isActive: false }).where(eq(discounts.id, off.id))
    expect(redemptionRefusal((await placeWith(off, uniqueEmail())).err)?.reason).toBe('inactive')
    const ended = await insertDiscount({ startsAt: Date.now() - 2 * HOUR, endsAt: Date.now() - HOUR })
    expect(redemptionRefusal((await placeWith(ended, uniqueEmail())).err)?.reason).toBe('expired')
    const later = await insertDiscount({ startsAt: Date.now() + HOUR })
    expect(redemptionRefusal((await placeWith(later, uniqueEmail())).err)?.reason).toBe('not_started')
    expect((await discountRow(later.id)).timesUsed).toBe(0)
  })

  it('does not mistake another failure for a discount refusal', async () => {
    expect(redemptionRefusal(new Error('UNIQUE constraint failed: orders.id'))).toBeNull()
    expect(redemptionRefusal(undefined)).toBeNull()
  })

  it('gives a use back once, even when the release runs twice', async () => {
    const discount = await insertDiscount({ usageLimit: 2 })
    const first = await placeWith(discount, uniqueEmail())
    await placeWith(discount, uniqueEmail())
    expect((await discountRow(discount.id)).timesUsed).toBe(2)
    const release = () => db().batch(releaseStatements(db(), first.orderId) as [ReturnType<typeof releaseStatements>[0]])
    await release()
    await release()
    expect((await discountRow(discount.id)).timesUsed).toBe(1)
    expect(await liveRedemptions(discount.id)).toHaveLength(1)
    // The use given back is there to take again.
    expect((await placeWith(discount, uniqueEmail())).ok).toBe(true)
    expect((await placeWith(discount, uniqueEmail())).ok).toBe(false)
  })
})

describe('an unpaid order that ends gives its discount uses back', () => {
  /** An order placed through the API, then redeeming `discount` as the totals' batch would have. */
  async function orderWithDiscount(discount: Awaited<ReturnType<typeof insertDiscount>>) {
    const product = await insertProduct({ stockQuantity: 10 })
    const who = await registerUser()
    const placed = await placeOrder(who, [{ product_id: product.id, quantity: 1 }])
    expect(placed.status).toBe(201)
    await db().batch(redeemStatements(db(), placed.body.id, who.email, [{ rule: ruleOf(discount), amountCents: 100 }]) as [ReturnType<typeof redeemStatements>[0]])
    return { orderId: placed.body.id, productId: product.id }
  }

  it('when it expires, once however often the expiry is delivered', async () => {
    const discount = await insertDiscount({ usageLimit: 5 })
    const { orderId, productId } = await orderWithDiscount(discount)
    expect((await discountRow(discount.id)).timesUsed).toBe(1)
    await runOutHolds(productId)
    await expireOrder(env, orderId)
    expect((await db().select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).get())?.status).toBe('expired')
    expect((await discountRow(discount.id)).timesUsed).toBe(0)
    const [redemption] = await db().select().from(discountRedemptions).where(eq(discountRedemptions.orderId, orderId))
    expect(redemption?.releasedAt).toBeTypeOf('number')
  })

  it('and counts it again when the expired order is paid after all, unless the discount was used up meanwhile', async () => {
    const discount = await insertDiscount({ usageLimit: 1 })
    const full = await insertDiscount({ usageLimit: 1 })
    const late = async (d: Awaited<ReturnType<typeof insertDiscount>>, fillMeanwhile: boolean) => {
      const product = await insertProduct({ stockQuantity: 10 })
      const who = await registerUser()
      const order = (await placeOrder(who, [{ product_id: product.id, quantity: 1 }])).body
      await db().batch(redeemStatements(db(), order.id, who.email, [{ rule: ruleOf(d), amountCents: 100 }]) as [ReturnType<typeof redeemStatements>[0]])
      const { url } = await startCheckout(env, viewerOf(who), order.id, BASE)
      await runOutHolds(product.id)
      expect((await discountRow(d.id)).timesUsed).toBe(0)
      if (fillMeanwhile) expect((await placeWith(d, uniqueEmail())).ok).toBe(true)
      const paid = await postWebhook(stripeEvent('checkout.session.completed', sessionObject(order, url.split('/').pop() ?? '')))
      expect(paid.body.outcome).toBe('paid_late')
      return order.id
    }
    const orderId = await late(discount, false)
    expect((await discountRow(discount.id)).timesUsed).toBe(1)
    // (Read by discount too: an automatic promotion another test left on may apply to these orders as well.)
    expect((await db().select().from(discountRedemptions).where(and(eq(discountRedemptions.orderId, orderId), eq(discountRedemptions.discountId, discount.id))))[0]?.releasedAt).toBeNull()
    // Used up by another order while this one was expired: the payment still goes through, the limit holds.
    const other = await late(full, true)
    expect((await discountRow(full.id)).timesUsed).toBe(1)
    expect((await db().select().from(discountRedemptions).where(and(eq(discountRedemptions.orderId, other), eq(discountRedemptions.discountId, full.id))))[0]?.releasedAt).toBeTypeOf('number')
    // Two orders, two expiries and two late payments: past the default 5 s on a busy machine.
  }, 20_000)

  it('when staff cancel it', async () => {
    const discount = await insertDiscount({ usageLimit: 5 })
    const { orderId } = await orderWithDiscount(discount)
    const admin = await staffUser('admin')
    expect((await callJson('POST', `/api/admin/orders/${orderId}/cancel`, undefined, admin.bearer)).status).toBe(200)
    expect((await discountRow(discount.id)).timesUsed).toBe(0)
    expect(await liveRedemptions(discount.id)).toHaveLength(0)
  })
})

type Answer<T> = T & Partial<ErrorBody>

describe('the admin API', () => {
  const create = async (body: Record<string, unknown>, who?: { bearer: Record<string, string> }) => callJson<Answer<AdminDiscount>>('POST', '/api/admin/discounts', body, (who ?? (await admin())).bearer)
  let adminUser: Awaited<ReturnType<typeof staffUser>> | undefined
  const admin = async () => (adminUser ??= await staffUser('admin'))

  it('creates a percentage code from a typed percentage, normalising the code', async () => {
    const code = freshCode('SPRING')
    const answer = await create({ code: ` ${code.toLowerCase()} `, kind: 'percentage', value: '12.5', min_subtotal: '50.00', usage_limit: 50, per_customer_limit: 1 })
    expect(answer.status).toBe(201)
    expect(answer.body).toMatchObject({ code, title: code, automatic: false, kind: 'percentage', value: 1250, percent_off: '12.5', min_subtotal_cents: 5000, usage_limit: 50, times_used: 0, status: 'active' })
    const [entry] = await db().select().from(auditLog).where(and(eq(auditLog.action, 'discount.create'), eq(auditLog.targetId, String(answer.body.id))))
    expect(entry?.after).toMatchObject({ code, value: 1250 })
  })

  it('creates an automatic promotion, which needs a title, and a fixed amount for products named by slug', async () => {
    const refused = await create({ kind: 'percentage', value: 10, min_subtotal: '100' })
    expect(refused.status).toBe(400)
    expect(refused.body.error?.fields?.title?.[0]).toMatch(/required for an automatic promotion/)
    const product = await insertProduct()
    const made = await create({ title: '$5 off the tee', kind: 'fixed', value: '5.00', product_slugs: [product.slug] })
    expect(made.status).toBe(201)
    expect(made.body).toMatchObject({ code: null, automatic: true, kind: 'fixed', value: 500, amount_off_cents: 500, product_ids: [product.id] })
  })

  it('names each fault of a discount by its field', async () => {
    const fields = async (body: Record<string, unknown>) => (await create(body)).body.error?.fields ?? {}
    expect((await fields({ code: 'ABC', kind: 'percentage', value: '0' })).value?.[0]).toMatch(/above 0 and at most 100/)
    expect((await fields({ code: 'ABC', kind: 'percentage', value: '100.5' })).value?.[0]).toMatch(/at most 100/)
    expect((await fields({ code: 'ABC', kind: 'percentage', value: '12.345' })).value?.[0]).toMatch(/two decimals/)
    expect((await fields({ code: 'ABC', kind: 'fixed' })).value?.[0]).toMatch(/is required: the amount off/)
    expect((await fields({ code: 'ABC', kind: 'free_shipping', value: '5' })).value?.[0]).toMatch(/empty for free shipping/)
    expect((await fields({ code: 'WЕLCOME', kind: 'free_shipping' })).code?.[0]).toMatch(/Latin letters/)
    expect((await fields({ code: 'NO WAY!', kind: 'free_shipping' })).code?.[0]).toMatch(/letters A–Z, digits/)
    expect((await fields({ code: 'ABC', kind: 'free_shipping', starts_at: '2026-12-24T09:00:00Z', ends_at: '2026-12-01T09:00:00Z' })).ends_at?.[0]).toBe('must be after the start')
    expect((await fields({ code: 'ABC', kind: 'free_shipping', product_ids: [99_999_999] })).product_ids?.[0]).toBe('no product has the id 99999999')
    expect((await fields({ code: 'ABC', kind: 'free_shipping', starts_at: 'tomorrow' })).starts_at?.[0]).toMatch(/date and time/)
  })

  it('answers a duplicate code with a 409 naming it', async () => {
    const code = freshCode('TWICE')
    expect((await create({ code, kind: 'free_shipping' })).status).toBe(201)
    const again = await create({ code: code.toLowerCase(), kind: 'free_shipping' })
    expect(again.status).toBe(409)
    expect(again.body.error?.message).toBe(`The code ${code} is already used by another discount`)
  })

  it('lets staff read but not write', async () => {
    const staff = await staffUser('staff')
    const code = freshCode('STAFF')
    await create({ code, kind: 'free_shipping' })
    const list = await callJson<AdminDiscountPage>('GET', `/api/admin/discounts?q=${code.toLowerCase()}`, undefined, staff.bearer)
    expect(list.status).toBe(200)
    expect(list.body.items.map((d) => d.code)).toEqual([code])
    expect((await create({ code: freshCode(), kind: 'free_shipping' }, staff)).status).toBe(403)
    const customer = await registerUser()
    expect((await callJson('GET', '/api/admin/discounts', undefined, customer.bearer)).status).toBe(403)
  })

  it('lists usage so far and filters by status', async () => {
    const usedUp = await insertDiscount({ usageLimit: 2, timesUsed: 2 })
    const scheduled = await insertDiscount({ startsAt: Date.now() + HOUR })
    const list = async (status: string) => (await callJson<AdminDiscountPage>('GET', `/api/admin/discounts?status=${status}&page_size=100`, undefined, (await admin()).bearer)).body.items.map((d) => d.id)
    expect(await list('used_up')).toContain(usedUp.id)
    expect(await list('active')).not.toContain(usedUp.id)
    expect(await list('scheduled')).toContain(scheduled.id)
    const one = await callJson<AdminDiscount>('GET', `/api/admin/discounts/${usedUp.id}`, undefined, (await admin()).bearer)
    expect(one.body).toMatchObject({ times_used: 2, usage_limit: 2, status: 'used_up' })
  })

  it('updates, refusing a usage limit below the uses so far, and deactivates', async () => {
    const discount = await insertDiscount({ usageLimit: 10, timesUsed: 4 })
    const bearer = (await admin()).bearer
    const low = await callJson<Answer<AdminDiscount>>('PATCH', `/api/admin/discounts/${discount.id}`, { usage_limit: 3 }, bearer)
    expect(low.status).toBe(400)
    expect(low.body.error?.fields?.usage_limit).toEqual(['cannot be below the 4 uses so far'])
    const changed = await callJson<AdminDiscount>('PATCH', `/api/admin/discounts/${discount.id}`, { kind: 'fixed', value: '2.50', usage_limit: 4 }, bearer)
    expect(changed.body).toMatchObject({ kind: 'fixed', value: 250, usage_limit: 4, status: 'used_up' })
    const off = await callJson<AdminDiscount>('POST', `/api/admin/discounts/${discount.id}/deactivate`, undefined, bearer)
    expect(off.body).toMatchObject({ is_active: false, status: 'inactive' })
  })

  it('deletes a discount never redeemed, and refuses one that orders used', async () => {
    const bearer = (await admin()).bearer
    const unused = await insertDiscount()
    expect((await callJson('DELETE', `/api/admin/discounts/${unused.id}`, undefined, bearer)).status).toBe(204)
    expect(await db().select().from(discounts).where(eq(discounts.id, unused.id))).toHaveLength(0)
    const used = await insertDiscount()
    const placed = await placeWith(used, uniqueEmail())
    await db().batch(releaseStatements(db(), placed.orderId) as [ReturnType<typeof releaseStatements>[0]])
    const refused = await callJson<ErrorBody>('DELETE', `/api/admin/discounts/${used.id}`, undefined, bearer)
    expect(refused.status).toBe(409)
    expect(refused.body.error.message).toBe(`${used.code} was used on 1 order: deactivate it instead (those orders keep their discount)`)
  })
})

describe('the admin pages', () => {
  async function signedIn(role: 'admin' | 'staff') {
    const user = await staffUser(role)
    const browser = new Browser()
    const signIn = await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    expect(signIn.status).toBe(303)
    return browser
  }

  it('creates a discount from the form and shows it in the index with its status and usage', async () => {
    const browser = await signedIn('admin')
    const code = freshCode('FORM')
    const created = await browser.submit('/admin/discounts/new', '/admin/discounts', {
      type: 'code',
      code: code.toLowerCase(),
      title: '',
      kind: 'percentage',
      value: '15',
      min_subtotal: '',
      products: '',
      starts_at: '',
      ends_at: '',
      usage_limit: '50',
      per_customer_limit: '',
      is_active: 'on',
    })
    expect(created.status).toBe(303)
    const location = created.headers.get('Location') ?? ''
    expect(location).toMatch(/^\/admin\/discounts\/\d+$/)
    const page = await (await browser.fetch(location)).text()
    expect(page).toContain(`Discount ${code} created.`)
    const index = await (await browser.fetch(`/admin/discounts?q=${code}`)).text()
    expect(index).toContain('15% off')
    expect(index).toContain('<span class="status status-active">Active</span>')
    expect(index).toContain('0 / 50')
  })

  it('shows the refusal on the form, with the fields as typed', async () => {
    const browser = await signedIn('admin')
    const answer = await browser.submit('/admin/discounts/new', '/admin/discounts', { type: 'automatic', code: '', title: '', kind: 'percentage', value: '150', is_active: 'on' })
    expect(answer.status).toBe(400)
    const html = await answer.text()
    expect(html).toContain('Please correct the fields marked below.')
    expect(html).toContain('must be a percentage above 0 and at most 100')
    expect(html).toContain('is required for an automatic promotion')
    expect(html).toMatch(/name="value"[^>]*value="150"/)
  })

  it('lets staff see the discounts, and what they apply to, but not change them', async () => {
    const mug = await insertProduct({ name: 'Harbor Mug' })
    const discount = await insertDiscount({ productIds: [mug.id], usageLimit: 50, timesUsed: 12 })
    const browser = await signedIn('staff')
    const page = await browser.fetch(`/admin/discounts/${discount.id}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('For Harbor Mug')
    expect(html).toContain('Used 12 / 50')
    expect(html).toContain('Only admins change discounts.')
    expect(html).not.toContain(`action="/admin/discounts/${discount.id}/deactivate"`)
    expect((await browser.fetch('/admin/discounts/new')).status).toBe(403)
  })

  it('deactivates and deletes with a confirmation, answering in words', async () => {
    const browser = await signedIn('admin')
    const discount = await insertDiscount()
    const off = await browser.submit(`/admin/discounts/${discount.id}`, `/admin/discounts/${discount.id}/deactivate`, {})
    expect(off.status).toBe(303)
    expect(await (await browser.fetch(`/admin/discounts/${discount.id}`)).text()).toContain(`Discount ${discount.code} deactivated: new orders no longer get it.`)
    const unconfirmed = await browser.submit(`/admin/discounts/${discount.id}`, `/admin/discounts/${discount.id}/delete`, {})
    expect(unconfirmed.status).toBe(303)
    expect(await (await browser.fetch(`/admin/discounts/${discount.id}`)).text()).toContain('Nothing was deleted: tick the box to confirm.')
    const deleted = await browser.submit(`/admin/discounts/${discount.id}`, `/admin/discounts/${discount.id}/delete`, { confirm: 'on' })
    expect(deleted.headers.get('Location')).toBe('/admin/discounts')
    expect(await (await browser.fetch('/admin/discounts')).text()).toContain(`Discount ${discount.code} deleted.`)
  })

  it('deactivates the discounts ticked in the index, audited each', async () => {
    const browser = await signedIn('admin')
    const [a, b, untouched] = [await insertDiscount(), await insertDiscount(), await insertDiscount()]
    // More ids than one statement may bind (D1: 100 parameters), most of them unknown.
    const unknown = range(150).map((i) => ['ids', String(90_000_000 + i)])
    const body = new URLSearchParams([['_csrf', await browser.csrfFrom('/admin/discounts')], ['ids', String(a.id)], ...unknown, ['ids', String(b.id)]])
    const answer = await browser.fetch('/admin/discounts/deactivate', { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } })
    expect(answer.status).toBe(303)
    expect(await (await browser.fetch('/admin/discounts')).text()).toContain('2 discounts deactivated: new orders no longer get them.')
    expect([(await discountRow(a.id)).isActive, (await discountRow(b.id)).isActive, (await discountRow(untouched.id)).isActive]).toEqual([false, false, true])
    expect(await db().select().from(auditLog).where(and(eq(auditLog.action, 'discount.deactivate'), eq(auditLog.targetId, String(b.id))))).toHaveLength(1)
  })

  it('shows the discounts given on the dashboard, counting only paid orders with live redemptions', async () => {
    const browser = await signedIn('admin')
    const before = (await callJson<Dashboard>('GET', '/api/admin/dashboard', undefined, (await staffUser('admin')).bearer)).body
    const discount = await insertDiscount()
    const paid = await placeWith(discount, uniqueEmail())
    await db().insert(orderEvents).values({ orderId: paid.orderId, fromStatus: 'pending_payment', toStatus: 'paid' })
    await db().update(orders).set({ status: 'paid', paymentStatus: 'paid' }).where(eq(orders.id, paid.orderId))
    // Unpaid, and paid but given back: neither counts.
    await placeWith(discount, uniqueEmail())
    const released = await placeWith(discount, uniqueEmail())
    await db().insert(orderEvents).values({ orderId: released.orderId, fromStatus: 'pending_payment', toStatus: 'paid' })
    await db().batch(releaseStatements(db(), released.orderId) as [ReturnType<typeof releaseStatements>[0]])
    const after = (await callJson<Dashboard>('GET', '/api/admin/dashboard', undefined, (await staffUser('admin')).bearer)).body
    expect(after.discounts_given_cents - before.discounts_given_cents).toBe(500)
    expect(after.discounted_orders - before.discounted_orders).toBe(1)
    const html = await (await browser.fetch('/admin')).text()
    expect(html).toContain('<a href="/admin/discounts"><span>Discounts given, 30 days</span>')
  })
})

describe('the demo store', () => {
  it('has the code WELCOME10 and an automatic promotion over $100, seeded once however often the seed runs', async () => {
    await seedDemoDiscounts(env.DB)
    await seedDemoDiscounts(env.DB)
    const welcome = await db().select().from(discounts).where(eq(discounts.code, 'WELCOME10'))
    expect(welcome).toHaveLength(1)
    const product = await insertProduct()
    const answer = await applicableDiscounts(env, cart({ code: 'welcome10', productId: product.id, subtotalCents: 12_000, customerKey: uniqueEmail('guest') }))
    expect(answer.code).toMatchObject({ code: 'WELCOME10', kind: 'percentage', value: 1000 })
    expect(answer.automatic.map((rule) => rule.title)).toContain('10% off orders over $100')
  })
})
