/**
 * The consumer's extension point: what happens to an outbox event is whatever the handlers registered for
 * its type do. The mail is one handler (./mail-handler.ts, wired in src/index.ts); outbound webhooks for
 * integrations register theirs the same way, without touching the mail code:
 *
 *   onOutboxEvent(['order.created', 'order.paid', 'order.shipped', 'order.refunded'], async (env, event) => {
 *     // event.id is stable across redeliveries: use it as the webhook's event id / dedup key
 *   })
 *
 * Delivery is at least once: a handler may run again for the same event (the queue redelivers, a replay,
 * another handler of the event failing makes the message retry), so each must be idempotent by `event.id`.
 * A handler that throws makes the message retry with backoff (./consumer.ts); keep handlers short: a
 * handler that has slow work of its own (calling many endpoints) should record it (rows keyed by event id)
 * and do it elsewhere, rather than hold up the mail of the same event.
 *
 * Registries live in module state, like src/stock/signals.ts: src/index.ts registers at load, before any
 * queue batch is handled.
 */
import type { OutboxRow } from '../db/schema'
import type { OutboxEventType } from './outbox'

/** An outbox event as handlers see it. */
export interface OutboxEvent {
  id: string
  type: OutboxEventType | (string & {})
  payload: Record<string, unknown>
  recipient: string | null
  /** Epoch ms: when the change happened. */
  createdAt: number
  /** Deliveries before this one that failed. */
  attempts: number
}

export type OutboxHandler = (env: Env, event: OutboxEvent) => Promise<void>

/** Handlers by event type; '*' hears every type. */
const handlers = new Map<string, Set<OutboxHandler>>()

/**
 * Registers `handler` for the event types named ('*': all of them); returns the function that removes it.
 * @example onOutboxEvent('order.paid', async (env, event) => { await recordWebhookDeliveries(env, event) })
 */
export function onOutboxEvent(types: '*' | OutboxEventType | readonly OutboxEventType[], handler: OutboxHandler): () => void {
  const names = typeof types === 'string' ? [types] : [...types]
  for (const name of names) {
    let set = handlers.get(name)
    if (!set) handlers.set(name, (set = new Set()))
    set.add(handler)
  }
  return () => {
    for (const name of names) handlers.get(name)?.delete(handler)
  }
}

/** The event of an outbox row. */
export const outboxEvent = (row: OutboxRow): OutboxEvent => ({
  id: row.id,
  type: row.type,
  payload: row.payload,
  recipient: row.recipient,
  createdAt: row.createdAt,
  attempts: row.attempts,
})

/**
 * Runs every handler of the event's type (and the '*' ones), all of them even when one fails; rejects
 * with the first failure (every failure's message joined) so that the message is retried.
 */
export async function dispatchOutboxEvent(env: Env, event: OutboxEvent): Promise<void> {
  const chosen = new Set([...(handlers.get(event.type) ?? []), ...(handlers.get('*') ?? [])])
  const results = await Promise.allSettled([...chosen].map((handler) => handler(env, event)))
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))
  if (failures.length) throw new Error(failures.map((failure) => (failure instanceof Error ? failure.message : String(failure))).join('; '), { cause: failures[0] })
}
