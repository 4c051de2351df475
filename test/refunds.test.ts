import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../src/db/client'
import { orders, refunds } from '../src/db/schema'
import { claimRefund, planRefund, refundable, refundOrder } from '../src/payments/refunds'
import { localCheckoutEvent } from '../src/payments/local'
import { localCheckoutFor, startCheckout } from '../src/payments/checkout'
import { handleStripeEvent } from '../src/payments/events'
import type { ErrorBody } from '../src/platform/errors'
import { BASE, callJson, insertProduct, registerUser, staffUser as staff } from './helpers'
import { placeOrder, stockView } from './orders-helpers'
import { postWebhook, sessionObject, STRIPE_ENV, stripeEvent, viewerOf } from './payments-helpers'

type RefundAnswer = { refund: { id: string; amount_cents: number; restocked_units: number; lines: { product_id: number; quantity: number }[] }; order: { refunded_cents: number; payment_status: string; status: string } }

/** A paid order (offline provider) of `lines` (quantity per product, each product priced 10.00 with 10 in stock). */
async function paidOrder(quantities: number[]) {
  const products = await Promise.all(quantities.map(() => insertProduct({ stockQuantity: 10, priceCents: 1000 })))
  const who = await registerUser()
  const placed = await placeOrder(
    who,
    products.map((p, i) => ({ product_id: p.id, quantity: quantities[i] ?? 1 })),
  )
  const orderId = placed.body.id
  const { url } = await startCheckout(env, viewerOf(who), orderId, BASE)
  const { payment } = await localCheckoutFor(env, viewerOf(who), url.split('/').pop() ?? '')
  await handleStripeEvent(env, localCheckoutEvent(payment, 'pay'))
  return { orderId, products, staff: await staff() }
}

const refund = (who: { bearer: Record<string, string> }, orderId: string, body: Record<string, unknown>) =>
  callJson<RefundAnswer & Partial<ErrorBody>>('POST', `/api/admin/orders/${orderId}/refund`, body, who.bearer)
const onHand = async (productId: number) => (await stockView(productId)).onHand

describe('refunding lines', () => {
  it('returns exactly the refunded units to stock, once however often the same refund is sent', async () => {
    const { orderId, products, staff: clerk } = await paidOrder([3, 2])
    const [mug, plate] = products as [(typeof products)[number], (typeof products)[number]]
    expect([await onHand(mug.id), await onHand(plate.id)]).toEqual([7, 8])
    const body = { lines: [{ product_id: mug.id, quantity: 1 }], restock: true, reason: 'one mug back', refund_id: `line-${orderId}` }
    const first = await refund(clerk, orderId, body)
    expect(first.status).toBe(200)
    expect(first.body.refund).toMatchObject({ amount_cents: 1000, restocked_units: 1, lines: [{ product_id: mug.id, quantity: 1 }] })
    expect(first.body.order).toMatchObject({ refunded_cents: 1000, payment_status: 'partially_refunded', status: 'paid' })
    expect([await onHand(mug.id), await onHand(plate.id)]).toEqual([8, 8])
    const again = await refund(clerk, orderId, body)
    expect(again.body.refund.id).toBe(first.body.refund.id)
    expect([await onHand(mug.id), await onHand(plate.id)]).toEqual([8, 8])
    expect(again.body.order.refunded_cents).toBe(1000)
  })

  it('never refunds a line beyond its quantity across refunds, and says how many are left', async () => {
    const { orderId, products, staff: clerk } = await paidOrder([2])
    const mug = products[0] as (typeof products)[number]
    expect((await refund(clerk, orderId, { lines: [{ product_id: mug.id, quantity: 1 }], reason: 'first' })).status).toBe(200)
    const beyond = await refund(clerk, orderId, { lines: [{ product_id: mug.id, quantity: 2 }], reason: 'too many' })
    expect(beyond.status).toBe(400)
    expect(beyond.body.error?.fields?.[`lines.${mug.id}`]?.[0]).toContain('at most 1 of 2 left to refund')
    expect((await refund(clerk, orderId, { lines: [{ product_id: 999_999, quantity: 1 }], reason: 'not ours' })).status).toBe(400)
    const last = await refund(clerk, orderId, { lines: [{ product_id: mug.id, quantity: 1 }], restock: true, reason: 'second' })
    expect(last.body.order).toMatchObject({ status: 'refunded', payment_status: 'refunded', refunded_cents: 2000 })
    expect(last.body.refund.restocked_units).toBe(1)
    expect(await onHand(mug.id)).toBe(9)
  })

  it('prices a refund from its units, lets staff lower it for goodwill but not raise it, and refunds money alone without restocking', async () => {
    const { orderId, products, staff: clerk } = await paidOrder([2])
    const mug = products[0] as (typeof products)[number]
    const raised = await refund(clerk, orderId, { lines: [{ product_id: mug.id, quantity: 1 }], amount: '10.01', reason: 'more' })
    expect(raised.status).toBe(400)
    expect(raised.body.error?.fields?.amountCents?.[0]).toContain('at most 1000')
    const goodwill = await refund(clerk, orderId, { lines: [{ product_id: mug.id, quantity: 1 }], amount: '4.00', restock: true, reason: 'kept it, chipped' })
    expect(goodwill.body.refund).toMatchObject({ amount_cents: 400, restocked_units: 1 })
    const restockMoney = await refund(clerk, orderId, { amount: '1.00', restock: true, reason: 'money only' })
    expect(restockMoney.status).toBe(400)
    expect(restockMoney.body.error?.fields?.restock?.[0]).toContain('choose the lines')
    const money = await refund(clerk, orderId, { amount: '1.00', reason: 'late delivery' })
    expect(money.body.refund).toMatchObject({ amount_cents: 100, lines: [], restocked_units: 0 })
    expect(await onHand(mug.id)).toBe(9)
    expect(money.body.order.refunded_cents).toBe(500)
  })
})

describe('concurrent refunds', () => {
  it('never give back more than was paid, when two arrive at once through the API', async () => {
    const { orderId, staff: clerk } = await paidOrder([4])
    const answers = await Promise.all([refund(clerk, orderId, { amount: '30.00', reason: 'a' }), refund(clerk, orderId, { amount: '30.00', reason: 'b' })])
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
    expect(JSON.stringify(answers.find((a) => a.status !== 200)?.body.error)).toMatch(/left of the payment|at the same moment/)
    const rows = await getDb(env).select().from(refunds).where(eq(refunds.orderId, orderId))
    expect(rows.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amountCents, 0)).toBe(3000)
    const rest = await refund(clerk, orderId, { reason: 'the rest' })
    expect(rest.body.order.refunded_cents).toBe(4000)
  })

  it('never refund one unit twice, when two refunds of the same line arrive at once', async () => {
    const { orderId, products, staff: clerk } = await paidOrder([1, 1])
    const mug = products[0] as (typeof products)[number]
    const line = { lines: [{ product_id: mug.id, quantity: 1 }], restock: true }
    const answers = await Promise.all([refund(clerk, orderId, { ...line, reason: 'a' }), refund(clerk, orderId, { ...line, reason: 'b' })])
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
    expect(await onHand(mug.id)).toBe(10)
  })

  it('write only one of two claims decided from the same reading of what is left (the guard is in the statement)', async () => {
    const { orderId } = await paidOrder([2])
    const db = getDb(env)
    const order = await db.query.orders.findFirst({ where: eq(orders.id, orderId), with: { payment: true, items: true } })
    if (!order?.payment) throw new Error('no payment')
    const left = await refundable(db, order.payment, order.items)
    const plan = planRefund(order.items, left, { amountCents: 1500, restock: false })
    const claims = await Promise.allSettled(['x', 'y'].map((tag) => db.batch(claimRefund(db, { id: `${tag}-${orderId}`, orderId, restock: false, reason: tag }, plan))))
    expect(claims.map((c) => c.status).sort()).toEqual(['fulfilled', 'rejected'])
    const line = planRefund(order.items, await refundable(db, order.payment, order.items), { lines: [{ productId: order.items[0]?.productId ?? 0, quantity: 2 }], amountCents: 100, restock: false })
    const lineClaims = await Promise.allSettled(['p', 'q'].map((tag) => db.batch(claimRefund(db, { id: `${tag}-${orderId}`, orderId, restock: false, reason: tag }, line))))
    expect(lineClaims.map((c) => c.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect(await db.select({ id: refunds.id }).from(refunds).where(eq(refunds.orderId, orderId))).toHaveLength(2)
  })

  it('add up, when two that fit arrive at once through the offline provider (the running total is not read stale)', async () => {
    const { orderId, staff: clerk } = await paidOrder([4])
    const answers = await Promise.all([refund(clerk, orderId, { amount: '10.00', reason: 'a' }), refund(clerk, orderId, { amount: '10.00', reason: 'b' })])
    expect(answers.map((a) => a.status)).toEqual([200, 200])
    const order = await callJson<{ refunded_cents: number; payment_status: string }>('GET', `/api/admin/orders/${orderId}`, undefined, clerk.bearer)
    expect(order.body).toMatchObject({ refunded_cents: 2000, payment_status: 'partially_refunded' })
  })

  it('count a refund Stripe accepted but has not yet confirmed by charge.refunded', async () => {
    const product = await insertProduct({ stockQuantity: 5, priceCents: 1000 })
    const who = await registerUser()
    const order = (await placeOrder(who, [{ product_id: product.id, quantity: 2 }])).body
    const { url } = await startCheckout(STRIPE_ENV, viewerOf(who), order.id, BASE)
    await postWebhook(stripeEvent('checkout.session.completed', sessionObject(order, url.split('/').pop() ?? '')))
    expect(await refundOrder(STRIPE_ENV, order.id, { amountCents: 1500, restock: false, reason: 'first' })).toMatchObject({ status: 'succeeded' })
    await expect(refundOrder(STRIPE_ENV, order.id, { amountCents: 1000, restock: false, reason: 'second' })).rejects.toMatchObject({ status: 400 })
    expect(await refundOrder(STRIPE_ENV, order.id, { amountCents: 500, restock: false, reason: 'the rest' })).toMatchObject({ status: 'succeeded' })
  })

  it('gives the claim back when the refund cannot even be sent (no payment intent to refund)', async () => {
    const product = await insertProduct({ stockQuantity: 5, priceCents: 1000 })
    const who = await registerUser()
    const order = (await placeOrder(who, [{ product_id: product.id, quantity: 1 }])).body
    const { url } = await startCheckout(STRIPE_ENV, viewerOf(who), order.id, BASE)
    await postWebhook(stripeEvent('checkout.session.completed', sessionObject(order, url.split('/').pop() ?? '', { payment_intent: null })))
    await expect(refundOrder(STRIPE_ENV, order.id, { restock: false, reason: 'no intent' })).rejects.toMatchObject({ status: 409 })
    expect(await getDb(env).select({ status: refunds.status }).from(refunds).where(eq(refunds.orderId, order.id))).toEqual([{ status: 'failed' }])
  })

  it('gives the claim back when Stripe refuses the refund, so a later refund can take it', async () => {
    const product = await insertProduct({ stockQuantity: 5, priceCents: 1000 })
    const who = await registerUser()
    const order = (await placeOrder(who, [{ product_id: product.id, quantity: 1 }])).body
    const { url } = await startCheckout(STRIPE_ENV, viewerOf(who), order.id, BASE)
    const sessionId = url.split('/').pop() ?? ''
    await postWebhook(stripeEvent('checkout.session.completed', sessionObject(order, sessionId, { payment_intent: `pi_refuse_${order.id.slice(0, 8)}` })))
    await expect(refundOrder(STRIPE_ENV, order.id, { restock: false, reason: 'disputed' })).rejects.toMatchObject({ status: 502 })
    expect(await getDb(env).select({ status: refunds.status }).from(refunds).where(eq(refunds.orderId, order.id))).toEqual([{ status: 'failed' }])
    // Offline the same order's claim is free again: what is left is the whole payment.
    await expect(refundOrder(STRIPE_ENV, order.id, { amountCents: 1001, restock: false, reason: 'too much' })).rejects.toMatchObject({ status: 400 })
    await expect(refundOrder(STRIPE_ENV, order.id, { amountCents: 1000, restock: false, reason: 'again' })).rejects.toMatchObject({ status: 502 })
  })
})
