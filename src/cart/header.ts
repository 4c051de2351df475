/**
 * The shop header's personal part, filled in as a page is served: Orders and Sign out for a signed-in
 * visitor, and the cart's count.
 *
 * Why on serve rather than in the page: catalog pages are cached at the edge for everyone
 * (src/catalog/html-cache.ts), so they are rendered with the anonymous header (src/ui/layout.tsx ShopNav)
 * and this middleware swaps that element for the visitor's own with HTMLRewriter (streamed, the page is
 * not buffered), cached page or not. The count is read from D1 on each page (one indexed statement),
 * not kept in a cookie that every cart writer (add, update, remove, merge at sign-in, an order placed,
 * a cancelled order's items back) would have to remember to set. A visitor with neither a session nor a
 * cart cookie costs nothing: the page keeps its anonymous header.
 */
import type { MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import { renderToString } from 'preact-render-to-string'
import { and, eq, sql } from 'drizzle-orm'
import { currentUser } from '../accounts/guard'
import { csrfToken } from '../accounts/csrf'
import { cookieName } from '../accounts/sessions'
import { getDb } from '../db/client'
import { cartItems, carts } from '../db/schema'
import { sha256Hex } from '../platform/encoding'
import type { AppEnv } from '../platform/env'
import { PERSONAL_NAV_ATTRIBUTE, ShopNav } from '../ui/layout'
import { CART_COOKIE } from './service'

/** Units in the cart of a user, or of the guest whose cookie token hashes to `tokenHash`: one statement. */
async function cartUnits(env: Env, owner: { userId: number } | { tokenHash: string }): Promise<number> {
  const match = 'userId' in owner ? eq(carts.userId, owner.userId) : eq(carts.tokenHash, owner.tokenHash)
  const row = await getDb(env)
    .select({ units: sql<number>`coalesce(sum(${cartItems.quantity}), 0)` })
    .from(cartItems)
    .innerJoin(carts, and(eq(carts.id, cartItems.cartId), match))
    .get()
  return Number(row?.units ?? 0)
}

/** Fills the shop header's personal part of every HTML page (see above); other answers pass untouched. */
export const personalHeader = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  // The admin has its own header (src/admin/pages/layout.tsx), with no shop navigation to fill in.
  if (c.req.path === '/admin' || c.req.path.startsWith('/admin/')) return next()
  await next()
  if (!c.res.headers.get('Content-Type')?.startsWith('text/html')) return
  const hasSession = getCookie(c, cookieName(c.env, 'sid')) !== undefined
  const guestToken = getCookie(c, cookieName(c.env, CART_COOKIE))
  if (!hasSession && !guestToken) return
  const user = hasSession ? await currentUser(c).catch(() => null) : null
  const owner = user ? { userId: user.id } : guestToken ? { tokenHash: await sha256Hex(guestToken) } : null
  const cartCount = owner ? await cartUnits(c.env, owner) : 0
  if (!user && cartCount === 0) return
  const html = renderToString(ShopNav({ signedIn: user ? { csrf: csrfToken(c) } : undefined, cartCount }))
  const response = new HTMLRewriter().on(`[${PERSONAL_NAV_ATTRIBUTE}]`, { element: (element) => void element.replace(html, { html: true }) }).transform(c.res)
  const personal = new Response(response.body, response)
  // The body changed length: a cached copy's Content-Length no longer holds.
  personal.headers.delete('Content-Length')
  // A personal page is this visitor's alone: no shared cache may keep it (private pages stay no-store).
  if (!personal.headers.get('Cache-Control')?.includes('no-store')) personal.headers.set('Cache-Control', 'private, no-cache')
  // Cleared first: Hono's setter would otherwise copy the old answer's headers over the new one's.
  c.res = undefined
  c.res = personal
}
