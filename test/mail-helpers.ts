import { env } from 'cloudflare:test'
import { and, asc, eq, ne } from 'drizzle-orm'
import '../src/index'
import { getDb } from '../src/db/client'
import { devMailbox, outbox, type DevMail } from '../src/db/schema'
import { deliverOutbox } from '../src/notifications/consumer'

/**
 * The mails the store sent `email`, oldest first, as the dev mailbox keeps them: the outbox rows of the
 * address not yet handled are delivered first (what the queue's consumer does a moment later anyway; a
 * second delivery sends nothing), so that a test reads them without waiting for the queue.
 */
export async function mailsTo(email: string): Promise<DevMail[]> {
  const db = getDb(env)
  const waiting = await db.select({ id: outbox.id }).from(outbox).where(and(eq(outbox.recipient, email), ne(outbox.state, 'sent')))
  for (const row of waiting) await deliverOutbox(env, row.id).catch(() => undefined)
  return db.select().from(devMailbox).where(eq(devMailbox.recipient, email)).orderBy(asc(devMailbox.createdAt), asc(devMailbox.id))
}

/** The outbox rows of `email`, oldest first. */
export const outboxOf = (email: string) => getDb(env).select().from(outbox).where(eq(outbox.recipient, email)).orderBy(asc(outbox.createdAt))

/** The newest mail to `email`, or undefined. */
export const lastMailTo = async (email: string) => (await mailsTo(email)).at(-1)
