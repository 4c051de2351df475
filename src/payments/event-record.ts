/**
 * How a Stripe event is written: its row alone when it changes nothing, or its order's change and its row
 * in one batch guarded on the order as it was read (events.ts decides which).
 */
import { eq, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { getDb } from '../db/client'
import { orders, stripeEvents } from '../db/schema'
import { logOrderMoved, orderChangeStatements, type OrderChange } from '../orders/status'
import type { LoadedOrder } from './order-payment'
import type { StripeEventEnvelope } from './schemas'
import { enqueueOutbox, type OutboxNote } from '../notifications/outbox'

/** What handling an event did. */
export interface HandledEvent {
  eventId: string
  type: string
  orderId: string | null
  /** paid, paid_late, refunded_unpayable, review_amount_mismatch, cancelled, refunded, ignored… */
  outcome: string
  /** The event had been handled before: nothing was done this time. */
  duplicate: boolean
}

export type EventRef = Pick<StripeEventEnvelope, 'id' | 'type'>

/** The order's batch lost a race with another change: decide again from the order as it now is. */
export class StaleOrder extends Error {}

/** An event that changes nothing about an order: its row alone, written once. */
export async function record(env: Env, event: EventRef, orderId: string | null, outcome: string): Promise<HandledEvent> {
  const inserted = await getDb(env)
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, orderId, outcome })
    .onConflictDoNothing()
    .returning({ id: stripeEvents.id })
  return { eventId: event.id, type: event.type, orderId, outcome, duplicate: inserted.length === 0 }
}

/**
 * Writes an event's change of its order and the event's row in one batch. The order's UPDATE is guarded
 * on the order as it was read (status and payment status); the event row is inserted with a NULL id
 * unless that UPDATE applied, so the batch fails as a whole, and undoes everything, both when the order
 * changed meanwhile (decided again) and when the event was handled already (a duplicate).
 */
export async function commit(
  env: Env,
  event: EventRef,
  order: LoadedOrder,
  outcome: string,
  { change, statements = [], notify = [] }: { change: OrderChange; statements?: BatchItem<'sqlite'>[]; notify?: OutboxNote[] },
): Promise<HandledEvent> {
  const db = getDb(env)
  const seen = { status: order.status, paymentStatus: order.paymentStatus }
  const eventRow = db.insert(stripeEvents).select(
    db
      .select({
        id: sql<string>`case when changes() = 1 then ${event.id} end`.as('id'),
        type: sql<string>`${event.type}`.as('type'),
        orderId: orders.id,
        outcome: sql<string>`${outcome}`.as('outcome'),
        receivedAt: sql<number>`${change.at}`.as('received_at'),
      })
      .from(orders)
      .where(eq(orders.id, order.id)),
  )
  try {
    await db.batch([...orderChangeStatements(env, order.id, seen, change), eventRow, ...statements, ...notify.map((note) => note.statement)])
  } catch (err) {
    const done = await db.select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.id, event.id)).get()
    if (done) return { eventId: event.id, type: event.type, orderId: order.id, outcome, duplicate: true }
    throw new StaleOrder(`order ${order.id} changed while event ${event.id} was handled`, { cause: err })
  }
  await enqueueOutbox(env, notify.map((note) => note.id))
  if (change.to && change.to !== order.status) logOrderMoved(env, { orderId: order.id, from: order.status, to: change.to, at: change.at }, change.note)
  return { eventId: event.id, type: event.type, orderId: order.id, outcome, duplicate: false }
}
