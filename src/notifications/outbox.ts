/**
 * The transactional outbox: a change that must notify someone writes its outbox row IN THE SAME D1 BATCH
 * as the change itself (no change without its message, no message without its change), then, once that
 * batch committed, hands the row's id to the queue (`enqueueOutbox`, best effort). The queue's consumer
 * (./consumer.ts) runs the handlers of the event's type (./dispatch.ts: the mail, and what integrations
 * register); the sweep (./sweep.ts) re-enqueues rows that never reached the queue, so a producer failure
 * loses nothing.
 *
 * Event types are dotted: see `OutboxEventType`. Payloads (JSON):
 * - order events (`order.*`): `OrderEventPayload`, the order as it is right after the change: id, status,
 *   payment status, currency, subtotal and total in minor units, its lines, and what the event adds
 *   (`shipment` for order.shipped, `refund` for order.refunded).
 * - `account.registered`: `{ user_id, name, email }`; `account.password_reset`: `{ user_id, name, link }`
 *   (the link is removed from the row once it was sent); `account.guest_orders`: `{ guest_user_id, email,
 *   name }` (the "link your past orders" mail of a registration whose email a guest bought with; its
 *   signed link is made when the mail is sent, so that D1 never holds it);
 * - `product.back_in_stock`: `{ product_id, variant_id, name, slug, variant_title }`.
 */
import { eq, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { Db } from '../db/client'
import { outbox } from '../db/schema'
import { logError } from '../platform/logging'

/** The events the store writes today; integrations may subscribe to any of them (./dispatch.ts). */
export const OUTBOX_EVENT_TYPES = [
  'order.created',
  'order.paid',
  'order.payment_failed',
  'order.shipped',
  'order.delivered',
  'order.refunded',
  'order.cancelled',
  'order.expired',
  'account.registered',
  'account.password_reset',
  'account.guest_orders',
  'product.back_in_stock',
  // Named for integrations (outbound webhooks): this branch writes no rows of these two yet.
  'product.updated',
  'stock.changed',
] as const
export type OutboxEventType = (typeof OUTBOX_EVENT_TYPES)[number]

/** One line of an order event's payload. */
export interface OrderEventLine {
  product_id: number
  variant_id: number
  name: string
  /** "Navy / M" ("Default" for a product without options), as it was at purchase. */
  variant_title: string
  sku: string | null
  option_values: { name: string; value: string }[]
  quantity: number
  unit_price_cents: number
  line_total_cents: number
}

/** The payload of every `order.*` event. */
export interface OrderEventPayload {
  order_id: string
  status: string
  payment_status: string
  currency: string
  subtotal_cents: number
  total_cents: number
  user_id: number
  /** Placed by a guest checkout (an email, no account signed in). */
  guest_checkout?: boolean
  lines: OrderEventLine[]
  /** order.shipped: how it travels. */
  shipment?: { carrier: string; tracking_number: string | null }
  /** order.refunded: what was refunded so far, and whether that is everything. */
  refund?: { refunded_cents: number; full: boolean }
}

/** A message on the notifications queue: the outbox row to handle. */
export interface OutboxMessage {
  id: string
}

/** An outbox row about to be written: its id (to enqueue once the batch committed) and its insert (for the batch). */
export interface OutboxNote {
  id: string
  statement: BatchItem<'sqlite'>
}

export interface OutboxEntry {
  type: OutboxEventType | (string & {})
  payload: Record<string, unknown>
  recipient: string | null
  /** The row's id: a random UUID unless given (a caller that enqueues it needs it). */
  id?: string
}

/**
 * The insert of one outbox row, for the caller's batch; the id is the entry's or a fresh UUID.
 * @example const note = outboxInsert(db, { type: 'account.registered', payload, recipient: email }); await db.batch([change, note.statement]); await enqueueOutbox(env, [note.id])
 */
export function outboxInsert(db: Db, entry: OutboxEntry): OutboxNote {
  const id = entry.id ?? crypto.randomUUID()
  return { id, statement: db.insert(outbox).values({ id, type: entry.type, payload: entry.payload, recipient: entry.recipient }) }
}

/**
 * The outbox row of an order event, built in SQL from the order as the batch left it (so it sees the
 * status the statements before it in the batch wrote), its lines and its owner's address: no read before
 * the batch. It goes to the order's email (a guest's only contact), or its owner's for orders placed
 * before orders kept one. `extra` is merged into the payload (a JSON object). The row is written only if the order
 * exists; the caller's batch decides whether the change applied (a failing batch writes nothing).
 * @example const note = orderOutboxInsert(db, 'order.shipped', orderId, { shipment: { carrier, tracking_number } }); await transition(env, orderId, 'shipped', { alsoWrite: [note.statement] })
 */
export function orderOutboxInsert(db: Db, type: OutboxEventType, orderId: string, extra: Record<string, unknown> = {}): OutboxNote {
  const id = crypto.randomUUID()
  const payload = sql`json_patch(json_object(
      'order_id', o.id, 'status', o.status, 'payment_status', o.payment_status, 'currency', o.currency,
      'subtotal_cents', o.subtotal_cents, 'discount_cents', o.discount_cents, 'shipping_cents', o.shipping_cents,
      'shipping_discount_cents', o.shipping_discount_cents, 'shipping_method', o.shipping_method_name, 'tax_cents', o.tax_cents,
      'tax_inclusive', json(case when o.tax_inclusive then 'true' else 'false' end), 'total_cents', o.total_cents, 'user_id', o.user_id, 'guest_checkout', json(case when o.guest_checkout then 'true' else 'false' end),
      'lines', json((select json_group_array(json_object('product_id', i.product_id, 'variant_id', i.variant_id, 'name', i.product_name,
        'variant_title', i.variant_title, 'sku', i.sku, 'option_values', json(i.option_values), 'quantity', i.quantity,
        'unit_price_cents', i.price_at_purchase_cents, 'line_total_cents', i.line_total_cents)) from order_items i where i.order_id = o.id))
    ), ${JSON.stringify(extra)})`
  const statement = db.insert(outbox).select(
    sql`select ${id}, ${type}, ${payload}, coalesce(o.email, u.email), 'pending', 0, null, cast(unixepoch('subsec') * 1000 as integer), null
      from orders o join users u on u.id = o.user_id where o.id = ${orderId}`,
  )
  return { id, statement }
}

/**
 * Hands outbox ids to the queue once their batch committed. Best effort: a failure is logged and the
 * sweep sends the rows later (they stay `pending`), so the change that wrote them never fails for it.
 */
export async function enqueueOutbox(env: Pick<Env, 'NOTIFY_QUEUE'>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  try {
    // sendBatch takes at most 100 messages.
    for (let i = 0; i < ids.length; i += 100) await env.NOTIFY_QUEUE.sendBatch(ids.slice(i, i + 100).map((id) => ({ body: { id } satisfies OutboxMessage })))
  } catch (err) {
    logError('outbox enqueue failed: the sweep will send these', { ids, error: err })
  }
}

export const outboxRow = (db: Db, id: string) => db.select().from(outbox).where(eq(outbox.id, id)).get()
