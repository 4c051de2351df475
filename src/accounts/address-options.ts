/**
 * What an address form offers: the countries the store ships to (those of its shipping zones' areas, or
 * every ISO 3166-1 country while no zone exists) and, for the countries whose addresses name one, their
 * regions: the store's one list of both, src/platform/countries.ts.
 */
import { getDb } from '../db/client'
import { shippingZoneAreas } from '../db/schema'
import { COUNTRIES, countryName as nameOfCountry, regionsOf } from '../platform/countries'

export interface Choice {
  code: string
  name: string
}

/** Regions by country, for the countries whose addresses need one (US, CA, AU). */
export const REGIONS: Readonly<Record<string, readonly Choice[]>> = Object.fromEntries(['US', 'CA', 'AU'].map((country) => [country, regionsOf(country)]))

/** A country's English name ("FR" → "France"), the code itself when none is known. */
export const countryName = (code: string) => nameOfCountry(code)

/** Every ISO 3166-1 country, by name. */
const ALL_COUNTRIES: readonly Choice[] = COUNTRIES

/** The countries an address may be in here: those of the shipping zones, or all of them while the store has none. */
export async function shippableCountries(env: Env): Promise<Choice[]> {
  const rows = await getDb(env).selectDistinct({ country: shippingZoneAreas.country }).from(shippingZoneAreas)
  if (rows.length === 0) return [...ALL_COUNTRIES]
  const shipped = new Set(rows.map((row) => row.country))
  return ALL_COUNTRIES.filter((country) => shipped.has(country.code))
}

/**
 * The region as stored for this country: the subdivision code (case and surrounding spaces forgiven, the
 * region's name accepted too) where the country has a list, the text itself elsewhere; `undefined` when the
 * country needs a region from its list and this is none of them.
 */
export function normalRegion(country: string, region: string | null | undefined): string | null | undefined {
  const list = REGIONS[country]
  const text = region?.trim() ?? ''
  if (!list) return text === '' ? null : text
  const wanted = text.toUpperCase()
  return list.find((choice) => choice.code === wanted || choice.name.toUpperCase() === wanted)?.code
}
