/** What a quote answers (the cart's estimate, the checkout's breakdown, a `total_changed` conflict), as zod schemas: types and the OpenAPI document come from them. */
import { z } from 'zod'

const ShippingMethodQuoteView = z
  .object({
    id: z.int(),
    name: z.string(),
    estimate: z.string().describe('As the merchant wrote it ("3–5 business days")'),
    price_cents: z.int().describe('For this cart, before a free-shipping discount'),
    free_above: z.boolean().describe('Free because the subtotal after discounts reached the threshold of the method'),
  })
  .meta({ id: 'ShippingMethodQuote' })

const QuoteLineView = z.object({
  variant_id: z.int(),
  product_id: z.int(),
  quantity: z.int(),
  subtotal_cents: z.int().describe('Unit price × quantity'),
  discount_cents: z.int().describe("The line's share of the discounts"),
  net_cents: z.int().describe('subtotal − discount'),
  tax_cents: z.int(),
  tax_rate_bp: z.int().describe('Basis points: 2000 = 20 %'),
})

export const TaxLineView = z
  .object({ name: z.string(), rate_bp: z.int(), taxable_cents: z.int(), amount_cents: z.int() })
  .meta({ id: 'TaxLine', description: "The tax of one rate, shipping's included" })

export const AppliedDiscountView = z
  .object({ id: z.int(), code: z.string().nullable().describe('Null for an automatic promotion'), title: z.string(), kind: z.enum(['percentage', 'fixed', 'free_shipping']), amount_cents: z.int() })
  .meta({ id: 'AppliedDiscount' })

export const QuoteView = z
  .object({
    currency: z.string().nullable(),
    subtotal_cents: z.int(),
    discount_cents: z.int(),
    shipping_cents: z.int().describe('The chosen method, before a free-shipping discount'),
    shipping_discount_cents: z.int(),
    tax_cents: z.int(),
    tax_inclusive: z.boolean().describe('Prices include tax: tax_cents is what they include, not added to the total'),
    total_cents: z.int().describe('subtotal − discount + shipping − shipping discount + tax (when not inclusive)'),
    weight_grams: z.int(),
    lines: z.array(QuoteLineView),
    tax_lines: z.array(TaxLineView),
    discounts: z.array(AppliedDiscountView),
    destination: z.object({ country: z.string(), region: z.string() }).nullable(),
    shipping_required: z.boolean().describe('The store ships by zones: a method valid for the address must be chosen'),
    zone: z.object({ id: z.int(), name: z.string() }).nullable(),
    shipping_method: ShippingMethodQuoteView.nullable(),
    shipping_methods: z.array(ShippingMethodQuoteView).describe('The methods that can carry this cart to this destination'),
    problems: z.array(z.object({ code: z.enum(['destination_required', 'no_zone', 'no_method', 'method_required', 'method_unavailable']), message: z.string() })),
    discount_code: z.string().nullable().describe('The code as entered'),
    code_refusal: z.object({ reason: z.string(), message: z.string() }).nullable().describe('Why the entered code does not apply'),
  })
  .meta({ id: 'Quote' })
export type QuoteView = z.infer<typeof QuoteView>
