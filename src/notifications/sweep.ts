/**
 * The outbox sweep (every minute, src/platform/scheduled.ts): rows still `pending` a minute after they
 * were written never reached the queue (the producer failed after their batch committed, or they were
 * written where no queue is at hand: the back-in-stock rows of a stock write-through). They are enqueued
 * now; a row that did reach the queue meanwhile is delivered twice, which sends once (./consumer.ts).
 */
import { and, asc, eq, lte } from 'drizzle-orm'
import { getDb } from '../db/client'
import { outbox } from '../db/schema'
import { enqueueOutbox } from './outbox'

/** How long a row may wait for its first delivery before the sweep enqueues it. */
export const SWEEP_AFTER_MS = 60_000
/** Rows enqueued per run at most; a backlog is left to the next minute. */
const SWEEP_MAX_ROWS = 500

export async function sweepOutbox(env: Env, { now = Date.now(), afterMs = SWEEP_AFTER_MS, limit = SWEEP_MAX_ROWS }: { now?: number; afterMs?: number; limit?: number } = {}): Promise<string[]> {
  const rows = await getDb(env)
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.state, 'pending'), lte(outbox.createdAt, now - afterMs)))
    .orderBy(asc(outbox.createdAt))
    .limit(limit)
  const ids = rows.map((row) => row.id)
  await enqueueOutbox(env, ids)
  return ids
}
