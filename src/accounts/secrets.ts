import { isDevelopment, notConfigured } from '../platform/env'

/**
 * Signs access tokens. `AUTH_SECRET` is a secret (`wrangler secret put AUTH_SECRET`); in development
 * only, a fixed key stands in, so that the quick start needs no setup. Every other environment without
 * the secret refuses to sign or verify anything (503) rather than use a key that is in the repository.
 */
const DEVELOPMENT_SECRET = 'cato-store-development-only-secret-do-not-use-in-production'

const authNotConfigured = () =>
  notConfigured('auth_not_configured', 'Access tokens are not configured on this store (AUTH_SECRET is missing or shorter than 32 characters): sign-in through the API is unavailable.')

export function authSecret(env: Env): Uint8Array {
  const secret = env.AUTH_SECRET || (isDevelopment(env) ? DEVELOPMENT_SECRET : undefined)
  if (!secret || secret.length < 32) throw authNotConfigured()
  return new TextEncoder().encode(secret)
}
