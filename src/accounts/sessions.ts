/**
 * Browser sessions. The cookie holds a random token; D1 holds its SHA-256, so a leaked table cannot be
 * replayed. "Remember me" makes a 30-day cookie; otherwise the cookie ends with the browser and the
 * server forgets it after 12 hours anyway. Sign-out and password changes delete the rows: revocation
 * is server-side, not a cookie deletion.
 */
import { and, eq, gt, ne } from 'drizzle-orm'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { getDb } from '../db/client'
import { sessions } from '../db/schema'
import type { AppEnv } from '../platform/env'
import { isDevelopment } from '../platform/env'
import { randomToken, sha256Hex } from '../platform/encoding'

export const REMEMBER_MS = 30 * 24 * 60 * 60 * 1000
export const BROWSER_SESSION_MS = 12 * 60 * 60 * 1000

/**
 * Cookie names and flags: `__Host-` names (Secure, host-only, path /) everywhere but local development,
 * whose plain-http origin cannot set Secure cookies.
 */
export function cookieName(env: Env, base: string) {
  return isDevelopment(env) ? base : `__Host-${base}`
}
export const cookieSecure = (env: Env) => !isDevelopment(env)

/** Starts a session for `userId` and sets its cookie. */
export async function startSession(c: Context<AppEnv>, userId: number, remember: boolean) {
  const token = randomToken()
  const ttl = remember ? REMEMBER_MS : BROWSER_SESSION_MS
  await getDb(c.env)
    .insert(sessions)
    .values({ id: await sha256Hex(token), userId, persistent: remember, expiresAt: Date.now() + ttl })
  setCookie(c, cookieName(c.env, 'sid'), token, {
    httpOnly: true,
    secure: cookieSecure(c.env),
    sameSite: 'Lax',
    path: '/',
    ...(remember && { maxAge: ttl / 1000 }),
  })
}

/** The session id (hash) and user id of the request's session cookie, if it is live. */
export async function readSession(c: Context<AppEnv>): Promise<{ sessionId: string; userId: number } | null> {
  const token = getCookie(c, cookieName(c.env, 'sid'))
  if (!token || token.length > 100) return null
  const sessionId = await sha256Hex(token)
  const row = await getDb(c.env).query.sessions.findFirst({
    where: and(eq(sessions.id, sessionId), gt(sessions.expiresAt, Date.now())),
    columns: { userId: true },
  })
  return row ? { sessionId, userId: row.userId } : null
}

/** Signs the browser out: deletes the session row and the cookie. */
export async function endSession(c: Context<AppEnv>) {
  const current = await readSession(c)
  if (current) await getDb(c.env).delete(sessions).where(eq(sessions.id, current.sessionId))
  deleteCookie(c, cookieName(c.env, 'sid'), { path: '/', secure: cookieSecure(c.env) })
}

/** Ends every session of `userId` except `keepSessionId` (after a password change, the other browsers). */
export const endOtherSessions = (env: Env, userId: number, keepSessionId?: string) =>
  getDb(env)
    .delete(sessions)
    .where(keepSessionId ? and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)) : eq(sessions.userId, userId))
