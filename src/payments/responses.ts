/** What the payments routes answer, as zod schemas: the types are inferred from them and the OpenAPI document is generated from them. */
import { z } from 'zod'
import { REFUND_STATUSES } from '../db/schema'

export const CheckoutStart = z
  .object({ url: z.string().describe("Where to send the shopper: Stripe's hosted page, or the local test page") })
  .meta({ id: 'CheckoutStart' })
export type CheckoutStart = z.infer<typeof CheckoutStart>

export const RefundView = z
  .object({
    id: z.string(),
    order_id: z.string(),
    amount_cents: z.int(),
    restock: z.boolean(),
    reason: z.string(),
    status: z.enum(REFUND_STATUSES),
    provider_refund_id: z.string().nullable(),
    lines: z.array(z.object({ variant_id: z.int(), product_id: z.int(), quantity: z.int() })).describe('The order lines (by variant) and units this refund is for; empty for money only'),
    restocked_units: z.int().describe('Units this refund returned to stock (0 unless `restock`; a line never sold returns none)'),
  })
  .meta({ id: 'Refund' })
export type RefundView = z.infer<typeof RefundView>

/** The webhook's answer to Stripe. */
export const WebhookReceipt = z
  .object({
    received: z.literal(true),
    duplicate: z.boolean().describe('The event had been handled before: nothing was done this time'),
    outcome: z.string().describe('paid, paid_late, refunded_unpayable, review_amount_mismatch, cancelled, refunded, ignored…'),
  })
  .meta({ id: 'WebhookReceipt' })
