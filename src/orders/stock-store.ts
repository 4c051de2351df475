import type { Hold, Outcome } from './stock'

/**
 * The stock object's own SQLite: one `stock_level` row, the live `holds`, and the `outcomes` of finished
 * reservations. `version` counts changes to on_hand or to the units held, `flushed_version` is the last
 * one D1 received and `flushed_available` the units available as of that write (what the catalog was
 * last told; null before the first write of an object made before it was kept).
 * `outcomes.notified` is 0 for an expired hold of an order until the expiry hook has been told.
 *
 * Variants will give a product several counts: `stock_level` then gets one row per variant (a `sku` key
 * in place of `id = 1`) and `holds`/`outcomes` the sku they hold; what works on one level here (the
 * transaction's version bump, the write-through, the catalog announcement) is written per level so that
 * it can run per row.
 */
export type Level = { productId: number; onHand: number; held: number; version: number; flushedVersion: number; flushedAvailable: number | null }

export type Finished = { reservationId: string; outcome: Outcome; qty: number; orderId: string | null; at: number }

/** Creates the tables; run once per object start, inside blockConcurrencyWhile. */
export function createTables(sql: SqlStorage): void {
  // The catalog issue's placeholder declared an empty `stock` table; it never held a row.
  sql.exec('DROP TABLE IF EXISTS stock')
  sql.exec(`CREATE TABLE IF NOT EXISTS stock_level (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    product_id INTEGER NOT NULL,
    on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
    version INTEGER NOT NULL DEFAULT 0,
    flushed_version INTEGER NOT NULL DEFAULT 0
  )`)
  sql.exec(`CREATE TABLE IF NOT EXISTS holds (
    reservation_id TEXT PRIMARY KEY,
    qty INTEGER NOT NULL CHECK (qty > 0),
    expires_at INTEGER NOT NULL,
    order_id TEXT
  )`)
  sql.exec('CREATE INDEX IF NOT EXISTS holds_expires_at_idx ON holds (expires_at)')
  sql.exec(`CREATE TABLE IF NOT EXISTS outcomes (
    reservation_id TEXT PRIMARY KEY,
    outcome TEXT NOT NULL CHECK (outcome IN ('committed', 'released', 'expired')),
    qty INTEGER NOT NULL CHECK (qty >= 0),
    order_id TEXT,
    at INTEGER NOT NULL,
    notified INTEGER NOT NULL DEFAULT 1
  )`)
  sql.exec('CREATE INDEX IF NOT EXISTS outcomes_unnotified_idx ON outcomes (notified) WHERE notified = 0')
  sql.exec('CREATE INDEX IF NOT EXISTS outcomes_age_idx ON outcomes (outcome, at)')
  // Objects made before the units held were written through: D1's stock_held is 0 there, so the counts
  // are marked as changed and go to D1 at the next write-through (the next call, or the alarm of a hold).
  if (addColumn(sql, 'ALTER TABLE stock_level ADD COLUMN flushed_available INTEGER')) countChange(sql)
  // Units of a sold reservation given back by one return (a refund's line), once per return id.
  sql.exec(`CREATE TABLE IF NOT EXISTS returns (
    return_id TEXT PRIMARY KEY,
    reservation_id TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty >= 0),
    at INTEGER NOT NULL
  )`)
  sql.exec('CREATE INDEX IF NOT EXISTS returns_reservation_idx ON returns (reservation_id)')
}

/** A column added after objects were created with the table: true when added now, false when it was there. */
function addColumn(sql: SqlStorage, statement: string): boolean {
  try {
    sql.exec(statement)
    return true
  } catch (err) {
    if (!/duplicate column/i.test(String(err))) throw err
    return false
  }
}

/** The stock row with the units held, or null before the object has loaded its product. */
export function readLevel(sql: SqlStorage): Level | null {
  const row = sql
    .exec<Level>(
      `SELECT product_id AS productId, on_hand AS onHand, version, flushed_version AS flushedVersion,
        flushed_available AS flushedAvailable, (SELECT coalesce(sum(qty), 0) FROM holds) AS held
      FROM stock_level WHERE id = 1`,
    )
    .toArray()[0]
  return row ?? null
}

/** Stores the stock loaded from D1, unless a concurrent load got there first. */
export function insertLevel(sql: SqlStorage, productId: number, onHand: number): void {
  sql.exec('INSERT OR IGNORE INTO stock_level (id, product_id, on_hand, flushed_available) VALUES (1, ?, ?, ?)', productId, onHand, onHand)
}

/** Sets on_hand (the transaction counts the change, see `countChange`). */
export function writeOnHand(sql: SqlStorage, onHand: number): void {
  sql.exec('UPDATE stock_level SET on_hand = ? WHERE id = 1', onHand)
}

/** Counts a change of on_hand or of the units held, for D1 (and through it the catalog) to receive. */
export function countChange(sql: SqlStorage): void {
  sql.exec('UPDATE stock_level SET version = version + 1 WHERE id = 1')
}

/** Records that D1 holds the counts as of `version`, when `available` units were available. */
export function markFlushed(sql: SqlStorage, version: number, available: number): void {
  sql.exec(
    `UPDATE stock_level SET flushed_available = CASE WHEN ? > flushed_version THEN ? ELSE flushed_available END,
      flushed_version = max(flushed_version, ?) WHERE id = 1`,
    version,
    available,
    version,
  )
}

const HOLD_COLUMNS = 'reservation_id AS reservationId, qty, expires_at AS expiresAt, order_id AS orderId'

export function findHold(sql: SqlStorage, reservationId: string): Hold | null {
  return sql.exec<Hold>(`SELECT ${HOLD_COLUMNS} FROM holds WHERE reservation_id = ?`, reservationId).toArray()[0] ?? null
}

export function listHolds(sql: SqlStorage): Hold[] {
  return sql.exec<Hold>(`SELECT ${HOLD_COLUMNS} FROM holds ORDER BY expires_at, reservation_id`).toArray()
}

export function insertHold(sql: SqlStorage, hold: Hold): void {
  sql.exec(
    'INSERT INTO holds (reservation_id, qty, expires_at, order_id) VALUES (?, ?, ?, ?)',
    hold.reservationId,
    hold.qty,
    hold.expiresAt,
    hold.orderId,
  )
}

export function setHoldExpiry(sql: SqlStorage, reservationId: string, expiresAt: number): void {
  sql.exec('UPDATE holds SET expires_at = ? WHERE reservation_id = ?', expiresAt, reservationId)
}

/** Ends a reservation: removes its hold (if any) and remembers the outcome. */
export function finish(sql: SqlStorage, done: Finished): void {
  sql.exec('DELETE FROM holds WHERE reservation_id = ?', done.reservationId)
  sql.exec(
    `INSERT OR REPLACE INTO outcomes (reservation_id, outcome, qty, order_id, at, notified) VALUES (?, ?, ?, ?, ?, 1)`,
    done.reservationId,
    done.outcome,
    done.qty,
    done.orderId,
    done.at,
  )
}

export function findOutcome(sql: SqlStorage, reservationId: string): Finished | null {
  return (
    sql
      .exec<Finished>(
        'SELECT reservation_id AS reservationId, outcome, qty, order_id AS orderId, at FROM outcomes WHERE reservation_id = ?',
        reservationId,
      )
      .toArray()[0] ?? null
  )
}

/**
 * Turns every hold whose deadline has passed into an 'expired' outcome. Every method runs it first,
 * so a hold past its deadline never counts as held even before the alarm fires; the alarm tells the hook.
 */
export function sweepExpired(sql: SqlStorage, now: number): void {
  sql.exec(
    `INSERT OR REPLACE INTO outcomes (reservation_id, outcome, qty, order_id, at, notified)
      SELECT reservation_id, 'expired', qty, order_id, expires_at, order_id IS NULL FROM holds WHERE expires_at <= ?`,
    now,
  )
  sql.exec('DELETE FROM holds WHERE expires_at <= ?', now)
}

/** Expired holds of orders that the expiry hook has not yet been told about. */
export function undelivered(sql: SqlStorage): (Finished & { orderId: string })[] {
  return sql
    .exec<Finished & { orderId: string }>(
      `SELECT reservation_id AS reservationId, outcome, qty, order_id AS orderId, at FROM outcomes
      WHERE notified = 0 ORDER BY at, reservation_id`,
    )
    .toArray()
}

export function markDelivered(sql: SqlStorage, reservationIds: string[]): void {
  for (const id of reservationIds) sql.exec('UPDATE outcomes SET notified = 1 WHERE reservation_id = ?', id)
}

/**
 * How long a finished reservation is remembered, which is how long a repeated call stays idempotent.
 * Ended holds (released, expired): 7 days, above Stripe's 3 days of webhook retries and an order's
 * 35-minute checkout. Sales: 180 days, because a refund with restock gives a sale back by its
 * reservation id (`restock`), once: after that a restock of it returns nothing.
 */
export const OUTCOME_RETENTION_MS = { ended: 7 * 24 * 60 * 60 * 1000, committed: 180 * 24 * 60 * 60 * 1000 } as const
/** Outcomes deleted per alarm run at most: one run stays short however large the backlog. */
export const PRUNE_BATCH = 500

/**
 * Deletes up to PRUNE_BATCH outcomes older than their retention (never one the expiry hook still has
 * to hear of), oldest first; true when more are due.
 */
export function pruneOutcomes(sql: SqlStorage, now: number): boolean {
  const due = `notified = 1 AND ((outcome = 'committed' AND at <= ?) OR (outcome IN ('released', 'expired') AND at <= ?))`
  const bounds = [now - OUTCOME_RETENTION_MS.committed, now - OUTCOME_RETENTION_MS.ended]
  sql.exec(`DELETE FROM outcomes WHERE reservation_id IN (SELECT reservation_id FROM outcomes WHERE ${due} ORDER BY at LIMIT ?)`, ...bounds, PRUNE_BATCH)
  // The returns of a sale go with it: once its outcome is gone no refund can restock it any more.
  sql.exec(
    'DELETE FROM returns WHERE return_id IN (SELECT return_id FROM returns WHERE reservation_id NOT IN (SELECT reservation_id FROM outcomes) LIMIT ?)',
    PRUNE_BATCH,
  )
  return sql.exec<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM outcomes WHERE ${due} LIMIT 1)`, ...bounds).one().n > 0
}

/**
 * When the alarm must next run: the earliest hold deadline, the time the oldest outcome is due to be
 * pruned, or `retryAt` if D1 lags behind the counts or the expiry hook has undelivered holds, whichever
 * is first (a prune already due waits for `retryAt`, so a backlog goes in batches a few seconds apart);
 * null when there is nothing to do.
 */
export function nextWake(sql: SqlStorage, retryAt: number): number | null {
  const row = sql
    .exec<{ deadline: number | null; pending: number; committedAt: number | null; endedAt: number | null }>(
      `SELECT (SELECT min(expires_at) FROM holds) AS deadline,
        (SELECT count(*) FROM stock_level WHERE version <> flushed_version)
          + (SELECT count(*) FROM outcomes WHERE notified = 0) AS pending,
        (SELECT min(at) FROM outcomes WHERE outcome = 'committed') AS committedAt,
        (SELECT min(at) FROM (SELECT min(at) AS at FROM outcomes WHERE outcome = 'released'
          UNION ALL SELECT min(at) FROM outcomes WHERE outcome = 'expired')) AS endedAt`,
    )
    .one()
  const prunes = [
    row.committedAt === null ? null : row.committedAt + OUTCOME_RETENTION_MS.committed,
    row.endedAt === null ? null : row.endedAt + OUTCOME_RETENTION_MS.ended,
  ].filter((t): t is number => t !== null)
  const pruneAt = prunes.length ? Math.max(Math.min(...prunes), retryAt) : null
  const times = [row.deadline, row.pending > 0 ? retryAt : null, pruneAt].filter((t): t is number => t !== null)
  return times.length ? Math.min(...times) : null
}

/** The units a return gave back, or null for a return id never seen. */
export function findReturn(sql: SqlStorage, returnId: string): number | null {
  return sql.exec<{ qty: number }>('SELECT qty FROM returns WHERE return_id = ?', returnId).toArray()[0]?.qty ?? null
}

/** The units of a reservation given back so far by returns. */
export function returnedUnits(sql: SqlStorage, reservationId: string): number {
  return sql.exec<{ qty: number }>('SELECT coalesce(sum(qty), 0) AS qty FROM returns WHERE reservation_id = ?', reservationId).one().qty
}

export function insertReturn(sql: SqlStorage, returnId: string, reservationId: string, qty: number, at: number): void {
  sql.exec('INSERT INTO returns (return_id, reservation_id, qty, at) VALUES (?, ?, ?, ?)', returnId, reservationId, qty, at)
}
