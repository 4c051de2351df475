/**
 * CSRF protection: a double-submit token. A random value lives in an HttpOnly, SameSite=Lax cookie and,
 * for the pages, in a hidden `_csrf` field of every form; for the API, in an `X-CSRF-Token` header
 * (a script reads the value from GET /api/auth/csrf). A state-changing request whose token does not
 * match its cookie is refused with 403. A cross-site page can make the browser send the cookie but cannot
 * read it, so it cannot send the token. An Origin check runs in front as a second line.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { csrf as originCheck } from 'hono/csrf'
import type { AppEnv } from '../platform/env'
import { randomToken } from '../platform/encoding'
import { limitBody } from '../platform/body-limit'
import { ApiError, forbidden } from '../platform/errors'
import { readForm } from '../ui/form-input'
import { constantTimeEqual } from './passwords'
import { cookieName, cookieSecure } from './sessions'

const CSRF_FIELD = '_csrf'

/** The token to put in this response's forms (made, and its cookie set, on first use). */
export function csrfToken(c: Context<AppEnv>): string {
  const existing = c.get('csrfToken') ?? getCookie(c, cookieName(c.env, 'csrf'))
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) {
    c.set('csrfToken', existing)
    return existing
  }
  return rotateCsrfToken(c)
}

/** A fresh token (at sign-in, so that a token planted before cannot outlive it). */
export function rotateCsrfToken(c: Context<AppEnv>): string {
  const token = randomToken()
  setCookie(c, cookieName(c.env, 'csrf'), token, { httpOnly: true, secure: cookieSecure(c.env), sameSite: 'Lax', path: '/' })
  c.set('csrfToken', token)
  return token
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const encode = (text: string) => new TextEncoder().encode(text)

/** What a form may send: the body is read (to find the token) before anything else looks at it. */
export const FORM_MAX_BYTES = 64 * 1024

/**
 * Refuses a state-changing form request without the matching token (403, as a page). The body is read to
 * find the token, so its size is checked first (413): 64 KB, or what `maxBytesFor(path)` allows for the
 * routes that take uploads.
 */
export const csrfProtection = ({
  maxBytesFor = () => FORM_MAX_BYTES,
  tokenInQuery = () => false,
}: {
  maxBytesFor?: (path: string) => number
  /** Routes whose form sends the token in its action's query (`?_csrf=`) because their body is streamed, not read here. */
  tokenInQuery?: (path: string) => boolean
} = {}): MiddlewareHandler<AppEnv> => {
  const origin = originCheck()
  const limits = new Map<number, MiddlewareHandler>()
  const limitOf = (maxBytes: number) => {
    let limit = limits.get(maxBytes)
    if (!limit) {
      limit = limitBody(maxBytes, 'The form')
      limits.set(maxBytes, limit)
    }
    return limit
  }
  const checkToken: MiddlewareHandler<AppEnv> = async (c, next) => {
    const form = await readForm(c)
    if (!matchesCsrfCookie(c, form[CSRF_FIELD])) {
      throw forbidden('This form has expired or did not come from this site. Reload the page and try again.')
    }
    await next()
  }
  return async (c, next) => {
    if (!UNSAFE.has(c.req.method)) return next()
    if (tokenInQuery(c.req.path)) {
      return origin(c, async () => {
        if (!matchesCsrfCookie(c, c.req.query(CSRF_FIELD))) throw forbidden('This form has expired or did not come from this site. Reload the page and try again.')
        await next()
      })
    }
    await limitOf(maxBytesFor(c.req.path))(c, async () => {
      await origin(c, async () => {
        await checkToken(c, next)
      })
    })
  }
}

export const CSRF_HEADER = 'X-CSRF-Token'

/** Whether `value` (a form field or a header) is the token of this browser's CSRF cookie; never for an empty one. */
function matchesCsrfCookie(c: Context<AppEnv>, value: unknown): boolean {
  const cookie = getCookie(c, cookieName(c.env, 'csrf')) ?? ''
  return typeof value === 'string' && value !== '' && cookie !== '' && constantTimeEqual(encode(value), encode(cookie))
}

/**
 * Cookies that authenticate a browser on their own, which a cross-site page can make it send: the session
 * and the guest cart (whoever holds it may fill and empty that cart).
 */
const AMBIENT_COOKIES = ['sid', 'cart']

const csrfFailed = (message: string) => new ApiError(403, 'csrf_failed', message)

/**
 * The API's side of the same protection, in the one JSON error shape. An unsafe request (POST, PUT, PATCH,
 * DELETE, with or without a body) that does not carry a bearer token is refused with 403 when its Origin
 * is another site's (or the browser says it is cross-site), and, when it carries a session or guest-cart
 * cookie, unless `X-CSRF-Token` matches the CSRF cookie. Bearer requests are left alone: a browser never
 * adds that header on its own, and a cross-site script cannot without CORS, which the API does not grant.
 * Any other `Authorization` (empty, `Basic` credentials a browser does resend on its own) is no bearer
 * token and gets the full check.
 */
export const apiCsrfProtection = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  if (!UNSAFE.has(c.req.method) || /^bearer \S+$/i.test(c.req.header('Authorization') ?? '')) return next()
  const origin = c.req.header('Origin')
  if ((origin !== undefined && origin !== new URL(c.req.url).origin) || c.req.header('Sec-Fetch-Site') === 'cross-site') {
    throw csrfFailed('Cross-site requests are refused: call the API from this site or with a bearer token')
  }
  if (AMBIENT_COOKIES.some((base) => getCookie(c, cookieName(c.env, base)) !== undefined)) {
    if (!matchesCsrfCookie(c, c.req.header(CSRF_HEADER))) {
      throw csrfFailed(`A request with the session or cart cookie needs the ${CSRF_HEADER} header: its value is at GET /api/auth/csrf`)
    }
  }
  await next()
}
