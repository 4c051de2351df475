/**
 * The demo store's checkout settings: shipping zones (Domestic = US, Europe = the EU, Rest of world =
 * every other country) with a Standard and an Express method each, sales tax for California and VAT for
 * Germany and France (prices exclude tax: a US store in USD), tea as reduced-rate food, and shipping
 * weights by category (the demo discounts are scripts/seed/discounts.ts's). Idempotent: what exists is left as
 * it is (a merchant's changes survive a re-seed), what is missing is added.
 */
import { and, count, eq, like, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import * as schema from '../../src/db/schema'
import { categories, checkoutSettings, productCategories, products, productVariants, shippingMethods, shippingZoneAreas, shippingZones, taxRates, type ShippingRateBand } from '../../src/db/schema'
import { chunkRows } from '../../src/db/client'
import { COUNTRIES } from '../../src/platform/countries'

/** The 27 member states of the European Union (ISO 3166-1 alpha-2). */
export const EU_COUNTRIES = ['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE']

interface DemoMethod {
  name: string
  estimate: string
  rateKind: 'flat' | 'weight'
  flatCents?: number
  bands?: ShippingRateBand[]
  freeAboveCents?: number
}
interface DemoZone {
  name: string
  shippingTaxable: boolean
  countries: string[]
  methods: DemoMethod[]
}

export const DEMO_ZONES: DemoZone[] = [
  {
    name: 'Domestic',
    // Most US states do not tax shipping that is charged separately.
    shippingTaxable: false,
    countries: ['US'],
    methods: [
      {
        name: 'Standard',
        estimate: '3–5 business days',
        rateKind: 'weight',
        bands: [
          { min: 0, max: 1000, price_cents: 500 },
          { min: 1000, max: 5000, price_cents: 900 },
          { min: 5000, max: null, price_cents: 1500 },
        ],
        freeAboveCents: 7500,
      },
      { name: 'Express', estimate: '1–2 business days', rateKind: 'flat', flatCents: 1900 },
    ],
  },
  {
    name: 'Europe',
    // EU VAT applies to shipping too.
    shippingTaxable: true,
    countries: EU_COUNTRIES,
    methods: [
      { name: 'Standard', estimate: '5–8 business days', rateKind: 'flat', flatCents: 1200 },
      { name: 'Express', estimate: '2–3 business days', rateKind: 'flat', flatCents: 2900 },
    ],
  },
  {
    name: 'Rest of world',
    shippingTaxable: false,
    countries: COUNTRIES.map((c) => c.code).filter((code) => code !== 'US' && !EU_COUNTRIES.includes(code)),
    methods: [
      { name: 'Standard', estimate: '7–14 business days', rateKind: 'flat', flatCents: 1800 },
      { name: 'Express', estimate: '3–5 business days', rateKind: 'flat', flatCents: 4500 },
    ],
  },
]

/** US sales tax is set per state (here California's 7.25 % base rate); VAT per EU country, standard and reduced. */
export const DEMO_TAX_RATES = [
  { country: 'US', region: 'CA', taxClass: 'standard', rateBp: 725, name: 'California sales tax' },
  { country: 'DE', region: '', taxClass: 'standard', rateBp: 1900, name: 'VAT' },
  { country: 'DE', region: '', taxClass: 'reduced', rateBp: 700, name: 'VAT' },
  { country: 'FR', region: '', taxClass: 'standard', rateBp: 2000, name: 'TVA' },
  { country: 'FR', region: '', taxClass: 'reduced', rateBp: 550, name: 'TVA' },
] as const

/** Shipping weight of a demo product's variants by its category (grams): the weight bands need weights. */
const WEIGHT_BY_CATEGORY: Record<string, number> = { cookware: 2500, tableware: 600, 'coffee-tea': 400, tops: 250, outerwear: 900, camping: 1800, cycling: 500, audio: 700 }

export async function seedCheckout(d1: D1Database): Promise<{ zones: number; rates: number }> {
  const db = drizzle(d1, { schema })
  const [zoneCount] = await db.select({ n: count() }).from(shippingZones)
  let zones = 0
  // Zones only into a store without any: areas belong to one zone, and a merchant's own set stays.
  if ((zoneCount?.n ?? 0) === 0) {
    for (const [position, zone] of DEMO_ZONES.entries()) {
      const [row] = await db.insert(shippingZones).values({ name: zone.name, shippingTaxable: zone.shippingTaxable, position }).returning({ id: shippingZones.id })
      if (!row) throw new Error(`zone ${zone.name} was not created`)
      const areas = chunkRows(zone.countries.map((country) => ({ zoneId: row.id, country, region: '' })))
      const methods = zone.methods.map((m, i) => ({ zoneId: row.id, name: m.name, estimate: m.estimate, rateKind: m.rateKind, flatCents: m.flatCents ?? 0, bands: m.bands ?? [], freeAboveCents: m.freeAboveCents ?? null, position: i }))
      await db.batch([db.insert(shippingMethods).values(methods), ...areas.map((rows) => db.insert(shippingZoneAreas).values(rows))])
      zones += 1
    }
  }
  await db.batch([
    db.insert(taxRates).values(DEMO_TAX_RATES.map((r) => ({ ...r }))).onConflictDoNothing(),
    // A US store: prices exclude tax, added at checkout (the migration writes the row; this keeps a fresh store so).
    db.insert(checkoutSettings).values({ id: 1, pricesIncludeTax: false }).onConflictDoNothing(),
    // Tea is food: the reduced rate where there is one.
    db.update(products).set({ taxClass: 'reduced' }).where(and(like(products.slug, '%tea-tin%'), eq(products.taxClass, 'standard'))),
  ])
  // Weights by category, only where none is set (a merchant's weight stays).
  const weight = sql.join(
    Object.entries(WEIGHT_BY_CATEGORY).map(([slug, grams]) => sql`when ${slug} then ${grams}`),
    sql` `,
  )
  await db.run(
    sql`update ${productVariants} set weight_grams = coalesce((select case c.slug ${weight} end from ${productCategories} pc join ${categories} c on c.id = pc.category_id
      where pc.product_id = ${productVariants.productId} and c.parent_id is not null limit 1), 0) where weight_grams = 0`,
  )
  const [rates] = await db.select({ n: count() }).from(taxRates)
  return { zones, rates: rates?.n ?? 0 }
}
