import { z } from 'zod'

/**
 * What we read of Stripe's events, checked at runtime: a signed event is still input. One of a type we
 * act on that we cannot read is our mistake, not Stripe's: it is answered 500 and reported (see
 * `UnreadableEvent`), so that Stripe keeps sending it until the schema is fixed, rather than dropped.
 * Unknown fields pass (`z.object` strips them): Stripe adds fields without notice.
 */
const Metadata = z.record(z.string(), z.string()).nullish()
/** An expandable reference: Stripe sends the id, or the object when expanded. */
const Ref = z.union([z.string(), z.object({ id: z.string() })]).nullish().transform((ref) => (typeof ref === 'string' ? ref : (ref?.id ?? null)))
const Cents = z.number().int().nonnegative()

/** The envelope every event shares. */
export const StripeEventEnvelope = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
})
export type StripeEventEnvelope = z.infer<typeof StripeEventEnvelope>

/** checkout.session.* events. */
export const CheckoutSessionObject = z.object({
  id: z.string(),
  metadata: Metadata,
  client_reference_id: z.string().nullish(),
  payment_intent: Ref,
  amount_total: Cents.nullish(),
  currency: z.string().nullish(),
  /** `paid` once the money is in; `unpaid` for a completed session whose (async) payment is still to come. */
  payment_status: z.string().nullish(),
})
export type CheckoutSessionObject = z.infer<typeof CheckoutSessionObject>

/** payment_intent.* events. */
export const PaymentIntentObject = z.object({
  id: z.string(),
  metadata: Metadata,
  amount: Cents,
  amount_received: Cents.nullish(),
  currency: z.string(),
})
export type PaymentIntentObject = z.infer<typeof PaymentIntentObject>

/** charge.refunded: `amount_refunded` is the running total of the charge's refunds. */
export const ChargeObject = z.object({
  id: z.string(),
  metadata: Metadata,
  payment_intent: Ref,
  amount: Cents,
  amount_refunded: Cents,
  currency: z.string(),
  refunded: z.boolean().nullish(),
})
export type ChargeObject = z.infer<typeof ChargeObject>

/** The local test payment page's form. */
export const LocalPaymentForm = z.object({ outcome: z.enum(['pay', 'decline']) })

/** A staff refund (the admin issue's form or API validates into this). */
export const RefundOptions = z.strictObject({
  amountCents: z.number().int().positive().optional(),
  /** The order lines and units refunded (and returned to stock with `restock`); none with an amount: money only. */
  lines: z
    .array(
      z
        .strictObject({ variantId: z.number().int().positive().optional(), productId: z.number().int().positive().optional(), quantity: z.number().int().min(0).max(1_000) })
        .refine((line) => (line.variantId === undefined) !== (line.productId === undefined), { message: 'name the line by variantId, or by productId when the order has one line of it', path: ['variantId'] }),
    )
    .max(100)
    .optional(),
  restock: z.boolean(),
  reason: z.string().trim().min(1).max(500),
  /** The caller's id for this refund (e.g. a form token): asking again with it refunds once. Our key for the provider. */
  refundId: z
    .string()
    .regex(/^[A-Za-z0-9_:-]{1,200}$/)
    .optional(),
})
export type RefundOptions = z.input<typeof RefundOptions>
