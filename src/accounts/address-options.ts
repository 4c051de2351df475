/**
 * What an address form offers: the countries the store ships to (those of its shipping zones' areas, or
 * every ISO 3166-1 country while no zone exists) and, for the countries whose addresses name one, their
 * regions (ISO 3166-2 subdivision codes without the country: US states, Canadian provinces and territories,
 * Australian states and territories).
 *
 * A local list until the shipping-tax work lands `src/platform/countries.ts` and its selects; then these
 * lists should come from there (one list of countries and regions in the store).
 */
import { getDb } from '../db/client'
import { shippingZoneAreas } from '../db/schema'
import { COUNTRIES } from './schemas'

export interface Choice {
  code: string
  name: string
}

/** Regions by country, for the countries whose addresses need one. */
export const REGIONS: Readonly<Record<string, readonly Choice[]>> = {
  US: choices(
    'AL Alabama|AK Alaska|AZ Arizona|AR Arkansas|CA California|CO Colorado|CT Connecticut|DE Delaware|DC District of Columbia|FL Florida|GA Georgia|HI Hawaii|ID Idaho|IL Illinois|IN Indiana|IA Iowa|KS Kansas|KY Kentucky|LA Louisiana|ME Maine|MD Maryland|MA Massachusetts|MI Michigan|MN Minnesota|MS Mississippi|MO Missouri|MT Montana|NE Nebraska|NV Nevada|NH New Hampshire|NJ New Jersey|NM New Mexico|NY New York|NC North Carolina|ND North Dakota|OH Ohio|OK Oklahoma|OR Oregon|PA Pennsylvania|RI Rhode Island|SC South Carolina|SD South Dakota|TN Tennessee|TX Texas|UT Utah|VT Vermont|VA Virginia|WA Washington|WV West Virginia|WI Wisconsin|WY Wyoming|AS American Samoa|GU Guam|MP Northern Mariana Islands|PR Puerto Rico|VI U.S. Virgin Islands|AA Armed Forces Americas|AE Armed Forces Europe|AP Armed Forces Pacific',
  ),
  CA: choices('AB Alberta|BC British Columbia|MB Manitoba|NB New Brunswick|NL Newfoundland and Labrador|NS Nova Scotia|NT Northwest Territories|NU Nunavut|ON Ontario|PE Prince Edward Island|QC Quebec|SK Saskatchewan|YT Yukon'),
  AU: choices('ACT Australian Capital Territory|NSW New South Wales|NT Northern Territory|QLD Queensland|SA South Australia|TAS Tasmania|VIC Victoria|WA Western Australia'),
}

function choices(list: string): Choice[] {
  return list.split('|').map((entry) => {
    const space = entry.indexOf(' ')
    return { code: entry.slice(0, space), name: entry.slice(space + 1) }
  })
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' })

/** A country's English name ("FR" → "France"), the code itself when the runtime knows no name. */
export const countryName = (code: string) => regionNames.of(code) ?? code

/** Every ISO 3166-1 country, by name. */
const ALL_COUNTRIES: readonly Choice[] = [...COUNTRIES].map((code) => ({ code, name: countryName(code) })).sort((a, b) => a.name.localeCompare(b.name, 'en'))

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
