import type { Hold, Outcome } from './stock'

/**
 * The stock object's own SQLite: one `stock_level` row, the live `holds`, and the `outcomes` of finished
 * reservations. `version` counts changes to on_hand and `flushed_version` is the last one D1 received.
 * `outcomes.notified` is 0 for an expired hold of an order until the expiry hook has been told.
 */
export type Level = { productId: number; onHand: number; held: number; version: number; flushedVersion: number }

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
  // Units of a sold reservation given back by one return (a refund's line), once per return id.
  sql.exec(`CREATE TABLE IF NOT EXISTS returns (
    return_id TEXT PRIMARY KEY,
    reservation_id TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty >= 0),
    at INTEGER NOT NULL
  )`)
  sql.exec('CREATE INDEX IF NOT EXISTS returns_reservation_idx ON returns (reservation_id)')
}

/** The stock row with the units held, or null before the object has loaded its product. */
export function readLevel(sql: SqlStorage): Level | null {
  const row = sql
    .exec<Level>(
      `SELECT product_id AS productId, on_hand AS onHand, version, flushed_version AS flushedVersion,
        (SELECT coalesce(sum(qty), 0) FROM holds) AS held
      FROM stock_level WHERE id = 1`,
    )
    .toArray()[0]
  return row ?? null
}

/** Stores the stock loaded from D1, unless a concurrent load got there first. */
export function insertLevel(sql: SqlStorage, productId: number, onHand: number): void {
  sql.exec('INSERT OR IGNORE INTO stock_level (id, product_id, on_hand) VALUES (1, ?, ?)', productId, onHand)
}

/** Sets on_hand and counts a change for D1 to receive. */
export function writeOnHand(sql: SqlStorage, onHand: number): void {
  sql.exec('UPDATE stock_level SET on_hand = ?, version = version + 1 WHERE id = 1', onHand)
}

/** Records that D1 holds on_hand as of `version`. */
export function markFlushed(sql: SqlStorage, version: number): void {
  sql.exec('UPDATE stock_level SET flushed_version = max(flushed_version, ?) WHERE id = 1', version)
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
 * When the alarm must next run: the earliest hold deadline, or `retryAt` if D1 lags behind on_hand or
 * the expiry hook has undelivered holds, whichever is first; null when there is nothing to do.
 */
export function nextWake(sql: SqlStorage, retryAt: number): number | null {
  const row = sql
    .exec<{ deadline: number | null; pending: number }>(
      `SELECT (SELECT min(expires_at) FROM holds) AS deadline,
        (SELECT count(*) FROM stock_level WHERE version <> flushed_version)
          + (SELECT count(*) FROM outcomes WHERE notified = 0) AS pending`,
    )
    .one()
  const times = [row.deadline, row.pending > 0 ? retryAt : null].filter((t): t is number => t !== null)
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
