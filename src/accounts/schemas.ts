import { z } from 'zod'

import { isCountry, regionCode, regionsOf } from '../platform/countries'

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }))
  .transform((email) => email.toLowerCase())

/** At least 10 characters (NIST 800-63B favours length over composition rules); at most 256. */
export const NewPassword = z.string().min(10, 'must be at least 10 characters').max(256, 'must be at most 256 characters')
export const Name = z.string().trim().min(1, 'is required').max(100)
export const line = (max: number) => z.string().trim().min(1, 'is required').max(max)
export const optionalLine = (max: number) => z.string().trim().max(max).nullish().transform((v) => (v ? v : null))

/** E.164: a plus, a country code, at most 15 digits in all. Spaces, dots and dashes are dropped first. */
export const Phone = z
  .string()
  .transform((phone) => phone.replace(/[\s.()-]/g, ''))
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an international number in E.164 form, e.g. +14155550123'))

/** An assigned ISO 3166-1 alpha-2 country code, any case in, upper case out. */
export const CountryCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine((code) => isCountry(code), 'must be an ISO 3166-1 alpha-2 country code, e.g. "FR"')

/**
 * A shipping address. `country` is an ISO 3166-1 alpha-2 code; where the country has regions (US, CA, AU:
 * src/platform/countries.ts) `region` is required and one of them, typed as its code or its name and stored
 * as its code ("California" → "CA"); elsewhere it is free text.
 */
export const ShippingAddress = z
  .object({
    name: line(100),
    line1: line(200),
    line2: optionalLine(200),
    city: line(100),
    region: optionalLine(100),
    postal_code: line(20),
    country: CountryCode,
    /** Optional; an address from the address book brings its own. */
    phone: Phone.nullish(),
  })
  .strict()
  .transform((address, ctx) => {
    if (regionsOf(address.country).length === 0) return address
    const code = address.region === null ? null : regionCode(address.country, address.region)
    if (code === null) {
      const which = address.country === 'US' ? 'state' : address.country === 'CA' ? 'province or territory' : 'state or territory'
      ctx.addIssue({ code: 'custom', path: ['region'], message: address.region === null ? `is required: choose the ${which}` : `must be a ${which} of ${address.country}, e.g. "${regionsOf(address.country)[0]?.code}"` })
      return z.NEVER
    }
    return { ...address, region: code }
  })

export const RegisterBody = z.object({ email: Email, password: NewPassword, name: Name }).strict()
export type RegisterBody = z.infer<typeof RegisterBody>

export const TokenBody = z.object({ email: Email, password: z.string().min(1, 'is required').max(256) }).strict()
export const RefreshBody = z.object({ refresh_token: z.string().min(1).max(200) }).strict()

export const UpdateProfileBody = z
  .object({
    name: Name.optional(),
    phone: Phone.nullable().optional(),
    default_shipping_address: ShippingAddress.nullable().optional(),
  })
  .strict()
export type UpdateProfileBody = z.infer<typeof UpdateProfileBody>

export const ChangePasswordBody = z.object({ current_password: z.string().min(1, 'is required').max(256), new_password: NewPassword }).strict()
