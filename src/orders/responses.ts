/** What the orders API answers, as zod schemas: the types are inferred from them and the OpenAPI document is generated from them. */
import { z } from 'zod'
import { ShippingAddressView } from '../accounts/responses'
import { Instant } from '../catalog/responses'
import { OptionValueView } from '../cart/responses'
import { ORDER_STATUSES, PAYMENT_STATUSES } from '../db/schema'
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
    line_total_cents: z.int(),
  })
  .meta({ id: 'OrderLine' })
export type OrderLineView = z.infer<typeof OrderLineView>

export const OrderView = z
  .object({
    id: z.string(),
    status: z.enum(ORDER_STATUSES),
    currency: z.string(),
    subtotal_cents: z.int(),
    total_cents: z.int(),
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

/** A guest's order as placing it answers: the order, and the signed link that is the guest's only way back to it. */
export const GuestOrderView = OrderView.extend({
  access_key: z.string().describe('The key of the order’s signed link: `?key=` on GET /api/guest-orders/{id} and POST /api/guest-orders/{id}/checkout'),
  order_url: z.string().describe('The order’s page with its key, on this site (keep it: it is the only way back to the order without an account)'),
}).meta({ id: 'GuestOrder' })
