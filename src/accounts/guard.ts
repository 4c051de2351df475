/**
 * Who is asking: a Bearer access token (the API) or the session cookie (the pages, and the API from
 * the browser). `requireUser` and `requireRole` are the guards every later route reuses.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { UserRole } from '../db/schema'
import type { AccessClaims, AppEnv, CurrentUser } from '../platform/env'
import { forbidden, unauthorized } from '../platform/errors'
import { findSessionUser, tokenUserOrRevoked } from './service'
import { sessionIdOf } from './sessions'
import { verifyAccessToken, type SignIn } from './tokens'

/** The claims of the request's bearer token, or null without an Authorization header; 401 for another scheme or a token that is not valid. */
async function bearerClaims(c: Context<AppEnv>): Promise<AccessClaims | null> {
  const known = c.get('accessClaims')
  if (known) return known
  const header = c.req.header('Authorization')
  if (header === undefined) return null
  const [scheme, token] = header.split(' ')
  if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthorized('Use "Authorization: Bearer <access token>"')
  return verifyAccessToken(c.env, token)
}

/** The signed-in user of this request, if any (memoised on the context). */
export async function currentUser(c: Context<AppEnv>): Promise<CurrentUser | null> {
  if (c.get('user')) return c.get('user') ?? null
  const claims = await bearerClaims(c)
  if (claims) {
    const user = await tokenUserOrRevoked(c.env, claims)
    c.set('user', user)
    return user
  }
  const sessionId = await sessionIdOf(c)
  if (!sessionId) return null
  const user = await findSessionUser(c.env, sessionId)
  if (user) {
    c.set('user', user)
    c.set('sessionId', sessionId)
  }
  return user
}

/** 401 unless signed in; the user is then `c.get('user')`. */
export const requireUser = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (!(await currentUser(c))) throw unauthorized()
  await next()
}

/**
 * For a route whose own D1 batch checks the sign-in (placing an order, `signInHoldsSql`): a bearer token
 * that carries its email is verified (signature, expiry, issuer) without reading D1, and its claims are
 * `c.get('accessClaims')`; anything else is checked as `requireUser` does (the user is then `c.get('user')`).
 */
export const requireUserOrClaims = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (!(await deferredSignIn(c)) && !(await currentUser(c))) throw unauthorized()
  await next()
}

/**
 * The request's bearer sign-in, to be checked by one of its own D1 batches (`signInHoldsSql`) instead of
 * read first: a valid token that carries its email, when nothing has read the user yet; else null (the
 * caller then asks `currentUser`).
 */
export async function deferredSignIn(c: Context<AppEnv>): Promise<SignIn | null> {
  if (c.get('user')) return null
  const claims = await bearerClaims(c)
  if (claims?.email == null) return null
  c.set('accessClaims', claims)
  return { ...claims, email: claims.email }
}

/** The sign-in `requireUserOrClaims` left to the route's batch, or null when it read the user instead. */
export function signInOf(c: Context<AppEnv>): SignIn | null {
  const claims = c.get('accessClaims')
  return !c.get('user') && claims?.email != null ? { ...claims, email: claims.email } : null
}

/** 401 unless signed in, 403 unless the user has one of `roles`. */
export const requireRole =
  (...roles: UserRole[]): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const user = await currentUser(c)
    if (!user) throw unauthorized()
    if (!roles.includes(user.role)) throw forbidden(`This needs the ${roles.join(' or ')} role`)
    await next()
  }

/** The signed-in user, for handlers behind `requireUser` / `requireRole`. */
export function userOf(c: Context<AppEnv>): CurrentUser {
  const user = c.get('user')
  if (!user) throw unauthorized()
  return user
}

/** For pages: strangers are sent to sign in, and brought back here afterwards. */
export const signedInPage = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (!(await currentUser(c))) return c.redirect(`/account/sign-in?next=${encodeURIComponent(c.req.path)}`, 303)
  await next()
}
