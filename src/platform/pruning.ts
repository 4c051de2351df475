/**
 * The hourly clean-up (Cron Trigger, see ./scheduled.ts): rows that no request can use any more are
 * deleted, each kind after its stated retention (README, "Operations"). Deletes go in bounded batches
 * (`delete … where rowid in (select rowid … limit N)`), at most `maxBatches` per kind and run, so that a
 * run stays far within a Worker's limits whatever piled up; what is left waits for the next hour.
 */
import { and, eq, isNotNull, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { RATE_LIMIT_RETENTION_MS } from '../accounts/rate-limit'
import { GUEST_CART_TTL_MS } from '../cart/service'
import { getDb, type Db } from '../db/client'
import { cartItems, carts, devMailbox, idempotencyKeys, outbox, passwordResets, rateLimits, refreshTokens, sessions, webhookEvents } from '../db/schema'
import { logEvent } from './logging'

const HOUR_MS = 60 * 60 * 1000
const DAY_MS = 24 * HOUR_MS

/**
 * Revoked refresh tokens are kept a week after their revocation, to trace an incident ("why was I signed
 * out?"). Used tokens of a live family are never pruned before they expire: while its family may still
 * have a live member, a used token presented again must be recognised as reuse (and revoke the family).
 */
const REVOKED_REFRESH_RETENTION_MS = 7 * DAY_MS
/** Used or expired reset links are kept a day (support can still tell "expired" from "never sent"). */
const SPENT_RESET_RETENTION_MS = DAY_MS
/**
 * Idempotency keys answer a replay for 24 hours (`KEY_RETENTION_MS` in orders/idempotency.ts, like
 * Stripe's); their rows are pruned after a week, longer than any client retries, so that pruning never
 * decides a replay's fate: the 24-hour rule does.
 */
const IDEMPOTENCY_KEY_RETENTION_MS = 7 * DAY_MS
/** Outbound webhook events (with their deliveries and attempts, by cascade) are kept 30 days: well past their 3 days of retries, for the delivery log. */
const WEBHOOK_EVENT_RETENTION_MS = 30 * DAY_MS

/** Sent notifications are kept 30 days (support can tell a customer what was mailed when); failed and dead ones until replayed. */
const SENT_OUTBOX_RETENTION_MS = 30 * DAY_MS
/** The dev mailbox (development only) keeps a week of mail. */
const DEV_MAILBOX_RETENTION_MS = 7 * DAY_MS

/** Rows per delete statement, and delete statements per kind and run. */
const PRUNE_BATCH_ROWS = 500
const PRUNE_MAX_BATCHES = 20

export interface PruneOptions {
  now?: number
  batchRows?: number
  maxBatches?: number
}

interface Rule {
  table: SQLiteTable
  /** The rows of `table` past their retention at `now`. */
  stale: (now: number) => SQL | undefined
  /** The rows' children, deleted first in the same D1 batch: given the select of the rows' rowids. */
  children?: typeof deleteCartLines
}

const deleteCartLines = (db: Db, cartIds: SQL) => db.delete(cartItems).where(sql`${cartItems.cartId} in (${cartIds})`)

/** What is pruned, by the name the log line counts it under. */
const RULES: Record<string, Rule> = {
  // A session is useless once expired (its cookie may outlive it; the server refuses it).
  sessions: { table: sessions, stale: (now) => lte(sessions.expiresAt, now) },
  refresh_tokens: {
    table: refreshTokens,
    stale: (now) => or(lte(refreshTokens.expiresAt, now), lte(refreshTokens.revokedAt, now - REVOKED_REFRESH_RETENTION_MS)),
  },
  password_resets: {
    table: passwordResets,
    stale: (now) => or(lte(passwordResets.expiresAt, now - SPENT_RESET_RETENTION_MS), lte(passwordResets.usedAt, now - SPENT_RESET_RETENTION_MS)),
  },
  rate_limits: { table: rateLimits, stale: (now) => lte(rateLimits.windowStart, now - RATE_LIMIT_RETENTION_MS) },
  idempotency_keys: { table: idempotencyKeys, stale: (now) => lte(idempotencyKeys.createdAt, now - IDEMPOTENCY_KEY_RETENTION_MS) },
  // A guest cart unchanged for as long as its cookie lives can no longer be reached; its lines go with it.
  guest_carts: {
    table: carts,
    stale: (now) => and(isNull(carts.userId), isNotNull(carts.tokenHash), lte(carts.updatedAt, now - GUEST_CART_TTL_MS)),
    // The cart's id is its rowid.
    children: deleteCartLines,
  },
  sent_outbox: { table: outbox, stale: (now) => and(eq(outbox.state, 'sent'), lte(outbox.sentAt, now - SENT_OUTBOX_RETENTION_MS)) },
  dev_mailbox: { table: devMailbox, stale: (now) => lte(devMailbox.createdAt, now - DEV_MAILBOX_RETENTION_MS) },
  // Their deliveries and attempts go with them (ON DELETE CASCADE).
  webhook_events: { table: webhookEvents, stale: (now) => lte(webhookEvents.createdAt, now - WEBHOOK_EVENT_RETENTION_MS) },
}

/** Deletes one batch of a rule's stale rows (with their children, in the same D1 batch); answers how many. */
async function pruneBatch(db: Db, rule: Rule, now: number, batchRows: number): Promise<number> {
  const { table, children } = rule
  // Both statements of a batch see the same rows: they run in one transaction.
  const rowids = sql`select rowid from ${table} where ${rule.stale(now)} order by rowid limit ${batchRows}`
  const own = db.delete(table).where(sql`rowid in (${rowids})`)
  if (!children) return (await own).meta.changes
  const [, deleted] = await db.batch([children(db, rowids), own])
  return deleted.meta.changes
}

/**
 * Deletes what is past its retention, kind by kind, `batchRows` at a time and at most `maxBatches` times
 * per kind; logs one `prune.completed` line with the counts per table (and the kinds that hit the cap).
 */
export async function pruneExpired(env: Env, { now = Date.now(), batchRows = PRUNE_BATCH_ROWS, maxBatches = PRUNE_MAX_BATCHES }: PruneOptions = {}) {
  const db = getDb(env)
  const deleted: Record<string, number> = {}
  const capped: string[] = []
  for (const [name, rule] of Object.entries(RULES)) {
    let total = 0
    let batches = 0
    for (;;) {
      const count = await pruneBatch(db, rule, now, batchRows)
      total += count
      batches += 1
      if (count < batchRows) break
      if (batches >= maxBatches) {
        capped.push(name)
        break
      }
    }
    deleted[name] = total
  }
  // Counts as a list of { table, rows }: table names such as "sessions" would be redacted as field names.
  const tables = Object.entries(deleted).map(([table, rows]) => ({ table, rows }))
  logEvent(env, 'prune.completed', { rows: tables.reduce((sum, { rows }) => sum + rows, 0), tables, capped })
  return { deleted, capped }
}
