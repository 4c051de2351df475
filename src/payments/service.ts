/**
 * Payments: a checkout session for an order awaiting payment (Stripe's hosted page, or the local test page
 * offline), the webhook events that settle it, cancelling, and refunds.
 *
 * Every event is handled exactly once, whatever the order of arrival and however often it comes. The
 * effects outside D1 (selling or giving back stock in the stock objects, a refund at Stripe) are each
 * idempotent by their id and done first; then one D1 batch changes the order, guarded on the order as it
 * was read, and inserts the event's row. A duplicate delivery makes that batch fail as a whole on the
 * event's primary key (answered 200, nothing done); a delivery that died halfway left no row, so its retry
 * does everything again and the idempotent steps answer as before. A batch that lost a race with another
 * change of the order is decided again from the order as it now is. Decisions are made from the order's
 * state (not from "seen before"), so a late duplicate of an old event is a no-op as well.
 */
import { and, eq, sql } from 'drizzle-orm'
import type { z } from 'zod'
import type { BatchItem } from 'drizzle-orm/batch'
import { getDb, type Db } from '../db/client'
import { orders, payments, refunds, stripeEvents, type CheckoutStatus, type Payment, type PaymentProvider, type PaymentStatus, type Refund, type RefundItem, type RefundStatus } from '../db/schema'
import { linesBackToCart, linesOutOfCart, type CartReturn } from '../cart/returns'
import { extendOrderHolds, orderStockLines, sellHeldStock, type StockLine } from '../orders/service'
import { canTransition, illegalTransition, logOrderMoved, orderChangeStatements, transition, type OrderChange } from '../orders/status'
import { stockOf } from '../stock/client'
import type { CurrentUser } from '../platform/env'
import { ApiError, badRequest, conflict, notFound, validationFailed } from '../platform/errors'
import { log } from '../platform/logging'
import { fieldErrors } from '../platform/validate'
import { checkoutProvider, localPaymentsAllowed, paymentsNotConfigured } from './config'
import { localRefundEvent, localSessionId } from './local'
import { claimLostToAnother, claimRefund, planRefund, refundable, refundLines, restockRefund } from './refunds'
import { ChargeObject, CheckoutSessionObject, PaymentIntentObject, RefundOptions, StripeEventEnvelope } from './schemas'
import type { CheckoutStart, RefundView } from './responses'
import { Stripe, stripeClient } from './stripe'

/** How long a checkout session accepts payment. Stripe allows 30 minutes to 24 hours. */
export const CHECKOUT_TTL_MS = 35 * 60 * 1000
/**
 * A chosen expiry is sent to Stripe again (same parameters, same idempotency key, same session) only while
 * it is at least this far ahead: Stripe refuses an expires_at less than 30 minutes away.
 */
const CHECKOUT_MIN_AHEAD_MS = 31 * 60 * 1000
/** The stock holds outlive the session by this much, so a payment made in its last second still finds its stock when the webhook lands. */
export const HOLD_GRACE_MS = 10 * 60 * 1000
/** Stripe forgets an idempotency key after 24 hours: a refund not known to have reached Stripe by then is not retried blindly. */
const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000
/** Checkout sessions one order may have (paying again after a decline or an abandoned session makes another). */
const CHECKOUT_ATTEMPTS_MAX = 10
/** How often an event is decided again after losing a race with another change of its order. */
const DECIDE_ATTEMPTS = 4

export type { CheckoutStart, RefundView }

/** What handling an event did. */
export interface HandledEvent {
  eventId: string
  type: string
  orderId: string | null
  /** paid, paid_late, refunded_unpayable, review_amount_mismatch, cancelled, refunded, ignored… */
  outcome: string
  /** The event had been handled before: nothing was done this time. */
  duplicate: boolean
}

/** A payment as an event reports it, in our terms (upper-case currency, cents). */
interface ReportedPayment {
  orderId: string | null
  sessionId: string | null
  paymentIntentId: string | null
  amountCents: number | null
  currency: string | null
}

type EventRef = Pick<StripeEventEnvelope, 'id' | 'type'>
type LoadedOrder = NonNullable<Awaited<ReturnType<typeof loadOrder>>>

/**
 * A signed event of a type we act on whose object our schema refuses: our mistake (or a change at Stripe),
 * never the sender's. It is not recorded and is answered 500, so that Stripe sends it again (for three
 * days) while the error report says what to fix; acknowledging it would drop a payment without a trace.
 */
export class UnreadableEvent extends ApiError {
  constructor(
    readonly event: EventRef,
    error: z.ZodError,
  ) {
    const issues = error.issues.map((issue) => `data.object.${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')
    super(500, 'event_unreadable', `Stripe event ${event.id} (${event.type}) does not match what the store reads (${issues}); it is not acknowledged, so Stripe will send it again`)
  }
}

/** The order's batch lost a race with another change: decide again from the order as it now is. */
class StaleOrder extends Error {}

const MONEY_IN: readonly PaymentStatus[] = ['paid', 'partially_refunded', 'refunded']
const moneyIn = (order: Pick<LoadedOrder, 'paymentStatus'>) => MONEY_IN.includes(order.paymentStatus)
/** The one automatic refund of an order (a payment that cannot be honoured); deterministic, so a retry asks Stripe with the same key. */
const autoRefundId = (orderId: string) => `auto-${orderId}`

const loadOrder = (db: Db, orderId: string) => db.query.orders.findFirst({ where: eq(orders.id, orderId), with: { payment: true, items: true } })
const paymentOf = (db: Db, orderId: string) => db.select().from(payments).where(eq(payments.orderId, orderId)).get()
const refundOf = (db: Db, refundId: string) => db.select().from(refunds).where(eq(refunds.id, refundId)).get()

/** One line per handled event: never the payload or the signature, ids and what happened. */
function logHandled(handled: HandledEvent) {
  log('info', { msg: 'stripe event', event_id: handled.eventId, type: handled.type, order_id: handled.orderId, outcome: handled.outcome, duplicate: handled.duplicate })
}

/** A Stripe failure as the 502 the API answers; the details go to the log (no key, no body). */
function providerFailure(err: unknown): unknown {
  if (!(err instanceof Stripe.errors.StripeError)) return err
  log('error', { msg: 'stripe request failed', type: err.type, code: err.code, status: err.statusCode, stripe_request_id: err.requestId })
  return new ApiError(502, 'payment_provider_error', 'The payment provider could not be reached or refused the request; please try again.')
}

// Checkout

/**
 * Starts paying for an order awaiting payment and answers where to send the shopper. Owner only (404 for
 * anyone else); 409 unless the order awaits payment; 503 outside development without a Stripe key.
 *
 * The session's expiry is chosen once and stored before Stripe is asked, and the order id is the
 * idempotency key: a double click, or a retry after a lost answer, sends the same parameters and gets the
 * same session. Every stock hold is pushed past that expiry first, so the stock outlives the session.
 */
export async function startCheckout(env: Env, viewer: CurrentUser, orderId: string, origin: string): Promise<CheckoutStart> {
  const db = getDb(env)
  const order = await loadOrder(db, orderId)
  if (!order || order.userId !== viewer.id) throw notFound('order')
  if (order.status !== 'pending_payment') throw new ApiError(409, 'not_payable', `This order is ${order.status.replace('_', ' ')}: there is nothing to pay`)
  if (moneyIn(order)) throw new ApiError(409, 'not_payable', 'A payment for this order was received and is being checked')
  const provider = checkoutProvider(env)

  const claim = await claimCheckout(env, db, order, provider)
  if (claim.status === 'open' && claim.checkoutUrl) return { url: claim.checkoutUrl }
  const expiresAt = claim.checkoutExpiresAt ?? 0
  const held = await extendOrderHolds(env, orderId, expiresAt + HOLD_GRACE_MS)
  if (!held.ok) throw new ApiError(409, 'hold_expired', 'The items of this order are no longer set aside; please order again')

  const session = claim.provider === 'stripe' ? await stripeSession(env, order, claim, origin) : { id: localSessionId(), url: null }
  const url = session.url ?? `${origin}/payments/test/${session.id}`
  // Of two concurrent starts the first to write wins; both answer its session.
  await db
    .update(payments)
    .set({ status: 'open', checkoutSessionId: session.id, checkoutUrl: url, updatedAt: Date.now() })
    .where(and(eq(payments.orderId, orderId), eq(payments.status, 'creating')))
  const opened = await paymentOf(db, orderId)
  if (!opened?.checkoutUrl) throw new Error(`checkout of order ${orderId} has no session after creating one`)
  return { url: opened.checkoutUrl }
}

/**
 * The order's payment row, claimed for a new session with an expiry far enough ahead, or already open.
 * A claim whose expiry has come too close (a create that failed a while ago), and a session that ended
 * unpaid (declined, abandoned), get a new expiry and the next attempt number, so the next request to
 * Stripe has its own idempotency key (order id + attempt) and makes a fresh session.
 */
async function claimCheckout(env: Env, db: Db, order: LoadedOrder, provider: PaymentProvider): Promise<Payment> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = Date.now()
    const row =
      (await paymentOf(db, order.id)) ??
      (await db
        .insert(payments)
        .values({ orderId: order.id, provider, checkoutExpiresAt: now + CHECKOUT_TTL_MS, amountCents: order.totalCents, currency: order.currency })
        .onConflictDoNothing()
        .returning()
        .get())
    if (!row) continue // inserted by a concurrent start meanwhile: read it
    if (row.status === 'open' && (row.checkoutExpiresAt ?? 0) > now) return row
    if (row.status === 'complete') throw new ApiError(409, 'not_payable', 'This order can no longer be paid')
    if (row.status === 'creating' && (row.checkoutExpiresAt ?? 0) >= now + CHECKOUT_MIN_AHEAD_MS && row.provider === provider) return row
    // A session that failed (declined), expired (abandoned) or whose time ran out: a fresh one, under the
    // next attempt number, so that Stripe gets a new idempotency key (the old one would answer the old session).
    const fresh = row.status !== 'creating'
    if (fresh && row.checkoutAttempt + 1 >= CHECKOUT_ATTEMPTS_MAX) throw new ApiError(409, 'too_many_attempts', 'This order was tried too many times: please order again')
    if (row.status === 'open' && row.provider === 'stripe' && row.checkoutSessionId) await endTimedOutSession(env, row.checkoutSessionId)
    const renewed = await db
      .update(payments)
      .set({ provider, status: 'creating', checkoutExpiresAt: now + CHECKOUT_TTL_MS, checkoutAttempt: row.checkoutAttempt + 1, updatedAt: now, ...(fresh && { checkoutSessionId: null, checkoutUrl: null }) })
      .where(and(eq(payments.orderId, order.id), eq(payments.status, row.status), eq(payments.checkoutAttempt, row.checkoutAttempt)))
      .returning()
      .get()
    if (renewed) return renewed
  }
  throw conflict('Checkout is being started for this order already; try again')
}

/**
 * A Stripe session whose time ran out before Stripe told us how it ended: it is expired at Stripe before a
 * fresh one replaces it, so that the two can never both take a payment (a double charge). Stripe refuses
 * to expire a session that completed meanwhile (paid in its last second, its event still on the way):
 * then there is nothing to pay again, and the shopper is told the payment is being recorded (409).
 */
async function endTimedOutSession(env: Env, sessionId: string): Promise<void> {
  const stripe = stripeClient(env)
  try {
    await stripe.checkout.sessions.expire(sessionId)
    return
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) throw providerFailure(err)
  }
  const session = await stripe.checkout.sessions.retrieve(sessionId).catch((err: unknown) => {
    throw providerFailure(err)
  })
  if (session.status === 'complete') {
    throw new ApiError(409, 'payment_in_progress', 'A payment for this order was made and is being recorded: check the order again in a minute')
  }
}

/** Creates (or, with the same key, finds again) the Stripe Checkout session of a claimed checkout. */
async function stripeSession(env: Env, order: LoadedOrder, claim: Payment, origin: string): Promise<{ id: string; url: string | null }> {
  const summary = order.items
    .map((item) => `${item.quantity} × ${item.productName}`)
    .join(', ')
    .slice(0, 300)
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: 'payment',
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: order.currency.toLowerCase(),
          unit_amount: order.totalCents,
          product_data: { name: `Order ${order.id.slice(0, 8).toUpperCase()}`, ...(summary && { description: summary }) },
        },
      },
    ],
    client_reference_id: order.id,
    metadata: { order_id: order.id },
    payment_intent_data: { metadata: { order_id: order.id } },
    expires_at: Math.floor((claim.checkoutExpiresAt ?? 0) / 1000),
    success_url: `${origin}/orders/${order.id}?paid=1`,
    cancel_url: `${origin}/orders/${order.id}`,
  }
  const idempotencyKey = claim.checkoutAttempt === 0 ? order.id : `${order.id}:${claim.checkoutAttempt}`
  try {
    const session = await stripeClient(env).checkout.sessions.create(params, { idempotencyKey })
    return { id: session.id, url: session.url }
  } catch (err) {
    throw providerFailure(err)
  }
}

/** The local session a signed-in shopper may pay on the test page: theirs, and local. 404 otherwise. */
export async function localCheckoutFor(env: Env, viewer: CurrentUser, sessionId: string) {
  const db = getDb(env)
  const payment = await db.select().from(payments).where(eq(payments.checkoutSessionId, sessionId)).get()
  const order = payment && payment.provider === 'local' ? await loadOrder(db, payment.orderId) : undefined
  if (!payment?.checkoutSessionId || !order || order.userId !== viewer.id) throw notFound('payment session')
  return { payment: { ...payment, checkoutSessionId: payment.checkoutSessionId }, order }
}

// Cancelling

/**
 * Cancels an order awaiting payment: every line's hold is released, then pending_payment → cancelled, and
 * in the same batch its lines go back to the owner's cart (see cart/returns.ts). 409 when the order is not
 * awaiting payment, a payment was received (refund it instead), or a payment is selling its stock right now.
 */
export async function cancelOrder(env: Env, orderId: string, { note = 'cancelled' }: { note?: string } = {}): Promise<CartReturn> {
  const order = await loadOrder(getDb(env), orderId)
  if (!order) throw notFound('order')
  if (order.status !== 'pending_payment') throw illegalTransition(order.status, 'cancelled')
  if (moneyIn(order)) throw conflict('A payment was received for this order: refund it instead')
  if (!(await releaseHolds(env, orderId))) throw conflict('A payment for this order is being recorded right now')
  const back = await linesBackToCart(env, order.userId, order.items)
  await transition(env, orderId, 'cancelled', { from: 'pending_payment', note, alsoWrite: back.statements })
  return back
}

/** The customer cancels their own order awaiting payment (404 for anyone else's); see `cancelOrder`. */
export async function cancelOwnOrder(env: Env, viewer: CurrentUser, orderId: string): Promise<CartReturn> {
  const order = await getDb(env).select({ userId: orders.userId }).from(orders).where(eq(orders.id, orderId)).get()
  if (!order || order.userId !== viewer.id) throw notFound('order')
  return cancelOrder(env, orderId, { note: 'cancelled by the customer' })
}

/** Releases every hold of the order; false when a line turned out sold (a payment is being recorded). */
async function releaseHolds(env: Env, orderId: string): Promise<boolean> {
  const lines = await orderStockLines(env, orderId)
  const results = await Promise.all(lines.map((line) => stockOf(env, line.productId).release(line.productId, line.reservationId)))
  return !results.some((result) => !result.ok && result.reason === 'committed')
}

/** Gives back every sold line of the order (idempotent per line: each reservation is returned once). */
async function restockLines(env: Env, lines: StockLine[]): Promise<void> {
  await Promise.all(lines.map((line) => stockOf(env, line.productId).restock(line.productId, line.reservationId)))
}

// Refunds

/**
 * The one refund function for staff (the admin's refund and cancel call it). A refund names order lines
 * and units (`lines`), an amount, both, or neither (everything left); see `planRefund`. It is claimed in
 * D1 first (refunds.ts: two concurrent refunds cannot exceed what was paid, nor a line its quantity),
 * then sent through the order's provider with our refund id as Stripe's idempotency key: the same
 * `refundId` again refunds once. A provider that refuses gives the claim back (`failed`). Once the
 * provider took it, `restock` returns exactly the refund's units to stock, once per line whatever the
 * retries. Offline, the local provider confirms at once through the same event handler (charge.refunded).
 */
export async function refundOrder(env: Env, orderId: string, options: RefundOptions): Promise<RefundView> {
  const parsed = RefundOptions.safeParse(options)
  if (!parsed.success) throw validationFailed(fieldErrors(parsed.error))
  const { amountCents, restock, reason, lines, refundId = crypto.randomUUID() } = parsed.data
  const db = getDb(env)
  const order = await loadOrder(db, orderId)
  if (!order) throw notFound('order')
  const payment = order.payment
  if (!payment || !moneyIn(order)) throw conflict('This order has no payment to refund')

  let refund = await refundOf(db, refundId)
  if (refund && refund.orderId !== orderId) throw conflict('This refund id belongs to another order')
  if (!refund) {
    const plan = planRefund(order.items, await refundable(db, payment, order.items), { amountCents, lines, restock })
    try {
      await db.batch(claimRefund(db, { id: refundId, orderId, restock, reason }, plan))
    } catch (err) {
      // The same refund id claimed at the same moment is this refund; a refused constraint otherwise means
      // another refund of the order took what this one asked for (the claim inserted a NULL, see claimRefund).
      if (!(await refundOf(db, refundId))) throw /constraint/i.test(String(err)) ? claimLostToAnother() : err
    }
    refund = await refundOf(db, refundId)
    if (!refund) throw new Error(`refund ${refundId} missing right after its claim`)
  }

  if (refund.status === 'pending' && !refund.providerRefundId) {
    if (Date.now() - refund.createdAt > IDEMPOTENCY_KEY_TTL_MS) {
      throw conflict('This refund was started more than 24 hours ago and its outcome is unknown: check the payment provider before refunding again')
    }
    const sent = await refundAtProvider(env, payment, refund)
    await db.update(refunds).set({ providerRefundId: sent.id, status: sent.status, updatedAt: Date.now() }).where(eq(refunds.id, refund.id))
    refund = { ...refund, providerRefundId: sent.id, status: sent.status }
  }
  if (payment.provider === 'local' && refund.status === 'succeeded') {
    // Offline nobody sends charge.refunded: the local provider does, to the same handler, with the running
    // total of the refunds that went through (so two at once add up). A retry sends it again: a duplicate is a no-op.
    const [total] = await db
      .select({ cents: sql<number>`coalesce(sum(${refunds.amountCents}), 0)` })
      .from(refunds)
      .where(and(eq(refunds.orderId, orderId), eq(refunds.status, 'succeeded')))
    await handleStripeEvent(env, localRefundEvent(payment, refund.id, Number(total?.cents ?? refund.amountCents)))
  }
  const items = await refundLines(db, refund.id)
  const reservations = new Map(order.items.map((item) => [item.productId, item.reservationId]))
  const restocked = refund.restock && refund.status !== 'failed' ? await restockRefund(env, refund.id, items, reservations) : 0
  const done = await refundOf(db, refund.id)
  return refundView(done ?? refund, items, restocked)
}

const refundView = (refund: Refund, items: RefundItem[] = [], restocked = 0): RefundView => ({
  id: refund.id,
  order_id: refund.orderId,
  amount_cents: refund.amountCents,
  restock: refund.restock,
  reason: refund.reason,
  status: refund.status,
  provider_refund_id: refund.providerRefundId,
  lines: items.map((item) => ({ product_id: item.productId, quantity: item.quantity })),
  restocked_units: restocked,
})

/** Sends a refund to the payment's provider (the local provider agrees at once). */
async function refundAtProvider(env: Env, payment: Pick<Payment, 'provider' | 'paymentIntentId' | 'orderId'>, refund: Refund): Promise<{ id: string | null; status: RefundStatus }> {
  // Refused before asking: nothing reached the provider, so the claim is given back.
  const giveBack = () => getDb(env).update(refunds).set({ status: 'failed', updatedAt: Date.now() }).where(and(eq(refunds.id, refund.id), eq(refunds.status, 'pending')))
  if (payment.provider === 'local') {
    // The local provider exists in development only: elsewhere nothing may answer for it.
    if (!localPaymentsAllowed(env)) {
      await giveBack()
      throw paymentsNotConfigured()
    }
    return { id: `re_local_${refund.id}`, status: 'succeeded' }
  }
  if (!env.STRIPE_SECRET_KEY) {
    await giveBack()
    throw paymentsNotConfigured()
  }
  if (!payment.paymentIntentId) {
    await giveBack()
    throw conflict('The payment of this order has no Stripe payment intent to refund')
  }
  try {
    const sent = await stripeClient(env).refunds.create(
      {
        payment_intent: payment.paymentIntentId,
        amount: refund.amountCents,
        metadata: { order_id: payment.orderId, refund_id: refund.id, restock: String(refund.restock), reason: refund.reason.slice(0, 500) },
      },
      { idempotencyKey: `refund:${refund.id}` },
    )
    const status: RefundStatus = sent.status === 'succeeded' ? 'succeeded' : sent.status === 'failed' || sent.status === 'canceled' ? 'failed' : 'pending'
    return { id: sent.id, status }
  } catch (err) {
    // Asked again after Stripe forgot the key (24 h) while the first request had gone through.
    if (err instanceof Stripe.errors.StripeError && err.code === 'charge_already_refunded') return { id: null, status: 'succeeded' }
    // Stripe refused it (not a network failure, whose retry may still go through): the claim is given back.
    if (err instanceof Stripe.errors.StripeInvalidRequestError) await giveBack()
    throw providerFailure(err)
  }
}

// Webhook events

/**
 * Handles one verified Stripe event (or one the local provider made) exactly once; see the top of this
 * file. 400 for an event that is not an event at all; unknown types are recorded and ignored; a handled
 * type whose object we cannot read throws `UnreadableEvent` (500, unrecorded: Stripe retries it).
 */
export async function handleStripeEvent(env: Env, raw: unknown): Promise<HandledEvent> {
  const parsed = StripeEventEnvelope.safeParse(raw)
  if (!parsed.success) throw badRequest('Not a Stripe event')
  const event = parsed.data
  for (let attempt = 1; ; attempt++) {
    try {
      const handled = await decide(env, event)
      logHandled(handled)
      return handled
    } catch (err) {
      if (!(err instanceof StaleOrder) || attempt >= DECIDE_ATTEMPTS) throw err
    }
  }
}

async function decide(env: Env, event: StripeEventEnvelope): Promise<HandledEvent> {
  const object = event.data.object
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = CheckoutSessionObject.safeParse(object)
      if (!session.success) throw new UnreadableEvent(event, session.error)
      const reported = await fromSession(env, session.data)
      // Completed with a payment still on its way (bank debits…): async_payment_succeeded will follow.
      if (session.data.payment_status !== 'paid') return record(env, event, reported.orderId, 'awaiting_async_payment')
      return onPaid(env, event, reported)
    }
    case 'payment_intent.succeeded': {
      const intent = PaymentIntentObject.safeParse(object)
      if (!intent.success) throw new UnreadableEvent(event, intent.error)
      return onPaid(env, event, await fromIntent(env, intent.data))
    }
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired': {
      const session = CheckoutSessionObject.safeParse(object)
      if (!session.success) throw new UnreadableEvent(event, session.error)
      const failed = event.type === 'checkout.session.async_payment_failed'
      return onCheckoutEnded(env, event, await fromSession(env, session.data), failed ? 'failed' : 'expired')
    }
    case 'payment_intent.payment_failed': {
      const intent = PaymentIntentObject.safeParse(object)
      if (!intent.success) throw new UnreadableEvent(event, intent.error)
      return onAttemptFailed(env, event, await fromIntent(env, intent.data))
    }
    case 'charge.refunded': {
      const charge = ChargeObject.safeParse(object)
      if (!charge.success) throw new UnreadableEvent(event, charge.error)
      return onRefunded(env, event, charge.data)
    }
    default:
      return record(env, event, null, 'ignored')
  }
}

/** The order of a payment: our metadata, else the payment row that knows the session or the intent. */
async function orderIdOf(env: Env, metadataOrderId: string | null | undefined, sessionId: string | null, paymentIntentId: string | null): Promise<string | null> {
  if (metadataOrderId) return metadataOrderId
  const db = getDb(env)
  const where = sessionId ? eq(payments.checkoutSessionId, sessionId) : paymentIntentId ? eq(payments.paymentIntentId, paymentIntentId) : undefined
  if (!where) return null
  return (await db.select({ orderId: payments.orderId }).from(payments).where(where).get())?.orderId ?? null
}

async function fromSession(env: Env, session: CheckoutSessionObject): Promise<ReportedPayment> {
  return {
    orderId: await orderIdOf(env, session.metadata?.order_id ?? session.client_reference_id, session.id, session.payment_intent),
    sessionId: session.id,
    paymentIntentId: session.payment_intent,
    amountCents: session.amount_total ?? null,
    currency: session.currency?.toUpperCase() ?? null,
  }
}

async function fromIntent(env: Env, intent: PaymentIntentObject): Promise<ReportedPayment> {
  return {
    orderId: await orderIdOf(env, intent.metadata?.order_id, null, intent.id),
    sessionId: null,
    paymentIntentId: intent.id,
    amountCents: intent.amount_received ?? intent.amount,
    currency: intent.currency.toUpperCase(),
  }
}

/** Whether the reported payment is the one already recorded for the order. */
function samePayment(payment: Payment | null, reported: ReportedPayment): boolean {
  if (!payment) return false
  if (reported.paymentIntentId && payment.paymentIntentId) return reported.paymentIntentId === payment.paymentIntentId
  return reported.sessionId !== null && reported.sessionId === payment.checkoutSessionId
}

/** checkout.session.completed (paid), checkout.session.async_payment_succeeded, payment_intent.succeeded. */
async function onPaid(env: Env, event: EventRef, reported: ReportedPayment): Promise<HandledEvent> {
  const order = reported.orderId ? await loadOrder(getDb(env), reported.orderId) : undefined
  if (!order) return record(env, event, reported.orderId, 'unknown_order')
  const at = Date.now()
  const ref = reported.paymentIntentId ?? reported.sessionId ?? event.id
  // checkout.session.completed and payment_intent.succeeded both report one payment; redeliveries too.
  if (moneyIn(order) && samePayment(order.payment ?? null, reported)) return record(env, event, order.id, 'already_recorded')
  if (moneyIn(order)) {
    return commit(env, event, order, 'review_second_payment', {
      change: { reviewReason: `A second payment (${ref}) arrived for this order: refund one of them`, at },
    })
  }
  const matches = reported.amountCents === order.totalCents && reported.currency === order.currency
  if (!matches) {
    const received = `${reported.amountCents ?? '?'} ${reported.currency ?? '?'}`
    return commit(env, event, order, 'review_amount_mismatch', {
      change: { paymentStatus: 'paid', reviewReason: `Payment ${ref} of ${received} (minor units) does not match the order total of ${order.totalCents} ${order.currency}`, at },
      statements: [paymentUpsert(env, order, reported, { status: 'complete', at })],
    })
  }
  if (order.status === 'pending_payment' || order.status === 'expired') return settle(env, event, order, reported)
  if (order.status === 'cancelled') return refundUnpayable(env, event, order, reported, 'the order was cancelled before the payment arrived')
  // Paid (or further) without a recorded payment: marked by hand. Staff decide.
  return commit(env, event, order, 'review_unexpected_payment', {
    change: { paymentStatus: 'paid', reviewReason: `Payment ${ref} arrived for an order that is already ${order.status}`, at },
    statements: [paymentUpsert(env, order, reported, { status: 'complete', at })],
  })
}

/**
 * Sells the order's stock for a payment that matches it: the held lines are committed; lines whose hold
 * ended (a payment after the holds ran out) are taken again if the stock is there. If a line cannot be
 * had, the payment is refunded instead (see `refundUnpayable`).
 */
async function settle(env: Env, event: EventRef, order: LoadedOrder, reported: ReportedPayment): Promise<HandledEvent> {
  // A refund decided by an earlier delivery stands: taking stock now could sell what it gave back.
  if (!(await refundOf(getDb(env), autoRefundId(order.id)))) {
    const sold = await sellHeldStock(env, order.id)
    const late = !sold.ok
    const taken = sold.ok ? [] : await Promise.all(sold.lines.map((line) => stockOf(env, line.productId).take(line.productId, line.reservationId, line.quantity)))
    if (taken.every((result) => result.ok)) {
      const ref = reported.paymentIntentId ?? reported.sessionId ?? event.id
      // An expired order gave its lines back to the cart: bought after all, they leave it again.
      const outOfCart = order.status === 'expired' ? await linesOutOfCart(env, order.userId, order.items) : []
      return commit(env, event, order, late ? 'paid_late' : 'paid', {
        change: { to: 'paid', paymentStatus: 'paid', note: late ? `paid after its holds ran out, stock taken again (${ref})` : `paid (${ref})`, at: Date.now() },
        statements: [paymentUpsert(env, order, reported, { status: 'complete', at: Date.now() }), ...outOfCart],
      })
    }
  }
  return refundUnpayable(env, event, order, reported, 'it was paid after its holds ran out and the stock was gone')
}

/**
 * A payment the order cannot take (its stock is gone, or it was cancelled): the decision is written first
 * (the refund row, so that a retry refunds too), every line this payment may have sold is given back, the
 * money is refunded through the provider with a fixed idempotency key, and the order is marked so.
 */
async function refundUnpayable(env: Env, event: EventRef, order: LoadedOrder, reported: ReportedPayment, why: string): Promise<HandledEvent> {
  const db = getDb(env)
  // Only a payment that matched the order gets here: its amount is the order's total.
  const amount = order.totalCents
  const refundId = autoRefundId(order.id)
  if (amount > 0) {
    await db
      .insert(refunds)
      .values({ id: refundId, orderId: order.id, amountCents: amount, restock: false, reason: `Refunded automatically: ${why}`, status: 'pending' })
      .onConflictDoNothing()
  }
  const refund = await refundOf(db, refundId)
  await restockLines(env, await orderStockLines(env, order.id))
  const provider = order.payment?.provider ?? 'stripe'
  const sent =
    refund && refund.status === 'pending' && !refund.providerRefundId
      ? await refundAtProvider(env, { provider, paymentIntentId: reported.paymentIntentId, orderId: order.id }, refund)
      : { id: refund?.providerRefundId ?? null, status: refund?.status ?? 'succeeded' }
  const at = Date.now()
  const payment = paymentUpsert(env, order, reported, { status: 'complete', refundedCents: sent.status === 'failed' ? 0 : amount, at })
  if (sent.status === 'failed') {
    return commit(env, event, order, 'review_refund_failed', {
      change: { paymentStatus: 'paid', reviewReason: `The payment could not be honoured (${why}) and the automatic refund failed: refund it by hand`, at },
      statements: [payment],
    })
  }
  return commit(env, event, order, 'refunded_unpayable', {
    change: { to: canTransition(order.status, 'refunded') ? 'refunded' : undefined, paymentStatus: 'refunded', note: `payment refunded automatically: ${why}`, at },
    statements: [payment, ...(refund ? [db.update(refunds).set({ providerRefundId: sent.id, status: sent.status, updatedAt: at }).where(eq(refunds.id, refundId))] : [])],
  })
}

/**
 * checkout.session.expired and checkout.session.async_payment_failed: the session is over unpaid, not the
 * order. It stays payable while its holds live ("Pay again" makes a fresh session); when they run out the
 * order expires and its lines go back to the cart. Only the order's current session counts.
 */
async function onCheckoutEnded(env: Env, event: EventRef, reported: ReportedPayment, ended: Extract<CheckoutStatus, 'failed' | 'expired'>): Promise<HandledEvent> {
  const order = reported.orderId ? await loadOrder(getDb(env), reported.orderId) : undefined
  if (!order) return record(env, event, reported.orderId, 'unknown_order')
  const current = order.payment?.checkoutSessionId
  // A paid order is never moved back; an expired or cancelled one is over already; an older session is not the order's.
  if (order.status !== 'pending_payment' || moneyIn(order) || !current || reported.sessionId !== current) return record(env, event, order.id, 'ignored')
  const at = Date.now()
  return commit(env, event, order, ended === 'failed' ? 'payment_failed' : 'checkout_expired', {
    change: { paymentStatus: ended === 'failed' ? 'failed' : undefined, at },
    statements: [getDb(env).update(payments).set({ status: ended, updatedAt: at }).where(and(eq(payments.orderId, order.id), eq(payments.checkoutSessionId, current)))],
  })
}

/**
 * payment_intent.payment_failed: one attempt failed (a declined card). In Checkout the shopper may try
 * again in the same session, so the order keeps its holds until the session ends (expired → cancelled).
 */
async function onAttemptFailed(env: Env, event: EventRef, reported: ReportedPayment): Promise<HandledEvent> {
  const order = reported.orderId ? await loadOrder(getDb(env), reported.orderId) : undefined
  if (!order) return record(env, event, reported.orderId, 'unknown_order')
  if (order.status !== 'pending_payment' || order.paymentStatus !== 'unpaid') return record(env, event, order.id, 'ignored')
  return commit(env, event, order, 'payment_failed', { change: { paymentStatus: 'failed', at: Date.now() } })
}

/**
 * charge.refunded: `amount_refunded` is the charge's running total, so events in any order and repeats
 * agree (the largest total wins). A full refund moves the order to refunded where the state machine
 * allows. Stock is not touched here: a staff refund returns exactly its own lines (see `refundOrder`).
 */
async function onRefunded(env: Env, event: EventRef, charge: ChargeObject): Promise<HandledEvent> {
  const db = getDb(env)
  const orderId = await orderIdOf(env, charge.metadata?.order_id, null, charge.payment_intent)
  const order = orderId ? await loadOrder(db, orderId) : undefined
  if (!order) return record(env, event, orderId, 'unknown_order')
  // The payment itself has not been recorded yet (its event is late): not now, Stripe will retry.
  if (!moneyIn(order)) throw new ApiError(409, 'payment_not_recorded', 'The payment of this refund is not recorded yet; retry later')
  const payment = order.payment
  const received = payment?.receivedCents ?? charge.amount
  const refundedCents = Math.max(payment?.refundedCents ?? 0, charge.amount_refunded)
  const full = charge.refunded === true || refundedCents >= received
  const paymentStatus: PaymentStatus = full ? 'refunded' : 'partially_refunded'
  const to = full && order.status !== 'refunded' && canTransition(order.status, 'refunded') ? 'refunded' : undefined

  // Refunded while still awaiting payment (a payment held for review): its holds have nothing left to wait for.
  if (to && order.status === 'pending_payment' && !(await releaseHolds(env, order.id))) throw new StaleOrder('a payment is selling this order right now')

  if (!to && order.paymentStatus === paymentStatus && (payment?.refundedCents ?? 0) >= refundedCents) return record(env, event, order.id, 'refund_recorded')
  const at = Date.now()
  return commit(env, event, order, full ? 'refunded' : 'partially_refunded', {
    change: { to, paymentStatus, note: `refunded ${refundedCents} of ${received} ${charge.currency.toUpperCase()} (${charge.id})`, at },
    statements: payment ? [db.update(payments).set({ refundedCents: sql`max(${payments.refundedCents}, ${refundedCents})`, updatedAt: at }).where(eq(payments.orderId, order.id))] : [],
  })
}

/** The payment row as a reported payment leaves it (created when the payment came without our checkout). */
function paymentUpsert(env: Env, order: LoadedOrder, reported: ReportedPayment, fields: { status: CheckoutStatus; refundedCents?: number; at: number }) {
  const refunded = fields.refundedCents ?? 0
  return getDb(env)
    .insert(payments)
    .values({
      orderId: order.id,
      provider: order.payment?.provider ?? 'stripe',
      status: fields.status,
      checkoutSessionId: reported.sessionId,
      paymentIntentId: reported.paymentIntentId,
      amountCents: order.totalCents,
      currency: order.currency,
      receivedCents: reported.amountCents,
      refundedCents: refunded,
      updatedAt: fields.at,
    })
    .onConflictDoUpdate({
      target: payments.orderId,
      set: {
        status: fields.status,
        checkoutSessionId: sql`coalesce(${payments.checkoutSessionId}, ${reported.sessionId})`,
        paymentIntentId: sql`coalesce(${payments.paymentIntentId}, ${reported.paymentIntentId})`,
        receivedCents: reported.amountCents,
        refundedCents: sql`max(${payments.refundedCents}, ${refunded})`,
        updatedAt: fields.at,
      },
    })
}

/** An event that changes nothing about an order: its row alone, written once. */
async function record(env: Env, event: EventRef, orderId: string | null, outcome: string): Promise<HandledEvent> {
  const inserted = await getDb(env)
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, orderId, outcome })
    .onConflictDoNothing()
    .returning({ id: stripeEvents.id })
  return { eventId: event.id, type: event.type, orderId, outcome, duplicate: inserted.length === 0 }
}

/**
 * Writes an event's change of its order and the event's row in one batch. The order's UPDATE is guarded
 * on the order as it was read (status and payment status); the event row is inserted with a NULL id
 * unless that UPDATE applied, so the batch fails as a whole, and undoes everything, both when the order
 * changed meanwhile (decided again) and when the event was handled already (a duplicate).
 */
async function commit(
  env: Env,
  event: EventRef,
  order: LoadedOrder,
  outcome: string,
  { change, statements = [] }: { change: OrderChange; statements?: BatchItem<'sqlite'>[] },
): Promise<HandledEvent> {
  const db = getDb(env)
  const seen = { status: order.status, paymentStatus: order.paymentStatus }
  const eventRow = db.insert(stripeEvents).select(
    db
      .select({
        id: sql<string>`case when changes() = 1 then ${event.id} end`.as('id'),
        type: sql<string>`${event.type}`.as('type'),
        orderId: orders.id,
        outcome: sql<string>`${outcome}`.as('outcome'),
        receivedAt: sql<number>`${change.at}`.as('received_at'),
      })
      .from(orders)
      .where(eq(orders.id, order.id)),
  )
  try {
    await db.batch([...orderChangeStatements(env, order.id, seen, change), eventRow, ...statements])
  } catch (err) {
    const done = await db.select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.id, event.id)).get()
    if (done) return { eventId: event.id, type: event.type, orderId: order.id, outcome, duplicate: true }
    throw new StaleOrder(`order ${order.id} changed while event ${event.id} was handled`, { cause: err })
  }
  if (change.to && change.to !== order.status) logOrderMoved(env, { orderId: order.id, from: order.status, to: change.to, at: change.at }, change.note)
  return { eventId: event.id, type: event.type, orderId: order.id, outcome, duplicate: false }
}
