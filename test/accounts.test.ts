import { env, SELF } from 'cloudflare:test'
import { Hono } from 'hono'
import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { requireRole } from '../src/accounts/guard'
import { lastMailTo, outboxOf } from './mail-helpers'
import { PBKDF2_ITERATIONS, hashPassword, verifyPassword } from '../src/accounts/passwords'
import { authenticate, changePassword, setAvatar } from '../src/accounts/service'
import { newSession } from '../src/accounts/sessions'
import { authSecret } from '../src/accounts/secrets'
import { getDb } from '../src/db/client'
import { refreshTokens, sessions, userProfiles, users } from '../src/db/schema'
import type { AppEnv } from '../src/platform/env'
import { toErrorBody, type ErrorBody } from '../src/platform/errors'
import { and, eq, gt, isNull } from 'drizzle-orm'
import { BASE, Browser, callJson, freshAddress, insertProduct, registerUser, uniqueEmail } from './helpers'
import { defaultVariant } from './orders-helpers'

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0])
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0])

const signIn = (email: string, password: string, address = freshAddress()) =>
  callJson<{ access_token: string; refresh_token: string } & ErrorBody>('POST', '/api/auth/token', { email, password }, { 'CF-Connecting-IP': address })

const avatarKeys = async (userId: number) => (await env.IMAGES.list({ prefix: `avatars/${userId}/` })).objects.map((o) => o.key)

describe('passwords', () => {
  it('are PBKDF2-SHA256 at 100,000 iterations (the most Workers allow), salted per user, parameters stored', async () => {
    const user = await registerUser()
    const row = await getDb(env).query.users.findFirst({ where: eq(users.id, user.user.id) })
    const [algorithm, iterations, salt, hash] = (row?.passwordHash ?? '').split('$')
    expect(algorithm).toBe('pbkdf2_sha256')
    expect(Number(iterations)).toBe(PBKDF2_ITERATIONS)
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000)
    expect(atob(salt ?? '')).toHaveLength(16)
    expect(atob(hash ?? '')).toHaveLength(32)
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'))
  })

  it('refuses a stored hash whose iterations production Workers would reject', async () => {
    const tooMany = (await hashPassword('pw-1234567890', 10)).replace('$10$', '$100001$')
    expect(await verifyPassword('pw-1234567890', tooMany)).toBe(false)
    expect(await verifyPassword('pw-1234567890', await hashPassword('pw-1234567890', 10))).toBe(true)
  })
})

describe('POST /api/auth/register and /token', () => {
  it('registers, answers tokens, and the access token reads the profile', async () => {
    const user = await registerUser({ name: 'Ada' })
    expect(user.token_type).toBe('Bearer')
    const profile = await callJson<{ email: string; name: string; role: string }>('GET', '/api/users/profile', undefined, user.bearer)
    expect(profile.status).toBe(200)
    expect(profile.body).toMatchObject({ email: user.email, name: 'Ada', role: 'customer' })
  })

  it('treats emails case-insensitively: one account, mixed case signs in', async () => {
    const email = uniqueEmail('Mixed')
    await registerUser({ email })
    const again = await callJson<ErrorBody>('POST', '/api/auth/register', { email: email.toUpperCase(), password: 'another password', name: 'X' })
    expect(again.status).toBe(409)
    expect(again.body.error.fields?.email).toBeDefined()
    expect((await signIn(email.toUpperCase(), 'correct horse battery')).status).toBe(200)
    expect((await signIn(`  ${email.toLowerCase()} `, 'correct horse battery')).status).toBe(200)
  })

  it('answers a wrong password and an unknown email the same way', async () => {
    const user = await registerUser()
    const wrong = await signIn(user.email, 'not the password')
    const unknown = await signIn(uniqueEmail('nobody'), 'not the password')
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    const { request_id: _a, ...wrongError } = wrong.body.error
    const { request_id: _b, ...unknownError } = unknown.body.error
    expect(wrongError).toEqual(unknownError)
  })

  it('rejects bad registrations with the fields named', async () => {
    const bad = await callJson<ErrorBody>('POST', '/api/auth/register', { email: 'not-an-email', password: 'short', name: '' })
    expect(bad.status).toBe(400)
    expect(Object.keys(bad.body.error.fields ?? {}).sort()).toEqual(['email', 'name', 'password'])
  })

  it('refuses malformed JSON (400) and a 1 MB body (413), never a 500', async () => {
    const malformed = await callJson<ErrorBody>('POST', '/api/auth/token', '{"email": ')
    expect(malformed.status).toBe(400)
    expect(malformed.body.error.code).toBe('bad_request')
    const huge = await callJson<ErrorBody>('POST', '/api/auth/register', { email: uniqueEmail(), password: 'x'.repeat(1024 * 1024), name: 'Big' })
    expect(huge.status).toBe(413)
    expect(huge.body.error.code).toBe('payload_too_large')
  })

  it('rate limits sign-in per email: the 6th attempt in a minute is 429 with Retry-After', async () => {
    const user = await registerUser()
    for (let i = 0; i < 5; i++) expect((await signIn(user.email, 'wrong password', freshAddress())).status).toBe(401)
    const limited = await signIn(user.email, 'correct horse battery', freshAddress())
    expect(limited.status).toBe(429)
    expect(limited.body.error.code).toBe('too_many_requests')
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0)
    expect(Number(limited.headers.get('Retry-After'))).toBeLessThanOrEqual(60)
  })

  it('rate limits sign-in per client address across emails', async () => {
    const address = freshAddress()
    for (let i = 0; i < 20; i++) expect((await signIn(uniqueEmail('spray'), 'whatever password', address)).status).toBe(401)
    expect((await signIn(uniqueEmail('spray'), 'whatever password', address)).status).toBe(429)
  })
})

describe('access tokens', () => {
  const claims = (userId: number) => ({ role: 'customer', ver: 0, sub: String(userId) })
  const profileWith = (token: string) => callJson<ErrorBody>('GET', '/api/users/profile', undefined, { Authorization: `Bearer ${token}` })

  it('refuses alg none, another key, a past exp, a wrong audience and garbage with 401', async () => {
    const user = await registerUser()
    const base = () => new SignJWT(claims(user.user.id)).setProtectedHeader({ alg: 'HS256' }).setIssuer('cato-store').setIssuedAt()
    const tokens = {
      none: new UnsecuredJWT(claims(user.user.id)).setIssuer('cato-store').setAudience('cato-store-api').setExpirationTime('5m').encode(),
      otherKey: await base().setAudience('cato-store-api').setExpirationTime('5m').sign(new TextEncoder().encode('another key that is long enough to be a key!')),
      expired: await base().setAudience('cato-store-api').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(authSecret(env)),
      wrongAudience: await base().setAudience('someone-else').setExpirationTime('5m').sign(authSecret(env)),
      garbage: 'not.a.token',
    }
    for (const [name, token] of Object.entries(tokens)) {
      const answer = await profileWith(token)
      expect(answer.status, name).toBe(401)
      expect(answer.body.error.code, name).toBe('unauthorized')
    }
    // The control: the same construction with the right key and audience works.
    expect((await profileWith(await base().setAudience('cato-store-api').setExpirationTime('5m').sign(authSecret(env)))).status).toBe(200)
  })

  it('is 401 without credentials or with another scheme', async () => {
    expect((await callJson('GET', '/api/users/profile')).status).toBe(401)
    expect((await callJson('GET', '/api/users/profile', undefined, { Authorization: 'Basic abc' })).status).toBe(401)
  })
})

describe('refresh tokens', () => {
  it('rotate: each refresh token works once and gives a new pair', async () => {
    const user = await registerUser()
    const first = await callJson<{ access_token: string; refresh_token: string }>('POST', '/api/auth/refresh', { refresh_token: user.refresh_token })
    expect(first.status).toBe(200)
    expect(first.body.refresh_token).not.toBe(user.refresh_token)
    expect((await callJson('GET', '/api/users/profile', undefined, { Authorization: `Bearer ${first.body.access_token}` })).status).toBe(200)
    const second = await callJson<{ refresh_token: string }>('POST', '/api/auth/refresh', { refresh_token: first.body.refresh_token })
    expect(second.status).toBe(200)
  })

  it('revoke the whole family when a used one is presented again', async () => {
    const user = await registerUser()
    const rotated = await callJson<{ refresh_token: string }>('POST', '/api/auth/refresh', { refresh_token: user.refresh_token })
    const replay = await callJson<ErrorBody>('POST', '/api/auth/refresh', { refresh_token: user.refresh_token })
    expect(replay.status).toBe(401)
    // The thief's replay also kills the legitimate successor.
    expect((await callJson('POST', '/api/auth/refresh', { refresh_token: rotated.body.refresh_token })).status).toBe(401)
  })

  it('lets exactly one of two concurrent uses win', async () => {
    const user = await registerUser()
    const answers = await Promise.all([1, 2].map(() => callJson('POST', '/api/auth/refresh', { refresh_token: user.refresh_token })))
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401])
  })

  it('stop working after logout', async () => {
    const user = await registerUser()
    expect((await callJson('POST', '/api/auth/logout', { refresh_token: user.refresh_token })).status).toBe(204)
    expect((await callJson('POST', '/api/auth/refresh', { refresh_token: user.refresh_token })).status).toBe(401)
  })
})

describe('GET/PUT /api/users/profile', () => {
  it('applies partial updates and keeps what is not sent', async () => {
    const user = await registerUser({ name: 'Before' })
    const address = { name: 'Ada L', line1: '1 Rue de Rivoli', city: 'Paris', postal_code: '75001', country: 'fr' }
    const put = await callJson<Record<string, unknown>>('PUT', '/api/users/profile', { phone: '+33 1 23 45 67 89', default_shipping_address: address }, user.bearer)
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({ name: 'Before', phone: '+33123456789', default_shipping_address: { ...address, country: 'FR', line2: null, region: null } })
    const renamed = await callJson<Record<string, unknown>>('PUT', '/api/users/profile', { name: 'After' }, user.bearer)
    expect(renamed.body).toMatchObject({ name: 'After', phone: '+33123456789', default_shipping_address: { city: 'Paris' } })
    const cleared = await callJson<Record<string, unknown>>('PUT', '/api/users/profile', { phone: null }, user.bearer)
    expect(cleared.body.phone).toBeNull()
  })

  it('names every invalid field: phone, country, unknown keys', async () => {
    const user = await registerUser()
    const bad = await callJson<ErrorBody>(
      'PUT',
      '/api/users/profile',
      { phone: '0612', default_shipping_address: { name: 'A', line1: 'B', city: 'C', postal_code: '1', country: 'XX' }, role: 'admin' },
      user.bearer,
    )
    expect(bad.status).toBe(400)
    expect(Object.keys(bad.body.error.fields ?? {}).sort()).toEqual(['default_shipping_address.country', 'phone', 'role'])
  })

  it('only ever touches the caller: one customer cannot read or change another', async () => {
    const alice = await registerUser({ name: 'Alice' })
    const bob = await registerUser({ name: 'Bob' })
    await callJson('PUT', '/api/users/profile', { name: 'Mallory' }, bob.bearer)
    const aliceNow = await callJson<{ name: string; email: string }>('GET', '/api/users/profile', undefined, alice.bearer)
    expect(aliceNow.body).toMatchObject({ name: 'Alice', email: alice.email })
    // There is no route that takes another user's id.
    expect((await callJson('GET', `/api/users/${alice.user.id}/profile`, undefined, bob.bearer)).status).toBe(404)
  })
})

describe('PUT /api/users/profile/avatar', () => {
  const upload = (bearer: Record<string, string>, bytes: Uint8Array<ArrayBuffer>, type: string) =>
    SELF.fetch(`${BASE}/api/users/profile/avatar`, { method: 'PUT', headers: { ...bearer, 'Content-Type': type }, body: bytes })

  it('stores a PNG, then a JPEG replaces it and the old object is deleted from R2', async () => {
    const user = await registerUser()
    const first = await upload(user.bearer, PNG, 'image/png')
    expect(first.status).toBe(200)
    const { avatar_url } = (await first.json()) as { avatar_url: string }
    expect(avatar_url).toMatch(/^\/images\/avatars\/\d+\/[0-9a-f]{64}\.png$/)
    expect((await SELF.fetch(`${BASE}${avatar_url}`)).headers.get('Content-Type')).toBe('image/png')
    expect(await upload(user.bearer, JPEG, 'image/jpeg').then((r) => r.status)).toBe(200)
    const keys = await avatarKeys(user.user.id)
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatch(/\.jpg$/)
  })

  it('leaves exactly one object in R2 when two uploads race, the one the profile names', async () => {
    const user = await registerUser()
    // The first upload stops at its R2 write until the second has finished.
    let entered!: () => void
    let release!: () => void
    const atPut = new Promise<void>((resolve) => (entered = resolve))
    const gate = new Promise<void>((resolve) => (release = resolve))
    const gated = {
      put: async (...args: Parameters<R2Bucket['put']>) => {
        entered()
        await gate
        return env.IMAGES.put(...args)
      },
      delete: (keys: string | string[]) => env.IMAGES.delete(keys),
    } as unknown as R2Bucket
    const slow = setAvatar({ ...env, IMAGES: gated }, user.user.id, PNG, 'image/png')
    await atPut
    await setAvatar(env, user.user.id, JPEG, 'image/jpeg')
    release()
    const last = await slow
    expect(await avatarKeys(user.user.id)).toEqual([last.avatar_url?.replace('/images/', '')])
  })

  it('accepts a multipart form with an avatar field', async () => {
    const user = await registerUser()
    const form = new FormData()
    form.set('avatar', new File([PNG], 'me.png', { type: 'image/png' }))
    const answer = await SELF.fetch(`${BASE}/api/users/profile/avatar`, { method: 'PUT', headers: user.bearer, body: form })
    expect(answer.status).toBe(200)
    expect(await avatarKeys(user.user.id)).toHaveLength(1)
  })

  it('refuses a file that claims image/png but is not, and stores nothing', async () => {
    const user = await registerUser()
    const fake = await upload(user.bearer, new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/png')
    expect(fake.status).toBe(415)
    const mislabelled = await upload(user.bearer, JPEG, 'image/png')
    expect(mislabelled.status).toBe(415)
    expect(await avatarKeys(user.user.id)).toEqual([])
  })

  it('refuses 2 MB + 1 byte and stores nothing; exactly 2 MB is fine', async () => {
    const user = await registerUser()
    const big = new Uint8Array(2 * 1024 * 1024 + 1)
    big.set(PNG)
    const tooBig = await upload(user.bearer, big, 'image/png')
    expect(tooBig.status).toBe(413)
    expect(await avatarKeys(user.user.id)).toEqual([])
    expect((await upload(user.bearer, big.subarray(0, 2 * 1024 * 1024), 'image/png')).status).toBe(200)
  })
})

describe('requireRole', () => {
  const guarded = new Hono<AppEnv>()
    .use(requireRole('staff', 'admin'))
    .get('/', (c) => c.text('staff only'))
    .onError((err, c) => {
      const { status, body } = toErrorBody(err)
      return c.json(body, status)
    })

  it('lets staff and admins through, refuses customers with 403 and strangers with 401', async () => {
    const customer = await registerUser()
    const staff = await registerUser()
    await getDb(env).update(users).set({ role: 'staff' }).where(eq(users.id, staff.user.id))
    expect((await guarded.request('/', {}, env)).status).toBe(401)
    expect((await guarded.request('/', { headers: customer.bearer }, env)).status).toBe(403)
    expect((await guarded.request('/', { headers: staff.bearer }, env)).status).toBe(200)
  })
})

describe('account pages', () => {
  it('register signs in with a browser-session cookie (HttpOnly, SameSite=Lax, no Max-Age)', async () => {
    const browser = new Browser()
    const email = uniqueEmail('page')
    const answer = await browser.submit('/account/register', '/account/register', { name: 'Page User', email, password: 'page password 1' })
    expect(answer.status).toBe(303)
    const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('sid='))
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
    expect(cookie).not.toMatch(/Max-Age/i)
    const account = await browser.fetch('/account')
    expect(account.status).toBe(200)
    expect(await account.text()).toContain(email)
  })

  it('"remember me" makes a 30-day cookie', async () => {
    const user = await registerUser()
    const browser = new Browser()
    const answer = await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password, remember: 'on' })
    expect(answer.status).toBe(303)
    expect(answer.headers.getSetCookie().find((c) => c.startsWith('sid='))).toMatch(/Max-Age=2592000/)
  })

  it('refuses a form without its CSRF token (403) or with another one, and changes nothing', async () => {
    const user = await registerUser({ name: 'Unchanged' })
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const missing = await browser.submit('/account', '/account/profile', { name: 'Hacked' }, { csrf: false })
    expect(missing.status).toBe(403)
    const forged = await browser.fetch('/account/profile', { method: 'POST', body: new URLSearchParams({ name: 'Hacked', _csrf: 'A'.repeat(43) }), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } })
    expect(forged.status).toBe(403)
    expect(await forged.text()).toContain('did not come from this site')
    const profile = await callJson<{ name: string }>('GET', '/api/users/profile', undefined, user.bearer)
    expect(profile.body.name).toBe('Unchanged')
  })

  it('shows a readable error on the form for a wrong password, keeping the email', async () => {
    const user = await registerUser()
    const browser = new Browser()
    const answer = await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: 'wrong password' })
    expect(answer.status).toBe(401)
    const html = await answer.text()
    expect(html).toContain('Wrong email or password')
    expect(html).toContain(`value="${user.email}"`)
  })

  it('sends strangers to sign in, and only back to a path on this site', async () => {
    const browser = new Browser()
    const answer = await browser.fetch('/account')
    expect(answer.status).toBe(303)
    expect(answer.headers.get('Location')).toBe('/account/sign-in?next=%2Faccount')
    const user = await registerUser()
    const evil = await browser.fetch('/account/sign-in?next=//evil.example', {
      method: 'POST',
      body: new URLSearchParams({ email: user.email, password: user.password, _csrf: await browser.csrfFrom('/account/sign-in') }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE },
    })
    expect(evil.headers.get('Location')).toBe('/account')
  })

  it('saves the profile form and shows field errors for a bad phone', async () => {
    const user = await registerUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const saved = await browser.submit('/account', '/account/profile', {
      name: 'Form Name',
      phone: '+1 415 555 0123',
      'default_shipping_address.name': 'Form Name',
      'default_shipping_address.line1': '1 Market St',
      'default_shipping_address.city': 'San Francisco',
      'default_shipping_address.region': 'CA',
      'default_shipping_address.postal_code': '94105',
      'default_shipping_address.country': 'US',
    })
    expect(saved.headers.get('Location')).toBe('/account?saved=profile')
    expect((await callJson<{ phone: string }>('GET', '/api/users/profile', undefined, user.bearer)).body.phone).toBe('+14155550123')
    // The address is picked from selects: the country, and the state, chosen as saved.
    const page = await (await browser.fetch('/account')).text()
    expect(page).toMatch(/<select id="[^"]*country"[^>]*name="default_shipping_address\.country"/)
    expect(page).toContain('<option value="US" selected>United States</option>')
    expect(page).toContain('<option value="CA" selected>California</option>')
    const bad = await browser.submit('/account', '/account/profile', { name: 'Form Name', phone: '12' })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('E.164')
  })

  it('sign-out revokes the session on the server: the old cookie no longer works', async () => {
    const user = await registerUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const stolen = browser.cookies.get('sid') as string
    expect((await browser.submit('/account', '/account/sign-out', {})).status).toBe(303)
    const replay = await SELF.fetch(`${BASE}/api/users/profile`, { headers: { Cookie: `sid=${stolen}` } })
    expect(replay.status).toBe(401)
  })

  it('a password change keeps this browser, signs out the others, and revokes API tokens', async () => {
    const user = await registerUser()
    const here = new Browser()
    const elsewhere = new Browser()
    await here.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    await elsewhere.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const changed = await here.submit('/account', '/account/password', { current_password: user.password, new_password: 'a brand new password' })
    expect(changed.headers.get('Location')).toBe('/account?saved=password')
    expect((await here.fetch('/account')).status).toBe(200)
    expect((await elsewhere.fetch('/account')).status).toBe(303)
    expect((await callJson('GET', '/api/users/profile', undefined, user.bearer)).status).toBe(401)
    expect((await callJson('POST', '/api/auth/refresh', { refresh_token: user.refresh_token })).status).toBe(401)
    expect((await signIn(user.email, 'a brand new password')).status).toBe(200)
  })

  it('resets a forgotten password with a single-use link from the mail', async () => {
    const user = await registerUser()
    const browser = new Browser()
    const asked = await browser.submit('/account/password/forgot', '/account/password/forgot', { email: user.email.toUpperCase() })
    expect(asked.status).toBe(200)
    const mail = await lastMailTo(user.email)
    const link = /https?:\/\/\S+\/account\/password\/reset\?token=(\S+)/.exec(mail?.text ?? '')
    expect(link).not.toBeNull()
    const token = link?.[1] as string
    const reset = await browser.submit(`/account/password/reset?token=${token}`, '/account/password/reset', { token, password: 'reset password 123' })
    expect(reset.headers.get('Location')).toBe('/account/sign-in?reset=done')
    expect((await signIn(user.email, 'reset password 123')).status).toBe(200)
    const again = await browser.submit(`/account/password/reset?token=${token}`, '/account/password/reset', { token, password: 'another password 1' })
    expect(again.status).toBe(400)
    expect(await again.text()).toContain('already used')
  })

  it('answers the same for an unknown email and sends nothing', async () => {
    const ghost = uniqueEmail('ghost')
    const browser = new Browser()
    const asked = await browser.submit('/account/password/forgot', '/account/password/forgot', { email: ghost })
    expect(asked.status).toBe(200)
    expect(await asked.text()).toContain('If an account uses that address')
    expect(await outboxOf(ghost)).toEqual([])
  })
})

/** Makes every `op` on `table` fail while `run` runs: a crash in the middle of a multi-step change. */
async function whileFailing<T>(table: string, op: 'INSERT' | 'UPDATE' | 'DELETE', run: () => Promise<T>): Promise<T> {
  await env.DB.prepare(`CREATE TRIGGER injected_failure BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`).run()
  try {
    return await run()
  } finally {
    await env.DB.prepare('DROP TRIGGER injected_failure').run()
  }
}

const userByEmail = (email: string) => getDb(env).query.users.findFirst({ where: eq(users.email, email) })

/** The reset link of the last mail sent to `email`. */
async function askForReset(email: string) {
  const browser = new Browser()
  await browser.submit('/account/password/forgot', '/account/password/forgot', { email })
  const token = /\/account\/password\/reset\?token=(\S+)/.exec((await lastMailTo(email))?.text ?? '')?.[1]
  if (!token) throw new Error('no reset mail')
  return token
}

const useReset = (token: string, password: string) =>
  new Browser().submit(`/account/password/reset?token=${token}`, '/account/password/reset', { token, password })

describe('multi-step account changes stand or fall as one', () => {
  it('a registration whose session cannot be stored leaves no account behind (the page)', async () => {
    const email = uniqueEmail('doomed')
    const answer = await whileFailing('sessions', 'INSERT', () =>
      new Browser().submit('/account/register', '/account/register', { name: 'Doomed', email, password: 'page password 1' }),
    )
    expect(answer.status).toBe(500)
    expect(await userByEmail(email)).toBeUndefined()
    // The email is still free: registering again works.
    expect((await new Browser().submit('/account/register', '/account/register', { name: 'Second try', email, password: 'page password 1' })).status).toBe(303)
  })

  it('a registration whose refresh token cannot be stored leaves no account behind (the API)', async () => {
    const email = uniqueEmail('doomed-api')
    const answer = await whileFailing('refresh_tokens', 'INSERT', () => callJson('POST', '/api/auth/register', { email, password: 'correct horse battery', name: 'X' }))
    expect(answer.status).toBe(500)
    expect(await userByEmail(email)).toBeUndefined()
  })

  it('a sign-in whose refresh token cannot be stored is not recorded as a sign-in', async () => {
    const user = await registerUser()
    const answer = await whileFailing('refresh_tokens', 'INSERT', () => signIn(user.email, user.password))
    expect(answer.status).toBe(500)
    expect((await userByEmail(user.email))?.lastLoginAt).toBeNull()
    expect((await signIn(user.email, user.password)).status).toBe(200)
    expect((await userByEmail(user.email))?.lastLoginAt).toBeTypeOf('number')
  })

  it('a sign-in racing a password change leaves no session made with the old password', async () => {
    const user = await registerUser()
    // The sign-in stops just before its write (its second batch: the first counts the attempt) until the change is stored.
    let entered!: () => void
    let release!: () => void
    const atWrite = new Promise<void>((resolve) => (entered = resolve))
    const gate = new Promise<void>((resolve) => (release = resolve))
    let batches = 0
    const gatedDb = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'batch') {
          return async (statements: D1PreparedStatement[]) => {
            if (++batches === 2) {
              entered()
              await gate
            }
            return target.batch(statements)
          }
        }
        const value = Reflect.get(target, prop)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const session = await newSession(true)
    const signingIn = authenticate({ ...env, DB: gatedDb }, user.email, user.password, new Headers({ 'CF-Connecting-IP': freshAddress() }), { session }).then(
      () => 'signed in',
      (err: Error) => err.message,
    )
    await atWrite
    await changePassword(env, user.user.id, user.password, 'a brand new password')
    release()
    expect(await signingIn).toBe('Wrong email or password')
    const live = await getDb(env).query.sessions.findMany({ where: and(eq(sessions.userId, user.user.id), gt(sessions.expiresAt, Date.now())) })
    expect(live).toEqual([])
  })

  it('a registration stores the profile row with the account', async () => {
    const user = await registerUser()
    expect(await getDb(env).query.userProfiles.findFirst({ where: eq(userProfiles.userId, user.user.id) })).toBeDefined()
  })

  it('two concurrent registrations of one email: one account, one 201 and one 409', async () => {
    const email = uniqueEmail('twice')
    const answers = await Promise.all([1, 2].map((i) => callJson('POST', '/api/auth/register', { email, password: 'correct horse battery', name: `N${i}` })))
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409])
  })

  it('a password change that cannot revoke the refresh tokens changes nothing: old password, sessions and tokens still work', async () => {
    const user = await registerUser()
    const here = new Browser()
    const elsewhere = new Browser()
    await here.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    await elsewhere.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const changed = await whileFailing('refresh_tokens', 'UPDATE', () =>
      here.submit('/account', '/account/password', { current_password: user.password, new_password: 'a brand new password' }),
    )
    expect(changed.status).toBe(500)
    expect((await signIn(user.email, user.password)).status).toBe(200)
    expect((await elsewhere.fetch('/account')).status).toBe(200)
    expect((await callJson('GET', '/api/users/profile', undefined, user.bearer)).status).toBe(200)
  })

  it('a password change ends the reset links mailed before it', async () => {
    const user = await registerUser()
    const link = await askForReset(user.email)
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    await browser.submit('/account', '/account/password', { current_password: user.password, new_password: 'a brand new password' })
    expect((await useReset(link, 'a stolen link password')).status).toBe(400)
    expect((await signIn(user.email, 'a brand new password')).status).toBe(200)
  })

  it('a reset ends every other reset link, every session and every refresh token of the user', async () => {
    const user = await registerUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const first = await askForReset(user.email)
    const second = await askForReset(user.email)
    expect((await useReset(second, 'reset password 123')).status).toBe(303)
    expect((await useReset(first, 'reset password 456')).status).toBe(400)
    expect((await browser.fetch('/account')).status).toBe(303)
    expect((await callJson('POST', '/api/auth/refresh', { refresh_token: user.refresh_token })).status).toBe(401)
    expect((await callJson('GET', '/api/users/profile', undefined, user.bearer)).status).toBe(401)
    expect((await signIn(user.email, 'reset password 123')).status).toBe(200)
  })

  it('a reset that cannot revoke the refresh tokens changes nothing, and the link still works afterwards', async () => {
    const user = await registerUser()
    const link = await askForReset(user.email)
    expect((await whileFailing('refresh_tokens', 'UPDATE', () => useReset(link, 'reset password 123'))).status).toBe(500)
    expect((await signIn(user.email, user.password)).status).toBe(200)
    expect((await useReset(link, 'reset password 123')).status).toBe(303)
  })

  it('two concurrent uses of one reset link: exactly one sets its password', async () => {
    for (let round = 0; round < 3; round++) {
      const user = await registerUser()
      const link = await askForReset(user.email)
      const answers = await Promise.all(['first password 1', 'second password 2'].map((password) => useReset(link, password)))
      expect(answers.map((a) => a.status).sort()).toEqual([303, 400])
      const won = answers[0]?.status === 303 ? 'first password 1' : 'second password 2'
      const lost = won === 'first password 1' ? 'second password 2' : 'first password 1'
      expect((await signIn(user.email, won)).status).toBe(200)
      expect((await signIn(user.email, lost)).status).toBe(401)
    }
  })
})

describe('refresh-token rotation racing its own reuse', () => {
  const refresh = (token: string) => callJson<{ refresh_token: string }>('POST', '/api/auth/refresh', { refresh_token: token })

  const profileWith = (accessToken: string) => callJson('GET', '/api/users/profile', undefined, { Authorization: `Bearer ${accessToken}` })

  it('reuse also ends the access tokens of the family: the first one and the successor\'s', async () => {
    const user = await registerUser()
    const rotated = await callJson<{ access_token: string }>('POST', '/api/auth/refresh', { refresh_token: user.refresh_token })
    expect((await profileWith(rotated.body.access_token)).status).toBe(200)
    expect((await refresh(user.refresh_token)).status).toBe(401)
    expect((await profileWith(rotated.body.access_token)).status).toBe(401)
    expect((await profileWith(user.access_token)).status).toBe(401)
  })

  it('logout ends the access tokens of that sign-in and of no other', async () => {
    const user = await registerUser()
    const other = await signIn(user.email, user.password)
    expect((await callJson('POST', '/api/auth/logout', { refresh_token: user.refresh_token })).status).toBe(204)
    expect((await profileWith(user.access_token)).status).toBe(401)
    expect((await profileWith(other.body.access_token)).status).toBe(200)
  })

  it('two concurrent refreshes with one token leave no live successor: at most one is minted, and the family dies', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await registerUser()
      const answers = await Promise.all([1, 2, 3].map(() => refresh(user.refresh_token)))
      const winners = answers.filter((a) => a.status === 200)
      expect(winners.length).toBeLessThanOrEqual(1)
      expect(answers.filter((a) => a.status === 401).length).toBeGreaterThanOrEqual(2)
      for (const winner of winners) expect((await refresh(winner.body.refresh_token)).status).toBe(401)
      const live = await getDb(env).query.refreshTokens.findMany({ where: and(eq(refreshTokens.userId, user.user.id), isNull(refreshTokens.revokedAt)) })
      expect(live).toEqual([])
    }
  })
})

describe('browsers on the API: cookie-authenticated writes need the CSRF token', () => {
  async function signedInBrowser() {
    const user = await registerUser({ name: 'Before' })
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    return { user, browser }
  }
  const csrfOf = async (browser: Browser) => ((await (await browser.fetch('/api/auth/csrf')).json()) as { csrf_token: string }).csrf_token
  const json = (body: unknown, headers: Record<string, string> = {}) => ({ body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } })

  it('refuses a profile update by session cookie without X-CSRF-Token (403 in the error shape) and changes nothing', async () => {
    const { user, browser } = await signedInBrowser()
    const refused = await browser.fetch('/api/users/profile', { method: 'PUT', ...json({ name: 'Forged' }) })
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as ErrorBody).error.code).toBe('csrf_failed')
    const forged = await browser.fetch('/api/users/profile', { method: 'PUT', ...json({ name: 'Forged' }, { 'X-CSRF-Token': 'A'.repeat(43) }) })
    expect(forged.status).toBe(403)
    expect((await callJson<{ name: string }>('GET', '/api/users/profile', undefined, user.bearer)).body.name).toBe('Before')
  })

  it('accepts it with the token of GET /api/auth/csrf from this origin', async () => {
    const { browser } = await signedInBrowser()
    const token = await csrfOf(browser)
    const saved = await browser.fetch('/api/users/profile', { method: 'PUT', ...json({ name: 'After' }, { 'X-CSRF-Token': token, Origin: BASE }) })
    expect(saved.status).toBe(200)
    expect(((await saved.json()) as { name: string }).name).toBe('After')
  })

  it('refuses a foreign Origin even with the right token', async () => {
    const { browser } = await signedInBrowser()
    const token = await csrfOf(browser)
    const foreign = await browser.fetch('/api/users/profile', { method: 'PUT', ...json({ name: 'Evil' }, { 'X-CSRF-Token': token, Origin: 'https://evil.example' }) })
    expect(foreign.status).toBe(403)
    expect(((await foreign.json()) as ErrorBody).error.code).toBe('csrf_failed')
  })

  it('covers bodyless writes too: checkout, avatar removal, logout', async () => {
    const { browser } = await signedInBrowser()
    for (const [method, path] of [
      ['POST', `/api/orders/${crypto.randomUUID()}/checkout`],
      ['DELETE', '/api/users/profile/avatar'],
      ['POST', '/api/auth/logout'],
    ] as const) {
      const answer = await browser.fetch(path, { method })
      expect(answer.status, `${method} ${path}`).toBe(403)
      expect(((await answer.json()) as ErrorBody).error.code, `${method} ${path}`).toBe('csrf_failed')
    }
  })

  it('leaves bearer requests alone: no token needed', async () => {
    const user = await registerUser()
    expect((await callJson('PUT', '/api/users/profile', { name: 'Bearer' }, user.bearer)).status).toBe(200)
    expect((await callJson('DELETE', '/api/users/profile/avatar', undefined, user.bearer)).status).toBe(200)
  })

  it('protects the guest cart cookie the same way, and refuses anonymous writes from a foreign Origin', async () => {
    const product = await insertProduct({ stockQuantity: 10 })
    const first = await callJson('POST', '/api/cart/items', { product_id: product.id, quantity: 1 })
    expect(first.status).toBe(200)
    const cart = first.headers.getSetCookie().find((c) => c.startsWith('cart='))?.split(';')[0] as string
    const withoutToken = await callJson<ErrorBody>('POST', '/api/cart/items', { product_id: product.id, quantity: 1 }, { Cookie: cart })
    expect(withoutToken.status).toBe(403)
    expect(withoutToken.body.error.code).toBe('csrf_failed')
    const emptied = await callJson<ErrorBody>('DELETE', `/api/cart/items/${await defaultVariant(product.id)}`, undefined, { Cookie: cart })
    expect(emptied.status).toBe(403)
    const foreign = await callJson<ErrorBody>('POST', '/api/cart/items', { product_id: product.id, quantity: 1 }, { Origin: 'https://evil.example' })
    expect(foreign.status).toBe(403)
    const withToken = await callJson<{ items: { quantity: number }[] }>('POST', '/api/cart/items', { product_id: product.id, quantity: 1 }, { Cookie: `${cart}; csrf=${'c'.repeat(43)}`, 'X-CSRF-Token': 'c'.repeat(43) })
    expect(withToken.status).toBe(200)
    expect(withToken.body.items[0]?.quantity).toBe(2)
  })

  it('keeps the page forms working: they post to the pages, not to /api', async () => {
    const { browser } = await signedInBrowser()
    const saved = await browser.submit('/account', '/account/profile', { name: 'Form' })
    expect(saved.status).toBe(303)
  })
})
