import { isProduction } from '../platform/env'

/**
 * Signs access tokens. `AUTH_SECRET` is a secret (`wrangler secret put AUTH_SECRET`); away from
 * production a fixed development key stands in, so that the quick start needs no setup. Production
 * without the secret refuses to sign anything rather than sign with a known key.
 */
const DEVELOPMENT_SECRET = 'cato-store-development-only-secret-do-not-use-in-production'

export function authSecret(env: Env): Uint8Array {
  const secret = env.AUTH_SECRET ?? (isProduction(env) ? undefined : DEVELOPMENT_SECRET)
  if (!secret || secret.length < 32) throw new Error('AUTH_SECRET is missing or shorter than 32 characters: set it with `wrangler secret put AUTH_SECRET`')
  return new TextEncoder().encode(secret)
}
