/**
 * What the admin sends for shipping zones, their methods, tax rates and the tax setting: zod schemas that
 * validate the API's bodies and the admin pages' forms alike. Money in integer cents, weights in grams,
 * rates in basis points (725 = 7.25 %).
 */
import { z } from 'zod'
import { SHIPPING_RATE_KINDS, TAX_CLASSES, type ShippingRateBand } from '../db/schema'
import { countryName, isCountry, isRegionOf, regionsOf } from '../platform/countries'
import { wholeNumber } from '../platform/params'

const Cents = z.int('must be a whole number of cents').min(0, 'must not be negative').max(1_000_000_000)
// No control characters: SQLite's length() stops at a NUL, so the tables' length checks would refuse what zod let through.
const noControl = (text: string) => !/[\u0000-\u001f\u007f]/.test(text)
const Name = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters').refine(noControl, 'must not contain control characters')
const Estimate = z.string().trim().max(100, 'must be at most 100 characters').refine(noControl, 'must not contain control characters')
const Position = z.int('must be a whole number').min(0, 'must not be negative').max(10_000)
const CountryCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine((code) => isCountry(code), 'must be an ISO 3166-1 alpha-2 country code, e.g. "DE"')
const RegionCode = z.string().trim().toUpperCase().max(10).default('')

/** A region must be one the country has ('' for the whole country). */
const checkRegion = (where: { country: string; region: string }, ctx: z.RefinementCtx, path: (string | number)[]) => {
  if (where.region === '' || !isCountry(where.country) || isRegionOf(where.country, where.region)) return
  const known = regionsOf(where.country)
  ctx.addIssue({
    code: 'custom',
    path,
    message: known.length ? `"${where.region}" is not a region of ${countryName(where.country)} (e.g. "${known[0]?.code}")` : `${countryName(where.country)} has no regions here: leave it empty for the whole country`,
  })
}

export const ZoneArea = z.strictObject({ country: CountryCode, region: RegionCode }).superRefine((area, ctx) => checkRegion(area, ctx, ['region']))
export type ZoneArea = z.infer<typeof ZoneArea>

const Areas = z
  .array(ZoneArea)
  .max(300, 'at most 300 areas per zone')
  .superRefine((areas, ctx) => {
    const seen = new Set<string>()
    areas.forEach((area, i) => {
      const key = `${area.country}-${area.region}`
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i], message: `${key.replace(/-$/, '')} is listed twice` })
      seen.add(key)
    })
  })

export const ShippingZoneBody = z.strictObject({
  name: Name,
  shipping_taxable: z.boolean().default(false).describe('Whether shipping to this zone is taxed (at the destination’s standard rate)'),
  position: Position.default(0),
  areas: Areas.default([]).describe('Countries (region "" or left out) and regions (ISO 3166-2 code without the country, e.g. "CA" of US). An area is in one zone; a region’s area wins over its country’s'),
})
export type ShippingZoneBody = z.infer<typeof ShippingZoneBody>

export const ShippingZonePatch = z.strictObject({
  name: Name.optional(),
  shipping_taxable: z.boolean().optional(),
  position: Position.optional(),
  areas: Areas.optional().describe('The whole set of areas as it is to be'),
})
export type ShippingZonePatch = z.infer<typeof ShippingZonePatch>

const Band = z.strictObject({
  min: z.int('must be a whole number').min(0, 'must not be negative'),
  max: z.int('must be a whole number').min(1, 'must be above 0').nullable().describe('Exclusive; null for no upper end (the last band only)'),
  price_cents: Cents,
})

/** How a band reads in a message: "1000–2000 g", "from $50.00". */
const bandText = (band: ShippingRateBand, unit: 'g' | '¢') => `${band.min}${band.max === null ? '+' : `–${band.max}`} ${unit === 'g' ? 'g' : 'cents'}`

/**
 * Bands of one method: each max above its min, sorted by min, each starting where the one before ends
 * (no overlap, no gap a cart could fall into), only the last open-ended.
 */
export function bandProblems(bands: ShippingRateBand[], unit: 'g' | '¢'): { index: number; message: string }[] {
  const problems: { index: number; message: string }[] = []
  bands.forEach((band, i) => {
    if (band.max !== null && band.max <= band.min) problems.push({ index: i, message: `band ${i + 1}: the upper end (${band.max}) must be above the lower end (${band.min})` })
  })
  if (problems.length) return problems
  for (let i = 1; i < bands.length; i++) {
    const before = bands[i - 1] as ShippingRateBand
    const band = bands[i] as ShippingRateBand
    if (band.min < before.min) problems.push({ index: i, message: `band ${i + 1} (${bandText(band, unit)}) must come after band ${i} (${bandText(before, unit)}): list the bands from the lowest` })
    else if (before.max === null || band.min < before.max) problems.push({ index: i, message: `band ${i + 1} (${bandText(band, unit)}) overlaps band ${i} (${bandText(before, unit)})` })
    else if (band.min > before.max) problems.push({ index: i, message: `gap between band ${i} and band ${i + 1}: nothing covers ${before.max}–${band.min} ${unit === 'g' ? 'g' : 'cents'}, a cart there could not ship` })
  }
  return problems
}

const methodFields = {
  name: Name,
  estimate: Estimate.default('').describe('Shown as written, e.g. "3–5 business days"'),
  rate_kind: z.enum(SHIPPING_RATE_KINDS).describe('flat: flat_cents; weight: bands of the cart’s weight in grams; subtotal: bands of the subtotal in cents'),
  flat_cents: Cents.default(0),
  bands: z.array(Band).max(50, 'at most 50 bands').default([]).describe('From min (inclusive) to max (exclusive), contiguous, lowest first'),
  free_above_cents: Cents.nullable().default(null).describe('Free when the subtotal (after discounts) reaches this; null for never'),
  is_active: z.boolean().default(true),
  position: Position.default(0),
}

const checkRate = (method: { rate_kind?: string; bands?: ShippingRateBand[] }, ctx: z.RefinementCtx) => {
  if (method.rate_kind === undefined) return
  const bands = method.bands ?? []
  if (method.rate_kind === 'flat') {
    if (bands.length) ctx.addIssue({ code: 'custom', path: ['bands'], message: 'apply to weight or subtotal rates only: leave them empty for a flat rate' })
    return
  }
  if (bands.length === 0) ctx.addIssue({ code: 'custom', path: ['bands'], message: `a ${method.rate_kind} rate needs at least one band` })
  for (const problem of bandProblems(bands, method.rate_kind === 'weight' ? 'g' : '¢')) ctx.addIssue({ code: 'custom', path: ['bands', problem.index], message: problem.message })
}

export const ShippingMethodBody = z.strictObject(methodFields).superRefine(checkRate)
export type ShippingMethodBody = z.infer<typeof ShippingMethodBody>

/** A partial change; `rate_kind` and `bands` are checked together with what is stored (src/shipping/zones.ts). */
export const ShippingMethodPatch = z
  .strictObject({
    name: Name.optional(),
    estimate: Estimate.optional(),
    rate_kind: z.enum(SHIPPING_RATE_KINDS).optional(),
    flat_cents: Cents.optional(),
    bands: z.array(Band).max(50, 'at most 50 bands').optional(),
    free_above_cents: Cents.nullable().optional(),
    is_active: z.boolean().optional(),
    position: Position.optional(),
  })
export type ShippingMethodPatch = z.infer<typeof ShippingMethodPatch>
/** The whole method after a patch, checked as a new one would be. */
export const checkedMethod = (method: ShippingMethodBody) => ShippingMethodBody.safeParse(method)

export const TaxRateBody = z
  .strictObject({
    country: CountryCode,
    region: RegionCode.describe('ISO 3166-2 code without the country ("CA" of US), or "" for the whole country'),
    tax_class: z.enum(TAX_CLASSES).default('standard'),
    rate_bp: z.int('must be a whole number of basis points').min(0, 'must not be negative').max(10_000, 'must be at most 10000 (100 %)').describe('Basis points: 725 = 7.25 %'),
    name: Name.describe('How the receipt names it: "VAT", "Sales tax"'),
  })
  .superRefine((rate, ctx) => checkRegion(rate, ctx, ['region']))
export type TaxRateBody = z.infer<typeof TaxRateBody>

export const TaxRatePatch = z.strictObject({
  rate_bp: z.int('must be a whole number of basis points').min(0, 'must not be negative').max(10_000, 'must be at most 10000 (100 %)').optional(),
  name: Name.optional(),
})
export type TaxRatePatch = z.infer<typeof TaxRatePatch>

export const CheckoutSettingsBody = z.strictObject({
  prices_include_tax: z.boolean().describe('true: prices are entered including tax (EU/UK/AU; totals unchanged, tax shown as "includes"); false: tax is added at checkout (US)'),
})
export type CheckoutSettingsBody = z.infer<typeof CheckoutSettingsBody>

export const ZoneIdParam = z.object({ id: wholeNumber(1, Number.MAX_SAFE_INTEGER) })
export const MethodParams = z.object({ id: wholeNumber(1, Number.MAX_SAFE_INTEGER), methodId: wholeNumber(1, Number.MAX_SAFE_INTEGER) })

/**
 * A rate typed as a percentage ("7.25", "19", "5.5 %") to basis points, or null when it is not one with at
 * most two decimals between 0 and 100. String arithmetic, like prices (src/platform/money.ts).
 */
export function percentToBp(text: string): number | null {
  const match = /^(\d{1,3})(?:[.,](\d{1,2}))?\s*%?$/.exec(text.trim())
  if (!match) return null
  const bp = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
  return bp <= 10_000 ? bp : null
}

/** 725 → "7.25", 1900 → "19", 550 → "5.5". */
export const bpToPercent = (bp: number) => `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, '0')}`.replace(/\.?0+$/, '') || '0'
