/**
 * Marketing mail (welcome, back in stock) and the customer's choice to stop it: an address on
 * `marketing_opt_outs` gets none (order and account-security mail always go). The choice is made on the
 * account page, or by the link in each marketing mail: `/notifications/unsubscribe?email=…&sig=…`, signed with a
 * key derived from AUTH_SECRET (HMAC-SHA256 of the address), so that nobody can unsubscribe someone else.
 */
import { eq } from 'drizzle-orm'
import { authSecret } from '../accounts/secrets'
import { getDb, type Db } from '../db/client'
import { marketingOptOuts } from '../db/schema'

const hmacKey = (env: Env) =>
  crypto.subtle.importKey('raw', new TextEncoder().encode(`unsubscribe:${new TextDecoder().decode(authSecret(env))}`), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])

const normalise = (email: string) => email.trim().toLowerCase()
const toHex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('')

/** The signature of an unsubscribe link for `email` (hex). */
export async function unsubscribeSignature(env: Env, email: string): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', await hmacKey(env), new TextEncoder().encode(normalise(email))))
}

/** Whether `signature` is the one `unsubscribeSignature` makes for `email` (compared in constant time by WebCrypto). */
export async function verifyUnsubscribe(env: Env, email: string, signature: string): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(signature)) return false
  const bytes = new Uint8Array(signature.match(/../g)?.map((pair) => parseInt(pair, 16)) ?? [])
  return crypto.subtle.verify('HMAC', await hmacKey(env), bytes, new TextEncoder().encode(normalise(email)))
}

export async function unsubscribeUrl(env: Env, origin: string, email: string): Promise<string> {
  const query = new URLSearchParams({ email: normalise(email), sig: await unsubscribeSignature(env, email) })
  return `${origin}/notifications/unsubscribe?${query}`
}

export async function isOptedOut(db: Db, email: string): Promise<boolean> {
  return (await db.select({ email: marketingOptOuts.email }).from(marketingOptOuts).where(eq(marketingOptOuts.email, normalise(email))).get()) !== undefined
}

/** Opts `email` out of marketing mail, or back in; idempotent. */
export async function setMarketingOptOut(env: Env, email: string, optedOut: boolean): Promise<void> {
  const db = getDb(env)
  if (optedOut) await db.insert(marketingOptOuts).values({ email: normalise(email) }).onConflictDoNothing()
  else await db.delete(marketingOptOuts).where(eq(marketingOptOuts.email, normalise(email)))
}
