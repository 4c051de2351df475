/**
 * Signatures for links that grant something without a sign-in (an order's status page, claiming a guest's
 * orders): HMAC-SHA-256 through WebCrypto under ORDER_LINK_SECRET, each purpose in its own domain so that a
 * signature made for one is worth nothing for another. Links do not expire; rotating the secret revokes
 * every one of them. In development a fixed key stands in; anywhere else a missing or short secret is a
 * 503 (`links_not_configured`), never a known key.
 *
 * jose was considered: a JWT would carry the order id a second time and make the link three times longer,
 * for claims (expiry, audience) these links do not need.
 */
import { constantTimeEqual } from '../accounts/passwords'
import { toBase64Url } from './encoding'
import { isDevelopment, notConfigured } from './env'

const DEVELOPMENT_SECRET = 'cato-store-development-only-order-link-secret-do-not-use'

export type LinkPurpose = 'order-link' | 'guest-claim'

const linksNotConfigured = () =>
  notConfigured('links_not_configured', 'Order links are not configured on this store (ORDER_LINK_SECRET is missing or shorter than 32 characters).')

async function signingKey(env: Pick<Env, 'ENVIRONMENT' | 'ORDER_LINK_SECRET'>): Promise<CryptoKey> {
  const secret = env.ORDER_LINK_SECRET || (isDevelopment(env) ? DEVELOPMENT_SECRET : undefined)
  if (!secret || secret.length < 32) throw linksNotConfigured()
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
}

/** Throws 503 links_not_configured when links cannot be signed here (before anything is written). */
export async function assertLinksConfigured(env: Pick<Env, 'ENVIRONMENT' | 'ORDER_LINK_SECRET'>): Promise<void> {
  await signingKey(env)
}

/** The signature of `parts` for `purpose`: 43 URL-safe characters. */
export async function linkSignature(env: Pick<Env, 'ENVIRONMENT' | 'ORDER_LINK_SECRET'>, purpose: LinkPurpose, ...parts: string[]): Promise<string> {
  const message = new TextEncoder().encode(['cato-store', purpose, 'v1', ...parts].join('\n'))
  return toBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', await signingKey(env), message)))
}

/** Whether `signature` is the one of `parts` for `purpose` (compared in constant time; anything malformed is not). */
export async function isLinkSignature(env: Pick<Env, 'ENVIRONMENT' | 'ORDER_LINK_SECRET'>, purpose: LinkPurpose, signature: unknown, ...parts: string[]): Promise<boolean> {
  if (typeof signature !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return false
  const expected = await linkSignature(env, purpose, ...parts)
  return constantTimeEqual(new TextEncoder().encode(signature), new TextEncoder().encode(expected))
}
