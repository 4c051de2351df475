/**
 * The order's life as a state machine. Every change goes through `transition`, a conditional UPDATE
 * (`where status = <the status it was read in>`) written in one D1 batch with its order_events row, so
 * that of two racing changes only one applies and an illegal one never does.
 *
 *   pending_payment → paid | cancelled | expired
 *                   | refunded    (paid just as its holds ran out, before the expiry was recorded, and the stock is gone:
 *                                  the payment is refunded automatically)
 *   expired         → paid        (a payment that lands after the hold ran out, when the stock is still there)
 *                   | refunded    (the same late payment when the stock is gone: refunded automatically)
 *   paid            → shipped | cancelled | refunded   (cancelling a paid order refunds it: the payments issue)
 *   shipped         → delivered | refunded             (lost in transit)
 *   delivered       → refunded                         (a return)
 *   cancelled, refunded: final
 */
import { and, eq, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { getDb } from '../db/client'
import { orderEvents, orders, type OrderStatus, type PaymentStatus } from '../db/schema'
import { ApiError, notFound } from '../platform/errors'
import { logEvent } from '../platform/logging'

export type { OrderStatus }

/** Status → the statuses it may move to. */
const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: ['paid', 'cancelled', 'expired', 'refunded'],
  expired: ['paid', 'refunded'],
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
  /**
   * Writes that belong to the move (a shipment, its audit entry, the lines going back to the cart): in the
   * same D1 batch, which fails as a whole when the move does not apply, so they stand or fall with it.
   */
  alsoWrite?: BatchItem<'sqlite'>[]
}

export interface Transitioned {
  orderId: string
  from: OrderStatus
  to: OrderStatus
  /** Epoch ms. */
  at: number
}

/** The order as a caller read it: a change applies only if the order is still so. */
export interface SeenOrder {
  status: OrderStatus
  /** Also require this payment status (payments decides on both). */
  paymentStatus?: PaymentStatus
}

/** What a change writes: a status move and/or the payment columns. */
export interface OrderChange {
  /** The status to move to; omitted or equal to the current one, the status stays and no event is written. */
  to?: OrderStatus
  paymentStatus?: PaymentStatus
  /** Null clears the flag; undefined leaves it. */
  reviewReason?: string | null
  note?: string
  /** Epoch ms. */
  at: number
}

/**
 * The statements of one guarded change of an order, for a batch: the UPDATE applies only while the order
 * is still as the caller `seen` it, and the order_events row is written only when the status moved. Right
 * after them `changes() = 1` holds exactly when the change applied, so a statement the caller appends can
 * depend on it (payments records the webhook event that way, and makes the batch fail when it did not).
 * Throws 409 `illegal_transition` for a move the state machine does not allow.
 * @example await db.batch([...orderChangeStatements(env, id, { status: 'pending_payment' }, { to: 'paid', at: Date.now() }), recordEvent])
 */
export function orderChangeStatements(
  env: Env,
  orderId: string,
  seen: SeenOrder,
  change: OrderChange,
  { strict = false }: { strict?: boolean } = {},
): [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] {
  const db = getDb(env)
  const from = seen.status
  const to = change.to ?? from
  if (to !== from && !canTransition(from, to)) throw illegalTransition(from, to)
  const where = and(eq(orders.id, orderId), eq(orders.status, from), seen.paymentStatus === undefined ? undefined : eq(orders.paymentStatus, seen.paymentStatus))
  const update = db
    .update(orders)
    .set({
      status: to,
      updatedAt: change.at,
      ...(change.paymentStatus !== undefined && { paymentStatus: change.paymentStatus }),
      ...(change.reviewReason !== undefined && { reviewReason: change.reviewReason }),
    })
    .where(where)
  if (to === from) return [update]
  // changes() is the row count of the UPDATE just before it in the batch (one transaction, one
  // connection): the event is written only when the status really moved. Strict, a move that did not
  // apply writes a NULL status instead, which NOT NULL refuses: the whole batch fails and undoes itself.
  const event = db.insert(orderEvents).select(
    db
      .select({
        id: sql<number>`null`.as('id'),
        orderId: orders.id,
        fromStatus: sql<OrderStatus>`${from}`.as('from_status'),
        toStatus: (strict ? sql<OrderStatus>`case when changes() = 1 then ${to} end` : sql<OrderStatus>`${to}`).as('to_status'),
        at: sql<number>`${change.at}`.as('at'),
        note: sql<string | null>`${change.note ?? null}`.as('note'),
      })
      .from(orders)
      .where(strict ? eq(orders.id, orderId) : and(eq(orders.id, orderId), sql`changes() = 1`)),
  )
  return [update, event]
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
  if ((allowedFrom && !allowedFrom.includes(from)) || from === to) throw illegalTransition(from, to)

  const at = Date.now()
  if (options.alsoWrite?.length) {
    try {
      await db.batch([...orderChangeStatements(env, orderId, { status: from }, { to, note: options.note, at }, { strict: true }), ...options.alsoWrite])
    } catch (err) {
      const now = await db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).get()
      if (now?.status !== from) throw illegalTransition(now?.status ?? from, to)
      throw err
    }
  } else {
    const [updated] = await db.batch(orderChangeStatements(env, orderId, { status: from }, { to, note: options.note, at }))
    if (updated.meta.changes !== 1) throw illegalTransition(from, to)
  }
  const moved = { orderId, from, to, at }
  logOrderMoved(env, moved, options.note)
  return moved
}

/**
 * Logs and counts an order's move as the event `order.<to>` (order.paid, order.shipped, order.expired…).
 * `transition` calls it; a caller that runs `orderChangeStatements` in a batch of its own calls it once
 * that batch applied the move.
 */
export function logOrderMoved(env: Env, moved: Transitioned, note?: string): void {
  logEvent(env, `order.${moved.to}`, { order_id: moved.orderId, from: moved.from, to: moved.to, note })
}
