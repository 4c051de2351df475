import { z } from 'zod'
import { ShippingAddress } from '../accounts/schemas'
import { ProductId, Quantity } from '../cart/schemas'
import { wholeNumber } from '../platform/params'

/** Lines of one order: each is a stock hold in its product's object, so the fan-out stays bounded. */
export const ORDER_LINES_MAX = 50
export const PAGE_SIZE_DEFAULT = 20
export const PAGE_SIZE_MAX = 100
export const PAGE_MAX = 10_000

export const OrderLine = z.strictObject({ product_id: ProductId, quantity: Quantity })

/** Either explicit lines or the signed-in user's cart; the address defaults to the profile's. */
export const CreateOrderBody = z
  .strictObject({
    items: z.array(OrderLine).min(1, 'must hold at least one line').max(ORDER_LINES_MAX, `must hold at most ${ORDER_LINES_MAX} lines`).optional(),
    from_cart: z.literal(true, 'must be true').optional(),
    shipping_address: ShippingAddress.optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.items === undefined) === (body.from_cart === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'give either items or from_cart: true' })
    }
    const seen = new Set<number>()
    body.items?.forEach((line, i) => {
      if (seen.has(line.product_id)) ctx.addIssue({ code: 'custom', path: ['items', i, 'product_id'], message: 'appears on an earlier line' })
      seen.add(line.product_id)
    })
  })
export type CreateOrderBody = z.infer<typeof CreateOrderBody>

/** `Idempotency-Key`: printable ASCII, 1..255 characters (headers arrive lower-cased). */
export const IdempotencyKeyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
})

export const OrderListQuery = z.strictObject({
  page: wholeNumber(1, PAGE_MAX).default(1),
  page_size: wholeNumber(1, PAGE_SIZE_MAX).default(PAGE_SIZE_DEFAULT),
})
export type OrderListQuery = z.infer<typeof OrderListQuery>
