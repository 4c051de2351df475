/**
 * What staff see of notifications: the messages that failed or died (their error and attempts) and the
 * replay of one; and, in development only, the dev mailbox (every mail the store kept instead of sending).
 */
import { and, desc, eq, inArray } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../db/client'
import { devMailbox, outbox, type DevMail, type OutboxRow } from '../db/schema'
import { isDevelopment } from '../platform/env'
import { conflict, notFound } from '../platform/errors'
import { enqueueOutbox, outboxRow } from './outbox'

/** The states staff look at: `failed` (the queue still retries) and `dead` (it gave up). */
export const TROUBLED_STATES = ['failed', 'dead'] as const

export const AdminOutboxQuery = z.strictObject({ state: z.enum(TROUBLED_STATES).optional() })
export type AdminOutboxQuery = z.infer<typeof AdminOutboxQuery>
/** An outbox id: a UUID (anything else is no such message). */
export const OutboxIdParam = z.object({ outboxId: z.uuid() })

export const AdminOutboxMessage = z
  .object({
    id: z.string(),
    type: z.string(),
    recipient: z.string().nullable(),
    state: z.enum(['pending', 'sent', 'failed', 'dead']),
    attempts: z.int(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .meta({ id: 'AdminOutboxMessage' })
export type AdminOutboxMessage = z.infer<typeof AdminOutboxMessage>
export const AdminOutboxList = z.object({ items: z.array(AdminOutboxMessage) }).meta({ id: 'AdminOutboxList' })

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
export const outboxMessageView = (row: OutboxRow): AdminOutboxMessage => ({
  id: row.id,
  type: row.type,
  recipient: row.recipient,
  state: row.state,
  attempts: row.attempts,
  last_error: row.lastError,
  created_at: new Date(row.createdAt).toISOString(),
  sent_at: iso(row.sentAt),
})

/** Failed and dead messages, newest first (at most 200). */
export async function listTroubledOutbox(env: Env, query: AdminOutboxQuery): Promise<AdminOutboxMessage[]> {
  const rows = await getDb(env)
    .select()
    .from(outbox)
    .where(inArray(outbox.state, query.state ? [query.state] : [...TROUBLED_STATES]))
    .orderBy(desc(outbox.createdAt))
    .limit(200)
  return rows.map(outboxMessageView)
}

/**
 * Sends a failed or dead message again: the row goes back to `pending` (its attempts and last error kept)
 * and onto the queue. 404 for an unknown id, 409 for a message that was sent or is waiting already.
 */
export async function replayOutbox(env: Env, id: string): Promise<AdminOutboxMessage> {
  const db = getDb(env)
  const [replayed] = await db
    .update(outbox)
    .set({ state: 'pending' })
    .where(and(eq(outbox.id, id), inArray(outbox.state, [...TROUBLED_STATES])))
    .returning()
  if (!replayed) {
    const row = await outboxRow(db, id)
    if (!row) throw notFound('message')
    throw conflict(row.state === 'sent' ? 'This message was sent already' : 'This message is waiting to be sent already')
  }
  await enqueueOutbox(env, [id])
  return outboxMessageView(replayed)
}

/** The dev mailbox exists in development only: anywhere else its pages are not there (404). */
function devOnly(env: Env) {
  if (!isDevelopment(env)) throw notFound('page')
}

/** The newest 100 mails of the dev mailbox. */
export async function listDevMail(env: Env): Promise<Pick<DevMail, 'id' | 'recipient' | 'subject' | 'createdAt'>[]> {
  devOnly(env)
  return getDb(env)
    .select({ id: devMailbox.id, recipient: devMailbox.recipient, subject: devMailbox.subject, createdAt: devMailbox.createdAt })
    .from(devMailbox)
    .orderBy(desc(devMailbox.createdAt))
    .limit(100)
}

export async function devMail(env: Env, id: string): Promise<DevMail> {
  devOnly(env)
  const mail = await getDb(env).select().from(devMailbox).where(eq(devMailbox.id, id)).get()
  if (!mail) throw notFound('mail')
  return mail
}
