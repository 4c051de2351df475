/** Accounts: registration, sign-in, profiles, avatars and passwords, shared by the API and the pages. */
import { and, eq, gt, isNotNull, isNull, sql, type SQL } from 'drizzle-orm'
import { getDb, preparedOnce, type Db } from '../db/client'
import { addresses, passwordResets, sessions, userProfiles, users, type User } from '../db/schema'
import { defaultAddressStatements } from './addresses'
import { guestRowOf, releaseGuestEmail } from './guests'
import type { BatchItem } from 'drizzle-orm/batch'
import type { AccessClaims, CurrentUser } from '../platform/env'
import { randomToken, sha256Hex } from '../platform/encoding'
import { ApiError, conflict, unauthorized } from '../platform/errors'
import { sniffAvatar } from './avatar'
import { enqueueOutbox, outboxInsert } from '../notifications/outbox'
import { assertMailConfigured } from '../notifications/provider'
import { hashPassword, needsRehash, verifyAgainstDecoy, verifyPassword } from './passwords'
import { clientAddress, hit } from './rate-limit'
import type { ProfileView } from './responses'
import type { RegisterBody, UpdateProfileBody } from './schemas'
import { deleteSessionsOf, insertSession, sessionIsLive, type NewSession } from './sessions'
import { familyIsLive, insertRefreshToken, revokeRefreshTokensOf, type NewRefreshToken } from './tokens'

const SIGN_IN_LIMITS = { perEmail: 5, perAddress: 20, windowMs: 60_000 }
const RESET_TOKEN_TTL_MS = 60 * 60 * 1000

const current = ({ id, email, name, role, tokenVersion }: User): CurrentUser => ({ id, email, name, role, tokenVersion })

export async function findUser(env: Env, id: number): Promise<CurrentUser | null> {
  const user = await getDb(env).query.users.findFirst({ where: eq(users.id, id) })
  return user ? current(user) : null
}

/** The user of a live browser session: one query (session joined with its user), since every page asks it. */
export async function findSessionUser(env: Env, sessionId: string): Promise<CurrentUser | null> {
  const row = await sessionUserQuery(getDb(env)).get({ session: sessionId, now: Date.now() })
  return row ? current(row.user) : null
}

const sessionUserQuery = preparedOnce((db) =>
  db
    .select({ user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sql.placeholder('session')), sessionIsLive(sql.placeholder('now'))))
    .prepare(),
)

/**
 * The user an access token names, if its refresh family (when it names one) is still live: one query,
 * since every bearer request asks it.
 */
export async function findTokenUser(env: Env, id: number, familyId: string | null): Promise<CurrentUser | null> {
  const db = getDb(env)
  const row = familyId === null ? await tokenUserQuery(db).get({ id }) : await familyTokenUserQuery(db).get({ id, family: familyId })
  return row && row.live ? current(row.user) : null
}

/**
 * The user of a valid access token's claims, or a 401 `Access token revoked`: a password change bumps the
 * version, and a revoked refresh family (reuse, sign-out) takes its access tokens along, so tokens issued
 * before either stop working at once. Every path that checks a token against D1 asks this.
 */
export async function tokenUserOrRevoked(env: Env, claims: AccessClaims): Promise<CurrentUser> {
  const user = await findTokenUser(env, claims.userId, claims.familyId)
  if (!user || user.tokenVersion !== claims.tokenVersion) throw unauthorized('Access token revoked')
  return user
}

const tokenUserQuery = preparedOnce((db) =>
  db
    .select({ user: users, live: sql<number>`1` })
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare(),
)

const familyTokenUserQuery = preparedOnce((db) =>
  db
    .select({ user: users, live: familyIsLive(sql.placeholder('family')) })
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare(),
)

/** What a registration or sign-in starts, stored in the same batch as the account's change: a browser session or an API refresh token. */
export type SignIn = { session: NewSession } | { refreshToken: NewRefreshToken }

/** The row of `signIn`, for the caller's batch; born dead unless `validIf` holds when it is written. */
const signInRows = (db: Db, signIn: SignIn | undefined, userId: number | SQL, validIf?: SQL) =>
  !signIn ? [] : 'session' in signIn ? [insertSession(db, signIn.session, userId, validIf)] : [insertRefreshToken(db, signIn.refreshToken, userId, validIf)]

/**
 * A new customer account with its profile row and its first sign-in (a session or a refresh token), in
 * one D1 batch: all of it or nothing. 409 if the email is taken, whatever its case.
 */
export async function register(env: Env, body: RegisterBody, signIn?: SignIn): Promise<CurrentUser> {
  const db = getDb(env)
  const passwordHash = await hashPassword(body.password)
  // The rows below belong to the user this batch inserts: the batch stops at the insert if the email is taken.
  const newUserId = sql`(select ${users.id} from ${users} where ${users.email} = ${body.email})`
  const welcome = outboxInsert(db, { type: 'account.registered', payload: { name: body.name, email: body.email }, recipient: body.email })
  // A guest bought with this email: its row gives the email up, its orders wait for the mailed link (./guests.ts).
  const guest = await guestRowOf(db, body.email)
  const released = guest ? releaseGuestEmail(db, guest.id, body.email, body.name) : null
  try {
    const [...answers] = await db.batch([
      ...(released?.statements ?? []),
      db.insert(users).values({ email: body.email, name: body.name, passwordHash }).returning(),
      db.insert(userProfiles).values({ userId: newUserId }),
      ...signInRows(db, signIn, newUserId),
      welcome.statement,
      ...(released ? [released.mail.statement] : []),
    ] as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
    const [user] = answers[released?.statements.length ?? 0] as User[]
    if (!user) throw new Error('user insert returned no row')
    await enqueueOutbox(env, [welcome.id, ...(released ? [released.mail.id] : [])])
    return current(user)
  } catch (err) {
    // Nothing of the batch is stored; a failure with the email now taken was its unique index.
    const taken = await db.query.users.findFirst({ where: eq(users.email, body.email), columns: { id: true } })
    if (taken) throw conflict('An account with this email already exists', { email: ['is already registered'] })
    throw err
  }
}

const WRONG_CREDENTIALS = 'Wrong email or password'

/**
 * The account for these credentials, and `signIn` stored with its last sign-in time in one batch.
 * Both are conditional on the password hash that was checked: a password change or reset that lands
 * between the check and the write wins, and this sign-in is a 401 whose row is born dead, so no session
 * or refresh token made with the old password outlives the change. Attempts are rate limited per email
 * and per client address; an unknown email and a wrong password answer the same and take as long (a
 * decoy hash is checked).
 */
export async function authenticate(env: Env, email: string, password: string, headers: Headers, signIn?: SignIn): Promise<CurrentUser> {
  const { perEmail, perAddress, windowMs } = SIGN_IN_LIMITS
  await hit(env, [
    { key: `sign-in:email:${email}`, max: perEmail, windowMs },
    { key: `sign-in:address:${clientAddress(headers)}`, max: perAddress, windowMs },
  ])
  const db = getDb(env)
  const user = await db.query.users.findFirst({ where: eq(users.email, email) })
  // A guest row has no password: it answers like an unknown email, in the same time.
  if (!user || user.isGuest) throw unauthorized(await verifyAgainstDecoy(password).then(() => WRONG_CREDENTIALS))
  if (!(await verifyPassword(password, user.passwordHash))) throw unauthorized(WRONG_CREDENTIALS)
  const passwordHash = needsRehash(user.passwordHash) ? await hashPassword(password) : user.passwordHash
  const [recorded] = await db.batch([
    db
      .update(users)
      .set({ lastLoginAt: Date.now(), passwordHash })
      .where(and(eq(users.id, user.id), eq(users.passwordHash, user.passwordHash)))
      .returning({ id: users.id }),
    // After the update the hash is `passwordHash` only if the update landed (a change's hash has a fresh salt).
    ...signInRows(db, signIn, user.id, sql`exists (select 1 from ${users} where ${users.id} = ${user.id} and ${users.passwordHash} = ${passwordHash})`),
  ])
  if (recorded.length === 0) throw unauthorized(WRONG_CREDENTIALS)
  return current(user)
}

export type { ProfileView }

export async function profileOf(env: Env, userId: number): Promise<ProfileView> {
  const user = await getDb(env).query.users.findFirst({ where: eq(users.id, userId), with: { profile: true, addresses: { where: eq(addresses.isDefault, true), limit: 1 } } })
  if (!user) throw unauthorized()
  const address = user.addresses[0]
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    created_at: new Date(user.createdAt).toISOString(),
    last_login_at: user.lastLoginAt ? new Date(user.lastLoginAt).toISOString() : null,
    phone: user.profile?.phone ?? null,
    avatar_url: user.profile?.avatarKey ? `/images/${user.profile.avatarKey}` : null,
    // The address book's default (src/accounts/addresses.ts), in the profile's shape.
    default_shipping_address: address
      ? { name: address.name, line1: address.line1, line2: address.line2, city: address.city, region: address.region, postal_code: address.postalCode, country: address.country }
      : null,
  }
}

/** Applies the fields present in `body` (a partial update); absent fields stay as they are. */
export async function updateProfile(env: Env, userId: number, body: UpdateProfileBody): Promise<ProfileView> {
  const db = getDb(env)
  const profile = { ...(body.phone !== undefined && { phone: body.phone }) }
  await db.batch([
    db.insert(userProfiles).values({ userId, ...profile }).onConflictDoUpdate({ target: userProfiles.userId, set: { ...profile, updatedAt: Date.now() } }),
    db.update(users).set(body.name !== undefined ? { name: body.name } : { id: userId }).where(eq(users.id, userId)),
    // The default shipping address is the address book's default.
    ...(body.default_shipping_address !== undefined ? defaultAddressStatements(db, userId, body.default_shipping_address) : []),
  ])
  return profileOf(env, userId)
}

/**
 * Stores a new avatar under a content-addressed key, points the profile at it, then deletes the object
 * it replaced: a failure before the D1 write leaves the old avatar in place, never a dangling key. The
 * replaced key is read in the batch that writes the new one, so of two concurrent uploads each deletes
 * exactly what it replaced and no object is left behind.
 */
export async function setAvatar(env: Env, userId: number, bytes: Uint8Array<ArrayBuffer>, declaredType?: string | null): Promise<ProfileView> {
  const kind = sniffAvatar(bytes, declaredType)
  const key = `avatars/${userId}/${await sha256Hex(bytes)}.${kind.ext}`
  const db = getDb(env)
  await env.IMAGES.put(key, bytes, { httpMetadata: { contentType: kind.type } })
  const [[before]] = await db.batch([
    avatarKeyOf(db, userId),
    db.insert(userProfiles).values({ userId, avatarKey: key }).onConflictDoUpdate({ target: userProfiles.userId, set: { avatarKey: key, updatedAt: Date.now() } }),
  ])
  if (before?.avatarKey && before.avatarKey !== key) await env.IMAGES.delete(before.avatarKey)
  return profileOf(env, userId)
}

const avatarKeyOf = (db: Db, userId: number) => db.select({ avatarKey: userProfiles.avatarKey }).from(userProfiles).where(eq(userProfiles.userId, userId))

export async function removeAvatar(env: Env, userId: number): Promise<ProfileView> {
  const db = getDb(env)
  const [[before]] = await db.batch([
    avatarKeyOf(db, userId),
    db.update(userProfiles).set({ avatarKey: null, updatedAt: Date.now() }).where(and(eq(userProfiles.userId, userId), isNotNull(userProfiles.avatarKey))),
  ])
  if (before?.avatarKey) await env.IMAGES.delete(before.avatarKey)
  return profileOf(env, userId)
}

/**
 * The statements that go with a new password, in its batch: every session but `keepSessionId` ends,
 * every refresh token and every unused reset link of the user is revoked. Each runs only `when` the
 * password write of the batch landed (its hash has a fresh salt, so it names this change and no other).
 * The token version bump in that write makes outstanding access tokens fail at once.
 */
function credentialsEnd(db: Db, userId: number, passwordHash: string, keepSessionId?: string) {
  const when = sql`exists (select 1 from ${users} where ${users.id} = ${userId} and ${users.passwordHash} = ${passwordHash})`
  return [
    deleteSessionsOf(db, userId, { keepSessionId, when }),
    revokeRefreshTokensOf(db, userId, when),
    db
      .update(passwordResets)
      .set({ usedAt: Date.now() })
      .where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt), when)),
  ] as const
}

const setPassword = (db: Db, passwordHash: string) => db.update(users).set({ passwordHash, tokenVersion: sql`${users.tokenVersion} + 1` })

/**
 * Changes the password of a signed-in user who knows the current one. This browser's session stays
 * (`keepSessionId`: the user just proved the password); every other session, refresh token, access
 * token and reset link ends in the same batch. The write is conditional on the hash that was checked,
 * so a concurrent change is not silently overwritten.
 */
export async function changePassword(env: Env, userId: number, currentPassword: string, newPassword: string, keepSessionId?: string) {
  const db = getDb(env)
  const user = await db.query.users.findFirst({ where: eq(users.id, userId) })
  if (!user || !(await verifyPassword(currentPassword, user.passwordHash))) {
    throw new ApiError(400, 'validation_failed', 'The current password is wrong', { current_password: ['is wrong'] })
  }
  const passwordHash = await hashPassword(newPassword)
  const [changed] = await db.batch([
    setPassword(db, passwordHash)
      .where(and(eq(users.id, userId), eq(users.passwordHash, user.passwordHash)))
      .returning({ id: users.id }),
    ...credentialsEnd(db, userId, passwordHash, keepSessionId),
  ])
  if (changed.length === 0) throw conflict('The password was changed meanwhile. Sign in again and retry.')
}

/**
 * Mails a single-use reset link valid for an hour, if the account exists; the caller answers the same
 * either way (a store without mail answers 503 either way). Requests are rate limited like sign-ins.
 */
export async function requestPasswordReset(env: Env, email: string, origin: string, headers: Headers) {
  // First: a store that cannot send mail says so to everyone alike, before a token is stored.
  assertMailConfigured(env)
  await hit(env, [
    { key: `reset:email:${email}`, max: 3, windowMs: 15 * 60_000 },
    { key: `reset:address:${clientAddress(headers)}`, max: 20, windowMs: 15 * 60_000 },
  ])
  const user = await getDb(env).query.users.findFirst({ where: eq(users.email, email) })
  // A guest has no password to reset: registering with the email is how it gets one (./guests.ts).
  if (!user || user.isGuest) return
  const token = randomToken()
  const db = getDb(env)
  const link = `${origin}/account/password/reset?token=${token}`
  // The link and its mail in one batch: no link without its mail. The row drops the link once it is sent.
  const mail = outboxInsert(db, { type: 'account.password_reset', payload: { user_id: user.id, name: user.name, link }, recipient: user.email })
  await db.batch([db.insert(passwordResets).values({ id: await sha256Hex(token), userId: user.id, expiresAt: Date.now() + RESET_TOKEN_TTL_MS }), mail.statement])
  await enqueueOutbox(env, [mail.id])
}

const INVALID_RESET = () => new ApiError(400, 'invalid_token', 'This reset link is invalid, expired or already used. Ask for a new one.')

/**
 * Uses a reset token once, in one D1 batch: the password is set only if the token is still unused and
 * unexpired at that moment, and the same batch spends every reset link of the user and ends all their
 * sessions and refresh tokens. Of two concurrent uses of one link exactly one succeeds.
 */
export async function resetPassword(env: Env, token: string, password: string): Promise<void> {
  const db = getDb(env)
  const id = await sha256Hex(token)
  const reset = await db.query.passwordResets.findFirst({ where: eq(passwordResets.id, id), columns: { userId: true } })
  if (!reset) throw INVALID_RESET()
  const unused = and(eq(passwordResets.id, id), eq(passwordResets.userId, reset.userId), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, Date.now()))
  const passwordHash = await hashPassword(password)
  const [changed] = await db.batch([
    setPassword(db, passwordHash)
      .where(and(eq(users.id, reset.userId), sql`exists (select 1 from ${passwordResets} where ${unused})`))
      .returning({ id: users.id }),
    ...credentialsEnd(db, reset.userId, passwordHash),
  ])
  if (changed.length === 0) throw INVALID_RESET()
}
