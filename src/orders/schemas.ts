import { z } from 'zod'
import { ShippingAddress } from '../accounts/schemas'
import { LINE_TARGET, lineRef, Quantity } from '../cart/schemas'
import { wholeNumber } from '../platform/params'

/** Lines of one order: each is a stock hold in its product's object, so the fan-out stays bounded. */
export const ORDER_LINES_MAX = 50
const PAGE_SIZE_DEFAULT = 20
const PAGE_SIZE_MAX = 100
const PAGE_MAX = 10_000

/** A line names its variant, or its product when that has a single variant (400 `variant_required` otherwise). */
const OrderLine = z.strictObject({ ...LINE_TARGET, quantity: Quantity }).superRefine((line, ctx) => lineRef(line, ctx))

/** A discount code as typed (the discounts service normalises it: case, spaces, look-alikes); blank means none. */
export const DiscountCode = z.string().max(64, 'must be at most 64 characters').describe('A discount code as typed; blank for none')

/** Either explicit lines or the signed-in user's cart; the address defaults to the profile's. */
export const CreateOrderBody = z
  .strictObject({
    items: z.array(OrderLine).min(1, 'must hold at least one line').max(ORDER_LINES_MAX, `must hold at most ${ORDER_LINES_MAX} lines`).optional(),
    from_cart: z.literal(true, 'must be true').optional(),
    shipping_address: ShippingAddress.optional(),
    shipping_method_id: z.int('must be a shipping method id').min(1, 'must be a shipping method id').optional().describe('Required once the store ships by zones: one of the methods a quote lists for the address'),
    discount_code: DiscountCode.optional(),
    expected_total_cents: z
      .int('must be whole cents')
      .min(0, 'must be at least 0')
      .optional()
      .describe('The total the shopper was shown: a different total now is a 409 total_changed carrying the new quote, and nothing is placed'),
  })
  .superRefine((body, ctx) => {
    if ((body.items === undefined) === (body.from_cart === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'give either items or from_cart: true' })
    }
    // The same variant twice is refused here when named; a product named for its one variant is checked once resolved.
    const seen = new Set<string>()
    body.items?.forEach((line, i) => {
      const [field, id] = line.variant_id !== undefined ? ['variant_id', line.variant_id] : ['product_id', line.product_id]
      if (seen.has(`${field}:${id}`)) ctx.addIssue({ code: 'custom', path: ['items', i, field], message: 'appears on an earlier line' })
      seen.add(`${field}:${id}`)
    })
  })
export type CreateOrderBody = z.infer<typeof CreateOrderBody>

/** What D1 keeps of an idempotency key (idempotency_keys_key_length). */
const IDEMPOTENCY_KEY_MAX = 255
const idempotencyKey = (max: number) =>
  z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')

/** `Idempotency-Key`: printable ASCII, 1..255 characters (headers arrive lower-cased). */
export const IdempotencyKeyHeader = z.object({ 'idempotency-key': idempotencyKey(IDEMPOTENCY_KEY_MAX).optional() })

/** The checkout page's hidden token becomes the order's idempotency key under this prefix. */
export const CHECKOUT_KEY_PREFIX = 'checkout:'

/** `POST /checkout` (the page): the address and the form's token, which with its prefix must still fit a key. */
export const CheckoutForm = z.object({
  shipping_address: ShippingAddress,
  shipping_method_id: z.coerce.number().int().min(1).optional(),
  discount_code: DiscountCode.optional(),
  expected_total_cents: z.coerce.number().int().min(0).optional(),
  checkout_token: idempotencyKey(IDEMPOTENCY_KEY_MAX - CHECKOUT_KEY_PREFIX.length).optional(),
})

export const OrderListQuery = z.strictObject({
  page: wholeNumber(1, PAGE_MAX).default(1),
  page_size: wholeNumber(1, PAGE_SIZE_MAX).default(PAGE_SIZE_DEFAULT),
})
export type OrderListQuery = z.infer<typeof OrderListQuery>

/** The `:id` of an order route (API and admin API). */
export const OrderIdParam = z.object({ id: z.string().describe('The order id (a UUID)') })
