/**
 * API credentials: a short-lived access JWT (HS256, signed with jose) and an opaque refresh token that
 * rotates on every use. Refresh tokens are stored by their SHA-256 in families: presenting one that was
 * already used means it was stolen or replayed, and the whole family is revoked.
 */
import { and, eq, isNull } from 'drizzle-orm'
import { errors, jwtVerify, SignJWT } from 'jose'
import { getDb } from '../db/client'
import { refreshTokens, type User } from '../db/schema'
import { randomToken, sha256Hex } from '../platform/encoding'
import { unauthorized } from '../platform/errors'
import { authSecret } from './secrets'

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000
const ISSUER = 'cato-store'
const AUDIENCE = 'cato-store-api'

export interface AccessClaims {
  userId: number
  tokenVersion: number
}

/** An access token for `user`, valid for ACCESS_TOKEN_TTL_SECONDS. */
export const signAccessToken = (env: Env, user: Pick<User, 'id' | 'role' | 'tokenVersion'>) =>
  new SignJWT({ role: user.role, ver: user.tokenVersion })
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
    return { userId, tokenVersion: payload.ver }
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw unauthorized('Access token expired')
    if (err instanceof errors.JOSEError) throw unauthorized('Invalid access token')
    throw err
  }
}

/** A new refresh token for `userId`, in `familyId` (a new family at sign-in). */
export async function issueRefreshToken(env: Env, userId: number, familyId: string = crypto.randomUUID()): Promise<string> {
  const token = randomToken()
  await getDb(env)
    .insert(refreshTokens)
    .values({ id: await sha256Hex(token), familyId, userId, expiresAt: Date.now() + REFRESH_TOKEN_TTL_MS })
  return token
}

/**
 * Spends a refresh token: marks it used and issues its successor in the same family. Marking is a
 * conditional update, so of two concurrent uses exactly one wins; the loser (or any later use) counts
 * as reuse and revokes the family.
 */
export async function rotateRefreshToken(env: Env, token: string): Promise<{ userId: number; refreshToken: string }> {
  const db = getDb(env)
  const id = await sha256Hex(token)
  const row = await db.query.refreshTokens.findFirst({ where: eq(refreshTokens.id, id) })
  if (!row || row.revokedAt !== null || row.expiresAt <= Date.now()) throw unauthorized('Invalid refresh token')
  const spent = await db
    .update(refreshTokens)
    .set({ usedAt: Date.now() })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id })
  if (spent.length === 0) {
    await revokeRefreshFamily(env, row.familyId)
    throw unauthorized('Refresh token reused: every session of this sign-in is revoked')
  }
  return { userId: row.userId, refreshToken: await issueRefreshToken(env, row.userId, row.familyId) }
}

export async function revokeRefreshFamily(env: Env, familyId: string) {
  await getDb(env).update(refreshTokens).set({ revokedAt: Date.now() }).where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
}

/** Revokes the family of `token`, if it is one of ours (sign-out from the API). */
export async function revokeRefreshToken(env: Env, token: string) {
  const row = await getDb(env).query.refreshTokens.findFirst({ where: eq(refreshTokens.id, await sha256Hex(token)) })
  if (row) await revokeRefreshFamily(env, row.familyId)
}

/** Every refresh token of a user (password change, reset). */
export const revokeAllRefreshTokens = (env: Env, userId: number) =>
  getDb(env).update(refreshTokens).set({ revokedAt: Date.now() }).where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
