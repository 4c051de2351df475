import { createExecutionContext, env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import app from '../src/index'
import { getDb } from '../src/db/client'
import { refunds } from '../src/db/schema'
import { commitOrderStock, type OrderView } from '../src/orders/service'
import { CHECKOUT_TTL_MS, startCheckout } from '../src/payments/checkout'
import { refundOrder } from '../src/payments/refunds'
import { stockOf } from '../src/stock/client'
import { STRIPE_API_VERSION } from '../src/payments/stripe'
import { BASE, Browser, callJson, insertProduct } from './helpers'
import { ADDRESS, d1Stock, eventsOf, placeOrder, range, runOutHolds, shopper, stockView, type Answer, type Shopper } from './orders-helpers'
import {
  eventRows,
  expectConsistent,
  paymentRow,
  postWebhook,
  PRODUCTION_ENV,
  sessionObject,
  signature,
  STRIPE_ENV,
  stripeEvent,
  stripeRequests,
  viewerOf,
} from './payments-helpers'

/** A fresh product and a shopper's pending order of `quantity` of it. */
async function pendingOrder({ stock = 5, quantity = 2, priceCents = 1250 } = {}) {
  const product = await insertProduct({ stockQuantity: stock, priceCents })
  const who = await shopper()
  const answer = await placeOrder(who, [{ product_id: product.id, quantity }])
  if (answer.status !== 201) throw new Error(`order answered ${answer.status}: ${JSON.stringify(answer.body)}`)
  return { product, who, order: answer.body }
}

/** A pending order with a Stripe Checkout session (through the fake API); answers the session id. */
async function stripeCheckout(options: Parameters<typeof pendingOrder>[0] = {}) {
  const placed = await pendingOrder(options)
  const { url } = await startCheckout(STRIPE_ENV, viewerOf(placed.who), placed.order.id, BASE)
  const sessionId = url.split('/').pop() ?? ''
  return { ...placed, url, sessionId }
}

/** A pending order with a local checkout session (the offline path), through the API. */
async function localCheckout(options: Parameters<typeof pendingOrder>[0] = {}) {
  const placed = await pendingOrder(options)
  const answer = await callJson<Answer<{ url: string }>>('POST', `/api/orders/${placed.order.id}/checkout`, undefined, placed.who.bearer)
  if (answer.status !== 200) throw new Error(`checkout answered ${answer.status}: ${JSON.stringify(answer.body)}`)
  return { ...placed, url: answer.body.url, sessionId: answer.body.url.split('/').pop() ?? '' }
}

const completed = (order: OrderView, sessionId: string, overrides: Record<string, unknown> = {}) =>
  stripeEvent('checkout.session.completed', sessionObject(order, sessionId, overrides))
const getOrder = (who: Shopper, id: string) => callJson<Answer<OrderView>>('GET', `/api/orders/${id}`, undefined, who.bearer)

describe('starting a checkout', () => {
  it('asks Stripe for a session with the order total, lower-case currency, order id in metadata and as idempotency key, and an expiry the holds outlive', async () => {
    const { order, product, who, url, sessionId } = await stripeCheckout({ quantity: 3, priceCents: 1250 })
    expect(url).toBe(`https://checkout.stripe.com/c/pay/${sessionId}`)
    expect(sessionId).toMatch(/^cs_test_/)

    const sent = (await stripeRequests('/v1/checkout/sessions')).filter((r) => r.form['metadata[order_id]'] === order.id)
    expect(sent).toHaveLength(1)
    const [request] = sent
    expect(request).toMatchObject({ method: 'POST', idempotencyKey: order.id, stripeVersion: STRIPE_API_VERSION })
    expect(request?.form).toMatchObject({
      mode: 'payment',
      // One Stripe line per order line: its units at the price paid, named after the product.
      'line_items[0][quantity]': '3',
      'line_items[0][price_data][unit_amount]': '1250',
      'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][product_data][name]': product.name,
      'payment_intent_data[metadata][order_id]': order.id,
      client_reference_id: order.id,
      success_url: `${BASE}/orders/${order.id}?paid=1`,
      cancel_url: `${BASE}/orders/${order.id}`,
    })
    const expiresAtMs = Number(request?.form['expires_at']) * 1000
    expect(expiresAtMs).toBeGreaterThanOrEqual(Date.now() + 30 * 60 * 1000 - 60_000)
    expect(expiresAtMs).toBeLessThanOrEqual(Date.now() + CHECKOUT_TTL_MS)

    // Every hold now outlives the session, and the order says so.
    const stock = await stockView(product.id)
    expect(stock.holds).toHaveLength(1)
    expect(stock.holds[0]?.expiresAt).toBeGreaterThan(expiresAtMs)
    const view = (await getOrder(who, order.id)).body
    expect(Date.parse(view.hold_expires_at ?? '')).toBe(stock.holds[0]?.expiresAt)
    expect(view).toMatchObject({ status: 'pending_payment', payment_status: 'unpaid', refunded_cents: 0, review_reason: null })
  })

  it('answers the same session when asked again, without a second session', async () => {
    const { order, who, url } = await stripeCheckout()
    const again = await startCheckout(STRIPE_ENV, viewerOf(who), order.id, BASE)
    expect(again.url).toBe(url)
    const sent = (await stripeRequests('/v1/checkout/sessions')).filter((r) => r.idempotencyKey === order.id)
    expect(sent).toHaveLength(1)
  })

  it('offline, answers the local test page through the API; 404 for another shopper, 409 for an order not awaiting payment', async () => {
    const { order, who, url } = await localCheckout()
    expect(url).toMatch(new RegExp(`^${BASE}/payments/test/cs_local_[0-9a-f]{32}$`))
    expect((await callJson<{ url: string }>('POST', `/api/orders/${order.id}/checkout`, undefined, who.bearer)).body.url).toBe(url)
    const stranger = await shopper()
    expect((await callJson('POST', `/api/orders/${order.id}/checkout`, undefined, stranger.bearer)).status).toBe(404)

    const paid = await pendingOrder()
    await commitOrderStock(env, paid.order.id)
    const refused = await callJson<Answer<object>>('POST', `/api/orders/${paid.order.id}/checkout`, undefined, paid.who.bearer)
    expect(refused.status).toBe(409)
    expect(refused.body.error?.code).toBe('not_payable')
  })

  it('in production without a Stripe key, refuses with a clear 503 rather than faking a payment', async () => {
    const { order, who, product } = await pendingOrder()
    await expect(startCheckout(PRODUCTION_ENV, viewerOf(who), order.id, BASE)).rejects.toMatchObject({
      status: 503,
      code: 'payments_not_configured',
      message: expect.stringContaining('Payments are not configured'),
    })
    expect(await paymentRow(order.id)).toBeUndefined()
    await expectConsistent(order.id, product.id, { status: 'pending_payment', paymentStatus: 'unpaid', onHand: 5, held: 2 })
  })
})

describe('POST /webhooks/stripe', () => {
  it('pays the order on checkout.session.completed: holds committed, stock down in the object and in D1', async () => {
    const { order, product, sessionId, who } = await stripeCheckout({ stock: 5, quantity: 2 })
    const answer = await postWebhook(completed(order, sessionId))
    expect(answer).toEqual({ status: 200, body: { received: true, duplicate: false, outcome: 'paid' } })
    await expectConsistent(order.id, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 3, held: 0 })
    expect(await paymentRow(order.id)).toMatchObject({ provider: 'stripe', status: 'complete', checkoutSessionId: sessionId, receivedCents: order.total_cents })
    expect((await getOrder(who, order.id)).body).toMatchObject({ status: 'paid', payment_status: 'paid', hold_expires_at: null })
    expect((await eventsOf(order.id)).map((e) => e.toStatus)).toEqual(['pending_payment', 'paid'])
  })

  it('refuses a bad signature with 400 and does nothing', async () => {
    const { order, product, sessionId } = await stripeCheckout()
    const event = completed(order, sessionId)
    expect((await postWebhook(event, { secret: 'whsec_someone_else' })).status).toBe(400)
    // A valid signature of another body.
    const header = await signature(JSON.stringify({ ...event, id: 'evt_other' }))
    const tampered = await postWebhook(event, { header })
    expect(tampered.status).toBe(400)
    expect(tampered.body.error?.code).toBe('bad_request')
    expect((await postWebhook(event, { header: null })).status).toBe(400)
    expect(await eventRows(event.id)).toEqual([])
    await expectConsistent(order.id, product.id, { status: 'pending_payment', paymentStatus: 'unpaid', onHand: 5, held: 2 })
  })

  it('refuses a correctly signed event older than the 300 s tolerance with 400, and a body that is not JSON', async () => {
    const { order, product, sessionId } = await stripeCheckout()
    const event = completed(order, sessionId)
    const stale = await postWebhook(event, { timestamp: Math.floor(Date.now() / 1000) - 301 })
    expect(stale.status).toBe(400)
    expect((await postWebhook('{"id": "evt_x", "type":')).status).toBe(400)
    expect((await postWebhook({ hello: 'world' })).status).toBe(400)
    expect(await eventRows(event.id)).toEqual([])
    await expectConsistent(order.id, product.id, { status: 'pending_payment', paymentStatus: 'unpaid', onHand: 5, held: 2 })
  })

  it('answers 200 to an event type it does not act on, and records it', async () => {
    const event = stripeEvent('customer.created', { id: 'cus_123', object: 'customer' })
    expect(await postWebhook(event)).toEqual({ status: 200, body: { received: true, duplicate: false, outcome: 'ignored' } })
    expect(await eventRows(event.id)).toEqual([expect.objectContaining({ type: 'customer.created', outcome: 'ignored', orderId: null })])
    expect((await postWebhook(event)).body.duplicate).toBe(true)
  })

  it('has one effect when the same event arrives 5 times at once', async () => {
    const { order, product, sessionId } = await stripeCheckout({ stock: 5, quantity: 2 })
    const event = completed(order, sessionId)
    const answers = await Promise.all(range(5).map(() => postWebhook(event)))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
    expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1)
    expect(await eventRows(event.id)).toHaveLength(1)
    expect((await eventsOf(order.id)).map((e) => e.toStatus)).toEqual(['pending_payment', 'paid'])
    await expectConsistent(order.id, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 3, held: 0 })
  })

  it('counts checkout.session.completed and payment_intent.succeeded of one payment once, in either order', async () => {
    const { order, product, sessionId } = await stripeCheckout({ stock: 4, quantity: 1 })
    const session = sessionObject(order, sessionId)
    const intent = stripeEvent('payment_intent.succeeded', { id: session.payment_intent, object: 'payment_intent', amount: order.total_cents, amount_received: order.total_cents, currency: 'usd', metadata: { order_id: order.id } })
    expect((await postWebhook(intent)).body.outcome).toBe('paid')
    expect((await postWebhook(stripeEvent('checkout.session.completed', session))).body).toMatchObject({ duplicate: false, outcome: 'already_recorded' })
    await expectConsistent(order.id, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 3, held: 0 })
  })

  it('keeps a paid order paid when checkout.session.expired (or a failure) arrives after checkout.session.completed', async () => {
    const { order, product, sessionId } = await stripeCheckout({ stock: 5, quantity: 2 })
    await postWebhook(completed(order, sessionId))
    const expired = await postWebhook(stripeEvent('checkout.session.expired', sessionObject(order, sessionId, { status: 'expired', payment_status: 'unpaid' })))
    expect(expired).toEqual({ status: 200, body: { received: true, duplicate: false, outcome: 'ignored' } })
    const failed = await postWebhook(stripeEvent('checkout.session.async_payment_failed', sessionObject(order, sessionId, { payment_status: 'unpaid' })))
    expect(failed.body.outcome).toBe('ignored')
    await expectConsistent(order.id, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 3, held: 0 })
  })

  it('keeps an order payable when its session expires unpaid (holds kept), and pays it through a fresh session under a new idempotency key', async () => {
    const { order, product, sessionId, who } = await stripeCheckout({ stock: 5, quantity: 2 })
    const answer = await postWebhook(stripeEvent('checkout.session.expired', sessionObject(order, sessionId, { status: 'expired', payment_status: 'unpaid', payment_intent: null })))
    expect(answer.body.outcome).toBe('checkout_expired')
    await expectConsistent(order.id, product.id, { status: 'pending_payment', paymentStatus: 'unpaid', onHand: 5, held: 2 })
    expect(await paymentRow(order.id)).toMatchObject({ status: 'expired' })

    const { url } = await startCheckout(STRIPE_ENV, viewerOf(who), order.id, BASE)
    const fresh = url.split('/').pop() ?? ''
    expect(fresh).not.toBe(sessionId)
    const created = (await stripeRequests('/v1/checkout/sessions')).filter((r) => r.form['metadata[order_id]'] === order.id)
    expect(created.map((r) => r.idempotencyKey)).toEqual([order.id, `${order.id}:1`])
    // The old session's news is not the order's any more.
    expect((await postWebhook(stripeEvent('checkout.session.expired', sessionObject(order, sessionId, { status: 'expired', payment_status: 'unpaid' })))).body.outcome).toBe('ignored')
    expect((await postWebhook(completed(order, fresh))).body.outcome).toBe('paid')
    await expectConsistent(order.id, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 3, held: 0 })
  })

  it('records a declined card attempt without ending the checkout: the shopper may try again in the session', async () => {
    const { order, product, sessionId } = await stripeCheckout({ stock: 5, quantity: 2 })
    const intent = { id: 'pi_declined_once', object: 'payment_intent', amount: order.total_cents, currency: 'usd', metadata: { order_id: order.id } }
    expect((await postWebhook(stripeEvent('payment_intent.payment_failed', intent))).body.outcome).toBe('payment_failed')
    await expectConsistent(order.id, product.id, { status: 'pending_payment', paymentStatus: 'failed', onHand: 5, held: 2 })
    expect((await postWebhook(completed(order, sessionId))).body.outcome).toBe('paid')
    await expectConsistent(order.id, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 3, held: 0 })
  })

  it('flags an amount or currency that differs from the order for staff review instead of paying it', async () => {
    const { order, product, sessionId, who } = await stripeCheckout({ stock: 5, quantity: 2 })
    const answer = await postWebhook(completed(order, sessionId, { amount_total: order.total_cents - 100 }))
    expect(answer.body.outcome).toBe('review_amount_mismatch')
    await expectConsistent(order.id, product.id, { status: 'pending_payment', paymentStatus: 'paid', onHand: 5, held: 2 })
    const view = (await getOrder(who, order.id)).body
    expect(view.review_reason).toContain(`${order.total_cents - 100} USD`)

    const euros = await stripeCheckout({ stock: 5, quantity: 1 })
    expect((await postWebhook(completed(euros.order, euros.sessionId, { currency: 'eur' }))).body.outcome).toBe('review_amount_mismatch')
    await expectConsistent(euros.order.id, euros.product.id, { status: 'pending_payment', paymentStatus: 'paid', onHand: 5, held: 1 })
  })

  it('sells the stock again for a payment that lands after the holds expired, when it is still there', async () => {
    const { order, product, sessionId } = await localCheckout({ stock: 5, quantity: 2 })
    await runOutHolds(product.id)
    await expectConsistent(order.id, product.id, { status: 'expired', paymentStatus: 'unpaid', onHand: 5, held: 0 })
    const answer = await postWebhook(completed(order, sessionId))
    expect(answer.body.outcome).toBe('paid_late')
    await expectConsistent(order.id, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 3, held: 0 })
    expect((await eventsOf(order.id)).map((e) => e.toStatus)).toEqual(['pending_payment', 'expired', 'paid'])
  })

  it('refunds automatically a payment that lands after the holds expired when the stock is gone, once however often it comes', async () => {
    const { order, product, sessionId } = await stripeCheckout({ stock: 2, quantity: 2 })
    await runOutHolds(product.id)
    const rival = await placeOrder(await shopper(), [{ product_id: product.id, quantity: 2 }])
    expect(rival.status).toBe(201)
    await commitOrderStock(env, rival.body.id)

    const event = completed(order, sessionId)
    const answer = await postWebhook(event, { stripe: true })
    expect(answer).toEqual({ status: 200, body: { received: true, duplicate: false, outcome: 'refunded_unpayable' } })
    await expectConsistent(order.id, product.id, { status: 'refunded', paymentStatus: 'refunded', onHand: 0, held: 0, refundedCents: order.total_cents })
    expect((await postWebhook(event, { stripe: true })).body.duplicate).toBe(true)
    expect((await postWebhook(completed(order, sessionId), { stripe: true })).body.outcome).toBe('already_recorded')

    const sent = (await stripeRequests('/v1/refunds')).filter((r) => r.form['metadata[order_id]'] === order.id)
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ idempotencyKey: `refund:auto-${order.id}`, form: { amount: String(order.total_cents), payment_intent: sessionObject(order, sessionId).payment_intent } })
    expect(await getDb(env).select().from(refunds).where(eq(refunds.orderId, order.id))).toEqual([
      expect.objectContaining({ status: 'succeeded', restock: false, amountCents: order.total_cents, providerRefundId: expect.stringMatching(/^re_test_/) }),
    ])
    expect((await eventsOf(order.id)).map((e) => e.toStatus)).toEqual(['pending_payment', 'expired', 'refunded'])
  })

  it('records refunds: a partial one, then the rest with the stock returned when staff ask for it', async () => {
    const { order, product, sessionId, who } = await stripeCheckout({ stock: 5, quantity: 2, priceCents: 1000 })
    await postWebhook(completed(order, sessionId))
    const paymentIntent = sessionObject(order, sessionId).payment_intent
    const charge = (amountRefunded: number) => ({ id: 'ch_test_1', object: 'charge', amount: 2000, amount_refunded: amountRefunded, refunded: amountRefunded >= 2000, currency: 'usd', payment_intent: paymentIntent, metadata: {} })

    const partial = await refundOrder(STRIPE_ENV, order.id, { amountCents: 500, restock: false, reason: 'Scratched mug', refundId: `partial-${order.id}` })
    expect(partial).toMatchObject({ amount_cents: 500, status: 'succeeded', restock: false })
    // Asked again with the same id: the same refund, not a second one.
    expect(await refundOrder(STRIPE_ENV, order.id, { amountCents: 500, restock: false, reason: 'Scratched mug', refundId: `partial-${order.id}` })).toEqual(partial)
    expect((await postWebhook(stripeEvent('charge.refunded', charge(500)))).body.outcome).toBe('partially_refunded')
    await expectConsistent(order.id, product.id, { status: 'paid', paymentStatus: 'partially_refunded', onHand: 3, held: 0, refundedCents: 500 })

    const rest = await refundOrder(STRIPE_ENV, order.id, { restock: true, reason: 'Returned' })
    expect(rest.amount_cents).toBe(1500)
    const sent = (await stripeRequests('/v1/refunds')).filter((r) => r.form['metadata[order_id]'] === order.id)
    expect(sent.map((r) => [r.idempotencyKey, r.form['amount'], r.form['payment_intent']])).toEqual([
      [`refund:partial-${order.id}`, '500', paymentIntent],
      [`refund:${rest.id}`, '1500', paymentIntent],
    ])
    const full = stripeEvent('charge.refunded', charge(2000))
    expect((await postWebhook(full)).body.outcome).toBe('refunded')
    await expectConsistent(order.id, product.id, { status: 'refunded', paymentStatus: 'refunded', onHand: 5, held: 0, refundedCents: 2000 })
    // The same refund reported again, and an older partial report arriving late: no more stock, no regression.
    expect((await postWebhook(full)).body.duplicate).toBe(true)
    expect((await postWebhook(stripeEvent('charge.refunded', charge(500)))).body.outcome).toBe('refund_recorded')
    await expectConsistent(order.id, product.id, { status: 'refunded', paymentStatus: 'refunded', onHand: 5, held: 0, refundedCents: 2000 })
    expect((await getOrder(who, order.id)).body).toMatchObject({ status: 'refunded', payment_status: 'refunded', refunded_cents: 2000 })
  })

  it('refunds a payment held for review in full: the order is refunded and its holds released', async () => {
    const { order, product, sessionId } = await stripeCheckout({ stock: 5, quantity: 2, priceCents: 1000 })
    await postWebhook(completed(order, sessionId, { amount_total: 1500 }))
    const refund = await refundOrder(STRIPE_ENV, order.id, { restock: false, reason: 'Wrong amount' })
    expect(refund.amount_cents).toBe(1500)
    const charge = { id: 'ch_review', object: 'charge', amount: 1500, amount_refunded: 1500, refunded: true, currency: 'usd', payment_intent: sessionObject(order, sessionId).payment_intent }
    expect((await postWebhook(stripeEvent('charge.refunded', charge))).body.outcome).toBe('refunded')
    await expectConsistent(order.id, product.id, { status: 'refunded', paymentStatus: 'refunded', onHand: 5, held: 0, refundedCents: 1500 })
  })

  it('refuses to refund more than was paid', async () => {
    const { order, sessionId } = await stripeCheckout({ quantity: 1, priceCents: 1000 })
    await postWebhook(completed(order, sessionId))
    await expect(refundOrder(STRIPE_ENV, order.id, { amountCents: 1001, restock: false, reason: 'Too much' })).rejects.toMatchObject({ status: 400 })
    const unpaid = await pendingOrder()
    await expect(refundOrder(STRIPE_ENV, unpaid.order.id, { restock: false, reason: 'Nothing paid' })).rejects.toMatchObject({ status: 409 })
  })

  it('offline, refunds through the local provider and the same event handler, restocking once', async () => {
    const { order, product, sessionId } = await localCheckout({ stock: 5, quantity: 2 })
    await postWebhook(completed(order, sessionId))
    await expectConsistent(order.id, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 3, held: 0 })
    const refund = await refundOrder(env, order.id, { restock: true, reason: 'Changed their mind', refundId: `local-${order.id}` })
    expect(refund).toMatchObject({ status: 'succeeded', amount_cents: order.total_cents, provider_refund_id: `re_local_local-${order.id}` })
    await expectConsistent(order.id, product.id, { status: 'refunded', paymentStatus: 'refunded', onHand: 5, held: 0, refundedCents: order.total_cents })
    await refundOrder(env, order.id, { restock: true, reason: 'Changed their mind', refundId: `local-${order.id}` })
    await expectConsistent(order.id, product.id, { status: 'refunded', paymentStatus: 'refunded', onHand: 5, held: 0, refundedCents: order.total_cents })
  })

  it('in production without a webhook secret answers 503 and does nothing', async () => {
    const event = stripeEvent('customer.created', { id: 'cus_1' })
    const payload = JSON.stringify(event)
    const response = await app.request(`${BASE}/webhooks/stripe`, { method: 'POST', body: payload, headers: { 'Stripe-Signature': 't=1,v1=00' } }, PRODUCTION_ENV, createExecutionContext())
    expect(response.status).toBe(503)
    expect(await eventRows(event.id)).toEqual([])
  })
})

describe('giving a sale back to the stock object', () => {
  it('returns the units of a committed reservation once, and nothing for one never sold', async () => {
    const { order, product } = await pendingOrder({ stock: 5, quantity: 2 })
    await commitOrderStock(env, order.id)
    const stock = stockOf(env, product.id)
    const reservationId = `${order.id}:${product.id}`
    expect(await stock.restock(product.id, reservationId)).toMatchObject({ ok: true, qty: 2, onHand: 5, synced: true })
    expect(await stock.restock(product.id, reservationId)).toMatchObject({ ok: true, qty: 0, onHand: 5 })
    expect(await stock.restock(product.id, 'never-sold')).toMatchObject({ ok: true, qty: 0, onHand: 5 })
    expect(await d1Stock(product.id)).toBe(5)
  })
})

describe('the local test payment page', () => {
  /** A signed-in browser with a product in its cart, through the pages. */
  async function shopperWithCart(productId: number, quantity: number) {
    const browser = new Browser()
    const email = `pay-${crypto.randomUUID()}@example.com`
    const registered = await browser.submit('/account/register', '/account/register', { name: 'Page Buyer', email, password: 'page password 1' })
    expect(registered.status).toBe(303)
    const added = await browser.fetch('/cart/items', {
      method: 'POST',
      body: new URLSearchParams({ product_id: String(productId), quantity: String(quantity) }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE },
    })
    expect(added.status).toBe(303)
    return browser
  }

  /** Checkout with an address, then "Pay now": answers the order id and the test page's path. */
  async function checkoutToTestPage(browser: Browser) {
    const fields = Object.fromEntries(Object.entries(ADDRESS).map(([key, value]) => [`shipping_address.${key}`, value]))
    const placed = await browser.submit('/checkout', '/checkout', fields)
    expect(placed.status).toBe(303)
    const orderPath = new URL(placed.headers.get('Location') ?? '', BASE).pathname
    const orderId = orderPath.split('/').pop() ?? ''
    const orderPage = await (await browser.fetch(orderPath)).text()
    expect(orderPage).toContain(`action="/orders/${orderId}/pay"`)
    const pay = await browser.submit(orderPath, `/orders/${orderId}/pay`, {})
    expect(pay.status).toBe(303)
    const testPage = new URL(pay.headers.get('Location') ?? '', BASE).pathname
    expect(testPage).toMatch(/^\/payments\/test\/cs_local_/)
    return { orderId, testPage }
  }

  it('completes a whole purchase offline: cart, checkout, pay on the test page → order paid, stock sold', async () => {
    const product = await insertProduct({ stockQuantity: 4, priceCents: 2500 })
    const browser = await shopperWithCart(product.id, 3)
    const { orderId, testPage } = await checkoutToTestPage(browser)
    await expectConsistent(orderId, product.id, { status: 'pending_payment', paymentStatus: 'unpaid', onHand: 4, held: 3 })

    const page = await (await browser.fetch(testPage)).text()
    expect(page).toContain('$75.00')
    expect(page).toContain('name="outcome" value="pay"')
    const paid = await browser.submit(testPage, testPage, { outcome: 'pay' })
    expect(paid.status).toBe(303)
    expect(paid.headers.get('Location')).toBe(`/orders/${orderId}?paid=1`)
    await expectConsistent(orderId, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 1, held: 0 })
    expect(await paymentRow(orderId)).toMatchObject({ provider: 'local', status: 'complete', receivedCents: 7500 })
    const confirmation = await (await browser.fetch(`/orders/${orderId}?paid=1`)).text()
    expect(confirmation).toContain('Your payment is confirmed')
    expect(confirmation).not.toContain('Pay now')

    // Paying twice (a double click: the form as it was) is the same payment.
    const again = await browser.fetch(testPage, {
      method: 'POST',
      body: new URLSearchParams({ outcome: 'pay', _csrf: browser.cookies.get('csrf') ?? '' }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE },
    })
    expect(again.status).toBe(303)
    await expectConsistent(orderId, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 1, held: 0 })
  })

  it('declines: the order stays payable with its items set aside; "Pay again" opens a fresh session that pays it', async () => {
    const product = await insertProduct({ stockQuantity: 4 })
    const browser = await shopperWithCart(product.id, 2)
    const { orderId, testPage } = await checkoutToTestPage(browser)
    const declined = await browser.submit(testPage, testPage, { outcome: 'decline' })
    expect(declined.headers.get('Location')).toBe(`/orders/${orderId}?declined=1`)
    await expectConsistent(orderId, product.id, { status: 'pending_payment', paymentStatus: 'failed', onHand: 4, held: 2 })
    const page = await (await browser.fetch(`/orders/${orderId}?declined=1`)).text()
    expect(page).toContain('The payment was declined. Your items are still set aside until')
    expect(page).toContain('Pay again')
    // The declined session takes nothing more, even from its page's stale form.
    const stale = await browser.fetch(testPage, {
      method: 'POST',
      body: new URLSearchParams({ outcome: 'pay', _csrf: browser.cookies.get('csrf') ?? '' }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE },
    })
    expect(stale.headers.get('Location')).toBe(testPage)
    await expectConsistent(orderId, product.id, { status: 'pending_payment', paymentStatus: 'failed', onHand: 4, held: 2 })

    const again = await browser.submit(`/orders/${orderId}`, `/orders/${orderId}/pay`, {})
    const freshPage = new URL(again.headers.get('Location') ?? '', BASE).pathname
    expect(freshPage).toMatch(/^\/payments\/test\/cs_local_/)
    expect(freshPage).not.toBe(testPage)
    expect((await browser.fetch(testPage)).status).toBe(404)
    const paid = await browser.submit(freshPage, freshPage, { outcome: 'pay' })
    expect(paid.headers.get('Location')).toBe(`/orders/${orderId}?paid=1`)
    await expectConsistent(orderId, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 2, held: 0 })
  })

  it("is the owner's alone, needs the form's CSRF token, and does not exist in production", async () => {
    const product = await insertProduct({ stockQuantity: 4 })
    const browser = await shopperWithCart(product.id, 1)
    const { orderId, testPage } = await checkoutToTestPage(browser)
    const stranger = await shopperWithCart(product.id, 1)
    expect((await stranger.fetch(testPage)).status).toBe(404)
    expect((await stranger.submit('/cart', testPage, { outcome: 'pay' })).status).toBe(404)
    expect((await browser.submit(testPage, testPage, { outcome: 'pay' }, { csrf: false })).status).toBe(403)
    expect((await app.request(`${BASE}${testPage}`, {}, PRODUCTION_ENV, createExecutionContext())).status).toBe(404)
    expect((await app.request(`${BASE}${testPage}`, { method: 'POST' }, PRODUCTION_ENV, createExecutionContext())).status).toBe(404)
    await expectConsistent(orderId, product.id, { status: 'pending_payment', paymentStatus: 'unpaid', onHand: 4, held: 1 })
  })
})

describe('a signed event our schema cannot read', () => {
  /** The JSON lines the Worker writes with console.error while `run` runs (tests and the Worker share an isolate). */
  async function errorLines(run: () => Promise<unknown>) {
    const lines: Record<string, unknown>[] = []
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void lines.push(JSON.parse(String(line)) as Record<string, unknown>))
    try {
      await run()
    } finally {
      vi.restoreAllMocks()
    }
    return lines
  }

  it('is not acknowledged (500 event_unreadable), is reported as an error, and is handled when Stripe sends it again', async () => {
    const { order, product, sessionId } = await stripeCheckout({ stock: 5, quantity: 2 })
    const good = completed(order, sessionId)
    const broken = { ...good, data: { object: { ...good.data.object, amount_total: String(order.total_cents) } } }
    let answer: Awaited<ReturnType<typeof postWebhook>> | undefined
    const lines = await errorLines(async () => (answer = await postWebhook(broken)))
    expect(answer?.status).toBe(500)
    expect(answer?.body.error?.code).toBe('event_unreadable')
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', msg: 'unhandled error', error: expect.stringContaining(`${good.id} (checkout.session.completed)`) }))
    expect(lines.find((line) => line.msg === 'unhandled error')?.error).toContain('data.object.amount_total')
    expect(await eventRows(good.id)).toEqual([])
    await expectConsistent(order.id, product.id, { status: 'pending_payment', paymentStatus: 'unpaid', onHand: 5, held: 2 })

    expect(await postWebhook(good)).toEqual({ status: 200, body: { received: true, duplicate: false, outcome: 'paid' } })
    await expectConsistent(order.id, product.id, { status: 'paid', paymentStatus: 'paid', onHand: 3, held: 0 })
  })

  it('still acknowledges an event of a type the store does not act on, whatever its object', async () => {
    const answer = await postWebhook(stripeEvent('invoice.created', { amount_due: 'not a number' }))
    expect(answer).toMatchObject({ status: 200, body: { received: true, outcome: 'ignored' } })
  })
})
