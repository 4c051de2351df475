/**
 * Endpoint signing secrets. The Worker must sign with the secret itself, so it cannot be hashed like a
 * password: it is sealed with AES-256-GCM under a key derived (HKDF-SHA-256) from the WEBHOOK_SECRET_KEY
 * secret, and only the sealed text (`v1.<iv>.<ciphertext>`, base64) is in D1. A dump of the database alone
 * reveals no secret. In development a fixed key stands in; anywhere else a missing key is a 503.
 */
import { fromBase64, randomToken, toBase64 } from '../platform/encoding'
import { isDevelopment, notConfigured } from '../platform/env'

const DEVELOPMENT_KEY = 'cato-store-development-only-webhook-key-do-not-use'
const SECRET_PREFIX = 'whsec_'

/** A new endpoint secret: 256 random bits, shown once. */
export const newWebhookSecret = () => `${SECRET_PREFIX}${randomToken()}`

const webhooksNotConfigured = () =>
  notConfigured('webhooks_not_configured', 'Outbound webhooks are not configured on this store (WEBHOOK_SECRET_KEY is missing or shorter than 32 characters).')

async function sealingKey(env: Pick<Env, 'ENVIRONMENT' | 'WEBHOOK_SECRET_KEY'>): Promise<CryptoKey> {
  const secret = env.WEBHOOK_SECRET_KEY || (isDevelopment(env) ? DEVELOPMENT_KEY : undefined)
  if (!secret || secret.length < 32) throw webhooksNotConfigured()
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode('cato-store webhook endpoint secrets v1') },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  )
}

/** Throws 503 webhooks_not_configured when secrets cannot be sealed here (before anything is written). */
export async function assertWebhooksConfigured(env: Pick<Env, 'ENVIRONMENT' | 'WEBHOOK_SECRET_KEY'>) {
  await sealingKey(env)
}

export async function sealSecret(env: Pick<Env, 'ENVIRONMENT' | 'WEBHOOK_SECRET_KEY'>, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await sealingKey(env), new TextEncoder().encode(secret))
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`
}

export async function openSecret(env: Pick<Env, 'ENVIRONMENT' | 'WEBHOOK_SECRET_KEY'>, sealed: string): Promise<string> {
  const [version, iv, data] = sealed.split('.')
  if (version !== 'v1' || !iv || !data) throw new Error('unknown sealed webhook secret format')
  const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(iv) }, await sealingKey(env), fromBase64(data))
  return new TextDecoder().decode(opened)
}
