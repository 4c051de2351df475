/**
 * Password hashes with PBKDF2-SHA256 through WebCrypto, in the format Django uses:
 * `pbkdf2_sha256$<iterations>$<salt base64>$<hash base64>`. The parameters travel with the hash, so
 * the count can be raised later and old hashes upgraded at the next sign-in (`needsRehash`).
 */
import { fromBase64, toBase64 } from '../platform/encoding'

/** The most that Workers allow in production (workerd refuses more; local workerd does not check). */
export const PBKDF2_ITERATIONS = 100_000
const ALGORITHM = 'pbkdf2_sha256'
const SALT_BYTES = 16
const HASH_BYTES = 32

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, HASH_BYTES * 8)
  return new Uint8Array(bits)
}

/** A new hash of `password` with a random salt. */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  return `${ALGORITHM}$${iterations}$${toBase64(salt)}$${toBase64(await derive(password, salt, iterations))}`
}

/** Compares two byte strings in time that does not depend on where they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

function parse(stored: string) {
  const [algorithm, iterations, salt, hash] = stored.split('$')
  const count = Number(iterations)
  if (algorithm !== ALGORITHM || !Number.isInteger(count) || count < 1 || count > PBKDF2_ITERATIONS || !salt || !hash) return null
  return { iterations: count, salt: fromBase64(salt), hash: fromBase64(hash) }
}

/** Whether `password` matches `stored`; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored)
  if (!parsed) return false
  return constantTimeEqual(await derive(password, parsed.salt, parsed.iterations), parsed.hash)
}

/** Whether `stored` was made with weaker parameters than today's. */
export const needsRehash = (stored: string) => parse(stored)?.iterations !== PBKDF2_ITERATIONS

/**
 * A hash no password matches (of a random secret thrown away when it was made), checked when an email is
 * unknown so that the answer takes as long as for a wrong password (no account enumeration by timing).
 * A constant rather than one made at first use: a promise started by one request must not be awaited by
 * another in Workers.
 */
const DECOY_HASH = 'pbkdf2_sha256$100000$TlxvD+SDx2p8p9aKFuNjlg==$6PchHfZCq+z7X233LN4G57wYec1TAUq7J/nmW6FPb4o='

export async function verifyAgainstDecoy(password: string): Promise<false> {
  await verifyPassword(password, DECOY_HASH)
  return false
}
