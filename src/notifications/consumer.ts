/**
 * The notifications queue's consumer (`cato-notifications`) and its dead-letter queue's
 * (`cato-notifications-dlq`), both wired in wrangler.toml. For each message, the outbox row it names is
 * loaded; a row already sent does nothing (a duplicate delivery, a replay of a message that got through);
 * otherwise the handlers of its type run (./dispatch.ts) and the row is marked sent. A failure is recorded
 * on the row (attempts, last_error, state `failed`) and the message retried after `retryDelaySeconds`;
 * after the queue's last retry (max_retries) it lands in the dead-letter queue, whose consumer marks the
 * row `dead`: listed in the admin (/admin/outbox) with its error, and replayable.
 */
import { and, eq, ne, sql } from 'drizzle-orm'
import { getDb } from '../db/client'
import { outbox } from '../db/schema'
import { log, logError } from '../platform/logging'
import { dispatchOutboxEvent, outboxEvent } from './dispatch'
import { outboxRow, type OutboxMessage } from './outbox'

export const NOTIFY_QUEUE_NAME = 'cato-notifications'
export const NOTIFY_DLQ_NAME = 'cato-notifications-dlq'

/** The delay before retry number `attempts` (1-based, as `message.attempts`): 30 s, 1, 2, 4, 8 min… at most an hour. */
export const retryDelaySeconds = (attempts: number) => Math.min(30 * 2 ** Math.max(0, attempts - 1), 3600)

/** Events whose payload carries a secret for the mail only: it is dropped from the row once sent. */
const SECRET_PAYLOAD_TYPES = new Set(['account.password_reset'])

export type DeliveryOutcome = 'sent' | 'already_sent' | 'unknown'

/**
 * Handles one outbox row: runs its handlers and marks it sent, or throws after recording the failure on
 * the row. Safe to call again for the same id: a row already sent does nothing.
 */
export async function deliverOutbox(env: Env, id: string): Promise<DeliveryOutcome> {
  const db = getDb(env)
  const row = await outboxRow(db, id)
  if (!row) return 'unknown'
  if (row.state === 'sent') return 'already_sent'
  try {
    await dispatchOutboxEvent(env, outboxEvent(row))
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 1000)
    await db
      .update(outbox)
      .set({ state: 'failed', attempts: sql`${outbox.attempts} + 1`, lastError: message })
      .where(and(eq(outbox.id, id), ne(outbox.state, 'sent')))
    throw err
  }
  await db
    .update(outbox)
    .set({
      state: 'sent',
      sentAt: Date.now(),
      attempts: sql`${outbox.attempts} + 1`,
      lastError: null,
      ...(SECRET_PAYLOAD_TYPES.has(row.type) && { payload: { redacted: true } }),
    })
    .where(eq(outbox.id, id))
  return 'sent'
}

const idOf = (body: unknown): string | null =>
  typeof body === 'object' && body !== null && typeof (body as OutboxMessage).id === 'string' ? (body as OutboxMessage).id : null

/** `cato-notifications`: each message on its own; a failure retries that message with a growing delay. */
export async function handleNotifications(batch: MessageBatch, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const id = idOf(message.body)
    if (!id) {
      logError('notification message without an outbox id', { message_id: message.id })
      message.ack()
      continue
    }
    try {
      const outcome = await deliverOutbox(env, id)
      if (outcome === 'unknown') logError('notification for an unknown outbox row', { outbox_id: id })
      message.ack()
    } catch (err) {
      logError('notification failed, retried', { outbox_id: id, attempts: message.attempts, error: err })
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })
    }
  }
}

/** `cato-notifications-dlq`: the queue gave up on these; their rows become `dead` (unless sent meanwhile). */
export async function handleDeadNotifications(batch: MessageBatch, env: Env): Promise<void> {
  const db = getDb(env)
  for (const message of batch.messages) {
    const id = idOf(message.body)
    if (id) {
      await db.update(outbox).set({ state: 'dead' }).where(and(eq(outbox.id, id), ne(outbox.state, 'sent')))
      log('warn', { msg: 'notification dead', outbox_id: id })
    }
    message.ack()
  }
}

/** The Worker's queue handler for the notification queues; false for a queue that is not theirs. */
export async function notificationQueue(batch: MessageBatch, env: Env): Promise<boolean> {
  if (batch.queue === NOTIFY_QUEUE_NAME) await handleNotifications(batch, env)
  else if (batch.queue === NOTIFY_DLQ_NAME) await handleDeadNotifications(batch, env)
  else return false
  return true
}
