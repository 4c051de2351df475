import { z } from 'zod'

/** ISO 3166-1 alpha-2, officially assigned codes. */
export const COUNTRIES: ReadonlySet<string> = new Set(
  ('AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ ' +
    'DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT ' +
    'JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG ' +
    'NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH ' +
    'TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW').split(' '),
)

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

export const ShippingAddress = z
  .object({
    name: line(100),
    line1: line(200),
    line2: optionalLine(200),
    city: line(100),
    region: optionalLine(100),
    postal_code: line(20),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .refine((code) => COUNTRIES.has(code), 'must be an ISO 3166-1 alpha-2 country code, e.g. "FR"'),
    /** Optional; an address from the address book brings its own. */
    phone: Phone.nullish(),
  })
  .strict()

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
