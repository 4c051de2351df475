import { env } from 'cloudflare:test'
import { count, eq, isNull, like } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { seedCatalog } from '../scripts/seed/catalog'
import { EU_COUNTRIES, seedCheckout } from '../scripts/seed/checkout'
import { seedDemoDiscounts } from '../scripts/seed/discounts'
import { getDb } from '../src/db/client'
import { checkoutSettings, discounts, products, productVariants, shippingZoneAreas, taxRates } from '../src/db/schema'
import { COUNTRIES } from '../src/platform/countries'
import { listZones } from '../src/shipping/zones'

describe('the demo store’s checkout settings', () => {
  it('ships everywhere in three zones, taxes California, Germany and France, beside the demo discounts; seeding again changes nothing', async () => {
    await seedCatalog(env, { products: 60 })
    const first = await seedCheckout(env.DB)
    await seedDemoDiscounts(env.DB)
    expect(first.zones).toBe(3)
    const zones = await listZones(env)
    expect(zones.warnings).toEqual([])
    expect(zones.items.map((z) => [z.name, z.methods.map((m) => `${m.name} ${m.rate_kind}`)])).toEqual([
      ['Domestic', ['Standard weight', 'Express flat']],
      ['Europe', ['Standard flat', 'Express flat']],
      ['Rest of world', ['Standard flat', 'Express flat']],
    ])
    const zoneOf = (country: string) => zones.items.find((z) => z.areas.some((a) => a.country === country))?.name
    expect([zoneOf('US'), zoneOf('DE'), zoneOf('FR'), zoneOf('GB'), zoneOf('JP'), zoneOf('CA')]).toEqual(['Domestic', 'Europe', 'Europe', 'Rest of world', 'Rest of world', 'Rest of world'])
    expect(zones.items[1]?.areas).toHaveLength(EU_COUNTRIES.length)
    const db = getDb(env)
    const [areas] = await db.select({ n: count() }).from(shippingZoneAreas)
    expect(areas?.n).toBe(COUNTRIES.length)
    expect(zones.items[0]?.methods[0]).toMatchObject({ free_above_cents: 7500, estimate: '3–5 business days', bands: [{ min: 0, max: 1000, price_cents: 500 }, { min: 1000, max: 5000, price_cents: 900 }, { min: 5000, max: null, price_cents: 1500 }] })
    const rates = await db.select().from(taxRates)
    expect(rates.map((r) => `${r.country}${r.region && `-${r.region}`} ${r.taxClass} ${r.rateBp}`).sort()).toEqual(['DE reduced 700', 'DE standard 1900', 'FR reduced 550', 'FR standard 2000', 'US-CA standard 725'])
    expect((await db.select().from(checkoutSettings).get())?.pricesIncludeTax).toBe(false)
    expect(await db.select().from(discounts).where(eq(discounts.code, 'WELCOME10'))).toMatchObject([{ kind: 'percentage', value: 1000, perCustomerLimit: 1, isActive: true }])
    expect(await db.select().from(discounts).where(isNull(discounts.code))).toMatchObject([{ kind: 'percentage', value: 1000, minSubtotalCents: 10_000 }])
    const teas = await db.select({ taxClass: products.taxClass }).from(products).where(like(products.slug, '%tea-tin%'))
    expect(teas.length).toBeGreaterThan(0)
    expect(teas.every((t) => t.taxClass === 'reduced')).toBe(true)
    const [weightless] = await db.select({ n: count() }).from(productVariants).where(eq(productVariants.weightGrams, 0))
    expect(weightless?.n).toBe(0)

    const again = await seedCheckout(env.DB)
    await seedDemoDiscounts(env.DB)
    expect(again).toEqual({ zones: 0, rates: 5 })
    expect(await db.select().from(discounts)).toHaveLength(2)
    expect((await listZones(env)).items).toHaveLength(3)
  })
})
