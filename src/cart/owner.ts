/**
 * Whose cart a request is: the context work of the cart (the signed-in user, the guest cookie) done here,
 * by the routes and pages, so that the cart service takes bindings and plain values (Hono's best-practices
 * guide: model functions take `env`, not the context).
 */
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { currentUser, deferredSignIn } from '../accounts/guard'
import { cookieName, cookieSecure } from '../accounts/sessions'
import type { AppEnv } from '../platform/env'
import { CART_COOKIE, CART_COOKIE_MAX_AGE_S, type CartOwner } from './service'

/** What `randomToken()` makes: 32 bytes in base64url. Anything else in the cookie is not ours. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/

/**
 * The cart owner of this request: its signed-in user and its guest cookie, with the cookie's writers.
 * @example c.json(await addCartItem(c.env, await cartOwner(c), c.req.valid('json')))
 */
export async function cartOwner(c: Context<AppEnv>, { deferSignIn = false }: { deferSignIn?: boolean } = {}): Promise<CartOwner> {
  const name = cookieName(c.env, CART_COOKIE)
  const raw = getCookie(c, name)
  // A cart change whose first batch only reads checks a bearer token's sign-in in that batch (no guest
  // cart to merge first: merging writes before any batch of the change).
  const signIn = deferSignIn && raw === undefined ? await deferredSignIn(c) : null
  const user = signIn ? { id: signIn.userId, email: signIn.email } : await currentUser(c)
  return {
    userId: user?.id ?? null,
    email: user?.email ?? null,
    signIn,
    hasGuestCookie: raw !== undefined,
    guestToken: raw && TOKEN_FORMAT.test(raw) ? raw : null,
    keepGuestToken: (token) =>
      setCookie(c, name, token, { httpOnly: true, secure: cookieSecure(c.env), sameSite: 'Lax', path: '/', maxAge: CART_COOKIE_MAX_AGE_S }),
    endGuestCart: () => deleteCookie(c, name, { path: '/', secure: cookieSecure(c.env) }),
  }
}
