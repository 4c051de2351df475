/**
 * The local provider: in development without STRIPE_SECRET_KEY the store plays Stripe's part. Its
 * sessions are rows of `payments` with provider `local`, paid on the local test page, and what it sends
 * back are events shaped like Stripe's, handled by the same code as Stripe's own.
 */
import type { Payment } from '../db/schema'
import { STRIPE_API_VERSION } from './stripe'

const randomId = () => crypto.randomUUID().replace(/-/g, '')
const epochSeconds = () => Math.floor(Date.now() / 1000)

/** A local checkout session id; the `cs_local_` prefix keeps it apart from Stripe's `cs_test_` / `cs_live_`. */
export const localSessionId = () => `cs_local_${randomId()}`

/** The payment intent of a local session: one per session, so paying twice is the same payment. */
const localPaymentIntentId = (sessionId: string) => `pi_local_${sessionId.replace(/^cs_local_/, '')}`

const event = (type: string, object: Record<string, unknown>, id = `evt_local_${randomId()}`) => ({
  id,
  object: 'event',
  api_version: STRIPE_API_VERSION,
  created: epochSeconds(),
  livemode: false,
  pending_webhooks: 1,
  type,
  data: { object },
})

/** What Stripe sends when a Checkout session is paid (`pay`) or its payment fails for good (`decline`). */
export function localCheckoutEvent(payment: Payment & { checkoutSessionId: string }, outcome: 'pay' | 'decline') {
  const session = {
    id: payment.checkoutSessionId,
    object: 'checkout.session',
    mode: 'payment',
    status: 'complete',
    client_reference_id: payment.orderId,
    metadata: { order_id: payment.orderId },
    amount_total: payment.amountCents,
    currency: payment.currency.toLowerCase(),
    payment_intent: localPaymentIntentId(payment.checkoutSessionId),
    payment_status: outcome === 'pay' ? 'paid' : 'unpaid',
  }
  return event(outcome === 'pay' ? 'checkout.session.completed' : 'checkout.session.async_payment_failed', session)
}

/** What Stripe sends once a refund went through: `refundedCents` is the charge's running total. The id is the refund's, so a retry is a duplicate. */
export function localRefundEvent(payment: Payment, refundId: string, refundedCents: number) {
  const received = payment.receivedCents ?? payment.amountCents
  const charge = {
    id: `ch_local_${payment.orderId.replace(/-/g, '')}`,
    object: 'charge',
    amount: received,
    amount_refunded: refundedCents,
    currency: payment.currency.toLowerCase(),
    payment_intent: payment.paymentIntentId,
    metadata: { order_id: payment.orderId },
    refunded: refundedCents >= received,
  }
  return event('charge.refunded', charge, `evt_local_refund_${refundId}`)
}
