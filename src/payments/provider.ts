/** What payments ask of the provider beyond checkout: a refund (the local provider agrees at once), and Stripe's failures in our terms. */
import { and, eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { refunds, type Payment, type Refund, type RefundStatus } from '../db/schema'
import { ApiError, conflict } from '../platform/errors'
import { log } from '../platform/logging'
import { localPaymentsAllowed, paymentsNotConfigured } from './config'
import { Stripe, stripeClient } from './stripe'

/** A Stripe failure as the 502 the API answers; the details go to the log (no key, no body). */
export function providerFailure(err: unknown): unknown {
  if (!(err instanceof Stripe.errors.StripeError)) return err
  log('error', { msg: 'stripe request failed', type: err.type, code: err.code, status: err.statusCode, stripe_request_id: err.requestId })
  return new ApiError(502, 'payment_provider_error', 'The payment provider could not be reached or refused the request; please try again.')
}

/** Sends a refund to the payment's provider (the local provider agrees at once). */
export async function refundAtProvider(env: Env, payment: Pick<Payment, 'provider' | 'paymentIntentId' | 'orderId'>, refund: Refund): Promise<{ id: string | null; status: RefundStatus }> {
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
