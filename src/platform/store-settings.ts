/**
 * The store's settings row (store_settings, id 1: written by migration 0019), read once per isolate for a
 * few seconds: every page that shows a date needs the time zone, and staff change it rarely.
 */
import { eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { storeSettings, type StoreSettings } from '../db/schema'

const FRESH_MS = 5_000
let cached: { at: number; settings: StoreSettings } | undefined

export const DEFAULT_STORE_SETTINGS: StoreSettings = { id: 1, timeZone: 'UTC', lowStockThreshold: 5, updatedAt: 0 }

export async function loadStoreSettings(env: Env, now = Date.now()): Promise<StoreSettings> {
  if (cached && now - cached.at < FRESH_MS) return cached.settings
  const row = await getDb(env).select().from(storeSettings).where(eq(storeSettings.id, 1)).get()
  const settings = row ?? DEFAULT_STORE_SETTINGS
  cached = { at: now, settings }
  return settings
}

/** After staff save the settings: this isolate shows the new ones at once. */
export function forgetStoreSettings() {
  cached = undefined
}

/** Whether `zone` is an IANA time zone this runtime knows ("Europe/Berlin"). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}
