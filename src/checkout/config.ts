/** The store's checkout rules as the totals formula reads them: read from D1 for every quote and order (never from a cache). */
import { asc, eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { checkoutSettings, shippingMethods, shippingZoneAreas, shippingZones, taxRates } from '../db/schema'
import type { CheckoutConfig, ZoneRule } from './types'

/**
 * The tax setting, the zones with their areas and active methods, and the tax rates: one D1 batch.
 * A store that never saved the setting has prices excluding tax (the column's default).
 */
export async function loadCheckoutConfig(env: Env): Promise<CheckoutConfig> {
  const db = getDb(env)
  const [settings, zones, areas, methods, rates] = await db.batch([
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
  return {
    pricesIncludeTax: settings[0]?.pricesIncludeTax ?? false,
    // A zone without areas ships nowhere: it is left out, so that it does not make shipping required on its own.
    zones: [...byZone.values()].filter((zone) => zone.areas.length > 0),
    taxRates: rates.map((rate) => ({ country: rate.country, region: rate.region, taxClass: rate.taxClass, rateBp: rate.rateBp, name: rate.name })),
  }
}
