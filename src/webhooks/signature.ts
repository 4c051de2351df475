/**
 * The `Cato-Signature` header, Stripe's scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
 * one `v1` per secret that signs (the current one, and the previous one during a rotation's grace period).
 * Receivers recompute it with their secret, compare in constant time and refuse a `t` older than 300 s.
 */
const encoder = new TextEncoder()

/** How old a signature a receiver should accept (README "Outbound webhooks"). */
export const SIGNATURE_TOLERANCE_SECONDS = 300
export const SIGNATURE_HEADER = 'Cato-Signature'

export async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message)))
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * The header value for `body` sent at `timestamp` (unix seconds), signed with each of `secrets`.
 * @example await signatureHeader('{"id":"evt_…"}', 1767225600, [secret]) // 't=1767225600,v1=5f…'
 */
export async function signatureHeader(body: string, timestamp: number, secrets: string[]): Promise<string> {
  const signatures = await Promise.all(secrets.map((secret) => hmacHex(secret, `${timestamp}.${body}`)))
  return [`t=${timestamp}`, ...signatures.map((s) => `v1=${s}`)].join(',')
}
