/**
 * What a customer does with an order of theirs beyond paying it: cancel it while unpaid (by account or
 * through the order's signed link), order it again into the cart, and follow its parcel. Cancelling is the
 * one cancellation of src/payments/cancel.ts (holds released, discount uses given back, the lines back to
 * the cart), never a copy of it; these functions only decide who may and say why not in words.
 */
import { eq, inArray } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../db/client'
import { LINE_QUANTITY_MAX, orders, shipments } from '../db/schema'
import { cancelOrder, cancelOwnOrder } from '../payments/cancel'
import type { CartReturn } from '../cart/returns'
import { cartLines, addToLine, ensureUserCart, touchCart } from '../cart/queries'
import { CART_LINES_MAX } from '../cart/service'
import { variantForSale, variantsByIds, type VariantForSale } from '../cart/variants'
import { trackingUrl } from '../notifications/carriers'
import type { CurrentUser } from '../platform/env'
import { ApiError, notFound } from '../platform/errors'
import { stockOf } from '../stock/client'
import { variantText } from '../ui/variant-label'
import { orderByLink, orderForViewer, type OrderView } from './service'

/** An order's short reference, as customers see it ("8ACA3F68"). */
export const orderRefOf = (orderId: string) => orderId.slice(0, 8).toUpperCase()

/** A shipped order's parcel: the carrier, its number and the carrier's tracking page when we know it. */
export interface Tracking {
  carrier: string
  trackingNumber: string | null
  url: string | null
  shippedAt: number
  deliveredAt: number | null
}

/** The parcels of these orders (one statement), by order id; an order not shipped has none. */
export async function trackingOf(env: Env, orderIds: string[]): Promise<Map<string, Tracking>> {
  if (orderIds.length === 0) return new Map()
  const rows = await getDb(env).select().from(shipments).where(inArray(shipments.orderId, orderIds))
  return new Map(
    rows.map((row) => [row.orderId, { carrier: row.carrier, trackingNumber: row.trackingNumber, url: trackingUrl(row.carrier, row.trackingNumber), shippedAt: row.shippedAt, deliveredAt: row.deliveredAt }]),
  )
}

/** An order of the viewer's own: staff get the 404 anyone else gets (they act on others' orders in the admin). */
async function ownOrder(env: Env, viewer: CurrentUser, orderId: string): Promise<OrderView> {
  const owner = await getDb(env).select({ userId: orders.userId }).from(orders).where(eq(orders.id, orderId)).get()
  if (!owner || owner.userId !== viewer.id) throw notFound('order')
  return orderForViewer(env, viewer, orderId)
}

/** Whether the customer may cancel this order themselves: unpaid and still awaiting payment. */
export const customerMayCancel = (order: Pick<OrderView, 'status' | 'payment_status'>) => order.status === 'pending_payment' && order.payment_status !== 'paid'

/** Why a customer cannot cancel this order, in words (a 409 with code `not_cancellable`). */
function notCancellable(order: Pick<OrderView, 'id' | 'status' | 'payment_status'>): ApiError {
  const ref = orderRefOf(order.id)
  const paid = order.payment_status === 'paid' || order.payment_status === 'partially_refunded' || ['paid', 'shipped', 'delivered', 'refunded'].includes(order.status)
  const message = paid
    ? `Order ${ref} is paid, so it can no longer be cancelled here: contact us to stop or return it`
    : order.status === 'cancelled'
      ? `Order ${ref} is already cancelled`
      : order.status === 'expired'
        ? `Order ${ref} already ended: it was not paid in time`
        : `Order ${ref} can no longer be cancelled`
  return new ApiError(409, 'not_cancellable', message)
}

/** The signed-in customer cancels their own unpaid order (404 for anyone else's, staff included: they cancel in the admin). */
export async function cancelMyOrder(env: Env, viewer: CurrentUser, orderId: string): Promise<CartReturn> {
  const order = await ownOrder(env, viewer, orderId)
  if (!customerMayCancel(order)) throw notCancellable(order)
  return cancelOwnOrder(env, viewer, orderId)
}

/** Whoever holds the order's signed link (a guest) cancels it while unpaid; a wrong key is the 404 an unknown order is. */
export async function cancelOrderByLink(env: Env, orderId: string, key: unknown): Promise<CartReturn> {
  const { order } = await orderByLink(env, orderId, key)
  if (!customerMayCancel(order)) throw notCancellable(order)
  return cancelOrder(env, orderId, { note: 'cancelled through the order link' })
}

export const ReorderResult = z
  .object({
    added: z.array(z.object({ variant_id: z.int(), product_id: z.int(), name: z.string(), quantity: z.int().describe('Units put in the cart'), ordered: z.int().describe('Units the order had') })),
    not_added: z.array(
      z.object({
        variant_id: z.int(),
        name: z.string(),
        reason: z.enum(['no_longer_sold', 'sold_out', 'cart_full', 'other_currency', 'line_full']),
        message: z.string(),
      }),
    ),
    message: z.string().describe('What happened, naming the products: "Added 2 items to your cart. Not added: Harbor Mug (sold out)."'),
  })
  .meta({ id: 'ReorderResult' })
export type ReorderResult = z.infer<typeof ReorderResult>

/** "Harbor Tee (Navy / M)": a line as the customer knows it. */
const lineName = (name: string, title: string | null, optionValues: VariantForSale['optionValues']) => {
  const variant = variantText(title ?? '', optionValues)
  return variant ? `${name} (${variant})` : name
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/**
 * Puts the lines of a past order of `viewer` into their cart: each line's variant if it is still sold, as
 * many units as the order had, capped to what the stock can still set aside (beside what the cart already
 * holds) and to the line maximum; the cart's limits and currency hold. One D1 batch for what is added; a
 * line that cannot be added is named with its reason. Another's order is the 404 an unknown one is.
 */
export async function reorder(env: Env, viewer: CurrentUser, orderId: string): Promise<ReorderResult> {
  return reorderLines(env, viewer.id, await ownOrder(env, viewer, orderId))
}

async function reorderLines(env: Env, userId: number, order: OrderView): Promise<ReorderResult> {
  const db = getDb(env)
  const cartId = await ensureUserCart(db, userId)
  const ids = order.items.map((item) => item.variant_id).filter((id) => id > 0)
  const [held, variants] = await Promise.all([cartLines(db, cartId), variantsByIds(db, ids)])
  const quantities = new Map(held.map((line) => [line.variantId, line.quantity]))
  let currency = held.map((line) => (line.variant ? variantForSale(line.variant) : null)).find((v) => v?.isActive)?.currency ?? null
  let room = Math.max(CART_LINES_MAX - held.length, 0)
  // Every line's stock in parallel: one call to each product's stock object.
  const sellable = order.items.map((item) => variants.get(item.variant_id)).filter((v): v is VariantForSale => Boolean(v?.isActive))
  const available = new Map(await Promise.all(sellable.map(async (v) => [v.variantId, await stockOf(env, v.productId).available(v.productId, v.variantId)] as const)))
  const added: ReorderResult['added'] = []
  const notAdded: ReorderResult['not_added'] = []
  for (const item of order.items) {
    const variant = variants.get(item.variant_id)
    const name = lineName(variant?.name ?? item.name, variant?.title ?? item.variant_title, variant?.optionValues ?? item.option_values)
    const refuse = (reason: ReorderResult['not_added'][number]['reason'], message: string) => notAdded.push({ variant_id: item.variant_id, name, reason, message })
    if (!variant?.isActive) {
      refuse('no_longer_sold', `${name} is no longer sold`)
      continue
    }
    if (currency && variant.currency !== currency) {
      refuse('other_currency', `${name} is priced in ${variant.currency}, your cart in ${currency}`)
      continue
    }
    const had = quantities.get(variant.variantId) ?? 0
    if (!had && room === 0) {
      refuse('cart_full', `${name} did not fit: a cart holds at most ${CART_LINES_MAX} different items`)
      continue
    }
    const inStock = Math.max((available.get(variant.variantId) ?? 0) - had, 0)
    const units = Math.min(item.quantity, inStock, LINE_QUANTITY_MAX - had)
    if (units <= 0) {
      if (had >= LINE_QUANTITY_MAX) refuse('line_full', `${name}: your cart already holds the most it can (${LINE_QUANTITY_MAX})`)
      else refuse('sold_out', had ? `${name}: your cart already holds all we have in stock (${had})` : `${name} is sold out`)
      continue
    }
    if (!had) room -= 1
    currency ??= variant.currency
    quantities.set(variant.variantId, had + units)
    added.push({ variant_id: variant.variantId, product_id: variant.productId, name, quantity: units, ordered: item.quantity })
  }
  if (added.length) await db.batch([touchCart(db, cartId), ...added.map((line) => addToLine(db, cartId, { productId: line.product_id, variantId: line.variant_id }, line.quantity))])
  return { added, not_added: notAdded, message: reorderMessage(order, added, notAdded) }
}

/** "Added 3 items of order 8ACA3F68 to your cart (only 1 of Harbor Mug was in stock). Not added: Oak Desk is no longer sold." */
function reorderMessage(order: OrderView, added: ReorderResult['added'], notAdded: ReorderResult['not_added']): string {
  const ref = orderRefOf(order.id)
  const units = added.reduce((sum, line) => sum + line.quantity, 0)
  const short = added.filter((line) => line.quantity < line.ordered).map((line) => `only ${line.quantity} of ${line.name} ${line.quantity === 1 ? 'was' : 'were'} in stock`)
  const first = added.length
    ? `Added ${plural(units, 'item')} of order ${ref} to your cart${short.length ? ` (${short.join('; ')})` : ''}.`
    : `Nothing of order ${ref} could be added to your cart.`
  return notAdded.length ? `${first} Not added: ${notAdded.map((line) => line.message).join('; ')}.` : first
}
