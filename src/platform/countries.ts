/**
 * ISO 3166-1 countries with their English names, and the ISO 3166-2 regions of the countries whose
 * addresses name one (US states and DC, Canadian provinces and territories, Australian states and
 * territories). The codes come from iso-3166 (wooorm: the assigned alpha-2 codes, 29 KB); the names from
 * the runtime's `Intl.DisplayNames` ("United Kingdom", not ISO's "United Kingdom of Great Britain and
 * Northern Ireland"). The regions are written here: iso-3166's subdivision list is 355 KB for 5,000
 * entries of which an address needs 72 (test/countries.test.ts checks them against it).
 */
import { iso31661 } from 'iso-3166/1.js'

export interface Country {
  code: string
  name: string
}
export interface Region {
  /** The ISO 3166-2 code without its country ("CA" for US-CA, California). */
  code: string
  name: string
}

const displayNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' })

/** Every assigned country, by English name. */
export const COUNTRIES: readonly Country[] = iso31661
  .map((entry) => ({ code: entry.alpha2, name: displayNames.of(entry.alpha2) ?? entry.name }))
  .sort((a, b) => a.name.localeCompare(b.name, 'en'))

const byCode = new Map(COUNTRIES.map((country) => [country.code, country]))

const regions = (pairs: [string, string][]): readonly Region[] => pairs.map(([code, name]) => ({ code, name }))

/** Countries whose addresses must name one of their regions. */
const REGIONS: Record<string, readonly Region[]> = {
  US: regions([['AL', 'Alabama'], ['AK', 'Alaska'], ['AZ', 'Arizona'], ['AR', 'Arkansas'], ['CA', 'California'], ['CO', 'Colorado'], ['CT', 'Connecticut'], ['DE', 'Delaware'], ['DC', 'District of Columbia'], ['FL', 'Florida'], ['GA', 'Georgia'], ['HI', 'Hawaii'], ['ID', 'Idaho'], ['IL', 'Illinois'], ['IN', 'Indiana'], ['IA', 'Iowa'], ['KS', 'Kansas'], ['KY', 'Kentucky'], ['LA', 'Louisiana'], ['ME', 'Maine'], ['MD', 'Maryland'], ['MA', 'Massachusetts'], ['MI', 'Michigan'], ['MN', 'Minnesota'], ['MS', 'Mississippi'], ['MO', 'Missouri'], ['MT', 'Montana'], ['NE', 'Nebraska'], ['NV', 'Nevada'], ['NH', 'New Hampshire'], ['NJ', 'New Jersey'], ['NM', 'New Mexico'], ['NY', 'New York'], ['NC', 'North Carolina'], ['ND', 'North Dakota'], ['OH', 'Ohio'], ['OK', 'Oklahoma'], ['OR', 'Oregon'], ['PA', 'Pennsylvania'], ['RI', 'Rhode Island'], ['SC', 'South Carolina'], ['SD', 'South Dakota'], ['TN', 'Tennessee'], ['TX', 'Texas'], ['UT', 'Utah'], ['VT', 'Vermont'], ['VA', 'Virginia'], ['WA', 'Washington'], ['WV', 'West Virginia'], ['WI', 'Wisconsin'], ['WY', 'Wyoming']]),
  CA: regions([['AB', 'Alberta'], ['BC', 'British Columbia'], ['MB', 'Manitoba'], ['NB', 'New Brunswick'], ['NL', 'Newfoundland and Labrador'], ['NT', 'Northwest Territories'], ['NS', 'Nova Scotia'], ['NU', 'Nunavut'], ['ON', 'Ontario'], ['PE', 'Prince Edward Island'], ['QC', 'Quebec'], ['SK', 'Saskatchewan'], ['YT', 'Yukon']]),
  AU: regions([['ACT', 'Australian Capital Territory'], ['NSW', 'New South Wales'], ['NT', 'Northern Territory'], ['QLD', 'Queensland'], ['SA', 'South Australia'], ['TAS', 'Tasmania'], ['VIC', 'Victoria'], ['WA', 'Western Australia']]),
}

/** Whether `code` is an assigned ISO 3166-1 alpha-2 code (upper case). */
export const isCountry = (code: string) => byCode.has(code)

/** The English name of a country ("DE" → "Germany"), the code itself when it is not one. */
export const countryName = (code: string) => byCode.get(code)?.name ?? code

/** The regions an address in `country` chooses from, by name; empty when the country has none listed. */
export const regionsOf = (country: string): readonly Region[] => REGIONS[country] ?? []

/** Whether `region` is the code of one of `country`'s regions ("CA" of "US"). */
export const isRegionOf = (country: string, region: string) => regionsOf(country).some((r) => r.code === region)

/** A region's name ("US", "CA" → "California"), the code itself when it is not one. */
export const regionName = (country: string, region: string) => regionsOf(country).find((r) => r.code === region)?.name ?? region

/**
 * A region as typed (its code or its name, any case, spaces trimmed) to its code, or null when it is not
 * one of the country's.
 * @example regionCode('US', 'california') // "CA"
 */
export function regionCode(country: string, typed: string): string | null {
  const wanted = typed.trim().toLowerCase()
  const found = regionsOf(country).find((r) => r.code.toLowerCase() === wanted || r.name.toLowerCase() === wanted)
  return found?.code ?? null
}
