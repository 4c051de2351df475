/**
 * Dates as people read them: in the shopper's locale (their Accept-Language) and the store's time zone
 * (store_settings), e.g. "1 Dec 2026, 18:39" for en-GB. Machine-readable copies go in <time datetime>.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { loadStoreSettings } from '../platform/store-settings'

export interface DateStyle {
  locale: string
  timeZone: string
}

const FALLBACK_LOCALE = 'en-GB'

/** The first language of Accept-Language that Intl supports, else en-GB. */
export function localeOf(acceptLanguage: string | undefined | null): string {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim()
    if (!tag || tag === '*') continue
    try {
      const [supported] = Intl.DateTimeFormat.supportedLocalesOf([tag])
      if (supported) return supported
    } catch {
      // not a language tag: try the next
    }
  }
  return FALLBACK_LOCALE
}

/** The locale and time zone for dates on this request's page. */
export async function dateStyleOf(c: Context<AppEnv>): Promise<DateStyle> {
  const settings = await loadStoreSettings(c.env)
  return { locale: localeOf(c.req.header('Accept-Language')), timeZone: settings.timeZone }
}

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(style: DateStyle, withTime: boolean) {
  const key = `${style.locale}|${style.timeZone}|${withTime}`
  let found = formatters.get(key)
  if (!found) {
    found = new Intl.DateTimeFormat(style.locale, withTime ? { dateStyle: 'medium', timeStyle: 'short', timeZone: style.timeZone } : { dateStyle: 'medium', timeZone: style.timeZone })
    formatters.set(key, found)
  }
  return found
}

/** "1 Dec 2026, 18:39" (en-GB), "Dec 1, 2026, 6:39 PM" (en-US). */
export const formatDateTime = (ms: number, style: DateStyle) => formatter(style, true).format(new Date(ms))
/** "1 Dec 2026". */
export const formatDate = (ms: number, style: DateStyle) => formatter(style, false).format(new Date(ms))
