/** A payment as a Stripe event reports it, and the payment row it leaves. */
import { eq, sql } from 'drizzle-orm'
import { getDb } from '../db/client'
import { payments, type CheckoutStatus, type Payment } from '../db/schema'
import type { LoadedOrder } from './order-payment'
import type { CheckoutSessionObject, PaymentIntentObject } from './schemas'

/** A payment as an event reports it, in our terms (upper-case currency, cents). */
export interface ReportedPayment {
  orderId: string | null
  sessionId: string | null
  paymentIntentId: string | null
  amountCents: number | null
  currency: string | null
}

/** The order of a payment: our metadata, else the payment row that knows the session or the intent. */
export async function orderIdOf(env: Env, metadataOrderId: string | null | undefined, sessionId: string | null, paymentIntentId: string | null): Promise<string | null> {
  if (metadataOrderId) return metadataOrderId
  const db = getDb(env)
  const where = sessionId ? eq(payments.checkoutSessionId, sessionId) : paymentIntentId ? eq(payments.paymentIntentId, paymentIntentId) : undefined
  if (!where) return null
  return (await db.select({ orderId: payments.orderId }).from(payments).where(where).get())?.orderId ?? null
}

export async function fromSession(env: Env, session: CheckoutSessionObject): Promise<ReportedPayment> {
  return {
    orderId: await orderIdOf(env, session.metadata?.order_id ?? session.client_reference_id, session.id, session.payment_intent),
    sessionId: session.id,
    paymentIntentId: session.payment_intent,
    amountCents: session.amount_total ?? null,
    currency: session.currency?.toUpperCase() ?? null,
  }
}

export async function fromIntent(env: Env, intent: PaymentIntentObject): Promise<ReportedPayment> {
  return {
    orderId: await orderIdOf(env, intent.metadata?.order_id, null, intent.id),
    sessionId: null,
    paymentIntentId: intent.id,
    amountCents: intent.amount_received ?? intent.amount,
    currency: intent.currency.toUpperCase(),
  }
}

/** Whether the reported payment is the one already recorded for the order. */
export function samePayment(payment: Payment | null, reported: ReportedPayment): boolean {
  if (!payment) return false
  if (reported.paymentIntentId && payment.paymentIntentId) return reported.paymentIntentId === payment.paymentIntentId
  return reported.sessionId !== null && reported.sessionId === payment.checkoutSessionId
}

/** The payment row as a reported payment leaves it (created when the payment came without our checkout). */
export function paymentUpsert(env: Env, order: LoadedOrder, reported: ReportedPayment, fields: { status: CheckoutStatus; refundedCents?: number; at: number }) {
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
