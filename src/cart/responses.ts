/** What the cart API answers, as zod schemas: the types are inferred from them and the OpenAPI document is generated from them. */
import { z } from 'zod'

/** Why a line counts for nothing in the totals. */
export const Unavailable = z.enum(['no_longer_sold', 'other_currency'])
export type Unavailable = z.infer<typeof Unavailable>

export const CartLineView = z
  .object({
    product_id: z.int(),
    slug: z.string().nullable(),
    name: z.string().nullable(),
    image_url: z.string().nullable(),
    unit_price_cents: z.int().nullable(),
    quantity: z.int(),
    line_total_cents: z.int().nullable().describe('Null for an unavailable line: it is not part of the subtotal'),
    currency: z.string().nullable(),
    unavailable: Unavailable.nullable(),
  })
  .meta({ id: 'CartLine' })
export type CartLineView = z.infer<typeof CartLineView>

export const CartView = z
  .object({
    items: z.array(CartLineView),
    currency: z.string().nullable().describe("The currency of the cart's sellable lines; null while it has none"),
    subtotal_cents: z.int(),
    item_count: z.int().describe('Units of the sellable lines'),
  })
  .meta({ id: 'Cart' })
export type CartView = z.infer<typeof CartView>
