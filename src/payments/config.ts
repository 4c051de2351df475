import type { PaymentProvider } from '../db/schema'
import { isDevelopment, notConfigured } from '../platform/env'

/**
 * Signs and verifies webhook events in development when STRIPE_WEBHOOK_SECRET is unset: the local test
 * payment page posts events signed with it. No other environment accepts it (see `webhookSecret`).
 */
export const LOCAL_WEBHOOK_SECRET = 'whsec_cato_store_local_development_only'

/** 503 of a store that cannot take payments: no key outside development, so nothing is faked either. */
export const paymentsNotConfigured = () =>
  notConfigured('payments_not_configured', 'Payments are not configured on this store: no payment can be taken right now.')

/** Whether the local test payment page and the local provider exist: in development only. */
export const localPaymentsAllowed = (env: Env) => isDevelopment(env)

/**
 * Who takes the money for a new checkout: Stripe when STRIPE_SECRET_KEY is set; otherwise, in
 * development, the local test payment page. Anywhere else without the key it throws the 503 above, and
 * without STRIPE_WEBHOOK_SECRET too: a payment taken then could never be recorded (every event would be
 * refused), so the order would expire while the shopper was charged.
 */
export function checkoutProvider(env: Env): PaymentProvider {
  if (env.STRIPE_SECRET_KEY) {
    if (!webhookSecret(env)) throw paymentsNotConfigured()
    return 'stripe'
  }
  if (!localPaymentsAllowed(env)) throw paymentsNotConfigured()
  return 'local'
}

/** The secret webhook signatures are checked against, or null outside development when it is missing. */
export function webhookSecret(env: Env): string | null {
  return env.STRIPE_WEBHOOK_SECRET || (isDevelopment(env) ? LOCAL_WEBHOOK_SECRET : null)
}
