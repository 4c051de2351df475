import type { PaymentProvider } from '../db/schema'
import { isProduction } from '../platform/env'
import { ApiError } from '../platform/errors'

/**
 * Signs and verifies webhook events away from production when STRIPE_WEBHOOK_SECRET is unset: the local
 * test payment page posts events signed with it. Production never accepts it (see `webhookSecret`).
 */
export const LOCAL_WEBHOOK_SECRET = 'whsec_cato_store_local_development_only'

/** 503 of a store that cannot take payments: no key in production, so nothing is faked either. */
export const paymentsNotConfigured = () =>
  new ApiError(503, 'payments_not_configured', 'Payments are not configured on this store: no payment can be taken right now.')

/**
 * Who takes the money for a new checkout: Stripe when STRIPE_SECRET_KEY is set; otherwise, away from
 * production, the local test payment page. Production without the key throws the 503 above.
 */
export function checkoutProvider(env: Env): PaymentProvider {
  if (env.STRIPE_SECRET_KEY) return 'stripe'
  if (isProduction(env)) throw paymentsNotConfigured()
  return 'local'
}

/** The secret webhook signatures are checked against, or null in production when it is missing. */
export function webhookSecret(env: Env): string | null {
  return env.STRIPE_WEBHOOK_SECRET || (isProduction(env) ? null : LOCAL_WEBHOOK_SECRET)
}

/** Whether the local test payment page exists: never in production. */
export const localPaymentsAllowed = (env: Env) => !isProduction(env)
