/**
 * The order's life as a state machine. Every change goes through `transition`, a conditional UPDATE
 * (`where status = <the status it was read in>`) written in one D1 batch with its order_events row, so
 * that of two racing changes only one applies and an illegal one never does.
 *
 *   pending_payment → paid | cancelled | expired
 *   expired         → paid        (a payment that lands after the hold ran out, when the stock is still there)
 *   paid            → shipped | cancelled | refunded   (cancelling a paid order refunds it: the payments issue)
 *   shipped         → delivered | refunded             (lost in transit)
 *   delivered       → refunded                         (a return)
 *   cancelled, refunded: final
 */
import { and, eq, sql } from 'drizzle-orm'
import { getDb } from '../db/client'
import { orderEvents, orders, type OrderStatus } from '../db/schema'
import { ApiError, notFound } from '../platform/errors'

export type { OrderStatus }

/** Status → the statuses it may move to. */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: ['paid', 'cancelled', 'expired'],
  expired: ['paid'],
  paid: ['shipped', 'cancelled', 'refunded'],
  shipped: ['delivered', 'refunded'],
  delivered: ['refunded'],
  cancelled: [],
  refunded: [],
}

/** Whether an order in status `from` may move to `to`. */
export const canTransition = (from: OrderStatus, to: OrderStatus): boolean => TRANSITIONS[from].includes(to)

/** The 409 of a move the state machine does not allow, or that lost a race. */
export const illegalTransition = (from: OrderStatus, to: OrderStatus) =>
  new ApiError(409, 'illegal_transition', `An order cannot go from ${from} to ${to}`)

export interface TransitionOptions {
  /** Only move from these statuses (e.g. expiry only from pending_payment); a legal move from any other is refused too. */
  from?: OrderStatus | readonly OrderStatus[]
  /** Kept with the event: why the order moved (a payment id, who cancelled…). */
  note?: string
}

export interface Transitioned {
  orderId: string
  from: OrderStatus
  to: OrderStatus
  /** Epoch ms. */
  at: number
}

/**
 * Moves an order to `to` and records the event, or throws: 404 for an unknown order, 409
 * `illegal_transition` when the move is not allowed from its status or another change got there first.
 * @example await transition(env, orderId, 'paid', { from: 'pending_payment', note: `stripe ${paymentIntentId}` })
 */
export async function transition(env: Env, orderId: string, to: OrderStatus, options: TransitionOptions = {}): Promise<Transitioned> {
  const db = getDb(env)
  const current = await db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).get()
  if (!current) throw notFound('order')
  const from = current.status
  const allowedFrom = options.from === undefined ? undefined : ([] as OrderStatus[]).concat(options.from)
  if ((allowedFrom && !allowedFrom.includes(from)) || !canTransition(from, to)) throw illegalTransition(from, to)

  const at = Date.now()
  const [updated] = await db.batch([
    db.update(orders).set({ status: to, updatedAt: at }).where(and(eq(orders.id, orderId), eq(orders.status, from))),
    // changes() is the row count of the UPDATE just before it in the batch (one transaction, one
    // connection): the event is written only when the status really moved.
    db.insert(orderEvents).select(
      db
        .select({
          id: sql<number>`null`.as('id'),
          orderId: orders.id,
          fromStatus: sql<OrderStatus>`${from}`.as('from_status'),
          toStatus: sql<OrderStatus>`${to}`.as('to_status'),
          at: sql<number>`${at}`.as('at'),
          note: sql<string | null>`${options.note ?? null}`.as('note'),
        })
        .from(orders)
        .where(and(eq(orders.id, orderId), sql`changes() = 1`)),
    ),
  ])
  if (updated.meta.changes !== 1) throw illegalTransition(from, to)
  return { orderId, from, to, at }
}
