/**
 * Recording an outbound webhook event: the event row (its id is what receivers deduplicate by) and one
 * delivery per active endpoint subscribed to its type, written together. Two ways in:
 *
 * - `webhookEventStatements(db, event)`: the two statements for the caller's own D1 batch, so the change
 *   and its deliveries stand or fall together (product.updated in the admin's catalog batch, stock.changed
 *   in the stock write-through's). Without subscribers they write nothing.
 * - `recordWebhookEvent(env, event)`: writes them in a batch of their own and enqueues the deliveries
 *   (the outbox dispatch's order events, the admin's test event).
 *
 * Either way the event is keyed by its `sourceKey` (what caused it): recording the same cause again finds
 * the event made the first time and makes no second delivery for any endpoint (a unique (event, endpoint)
 * pair); only an endpoint that existed when the event happened gets it. Deliveries nobody enqueued (the
 * stock write-through has no queue binding at hand, a send that failed) are enqueued by the sweep
 * (`sweepWebhookDeliveries`, every minute).
 */
import { and, eq, inArray, lte, sql, SQL } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { getDb, type Db } from '../db/client'
import { webhookDeliveries, webhookEndpoints, webhookEvents, type WebhookEventType } from '../db/schema'
import { logError } from '../platform/logging'
import { ATTEMPT_TIMEOUT_MS } from './schedule'

export interface WebhookEventInput {
  type: WebhookEventType | 'webhook.test'
  /** What caused the event, unique: `outbox:<id>`, `product:<id>:<uuid>`… The same key never makes a second event. */
  sourceKey: string
  /** The event's data: a value (sent as JSON), or SQL that builds the JSON in the batch (what only the batch knows, e.g. a new row's id). */
  data: unknown
  /** Epoch ms: when the change happened (receivers get it as `created`, unix seconds). */
  createdAt: number
  /** Only this endpoint (the test event); otherwise every active endpoint subscribed to the type. */
  endpointId?: number
}

/** A message on the webhook queue: attempt number `attempt` of one delivery. */
export interface WebhookMessage {
  delivery_id: number
  attempt: number
}

export const newEventId = () => `evt_${crypto.randomUUID().replace(/-/g, '')}`

/** SQL: endpoint `ep` should get an event of `type` that happened at `createdAt`. */
const subscribed = (type: string, createdAt: number, endpointId?: number) =>
  endpointId !== undefined
    ? sql`ep.id = ${endpointId}`
    : sql`ep.is_active = 1 and ep.created_at <= ${createdAt} and exists (select 1 from json_each(ep.event_types) where value = ${type})`

/** The event row and its deliveries, for the caller's batch (see the module's comment). */
export function webhookEventStatements(db: Db, event: WebhookEventInput): BatchItem<'sqlite'>[] {
  const who = subscribed(event.type, event.createdAt, event.endpointId)
  const nowSql = sql`cast(unixepoch('subsec') * 1000 as integer)`
  return [
    db
      .insert(webhookEvents)
      .select(
        sql`select ${newEventId()}, ${event.type}, ${event.sourceKey}, ${event.data instanceof SQL ? sql`json(${event.data})` : JSON.stringify(event.data ?? null)}, ${event.createdAt}
          where exists (select 1 from ${webhookEndpoints} ep where ${who})`,
      )
      .onConflictDoNothing({ target: webhookEvents.sourceKey }),
    // Columns in the table's order: id, event_id, endpoint_id, status, attempts, next_attempt_at, last_*, created_at, updated_at.
    db
      .insert(webhookDeliveries)
      .select(
        sql`select null, e.id, ep.id, 'pending', 0, ${event.createdAt}, null, null, null, ${nowSql}, ${nowSql}
          from ${webhookEvents} e join ${webhookEndpoints} ep on ${who} where e.source_key = ${event.sourceKey}`,
      )
      .onConflictDoNothing({ target: [webhookDeliveries.eventId, webhookDeliveries.endpointId] }),
  ]
}

/** Sends first attempts to the queue. Best effort: what fails to send is left to the sweep. */
export async function enqueueAttempts(env: Pick<Env, 'WEBHOOK_QUEUE'>, messages: WebhookMessage[]): Promise<void> {
  try {
    for (let i = 0; i < messages.length; i += 100) await env.WEBHOOK_QUEUE.sendBatch(messages.slice(i, i + 100).map((body) => ({ body })))
  } catch (err) {
    logError('webhook enqueue failed: the sweep will send these', { deliveries: messages.map((m) => m.delivery_id), error: err })
  }
}

/** Enqueues the deliveries of the event caused by `sourceKey` that no attempt has started yet. */
export async function enqueueEventDeliveries(env: Pick<Env, 'DB' | 'WEBHOOK_QUEUE'>, sourceKey: string): Promise<number[]> {
  const rows = await getDb(env)
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(and(eq(webhookEvents.sourceKey, sourceKey), eq(webhookDeliveries.status, 'pending'), eq(webhookDeliveries.attempts, 0)))
  await enqueueAttempts(env, rows.map((row) => ({ delivery_id: row.id, attempt: 1 })))
  return rows.map((row) => row.id)
}

/**
 * Records an event and its deliveries (idempotent by `sourceKey`) and enqueues them; answers the event's
 * id, or null when no endpoint wants it.
 * @example await recordWebhookEvent(env, { type: 'order.paid', sourceKey: `outbox:${event.id}`, data: event.payload, createdAt: event.createdAt })
 */
export async function recordWebhookEvent(env: Pick<Env, 'DB' | 'WEBHOOK_QUEUE'>, event: WebhookEventInput): Promise<string | null> {
  const db = getDb(env)
  await db.batch(webhookEventStatements(db, event) as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
  const row = await db.select({ id: webhookEvents.id }).from(webhookEvents).where(eq(webhookEvents.sourceKey, event.sourceKey)).get()
  if (row) await enqueueEventDeliveries(env, event.sourceKey)
  return row?.id ?? null
}

/** How long a due delivery may wait for its message before the sweep sends another. */
export const SWEEP_GRACE_MS = 60_000

/**
 * Every minute: enqueues the pending deliveries whose attempt is overdue (never enqueued, a lost message,
 * an attempt whose Worker died: its claim runs out after ATTEMPT_TIMEOUT_MS + a minute). A message that
 * was only late finds the attempt already claimed and does nothing. At most 500 a run.
 */
export async function sweepWebhookDeliveries(env: Pick<Env, 'DB' | 'WEBHOOK_QUEUE'>, now = Date.now()): Promise<number> {
  const db = getDb(env)
  const due = await db
    .select({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, now - SWEEP_GRACE_MS)))
    .orderBy(webhookDeliveries.nextAttemptAt)
    .limit(500)
  if (due.length === 0) return 0
  // Pushed past the grace so that the next run does not send them again while these messages are on their way.
  const ids = due.map((row) => row.id)
  for (let i = 0; i < ids.length; i += 90) {
    await db
      .update(webhookDeliveries)
      .set({ nextAttemptAt: now + ATTEMPT_TIMEOUT_MS })
      .where(and(inArray(webhookDeliveries.id, ids.slice(i, i + 90)), eq(webhookDeliveries.status, 'pending')))
  }
  await enqueueAttempts(env, due.map((row) => ({ delivery_id: row.id, attempt: row.attempts + 1 })))
  return due.length
}
