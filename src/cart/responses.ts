/** What the cart API answers, as zod schemas: the types are inferred from them and the OpenAPI document is generated from them. */
import { z } from 'zod'
import { QuoteView } from '../checkout/responses'

/** Why a line counts for nothing in the totals. */
export const Unavailable = z.enum(['no_longer_sold', 'other_currency'])
export type Unavailable = z.infer<typeof Unavailable>

/** One option's value of a variant: `{ name: 'Size', value: 'M' }`. */
export const OptionValueView = z.object({ name: z.string(), value: z.string() }).meta({ id: 'OptionValue' })

export const CartLineView = z
  .object({
    variant_id: z.int(),
    product_id: z.int(),
    slug: z.string().nullable(),
    name: z.string().nullable(),
    sku: z.string().nullable(),
    variant_title: z.string().nullable().describe('"Navy / M"; "Default" for a product without options; null once the variant is gone'),
    option_values: z.array(OptionValueView).describe("The variant's value of each option of its product, in order (none for a default variant)"),
    image_url: z.string().nullable().describe("The variant's image, else the product's first"),
    unit_price_cents: z.int().nullable().describe("The variant's price"),
    quantity: z.int(),
    line_total_cents: z.int().nullable().describe('Null for an unavailable line: it is not part of the subtotal'),
    currency: z.string().nullable(),
    available: z.int().describe('Units of the variant that can be ordered now (0 for an unavailable line)'),
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
    discount_code: z.string().nullable().describe('The discount code saved on the cart (PATCH /api/cart), as entered'),
    estimate_country: z.string().nullable().describe('Where the estimate ships to (ISO 3166-1 alpha-2)'),
    estimate_region: z.string().nullable(),
    estimate: QuoteView.nullable().describe("The totals with the saved code, and shipping (the cheapest method) and tax to the estimate's country; null until either is set"),
  })
  .meta({ id: 'Cart' })
export type CartView = z.infer<typeof CartView>
