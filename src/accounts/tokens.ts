/**
 * API credentials: a short-lived access JWT (HS256, signed with jose) and an opaque refresh token that
 * rotates on every use. Refresh tokens are stored by their SHA-256 in families: presenting one that was
 * already used means it was stolen or replayed, and the whole family is revoked.
 */
import { and, eq, isNull, sql, type Placeholder, type SQL } from 'drizzle-orm'
import { errors, jwtVerify, SignJWT } from 'jose'
import { getDb, type Db } from '../db/client'
import { refreshTokens, users, type User } from '../db/schema'
import type { AccessClaims } from '../platform/env'
import { randomToken, sha256Hex } from '../platform/encoding'
import { unauthorized } from '../platform/errors'
import { authSecret } from './secrets'

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60
const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000
const ISSUER = 'cato-store'
const AUDIENCE = 'cato-store-api'

export type { AccessClaims } from '../platform/env'

/** A bearer token's claims that carry its email, not yet checked against D1: a batch of the request checks them (`signInHoldsSql`). */
export type SignIn = AccessClaims & { email: string }

/** An access token for `user`, valid for ACCESS_TOKEN_TTL_SECONDS, tied to the refresh-token family it came with. */
export const signAccessToken = (env: Env, user: Pick<User, 'id' | 'role' | 'tokenVersion' | 'email'>, familyId: string) =>
  new SignJWT({ role: user.role, ver: user.tokenVersion, fam: familyId, em: user.email })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(user.id))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(authSecret(env))

/**
 * The claims of a valid access token; anything else (`alg: none`, another key, expired, another
 * audience or issuer, a malformed token) is a 401.
 */
export async function verifyAccessToken(env: Env, token: string): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, authSecret(env), { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['sub', 'exp'] })
    const userId = Number(payload.sub)
    if (!Number.isSafeInteger(userId) || typeof payload.ver !== 'number') throw unauthorized('Invalid access token')
    if (payload.fam !== undefined && typeof payload.fam !== 'string') throw unauthorized('Invalid access token')
    if (payload.em !== undefined && typeof payload.em !== 'string') throw unauthorized('Invalid access token')
    return { userId, tokenVersion: payload.ver, familyId: payload.fam ?? null, email: payload.em ?? null }
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw unauthorized('Access token expired')
    if (err instanceof errors.JOSEError) throw unauthorized('Invalid access token')
    throw err
  }
}

/** SQL: whether a refresh-token family still has a member that is not revoked (so its access tokens still work). */
export const familyIsLive = (familyId: string | Placeholder) =>
  sql<number>`exists (select 1 from ${refreshTokens} where ${refreshTokens.familyId} = ${familyId} and ${refreshTokens.revokedAt} is null)`

/**
 * SQL: the sign-in of an access token still holds as it was issued: its user has the token's version and
 * email, and its family is live. A batch that must not be written for a revoked token carries it (an order
 * placed with a bearer token, src/orders/place.ts), which spares the read `findTokenUser` would make first.
 */
export const signInHoldsSql = (claims: SignIn): SQL =>
  sql`exists (select 1 from ${users} where ${users.id} = ${claims.userId} and ${users.tokenVersion} = ${claims.tokenVersion} and ${users.email} = ${claims.email})${
    claims.familyId === null ? sql`` : sql` and ${familyIsLive(claims.familyId)}`
  }`

/** A refresh token not yet stored: what the client gets, the row's id (its SHA-256), its family and end. */
export interface NewRefreshToken {
  token: string
  id: string
  familyId: string
  expiresAt: number
}

/** A fresh refresh token in `familyId` (a new family at sign-in). */
export async function newRefreshToken(familyId: string = crypto.randomUUID()): Promise<NewRefreshToken> {
  const token = randomToken()
  return { token, id: await sha256Hex(token), familyId, expiresAt: Date.now() + REFRESH_TOKEN_TTL_MS }
}

/** The statement that stores `refresh`, for a batch of the caller's (`userId` may be a subquery); born revoked unless `validIf` holds. */
export const insertRefreshToken = (db: Db, refresh: NewRefreshToken, userId: number | SQL, validIf?: SQL) =>
  db.insert(refreshTokens).values({
    id: refresh.id,
    familyId: refresh.familyId,
    userId,
    expiresAt: refresh.expiresAt,
    revokedAt: validIf ? sql`case when ${validIf} then null else ${Date.now()} end` : null,
  })

const REUSED = 'Refresh token reused: every session of this sign-in is revoked'

/**
 * Spends a refresh token and issues its successor in the same family, in one D1 batch: the successor is
 * inserted first, born revoked unless the token it replaces is still unspent at that moment, and then the
 * token is marked used if it still is unspent. Of two concurrent uses exactly one marks it; the other
 * (or any later use) counts as reuse and revokes the family, which by then holds the winner's successor:
 * so a race never leaves a live successor behind.
 */
export async function rotateRefreshToken(env: Env, token: string): Promise<{ userId: number; refreshToken: NewRefreshToken }> {
  const db = getDb(env)
  const id = await sha256Hex(token)
  const row = await db.query.refreshTokens.findFirst({ where: eq(refreshTokens.id, id) })
  const now = Date.now()
  // A revoked family has no live member left: revocation and rotation are each one statement or batch,
  // so a successor is either revoked with its family or born revoked from a revoked token.
  if (!row || row.revokedAt !== null || row.expiresAt <= now) throw unauthorized('Invalid refresh token')
  const live = and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt))
  const successor = await newRefreshToken(row.familyId)
  const [, spent] = await db.batch([
    insertRefreshToken(db, successor, row.userId, sql`exists (select 1 from ${refreshTokens} where ${live})`),
    db.update(refreshTokens).set({ usedAt: now }).where(live).returning({ id: refreshTokens.id }),
  ])
  if (spent.length === 0) {
    await revokeRefreshFamily(env, row.familyId)
    throw unauthorized(REUSED)
  }
  return { userId: row.userId, refreshToken: successor }
}

async function revokeRefreshFamily(env: Env, familyId: string) {
  await getDb(env).update(refreshTokens).set({ revokedAt: Date.now() }).where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
}

/** Revokes the family of `token`, if it is one of ours (sign-out from the API). */
export async function revokeRefreshToken(env: Env, token: string) {
  const row = await getDb(env).query.refreshTokens.findFirst({ where: eq(refreshTokens.id, await sha256Hex(token)) })
  if (row) await revokeRefreshFamily(env, row.familyId)
}

/** Revokes every refresh token of a user `when` the condition holds: a statement for the password change's batch. */
export const revokeRefreshTokensOf = (db: Db, userId: number, when?: SQL) =>
  db
    .update(refreshTokens)
    .set({ revokedAt: Date.now() })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt), when))
