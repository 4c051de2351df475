/**
 * The Stripe events that settle an order (and those the local provider makes offline): what each event
 * means for its order, decided from the order as it is, and written once.
 *
 * Every event is handled exactly once, whatever the order of arrival and however often it comes. The
 * effects outside D1 (selling or giving back stock in the stock objects, a refund at Stripe) are each
 * idempotent by their id and done first; then one D1 batch changes the order, guarded on the order as it
 * was read, and inserts the event's row. A duplicate delivery makes that batch fail as a whole on the
 * event's primary key (answered 200, nothing done); a delivery that died halfway left no row, so its retry
 * does everything again and the idempotent steps answer as before. A batch that lost a race with another
 * change of the order is decided again from the order as it now is. Decisions are made from the order's
 * state (not from "seen before"), so a late duplicate of an old event is a no-op as well.
 * The writes are in event-record.ts (the event's row, the guarded batch), the payment an event reports
 * and the payment row it leaves in reported-payment.ts; this file decides.
 */
import { and, eq, sql } from 'drizzle-orm'
import type { z } from 'zod'
import { getDb } from '../db/client'
import { payments, refunds, type CheckoutStatus, type PaymentStatus } from '../db/schema'
import { linesOutOfCart } from '../cart/returns'
import { sellHeldStock, type StockLine } from '../orders/service'
import { canTransition } from '../orders/status'
import { stockOf } from '../stock/client'
import { ApiError, badRequest } from '../platform/errors'
import { log } from '../platform/logging'
import { loadOrder, moneyIn, refundOf, releaseHolds, type LoadedOrder } from './order-payment'
import { refundAtProvider } from './provider'
import { ChargeObject, CheckoutSessionObject, PaymentIntentObject, StripeEventEnvelope } from './schemas'
import { commit, record, StaleOrder, type EventRef, type HandledEvent } from './event-record'
import { fromIntent, fromSession, orderIdOf, paymentUpsert, samePayment, type ReportedPayment } from './reported-payment'
import { orderOutboxInsert } from '../notifications/outbox'
import { reclaimStatements, releaseStatements } from '../discounts/service'

/** How often an event is decided again after losing a race with another change of its order. */
const DECIDE_ATTEMPTS = 4

/**
 * A signed event of a type we act on whose object our schema refuses: our mistake (or a change at Stripe),
 * never the sender's. It is not recorded and is answered 500, so that Stripe sends it again (for three
 * days) while the error report says what to fix; acknowledging it would drop a payment without a trace.
 */
class UnreadableEvent extends ApiError {
  constructor(
    readonly event: EventRef,
    error: z.ZodError,
  ) {
    const issues = error.issues.map((issue) => `data.object.${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')
    super(500, 'event_unreadable', `Stripe event ${event.id} (${event.type}) does not match what the store reads (${issues}); it is not acknowledged, so Stripe will send it again`)
  }
}

/** The one automatic refund of an order (a payment that cannot be honoured); deterministic, so a retry asks Stripe with the same key. */
const autoRefundId = (orderId: string) => `auto-${orderId}`

/** One line per handled event: never the payload or the signature, ids and what happened. */
function logHandled(handled: HandledEvent) {
  log('info', { msg: 'stripe event', event_id: handled.eventId, type: handled.type, order_id: handled.orderId, outcome: handled.outcome, duplicate: handled.duplicate })
}

/** Gives back every sold line of the order (idempotent per line: each reservation is returned once). */
async function restockLines(env: Env, lines: StockLine[]): Promise<void> {
  await Promise.all(lines.map((line) => stockOf(env, line.productId).restock(line.productId, line.reservationId)))
}

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
    const sold = await sellHeldStock(env, order.id, order.items)
    const late = !sold.ok
    const taken = sold.ok ? [] : await Promise.all(sold.lines.map((line) => stockOf(env, line.productId).take(line.productId, line.reservationId, line.quantity, line.variantId)))
    if (taken.every((result) => result.ok)) {
      const ref = reported.paymentIntentId ?? reported.sessionId ?? event.id
      // An expired order gave its lines back to the cart: bought after all, they leave it again.
      const outOfCart = order.status === 'expired' ? await linesOutOfCart(env, order.userId, order.items) : []
      // Its discount uses, given back when it expired, count again (src/discounts).
      const discountUses = order.status === 'expired' ? reclaimStatements(getDb(env), order.id) : []
      return commit(env, event, order, late ? 'paid_late' : 'paid', {
        change: { to: 'paid', paymentStatus: 'paid', note: late ? `paid after its holds ran out, stock taken again (${ref})` : `paid (${ref})`, at: Date.now() },
        statements: [paymentUpsert(env, order, reported, { status: 'complete', at: Date.now() }), ...outOfCart, ...discountUses],
        notify: [orderOutboxInsert(getDb(env), 'order.paid', order.id)],
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
  await restockLines(env, order.items)
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
    // Never sold: its discount uses are given back too (idempotent; an expired or cancelled order gave them back already).
    statements: [payment, ...(refund ? [db.update(refunds).set({ providerRefundId: sent.id, status: sent.status, updatedAt: at }).where(eq(refunds.id, refundId))] : []), ...releaseStatements(db, order.id)],
    notify: [orderOutboxInsert(db, 'order.refunded', order.id, { refund: { refunded_cents: amount, full: true } })],
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
    // One mail per failure: a declined attempt (payment_intent.payment_failed) may have told the customer already.
    notify: ended === 'failed' && order.paymentStatus !== 'failed' ? [orderOutboxInsert(getDb(env), 'order.payment_failed', order.id)] : [],
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
  return commit(env, event, order, 'payment_failed', { change: { paymentStatus: 'failed', at: Date.now() }, notify: [orderOutboxInsert(getDb(env), 'order.payment_failed', order.id)] })
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
    notify: [orderOutboxInsert(db, 'order.refunded', order.id, { refund: { refunded_cents: refundedCents, full } })],
  })
}

