/**
 * Browser sessions. The cookie holds a random token; D1 holds its SHA-256, so a leaked table cannot be
 * replayed. "Remember me" makes a 30-day cookie; otherwise the cookie ends with the browser and the
 * server forgets it after 12 hours anyway. Sign-out and password changes delete the rows: revocation
 * is server-side, not a cookie deletion.
 */
import { and, eq, gt, ne, sql, type Placeholder, type SQL } from 'drizzle-orm'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { getDb, type Db } from '../db/client'
import { sessions } from '../db/schema'
import type { AppEnv } from '../platform/env'
import { isDevelopment } from '../platform/env'
import { randomToken, sha256Hex } from '../platform/encoding'

const REMEMBER_MS = 30 * 24 * 60 * 60 * 1000
const BROWSER_SESSION_MS = 12 * 60 * 60 * 1000

/**
 * Cookie names and flags: `__Host-` names (Secure, host-only, path /) everywhere but local development,
 * whose plain-http origin cannot set Secure cookies.
 */
export function cookieName(env: Env, base: string) {
  return isDevelopment(env) ? base : `__Host-${base}`
}
export const cookieSecure = (env: Env) => !isDevelopment(env)

/** A session not yet stored: the cookie's token, the row's id (its SHA-256) and when it ends. */
export interface NewSession {
  token: string
  id: string
  persistent: boolean
  expiresAt: number
}

export async function newSession(remember: boolean): Promise<NewSession> {
  const token = randomToken()
  return { token, id: await sha256Hex(token), persistent: remember, expiresAt: Date.now() + (remember ? REMEMBER_MS : BROWSER_SESSION_MS) }
}

/**
 * The statement that stores `session`, for a batch of the caller's: `userId` may be a subquery, e.g.
 * the id of a user inserted earlier in the same batch; the session is born expired unless `validIf` holds.
 */
export const insertSession = (db: Db, session: NewSession, userId: number | SQL, validIf?: SQL) =>
  db.insert(sessions).values({
    id: session.id,
    userId,
    persistent: session.persistent,
    expiresAt: validIf ? sql`case when ${validIf} then ${session.expiresAt} else 0 end` : session.expiresAt,
  })

/** Sets the cookie of a stored session (only once its row is written). */
export function setSessionCookie(c: Context<AppEnv>, session: NewSession) {
  setCookie(c, cookieName(c.env, 'sid'), session.token, {
    httpOnly: true,
    secure: cookieSecure(c.env),
    sameSite: 'Lax',
    path: '/',
    ...(session.persistent && { maxAge: REMEMBER_MS / 1000 }),
  })
}

/** The session id (the hash of the request's session cookie), or null without a plausible cookie. */
export async function sessionIdOf(c: Context<AppEnv>): Promise<string | null> {
  const token = getCookie(c, cookieName(c.env, 'sid'))
  if (!token || token.length > 100) return null
  return sha256Hex(token)
}

/** SQL: the session is live (not yet expired). */
export const sessionIsLive = (now: number | Placeholder = Date.now()) => gt(sessions.expiresAt, now)

/** Signs the browser out: deletes the session row and the cookie. */
export async function endSession(c: Context<AppEnv>) {
  const sessionId = await sessionIdOf(c)
  if (sessionId) await getDb(c.env).delete(sessions).where(eq(sessions.id, sessionId))
  deleteCookie(c, cookieName(c.env, 'sid'), { path: '/', secure: cookieSecure(c.env) })
}

/**
 * Deletes every session of `userId` except `keepSessionId` (after a password change, the other browsers),
 * only `when` the condition holds: a statement for the batch that changes the password.
 */
export const deleteSessionsOf = (db: Db, userId: number, { keepSessionId, when }: { keepSessionId?: string; when?: SQL } = {}) =>
  db.delete(sessions).where(and(eq(sessions.userId, userId), keepSessionId ? ne(sessions.id, keepSessionId) : undefined, when))
