/**
 * An address as the post of its country writes it, for every page that shows one (order, receipt, address
 * book, checkout, the admin): the US, Canada and Australia put "City, ST 12345" on one line; the UK puts
 * the town and the postcode on lines of their own; most of Europe writes "12345 City" (Italy adds the
 * province); the country's name always comes last. Lines only, no markup: callers decide how to show them.
 * (Google's libaddressinput data was considered: its format strings cover every country, at the cost of a
 * large table for the handful of countries this store ships to most.)
 */
import type { ShippingAddress } from '../db/schema'
import { countryName, regionName } from '../platform/countries'

/** A shipping address as the schema has it, whose recipient may be left out (a saved address, a form's preview). */
export type PostalAddress = Omit<ShippingAddress, 'name'> & { name?: string | null }

/** Countries that write "City, ST 12345" (the region as its code). */
const CITY_REGION_POSTCODE = new Set(['US', 'CA', 'AU', 'PR'])
/** Countries whose postcode has a line of its own under the town. */
const POSTCODE_OWN_LINE = new Set(['GB', 'IM', 'JE', 'GG'])
/** Countries that write "City postcode" (the code after the town). */
const CITY_POSTCODE = new Set(['IE', 'KR', 'BR', 'AR', 'IN', 'RU'])
/** Countries that write the postcode, the town and the province's code ("00144 Roma RM"). */
const POSTCODE_CITY_PROVINCE = new Set(['IT'])

const clean = (text: string | null | undefined) => (text ?? '').trim()

/** The locality line(s): where the town, the region and the postcode go. */
function localityLines(a: PostalAddress): string[] {
  const country = a.country.toUpperCase()
  const city = clean(a.city)
  const postcode = clean(a.postal_code)
  const region = clean(a.region)
  if (CITY_REGION_POSTCODE.has(country)) return [[city, [region, postcode].filter(Boolean).join(' ')].filter(Boolean).join(', ')]
  if (POSTCODE_OWN_LINE.has(country)) return [city.toUpperCase(), region ? regionName(country, region) : '', postcode.toUpperCase()]
  if (CITY_POSTCODE.has(country)) return [[city, postcode].filter(Boolean).join(' '), region ? regionName(country, region) : '']
  if (POSTCODE_CITY_PROVINCE.has(country)) return [[postcode, city, region].filter(Boolean).join(' ')]
  // Germany, France and most of the world: "75008 Paris"; a region, where one is given, on its own line.
  return [[postcode, city].filter(Boolean).join(' '), region ? regionName(country, region) : '']
}

/**
 * The lines of an address, name first and country last (phone after it when asked for).
 * @example formatAddressLines({ name: 'Ada', line1: '1 Main St', city: 'Springfield', region: 'IL', postal_code: '62701', country: 'US' })
 * // ['Ada', '1 Main St', 'Springfield, IL 62701', 'United States of America']
 */
export function formatAddressLines(address: PostalAddress, { withPhone = false }: { withPhone?: boolean } = {}): string[] {
  return [clean(address.name), clean(address.line1), clean(address.line2), ...localityLines(address), countryName(address.country.toUpperCase()), withPhone ? clean(address.phone) : ''].filter(Boolean)
}

/** The address on one line, as a banner or a table cell names it ("1 Main St, Springfield, IL 62701, United States"). */
export const formatAddressInline = (address: PostalAddress) => formatAddressLines({ ...address, name: null }).join(', ')
