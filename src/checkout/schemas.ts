import { z } from 'zod'
import { CountryCode, ShippingAddress } from '../accounts/schemas'
import { LINE_TARGET, lineRef, Quantity } from '../cart/schemas'
import { DiscountCode, ORDER_LINES_MAX } from '../orders/schemas'

const QuoteLine = z.strictObject({ ...LINE_TARGET, quantity: Quantity }).superRefine((line, ctx) => lineRef(line, ctx))

/**
 * `POST /api/checkout/quote`: lines (`items`) or the cart (`from_cart`), a destination (a whole
 * `shipping_address`, or `country` with an optional `region`; the cart's estimate country by default), the
 * chosen method and a code (the cart's saved code by default).
 */
export const QuoteBody = z
  .strictObject({
    items: z.array(QuoteLine).min(1, 'must hold at least one line').max(ORDER_LINES_MAX, `must hold at most ${ORDER_LINES_MAX} lines`).optional(),
    from_cart: z.literal(true, 'must be true').optional(),
    shipping_address: ShippingAddress.optional(),
    country: CountryCode.optional().describe('ISO 3166-1 alpha-2, when no shipping_address is given'),
    region: z.string().trim().max(100).optional().describe('A subdivision code without the country ("CA"), with country'),
    shipping_method_id: z.int('must be a shipping method id').min(1, 'must be a shipping method id').optional(),
    discount_code: DiscountCode.optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.items === undefined) === (body.from_cart === undefined)) ctx.addIssue({ code: 'custom', path: ['items'], message: 'give either items or from_cart: true' })
    if (body.shipping_address && body.country) ctx.addIssue({ code: 'custom', path: ['country'], message: 'give either shipping_address or country, not both' })
    if (body.region !== undefined && !body.country) ctx.addIssue({ code: 'custom', path: ['region'], message: 'goes with country' })
  })
export type QuoteBody = z.infer<typeof QuoteBody>
