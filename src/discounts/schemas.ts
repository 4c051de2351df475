/**
 * What staff send about discounts (API bodies and, through the same schemas, the admin's form). The value
 * is read by the discount's kind in `src/discounts/admin.ts`: a percentage as typed ("12.5", at most two
 * decimals, stored as basis points), a fixed amount as money ("5.00", stored as cents).
 */
import { z } from 'zod'
import { slugSchema } from '../catalog/schemas'
import { DISCOUNT_KINDS } from '../db/schema'
import { optionalDecimalPrice } from '../platform/money'
import { wholeNumber } from '../platform/params'
import { DISCOUNT_STATUSES } from './status'

/** A number or its text: "12.5" and 12.5 are read alike (by the kind, later). */
const TypedValue = z
  .union([z.string().trim().max(20), z.number().nonnegative().max(100_000_000)])
  .transform((value) => String(value))
  .describe('A percentage for kind percentage ("12.5": 12.5 % off); an amount for kind fixed ("5.00"); left out for free_shipping')

const Moment = z.iso.datetime({ offset: true, message: 'must be a date and time like 2026-12-24T09:00:00Z' }).nullable()

const fields = {
  code: z.string().max(200).nullable().describe('The code shoppers type (stored upper case, without spaces: Latin letters, digits, - and _); null or left out for an automatic promotion'),
  title: z.string().trim().max(100, 'must be at most 100 characters').describe('What the shopper reads in the cart ("10% off above $100"); the code when left out'),
  kind: z.enum(DISCOUNT_KINDS),
  value: TypedValue,
  min_subtotal: optionalDecimalPrice().nullable().describe('A minimum cart subtotal before discounts ("50.00"); null for none'),
  product_ids: z.array(z.int().min(1)).max(100),
  product_slugs: z.array(slugSchema).max(100).describe('Products by slug, added to product_ids'),
  category_ids: z.array(z.int().min(1)).max(50),
  starts_at: Moment,
  ends_at: Moment,
  usage_limit: z.int('must be a whole number').min(1, 'must be at least 1').max(100_000_000).nullable().describe('Orders in all; null for no limit'),
  per_customer_limit: z.int('must be a whole number').min(1, 'must be at least 1').max(1000).nullable().describe('Orders per buyer (by email); null for no limit'),
  is_active: z.boolean(),
}

export const AdminDiscountBody = z.strictObject({
  ...fields,
  code: fields.code.default(null),
  title: fields.title.optional(),
  value: TypedValue.optional(),
  min_subtotal: fields.min_subtotal.default(null),
  product_ids: fields.product_ids.default([]),
  product_slugs: fields.product_slugs.default([]),
  category_ids: fields.category_ids.default([]),
  starts_at: Moment.default(null),
  ends_at: Moment.default(null),
  usage_limit: fields.usage_limit.default(null),
  per_customer_limit: fields.per_customer_limit.default(null),
  is_active: fields.is_active.default(true),
})
export type AdminDiscountBody = z.infer<typeof AdminDiscountBody>

/** A partial change; eligibility lists replace the old ones when sent. */
export const AdminDiscountPatch = z.strictObject(Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, schema.optional()])) as { [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]> })
export type AdminDiscountPatch = z.infer<typeof AdminDiscountPatch>

export const AdminDiscountQuery = z.strictObject({
  q: z.string().trim().max(100).optional().describe('Part of the code or title'),
  status: z.enum(DISCOUNT_STATUSES).optional(),
  page: wholeNumber(1, 10_000).default(1),
  page_size: wholeNumber(1, 100).default(50),
})
export type AdminDiscountQuery = z.infer<typeof AdminDiscountQuery>
