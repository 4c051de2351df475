/**
 * CSRF protection for the pages' forms: a double-submit token. A random value lives in an HttpOnly,
 * SameSite=Lax cookie and in a hidden `_csrf` field of every form; a state-changing request whose field
 * does not match its cookie is refused with 403. A cross-site page can make the browser send the cookie
 * but cannot read it, so it cannot fill the field. Hono's origin check runs in front as a second line.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { csrf as originCheck } from 'hono/csrf'
import type { AppEnv } from '../platform/env'
import { randomToken } from '../platform/encoding'
import { ApiError, forbidden } from '../platform/errors'
import { bodyLimit } from 'hono/body-limit'
import { readForm } from '../ui/form-input'
import { constantTimeEqual } from './passwords'
import { cookieName, cookieSecure } from './sessions'

export const CSRF_FIELD = '_csrf'

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
export const csrfProtection = ({ maxBytesFor = () => FORM_MAX_BYTES }: { maxBytesFor?: (path: string) => number } = {}): MiddlewareHandler<AppEnv> => {
  const origin = originCheck()
  const limits = new Map<number, MiddlewareHandler>()
  const limitOf = (maxBytes: number) => {
    let limit = limits.get(maxBytes)
    if (!limit) {
      limit = bodyLimit({
        maxSize: maxBytes,
        onError: () => {
          throw new ApiError(413, 'payload_too_large', `The form is larger than ${Math.round(maxBytes / 1024)} KB.`)
        },
      })
      limits.set(maxBytes, limit)
    }
    return limit
  }
  const checkToken: MiddlewareHandler<AppEnv> = async (c, next) => {
    const cookie = getCookie(c, cookieName(c.env, 'csrf')) ?? ''
    const form = await readForm(c)
    const field = form[CSRF_FIELD]
    if (typeof field !== 'string' || cookie === '' || !constantTimeEqual(encode(field), encode(cookie))) {
      throw forbidden('This form has expired or did not come from this site. Reload the page and try again.')
    }
    await next()
  }
  return async (c, next) => {
    if (!UNSAFE.has(c.req.method)) return next()
    await limitOf(maxBytesFor(c.req.path))(c, async () => {
      await origin(c, async () => {
        await checkToken(c, next)
      })
    })
  }
}
