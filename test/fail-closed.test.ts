import { createExecutionContext, env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { lastMailTo, outboxOf } from './mail-helpers'
import { authSecret } from '../src/accounts/secrets'
import { signAccessToken } from '../src/accounts/tokens'
import { getDb } from '../src/db/client'
import { refreshTokens, users } from '../src/db/schema'
import { LOCAL_WEBHOOK_SECRET } from '../src/payments/config'
import { localCheckoutEvent } from '../src/payments/local'
import { localCheckoutFor, startCheckout } from '../src/payments/checkout'
import { handleStripeEvent } from '../src/payments/events'
import { refundOrder } from '../src/payments/refunds'
import { signStripePayload } from '../src/payments/stripe'
import { BASE, Browser, insertProduct, registerUser } from './helpers'
import { placeOrder } from './orders-helpers'
import { stripeEvent } from './payments-helpers'

/** Every secret unset, as a fresh deployment has them. */
const NO_SECRETS = { AUTH_SECRET: undefined, STRIPE_SECRET_KEY: undefined, STRIPE_WEBHOOK_SECRET: undefined, MAIL_API_KEY: undefined, MAIL_FROM: undefined }
const envFor = (environment: string | undefined, secrets: Partial<Env> = {}): Env => ({ ...env, ...NO_SECRETS, ENVIRONMENT: environment as string, ...secrets })
const STRONG_SECRET = 'a-real-secret-of-this-deployment-0123456789'

/** Only development has fallbacks; these fail closed. */
const CLOSED = [
  ['production', 'production'],
  ['staging', 'staging'],
  ['unset', undefined],
] as const

const call = (target: Env, path: string, init: RequestInit = {}) => worker.request(`${BASE}${path}`, init, target, createExecutionContext())
const errorCode = async (response: Response) => ((await response.json()) as { error?: { code?: string } }).error?.code

async function anAdmin() {
  const admin = await registerUser()
  await getDb(env).update(users).set({ role: 'admin' }).where(eq(users.id, admin.user.id))
  return { ...admin, user: { id: admin.user.id, role: 'admin' as const, tokenVersion: 0 } }
}

/** The refresh-token family a registered user signed in with (access tokens name it). */
async function familyOf(userId: number): Promise<string> {
  const row = await getDb(env).select({ familyId: refreshTokens.familyId }).from(refreshTokens).where(eq(refreshTokens.userId, userId)).get()
  if (!row) throw new Error(`user ${userId} has no refresh token`)
  return row.familyId
}

/** An access token signed with the development key that is in the repository. */
const devKeyToken = async (user: { id: number; role: 'admin'; tokenVersion: number; email: string }) => signAccessToken(envFor('development'), user, await familyOf(user.id))

async function localSignedEvent() {
  const payload = JSON.stringify(stripeEvent('customer.created', { id: 'cus_fail_closed' }))
  return { method: 'POST', body: payload, headers: { 'Content-Type': 'application/json', 'Stripe-Signature': await signStripePayload(payload, LOCAL_WEBHOOK_SECRET) } }
}

async function pendingOrderOf() {
  const product = await insertProduct({ stockQuantity: 5 })
  const who = await registerUser()
  const placed = await placeOrder(who, [{ product_id: product.id, quantity: 1 }])
  return { who, orderId: placed.body.id as string }
}

describe('development keeps its fallbacks', () => {
  const development = envFor('development')

  it('accepts a token signed with the development key and signs in without AUTH_SECRET', async () => {
    const admin = await anAdmin()
    const listed = await call(development, '/api/admin/users', { headers: { Authorization: `Bearer ${await devKeyToken({ ...admin.user, email: admin.email })}` } })
    expect(listed.status).toBe(200)
    const token = await call(development, '/api/auth/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: admin.email, password: admin.password }) })
    expect(token.status).toBe(200)
  })

  it('accepts a webhook event signed with the local secret, and takes payments on the local page', async () => {
    expect((await call(development, '/webhooks/stripe', await localSignedEvent())).status).toBe(200)
    const { who, orderId } = await pendingOrderOf()
    const checkout = await call(development, `/api/orders/${orderId}/checkout`, { method: 'POST', headers: { Authorization: `Bearer ${await signAccessToken(development, { ...who.user, role: 'customer', tokenVersion: 0 }, await familyOf(who.user.id))}` } })
    expect(checkout.status).toBe(200)
    expect(((await checkout.json()) as { url: string }).url).toContain('/payments/test/cs_local_')
  })

  it('keeps the password-reset mail in the dev mailbox instead of sending it', async () => {
    const user = await registerUser()
    const asked = await new Browser(development).submit('/account/password/forgot', '/account/password/forgot', { email: user.email })
    expect(asked.status).toBe(200)
    expect((await lastMailTo(user.email))?.text).toContain('/account/password/reset?token=')
  })
})

describe.each(CLOSED)('%s fails closed without its secrets', (_name, environment) => {
  const bare = envFor(environment)

  it('rejects a token signed with the development key on /api/admin/users', async () => {
    const admin = await anAdmin()
    const headers = { Authorization: `Bearer ${await devKeyToken({ ...admin.user, email: admin.email })}` }
    const unconfigured = await call(bare, '/api/admin/users', { headers })
    expect(unconfigured.status).toBe(503)
    expect(await errorCode(unconfigured)).toBe('auth_not_configured')
    const configured = await call(envFor(environment, { AUTH_SECRET: STRONG_SECRET }), '/api/admin/users', { headers })
    expect(configured.status).toBe(401)
  })

  it('answers sign-in and registration with 503 auth_not_configured, and creates no account', async () => {
    const admin = await anAdmin()
    const json = (body: object) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    const token = await call(bare, '/api/auth/token', json({ email: admin.email, password: admin.password }))
    expect(token.status).toBe(503)
    expect(await errorCode(token)).toBe('auth_not_configured')
    const email = `never-${crypto.randomUUID()}@example.com`
    const registered = await call(bare, '/api/auth/register', json({ email, password: 'correct horse battery', name: 'Nobody' }))
    expect(registered.status).toBe(503)
    expect(await getDb(env).query.users.findFirst({ where: eq(users.email, email) })).toBeUndefined()
  })

  it('refuses a webhook event signed with the local secret', async () => {
    const unconfigured = await call(bare, '/webhooks/stripe', await localSignedEvent())
    expect(unconfigured.status).toBe(503)
    expect(await errorCode(unconfigured)).toBe('payments_not_configured')
    const configured = await call(envFor(environment, { STRIPE_WEBHOOK_SECRET: 'whsec_this_deployment_only' }), '/webhooks/stripe', await localSignedEvent())
    expect(configured.status).toBe(400)
  })

  it('has no local payment page', async () => {
    expect((await call(bare, '/payments/test/cs_local_0123456789abcdef')).status).toBe(404)
  })

  it('stops checkout with 503 payments_not_configured', async () => {
    const { who, orderId } = await pendingOrderOf()
    const signed = envFor(environment, { AUTH_SECRET: STRONG_SECRET })
    const bearer = await signAccessToken(signed, { ...who.user, role: 'customer', tokenVersion: 0 }, await familyOf(who.user.id))
    const checkout = await call(signed, `/api/orders/${orderId}/checkout`, { method: 'POST', headers: { Authorization: `Bearer ${bearer}` } })
    expect(checkout.status).toBe(503)
    expect(await errorCode(checkout)).toBe('payments_not_configured')
  })

  it('answers a password-reset request with a 503 page and writes no mail', async () => {
    const user = await registerUser()
    const before = (await outboxOf(user.email)).length
    const asked = await new Browser(bare).submit('/account/password/forgot', '/account/password/forgot', { email: user.email })
    expect(asked.status).toBe(503)
    expect(asked.headers.get('Content-Type')).toMatch(/text\/html/)
    expect(await asked.text()).toContain('cannot send mail')
    // The same for an address with no account: the answer tells nobody which addresses exist.
    expect((await new Browser(bare).submit('/account/password/forgot', '/account/password/forgot', { email: `ghost-${crypto.randomUUID()}@example.com` })).status).toBe(503)
    expect(await outboxOf(user.email)).toHaveLength(before)
  })

  it('refunds nothing through the local provider: a local payment is not refunded here', async () => {
    const { who, orderId } = await pendingOrderOf()
    const viewer = { id: who.user.id, email: who.email, name: who.name, role: 'customer' as const, tokenVersion: 0 }
    const { url } = await startCheckout(env, viewer, orderId, BASE)
    const { payment } = await localCheckoutFor(env, viewer, url.split('/').pop() as string)
    await handleStripeEvent(env, localCheckoutEvent(payment, 'pay'))
    await expect(refundOrder(bare, orderId, { restock: true, reason: 'test' })).rejects.toMatchObject({ status: 503, code: 'payments_not_configured' })
  })

  it('sets Secure __Host- cookies and HSTS', async () => {
    const page = await call(bare, '/account/sign-in')
    expect(page.headers.get('Strict-Transport-Security')).toContain('max-age=')
    expect(page.headers.getSetCookie().join('\n')).toMatch(/^__Host-csrf=.*; Secure/m)
  })
})

it('never signs with the development key outside development', () => {
  for (const [, environment] of CLOSED) expect(() => authSecret(envFor(environment))).toThrow(/AUTH_SECRET/)
})
