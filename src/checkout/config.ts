/**
 * The store's checkout rules as the totals formula reads them: the tax setting, the zones with their
 * areas and active methods, and the tax rates, kept in this isolate's memory under their version.
 *
 * The version (`checkout_state.config_version`) moves on with every write to those tables, by triggers
 * (migrations/0020_checkout_state.sql): no write path can forget it. Who reads the config decides how
 * fresh it must be:
 * - a quote shown to the shopper (the cart's estimate, the checkout's breakdown) passes the version it read
 *   in its own batch, or has it read (`checkoutVersions`): the copy is used only under that version;
 * - an order trusts a copy younger than CONFIG_TRUST_MS and reads no D1 for it: its own D1 batch is
 *   refused if the version moved since (`versionsGuard`), and the order is priced again with the new rules.
 * Never KV: a price must not come from a store that is only eventually consistent.
 */
import { asc, eq, sql, type SQL } from 'drizzle-orm'
import { getDb, inBatch, preparedOnce, type Db } from '../db/client'
import { checkoutSettings, checkoutState, shippingMethods, shippingZoneAreas, shippingZones, taxRates } from '../db/schema'
import type { CheckoutConfig, ZoneRule } from './types'

/** How long an order trusts this isolate's copy without looking at the version (its batch checks it anyway). */
export const CONFIG_TRUST_MS = 5_000

/** The versions a total was computed under: the checkout config's and the discounts'. */
export interface CheckoutVersions {
  config: number
  discounts: number
}

let cached: { version: number; config: CheckoutConfig; readAt: number } | undefined

/** The statement that reads both versions, for a caller's own batch (the cart reads them with its lines). */
export const checkoutVersionsStatement = (db: Db) =>
  db.select({ config: checkoutState.configVersion, discounts: checkoutState.discountsVersion }).from(checkoutState).where(eq(checkoutState.id, 1))

const versionsQuery = preparedOnce((db) => checkoutVersionsStatement(db).prepare())

/** `checkoutVersionsStatement` prepared once, as an item of a batch. */
export const checkoutVersionsInBatch = (db: Db) => inBatch(versionsQuery(db), {})

/** The versions from the rows of `checkoutVersionsStatement` (0 and 0 before the row exists). */
export const versionsOf = (rows: CheckoutVersions[]): CheckoutVersions => rows[0] ?? { config: 0, discounts: 0 }

/** Both versions as D1 has them now: one statement. */
export async function checkoutVersions(env: Pick<Env, 'DB'>): Promise<CheckoutVersions> {
  return versionsOf(await checkoutVersionsStatement(getDb(env)))
}

/**
 * SQL that is true while both versions are still `versions`: an order's batch writes NULL into a NOT NULL
 * column unless it holds (src/orders/place.ts), so that a total computed under older rules is never stored.
 */
export const versionsUnchangedSql = (versions: CheckoutVersions): SQL =>
  sql`exists (select 1 from ${checkoutState} where ${checkoutState.id} = 1 and ${checkoutState.configVersion} = ${versions.config} and ${checkoutState.discountsVersion} = ${versions.discounts})`

/**
 * The config and the version it is of. `known`: the version the caller read (the copy is used only under
 * it); `trust`: an order's way, a copy younger than CONFIG_TRUST_MS without any read. With neither, the
 * version is read first (one small statement) and the rules only when they changed.
 */
export async function loadCheckoutConfig(env: Pick<Env, 'DB'>, options: { known?: number; trust?: boolean } = {}): Promise<{ config: CheckoutConfig; version: number }> {
  if (options.trust && cached && Date.now() - cached.readAt < CONFIG_TRUST_MS) return { config: cached.config, version: cached.version }
  const known = options.known ?? (options.trust ? undefined : (await checkoutVersions(env)).config)
  if (cached && known !== undefined && cached.version === known) return { config: cached.config, version: cached.version }
  const fresh = await readCheckoutConfig(getDb(env))
  // Only a newer copy replaces the one kept: two requests reading across a change cannot put the old one back.
  if (!cached || fresh.version >= cached.version) cached = { ...fresh, readAt: Date.now() }
  return fresh
}

/**
 * The version, the tax setting, the zones with their areas and active methods, and the tax rates: one D1
 * batch (one transaction, so the version is the version of these rows). A store that never saved the
 * setting has prices excluding tax (the column's default).
 */
async function readCheckoutConfig(db: Db): Promise<{ config: CheckoutConfig; version: number }> {
  const [versions, settings, zones, areas, methods, rates] = await db.batch([
    checkoutVersionsStatement(db),
    db.select({ pricesIncludeTax: checkoutSettings.pricesIncludeTax }).from(checkoutSettings).where(eq(checkoutSettings.id, 1)),
    db.select().from(shippingZones).orderBy(asc(shippingZones.position), asc(shippingZones.id)),
    db.select().from(shippingZoneAreas),
    db.select().from(shippingMethods).where(eq(shippingMethods.isActive, true)).orderBy(asc(shippingMethods.position), asc(shippingMethods.id)),
    db.select().from(taxRates),
  ])
  const byZone = new Map<number, ZoneRule>(zones.map((zone) => [zone.id, { id: zone.id, name: zone.name, shippingTaxable: zone.shippingTaxable, areas: [], methods: [] }]))
  for (const area of areas) byZone.get(area.zoneId)?.areas.push({ country: area.country, region: area.region })
  for (const method of methods) {
    byZone.get(method.zoneId)?.methods.push({
      id: method.id,
      zoneId: method.zoneId,
      name: method.name,
      estimate: method.estimate,
      rateKind: method.rateKind,
      flatCents: method.flatCents,
      bands: Array.isArray(method.bands) ? method.bands : [],
      freeAboveCents: method.freeAboveCents,
      position: method.position,
    })
  }
  const config: CheckoutConfig = {
    pricesIncludeTax: settings[0]?.pricesIncludeTax ?? false,
    // A zone without areas ships nowhere: it is left out, so that it does not make shipping required on its own.
    zones: [...byZone.values()].filter((zone) => zone.areas.length > 0),
    taxRates: rates.map((rate) => ({ country: rate.country, region: rate.region, taxClass: rate.taxClass, rateBp: rate.rateBp, name: rate.name })),
  }
  return { config, version: versionsOf(versions).config }
}
