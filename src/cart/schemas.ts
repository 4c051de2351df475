import { z } from 'zod'
import { LINE_QUANTITY_MAX } from '../db/schema'
import { wholeNumber } from '../platform/params'

/** How many of one product a cart line or an order line holds: 1..99. */
export const Quantity = z
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(LINE_QUANTITY_MAX, `must be at most ${LINE_QUANTITY_MAX}`)

export const ProductId = z.int('must be a product id').min(1, 'must be a product id')

export const VariantId = z.int('must be a variant id').min(1, 'must be a variant id')

/** A line names its variant, or its product when that has only one variant: exactly one of the two. */
export const lineRef = <T extends { variant_id?: number | undefined; product_id?: number | undefined }>(line: T, ctx: z.RefinementCtx, path: (string | number)[] = []) => {
  if ((line.variant_id === undefined) === (line.product_id === undefined)) {
    ctx.addIssue({ code: 'custom', path: [...path, 'variant_id'], message: 'give variant_id, or product_id for a product with one variant (not both)' })
  }
}

const LineTarget = {
  variant_id: VariantId.optional().describe('The variant to add (give this or product_id)'),
  product_id: ProductId.optional().describe('Only for a product with a single variant; 400 variant_required otherwise'),
}

export const AddCartItemBody = z.strictObject({ ...LineTarget, quantity: Quantity }).superRefine((line, ctx) => lineRef(line, ctx))
export type AddCartItemBody = z.infer<typeof AddCartItemBody>

export const UpdateCartItemBody = z.strictObject({ quantity: Quantity })
export type UpdateCartItemBody = z.infer<typeof UpdateCartItemBody>

/** `/api/cart/items/:variantId`. */
export const CartItemParam = z.object({ variantId: wholeNumber(1, Number.MAX_SAFE_INTEGER) })

/** The fields of an order or cart line that name what it is of. */
export const LINE_TARGET = LineTarget

/** `PATCH /api/cart`: the code and the estimate's destination saved on the cart (null clears; absent leaves as is). */
export const UpdateCartBody = z.strictObject({
  discount_code: z.string().trim().max(64, 'must be at most 64 characters').nullable().optional().describe('As typed; blank or null removes it'),
  estimate_country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code, e.g. "FR"')
    .nullable()
    .optional(),
  estimate_region: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z0-9]{0,3}$/, 'must be a region code such as "CA" (without the country), or empty')
    .nullable()
    .optional(),
})
export type UpdateCartBody = z.infer<typeof UpdateCartBody>
