import { z } from 'zod'
import { LINE_QUANTITY_MAX } from '../db/schema'
import { wholeNumber } from '../platform/params'

/** How many of one product a cart line or an order line holds: 1..99. */
export const Quantity = z
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(LINE_QUANTITY_MAX, `must be at most ${LINE_QUANTITY_MAX}`)

export const ProductId = z.int('must be a product id').min(1, 'must be a product id')

export const AddCartItemBody = z.strictObject({ product_id: ProductId, quantity: Quantity })
export type AddCartItemBody = z.infer<typeof AddCartItemBody>

export const UpdateCartItemBody = z.strictObject({ quantity: Quantity })
export type UpdateCartItemBody = z.infer<typeof UpdateCartItemBody>

/** `/api/cart/items/:productId`. */
export const CartItemParam = z.object({ productId: wholeNumber(1, Number.MAX_SAFE_INTEGER) })
