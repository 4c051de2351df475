/**
 * The store's settings as staff edit them (store_settings, one row): the time zone every date is shown
 * in and the stock level under which a variant counts as running low. A save is one D1 batch with its
 * audit entry; this isolate forgets its cached copy at once (others within 5 s, src/platform/store-settings.ts).
 */
import { z } from 'zod'
import { getDb } from '../db/client'
import { storeSettings, type StoreSettings } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import { forgetStoreSettings, isTimeZone, loadStoreSettings } from '../platform/store-settings'
import { auditStatement } from './audit'
import type { StoreSettingsView } from './responses'

export const LOW_STOCK_MAX = 100_000

export const StoreSettingsBody = z.strictObject({
  time_zone: z
    .string()
    .trim()
    .min(1, 'is required')
    .max(64)
    .refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Berlin or America/New_York')
    .describe('An IANA time zone: every date in the shop and the admin is shown in it'),
  low_stock_threshold: z
    .int('must be a whole number')
    .min(0, 'cannot be negative')
    .max(LOW_STOCK_MAX, `must be at most ${LOW_STOCK_MAX.toLocaleString('en')}`)
    .describe('A variant with this many sellable units or fewer is low on stock (dashboard, product filter)'),
})
export type StoreSettingsBody = z.infer<typeof StoreSettingsBody>

const view = (settings: StoreSettings): StoreSettingsView => ({
  time_zone: settings.timeZone,
  low_stock_threshold: settings.lowStockThreshold,
  updated_at: settings.updatedAt ? new Date(settings.updatedAt).toISOString() : null,
})

/** The settings as stored now (not this isolate's few-seconds-old copy): what staff are about to edit. */
export async function readStoreSettings(env: Env): Promise<StoreSettingsView> {
  forgetStoreSettings()
  return view(await loadStoreSettings(env))
}

/** Every time zone this runtime knows, UTC first (Intl lists only the geographic ones). */
export function timeZones(): string[] {
  const zones = Intl.supportedValuesOf('timeZone')
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')]
}

export async function saveStoreSettings(env: Env, actor: CurrentUser, body: StoreSettingsBody): Promise<StoreSettingsView> {
  const db = getDb(env)
  const before = await readStoreSettings(env)
  const at = Date.now()
  const fields = { timeZone: body.time_zone, lowStockThreshold: body.low_stock_threshold, updatedAt: at }
  await db.batch([
    db.insert(storeSettings).values({ id: 1, ...fields }).onConflictDoUpdate({ target: storeSettings.id, set: fields }),
    auditStatement(db, actor, { action: 'settings.update', targetType: 'store_settings', targetId: '1', before: { time_zone: before.time_zone, low_stock_threshold: before.low_stock_threshold }, after: body }),
  ])
  forgetStoreSettings()
  return view({ id: 1, ...fields })
}
