/**
 * The official Stripe SDK, set up for Workers: `fetch` for HTTP and SubtleCrypto for webhook signatures
 * (the SDK's Node defaults, `http` and `crypto`, are not what a Worker should run).
 */
import Stripe from 'stripe'
import { paymentsNotConfigured } from './config'

export { Stripe }

/** The API version this code and the SDK's types are written against; events are read in it too. */
export const STRIPE_API_VERSION = '2026-10-28.endive' satisfies NonNullable<ConstructorParameters<typeof Stripe>[1]>['apiVersion']

/** HMAC-SHA256 for webhook signatures through Web Crypto (only the async SDK calls can use it). */
export const webCrypto = Stripe.createSubtleCryptoProvider()

/** A Stripe client for the secret key; 503 when there is none. */
export function stripeClient(env: Env): Stripe {
  if (!env.STRIPE_SECRET_KEY) throw paymentsNotConfigured()
  return new Stripe(env.STRIPE_SECRET_KEY, {
    apiVersion: STRIPE_API_VERSION,
    httpClient: Stripe.createFetchHttpClient(),
    // Each retry carries the request's idempotency key, so a retried create cannot create twice.
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'cato-store' },
  })
}

/**
 * Checks a webhook's signature on the raw body (the SDK's default tolerance, 300 s) and parses it.
 * Throws `Stripe.errors.StripeSignatureVerificationError` (or a SyntaxError for a body that is not JSON).
 */
export const verifyStripeEvent = (payload: string, signature: string | undefined, secret: string) =>
  Stripe.webhooks.constructEventAsync(payload, signature ?? '', secret, undefined, webCrypto)

/** A `Stripe-Signature` header for `payload`, as Stripe would send it (the local test page and tests sign with it). */
export const signStripePayload = (payload: string, secret: string, timestampSeconds?: number) =>
  Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, cryptoProvider: webCrypto, ...(timestampSeconds !== undefined && { timestamp: timestampSeconds }) })
