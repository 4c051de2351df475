/** Accounts: registration, sign-in, profiles, avatars and passwords, shared by the API and the pages. */
import { and, eq, gt, isNull, sql } from 'drizzle-orm'
import { getDb } from '../db/client'
import { passwordResets, userProfiles, users, type User } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import { randomToken, sha256Hex } from '../platform/encoding'
import { ApiError, conflict, unauthorized } from '../platform/errors'
import { sniffImage } from './avatar'
import { getMailer } from './mail'
import { hashPassword, needsRehash, verifyAgainstDecoy, verifyPassword } from './passwords'
import { clientAddress, hit } from './rate-limit'
import type { ProfileView } from './responses'
import type { RegisterBody, UpdateProfileBody } from './schemas'
import { endOtherSessions } from './sessions'
import { revokeAllRefreshTokens } from './tokens'

export const SIGN_IN_LIMITS = { perEmail: 5, perAddress: 20, windowMs: 60_000 }
export const RESET_TOKEN_TTL_MS = 60 * 60 * 1000

const current = ({ id, email, name, role, tokenVersion }: User): CurrentUser => ({ id, email, name, role, tokenVersion })

export async function findUser(env: Env, id: number): Promise<CurrentUser | null> {
  const user = await getDb(env).query.users.findFirst({ where: eq(users.id, id) })
  return user ? current(user) : null
}

/** A new customer account (409 if the email is taken, whatever its case). */
export async function register(env: Env, body: RegisterBody): Promise<CurrentUser> {
  const db = getDb(env)
  const passwordHash = await hashPassword(body.password)
  const [user] = await db
    .insert(users)
    .values({ email: body.email, name: body.name, passwordHash })
    .onConflictDoNothing({ target: users.email })
    .returning()
  if (!user) throw conflict('An account with this email already exists', { email: ['is already registered'] })
  await db.insert(userProfiles).values({ userId: user.id })
  return current(user)
}

const WRONG_CREDENTIALS = 'Wrong email or password'

/**
 * The account for these credentials. Attempts are rate limited per email and per client address; an
 * unknown email and a wrong password answer the same and take as long (a decoy hash is checked).
 */
export async function authenticate(env: Env, email: string, password: string, headers: Headers): Promise<CurrentUser> {
  const { perEmail, perAddress, windowMs } = SIGN_IN_LIMITS
  await hit(env, [
    { key: `sign-in:email:${email}`, max: perEmail, windowMs },
    { key: `sign-in:address:${clientAddress(headers)}`, max: perAddress, windowMs },
  ])
  const db = getDb(env)
  const user = await db.query.users.findFirst({ where: eq(users.email, email) })
  if (!user) throw unauthorized(await verifyAgainstDecoy(password).then(() => WRONG_CREDENTIALS))
  if (!(await verifyPassword(password, user.passwordHash))) throw unauthorized(WRONG_CREDENTIALS)
  const rehash = needsRehash(user.passwordHash) ? { passwordHash: await hashPassword(password) } : {}
  await db.update(users).set({ lastLoginAt: Date.now(), ...rehash }).where(eq(users.id, user.id))
  return current(user)
}

export type { ProfileView }

export async function profileOf(env: Env, userId: number): Promise<ProfileView> {
  const user = await getDb(env).query.users.findFirst({ where: eq(users.id, userId), with: { profile: true } })
  if (!user) throw unauthorized()
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    created_at: new Date(user.createdAt).toISOString(),
    last_login_at: user.lastLoginAt ? new Date(user.lastLoginAt).toISOString() : null,
    phone: user.profile?.phone ?? null,
    avatar_url: user.profile?.avatarKey ? `/images/${user.profile.avatarKey}` : null,
    default_shipping_address: user.profile?.defaultShippingAddress ?? null,
  }
}

/** Applies the fields present in `body` (a partial update); absent fields stay as they are. */
export async function updateProfile(env: Env, userId: number, body: UpdateProfileBody): Promise<ProfileView> {
  const db = getDb(env)
  const profile = {
    ...(body.phone !== undefined && { phone: body.phone }),
    ...(body.default_shipping_address !== undefined && { defaultShippingAddress: body.default_shipping_address }),
  }
  await db.batch([
    db.insert(userProfiles).values({ userId, ...profile }).onConflictDoUpdate({ target: userProfiles.userId, set: { ...profile, updatedAt: Date.now() } }),
    db.update(users).set(body.name !== undefined ? { name: body.name } : { id: userId }).where(eq(users.id, userId)),
  ])
  return profileOf(env, userId)
}

/**
 * Stores a new avatar under a content-addressed key, points the profile at it, then deletes the old
 * object: a failure before the D1 write leaves the old avatar in place, never a dangling key.
 */
export async function setAvatar(env: Env, userId: number, bytes: Uint8Array<ArrayBuffer>, declaredType?: string | null): Promise<ProfileView> {
  const kind = sniffImage(bytes, declaredType)
  const key = `avatars/${userId}/${await sha256Hex(bytes)}.${kind.ext}`
  const db = getDb(env)
  const before = await db.query.userProfiles.findFirst({ where: eq(userProfiles.userId, userId) })
  await env.IMAGES.put(key, bytes, { httpMetadata: { contentType: kind.type } })
  await db.insert(userProfiles).values({ userId, avatarKey: key }).onConflictDoUpdate({ target: userProfiles.userId, set: { avatarKey: key, updatedAt: Date.now() } })
  if (before?.avatarKey && before.avatarKey !== key) await env.IMAGES.delete(before.avatarKey)
  return profileOf(env, userId)
}

export async function removeAvatar(env: Env, userId: number): Promise<ProfileView> {
  const db = getDb(env)
  const before = await db.query.userProfiles.findFirst({ where: eq(userProfiles.userId, userId) })
  if (before?.avatarKey) {
    await db.update(userProfiles).set({ avatarKey: null, updatedAt: Date.now() }).where(eq(userProfiles.userId, userId))
    await env.IMAGES.delete(before.avatarKey)
  }
  return profileOf(env, userId)
}

/** Sets a new password and revokes every other session and every refresh token and access token. */
async function replacePassword(env: Env, userId: number, password: string, keepSessionId?: string) {
  await getDb(env)
    .update(users)
    .set({ passwordHash: await hashPassword(password), tokenVersion: sql`${users.tokenVersion} + 1` })
    .where(eq(users.id, userId))
  await endOtherSessions(env, userId, keepSessionId)
  await revokeAllRefreshTokens(env, userId)
}

export async function changePassword(env: Env, userId: number, currentPassword: string, newPassword: string, keepSessionId?: string) {
  const user = await getDb(env).query.users.findFirst({ where: eq(users.id, userId) })
  if (!user || !(await verifyPassword(currentPassword, user.passwordHash))) {
    throw new ApiError(400, 'validation_failed', 'The current password is wrong', { current_password: ['is wrong'] })
  }
  await replacePassword(env, userId, newPassword, keepSessionId)
}

/**
 * Mails a single-use reset link valid for an hour, if the account exists; the caller answers the same
 * either way (a store without mail answers 503 either way). Requests are rate limited like sign-ins.
 */
export async function requestPasswordReset(env: Env, email: string, origin: string, headers: Headers) {
  // First: a store that cannot send mail says so to everyone alike, before a token is stored.
  const mailer = getMailer(env)
  await hit(env, [
    { key: `reset:email:${email}`, max: 3, windowMs: 15 * 60_000 },
    { key: `reset:address:${clientAddress(headers)}`, max: 20, windowMs: 15 * 60_000 },
  ])
  const user = await getDb(env).query.users.findFirst({ where: eq(users.email, email) })
  if (!user) return
  const token = randomToken()
  await getDb(env).insert(passwordResets).values({ id: await sha256Hex(token), userId: user.id, expiresAt: Date.now() + RESET_TOKEN_TTL_MS })
  const link = `${origin}/account/password/reset?token=${token}`
  await mailer.send({
    to: user.email,
    subject: 'Reset your Cato-Store password',
    text: `Someone asked to reset the password of your Cato-Store account.\n\nTo choose a new one, open this link within an hour:\n${link}\n\nIf it was not you, ignore this message: your password stays as it is.`,
  })
}

/** Uses a reset token once: the conditional update lets exactly one request spend it. */
export async function resetPassword(env: Env, token: string, password: string): Promise<void> {
  const spent = await getDb(env)
    .update(passwordResets)
    .set({ usedAt: Date.now() })
    .where(and(eq(passwordResets.id, await sha256Hex(token)), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, Date.now())))
    .returning({ userId: passwordResets.userId })
  const userId = spent[0]?.userId
  if (userId === undefined) throw new ApiError(400, 'invalid_token', 'This reset link is invalid, expired or already used. Ask for a new one.')
  await replacePassword(env, userId, password)
}
