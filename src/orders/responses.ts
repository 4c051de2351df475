/** What the orders API answers, as zod schemas: the types are inferred from them and the OpenAPI document is generated from them. */
import { z } from 'zod'
import { ShippingAddressView } from '../accounts/responses'
import { Instant } from '../catalog/responses'
import { OptionValueView } from '../cart/responses'
import { ORDER_STATUSES, PAYMENT_STATUSES } from '../db/schema'
import { AppliedDiscountView, TaxLineView } from '../checkout/responses'
import { PAGE_FIELDS, PAGE_LINK_FIELDS } from '../platform/pagination'

export const OrderLineView = z
  .object({
    variant_id: z.int().describe('The variant bought (negative for a line of a product deleted before variants: it had none)'),
    product_id: z.int(),
    name: z.string().describe('The product name when the order was placed'),
    sku: z.string().nullable().describe("The variant's SKU when the order was placed"),
    variant_title: z.string().describe('"Navy / M" when the order was placed; "Default" for a product without options'),
    option_values: z.array(OptionValueView).describe("The variant's option values when the order was placed"),
    quantity: z.int(),
    price_at_purchase_cents: z.int(),
    line_total_cents: z.int().describe('price_at_purchase_cents × quantity, before discounts'),
    discount_cents: z.int().describe("The line's share of the order's discounts"),
    tax_cents: z.int().describe("The line's tax, on its amount after discount (included in it when the order's tax_inclusive)"),
    tax_rate_bp: z.int().describe('The rate applied, in basis points (2000 = 20 %)'),
  })
  .meta({ id: 'OrderLine' })
export type OrderLineView = z.infer<typeof OrderLineView>

export const OrderView = z
  .object({
    id: z.string(),
    status: z.enum(ORDER_STATUSES),
    currency: z.string(),
    email: z.string().nullable().describe("The buyer's email when the order was placed (null on orders from before guest checkout)"),
    subtotal_cents: z.int().describe('Σ line price × quantity'),
    discount_cents: z.int().describe("Discounts on the items (the sum of the lines' shares)"),
    shipping: z
      .object({
        method_id: z.int().nullable(),
        method: z.string().nullable().describe('The method as named when the order was placed; null when the store charged no shipping'),
        cents: z.int().describe('Its price, before a free-shipping discount'),
        discount_cents: z.int(),
        weight_grams: z.int().describe('The cart weight it was priced on'),
      })
      .meta({ id: 'OrderShipping' }),
    tax_cents: z.int(),
    tax_inclusive: z.boolean().describe('Prices include tax: tax_cents is what they include, not added on top'),
    tax_lines: z.array(TaxLineView),
    discounts: z.array(AppliedDiscountView).describe('The discounts applied, with what each took off (goods and shipping)'),
    total_cents: z.int().describe('subtotal − discount + shipping − shipping discount + tax (when not inclusive): what is charged'),
    items: z.array(OrderLineView),
    shipping_address: ShippingAddressView,
    created_at: Instant,
    updated_at: Instant,
    hold_expires_at: Instant.nullable().describe('While the order awaits payment: when its stock holds run out and it expires. Null afterwards'),
    payment_status: z.enum(PAYMENT_STATUSES).describe("Where the money stands (the payment provider's word)"),
    refunded_cents: z.int().describe('How much of the payment went back, in cents of `currency`'),
    review_reason: z.string().nullable().describe('Set when staff must look at the order before it goes on'),
  })
  .meta({ id: 'Order' })
export type OrderView = z.infer<typeof OrderView>

export const OrderPage = z
  .object({
    items: z.array(OrderView),
    ...PAGE_FIELDS,
    ...PAGE_LINK_FIELDS,
  })
  .meta({ id: 'OrderPage' })
export type OrderPage = z.infer<typeof OrderPage>
