/**
 * Flash messages: what an action did, shown once on the page it redirects to ("Order 8ACA3F68 marked
 * shipped"). The message rides in a short-lived cookie signed with the app's secret (Hono's signed
 * cookies), never in the URL: a page shows only what this server said, never text someone put in a link.
 */
import type { Context } from 'hono'
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie'
import { authSecret } from '../accounts/secrets'
import { cookieName, cookieSecure } from '../accounts/sessions'
import type { AppEnv } from '../platform/env'
import { ApiError } from '../platform/errors'

export type FlashKind = 'success' | 'error' | 'info'
export interface Flash {
  kind: FlashKind
  text: string
}

const FLASH_COOKIE = 'flash'
/** Long enough for the redirect it rides on; a message nobody saw by then is stale. */
const FLASH_MAX_AGE_S = 60
const FLASH_TEXT_MAX = 600

type Ctx = Context<AppEnv>
/**
 * The app's secret, set apart for flash messages (a signature made here is no token anywhere else). A
 * store without AUTH_SECRET outside development has none: its pages still serve (they sign in with D1
 * sessions, not access tokens) and simply show no messages, rather than answering every cart, order and
 * admin page, and every admin action after it was done, with a 503.
 */
function flashSecret(env: Env): string | null {
  try {
    return `flash:${new TextDecoder().decode(authSecret(env))}`
  } catch (err) {
    if (err instanceof ApiError && err.status === 503) return null
    throw err
  }
}
const options = (c: Ctx) => ({ httpOnly: true, secure: cookieSecure(c.env), sameSite: 'Lax' as const, path: '/' })

/** Leaves a message for the next page this browser shows. */
async function setFlash(c: Ctx, kind: FlashKind, text: string): Promise<void> {
  const secret = flashSecret(c.env)
  if (secret === null) return
  const value = JSON.stringify({ kind, text: text.slice(0, FLASH_TEXT_MAX) })
  await setSignedCookie(c, cookieName(c.env, FLASH_COOKIE), value, secret, { ...options(c), maxAge: FLASH_MAX_AGE_S })
}

/** Redirects (303) to `location` with a message for the page there. */
export async function redirectWithFlash(c: Ctx, location: string, kind: FlashKind, text: string): Promise<Response> {
  await setFlash(c, kind, text)
  return c.redirect(location, 303)
}

/** The message left for this page, if any (and only if signed by us); it is shown once. */
export async function takeFlash(c: Ctx): Promise<Flash | undefined> {
  const name = cookieName(c.env, FLASH_COOKIE)
  const secret = flashSecret(c.env)
  if (secret === null) return undefined
  const value = await getSignedCookie(c, secret, name)
  if (value === undefined) return undefined
  deleteCookie(c, name, options(c))
  if (value === false) return undefined
  try {
    const parsed = JSON.parse(value) as Partial<Flash>
    const kinds: FlashKind[] = ['success', 'error', 'info']
    if (typeof parsed.text === 'string' && kinds.includes(parsed.kind as FlashKind)) return { kind: parsed.kind as FlashKind, text: parsed.text.slice(0, FLASH_TEXT_MAX) }
  } catch {
    // Not ours after all: shown as nothing.
  }
  return undefined
}
