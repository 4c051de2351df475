/** The address book's bodies (`/api/account/addresses`) and the form they come from, as zod schemas. */
import { z } from 'zod'
import { countryName, normalRegion, REGIONS } from './address-options'
import { isCountry } from '../platform/countries'
import { line, Name, optionalLine, Phone } from './schemas'

/** Addresses one account may keep. */
export const ADDRESSES_MAX = 20

const Country = z
  .string()
  .trim()
  .toUpperCase()
  .refine((code) => isCountry(code), 'must be an ISO 3166-1 alpha-2 country code, e.g. "FR"')

const fields = {
  name: Name,
  line1: line(200),
  line2: optionalLine(200),
  city: line(100),
  region: optionalLine(100),
  postal_code: line(20),
  country: Country,
  phone: Phone.nullish().transform((v) => v ?? null),
}

/** The region named for its country: a code of the country's list where it has one (US, CA, AU), else free text. */
function withRegion<T extends { country?: string; region?: string | null }>(address: T, ctx: z.RefinementCtx): T {
  if (address.country === undefined) return address
  const region = normalRegion(address.country, address.region)
  if (region === undefined) {
    const list = REGIONS[address.country] ?? []
    ctx.addIssue({ code: 'custom', path: ['region'], message: `must be a ${countryName(address.country)} region code, e.g. "${list[0]?.code}"` })
    return address
  }
  return { ...address, region }
}

/** A new address; `is_default` makes it the default (the first address is the default anyway). */
export const CreateAddressBody = z
  .strictObject({ ...fields, is_default: z.boolean().optional() })
  .transform((address, ctx) => withRegion(address, ctx))
export type CreateAddressBody = z.infer<typeof CreateAddressBody>

/** A partial change; the address it makes is checked whole (a new country needs its region). */
export const UpdateAddressBody = z
  .strictObject({
    name: fields.name.optional(),
    line1: fields.line1.optional(),
    line2: fields.line2.optional(),
    city: fields.city.optional(),
    region: fields.region.optional(),
    postal_code: fields.postal_code.optional(),
    country: fields.country.optional(),
    phone: Phone.nullable().optional(),
  })
export type UpdateAddressBody = z.infer<typeof UpdateAddressBody>

/** The `:id` of an address route. */
export const AddressIdParam = z.object({ id: z.string().describe('The address id') })
