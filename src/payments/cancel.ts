/** Cancelling an order awaiting payment, by staff or by its customer: the holds are released and its lines go back to the cart. */
import { eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { orders } from '../db/schema'
import { linesBackToCart, type CartReturn } from '../cart/returns'
import { illegalTransition, transition } from '../orders/status'
import type { CurrentUser } from '../platform/env'
import { conflict, notFound } from '../platform/errors'
import { loadOrder, moneyIn, releaseHolds } from './order-payment'
import { enqueueOutbox, orderOutboxInsert } from '../notifications/outbox'
import { releaseStatements } from '../discounts/service'

/**
 * Cancels an order awaiting payment: every line's hold is released, then pending_payment → cancelled, and
 * in the same batch its lines go back to the owner's cart (see cart/returns.ts). 409 when the order is not
 * awaiting payment, a payment was received (refund it instead), or a payment is selling its stock right now.
 */
export async function cancelOrder(env: Env, orderId: string, { note = 'cancelled' }: { note?: string } = {}): Promise<CartReturn> {
  const order = await loadOrder(getDb(env), orderId)
  if (!order) throw notFound('order')
  if (order.status !== 'pending_payment') throw illegalTransition(order.status, 'cancelled')
  if (moneyIn(order)) throw conflict('A payment was received for this order: refund it instead')
  if (!(await releaseHolds(env, orderId))) throw conflict('A payment for this order is being recorded right now')
  const back = await linesBackToCart(env, order.userId, order.items)
  const cancelled = orderOutboxInsert(getDb(env), 'order.cancelled', orderId)
  // Its discount uses are given back in the same batch (src/discounts): once, with the cancellation.
  const discountUses = releaseStatements(getDb(env), orderId)
  await transition(env, orderId, 'cancelled', { from: 'pending_payment', note, alsoWrite: [...back.statements, ...discountUses, cancelled.statement] })
  await enqueueOutbox(env, [cancelled.id])
  return back
}

/** The customer cancels their own order awaiting payment (404 for anyone else's); see `cancelOrder`. */
export async function cancelOwnOrder(env: Env, viewer: CurrentUser, orderId: string): Promise<CartReturn> {
  const order = await getDb(env).select({ userId: orders.userId }).from(orders).where(eq(orders.id, orderId)).get()
  if (!order || order.userId !== viewer.id) throw notFound('order')
  return cancelOrder(env, orderId, { note: 'cancelled by the customer' })
}
