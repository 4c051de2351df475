import { DEFAULT_LEVEL, type Hold, type LevelKey, type Outcome } from './types'

/**
 * The stock object's own SQLite: one `levels` row per stock count of the product (one today, keyed
 * DEFAULT_LEVEL), the live `holds`, the `outcomes` of finished reservations and the `returns` of sold units.
 * `version` counts changes to a level's on_hand or units held, `flushed_version` is the last one D1
 * received and `flushed_available` the units available as of that write (what the catalog was last told;
 * null before the first write of an object made before it was kept).
 * `outcomes.notified` is 0 for an expired hold of an order until the expiry hook has been told.
 *
 * Variants: a level is a variant (its key the variant id, `variantLevel`); every function that reads or
 * writes a count takes its level key, holds and outcomes carry the level they hold, and the units held are
 * counted per level (on the level's row, by triggers); the write-through writes each level to its variant's D1 row and the sum to the
 * product's. What remains: a reservation over several variants is one hold per variant, each with its own
 * reservation id (an order line per variant), reserved together in one transaction.
 */
export type Level = { productId: number; onHand: number; held: number; version: number; flushedVersion: number; flushedAvailable: number | null }

export type Finished = { reservationId: string; outcome: Outcome; qty: number; orderId: string | null; at: number }

/**
 * Creates the tables and brings an older object's up to date, keeping its rows; run once per object
 * start, inside blockConcurrencyWhile and one transactionSync (a migration stands or falls as one).
 */
export function createTables(sql: SqlStorage): void {
  // The catalog issue's placeholder declared an empty `stock` table; it never held a row.
  sql.exec('DROP TABLE IF EXISTS stock')
  sql.exec(`CREATE TABLE IF NOT EXISTS levels (
    level_key TEXT PRIMARY KEY,
    product_id INTEGER NOT NULL,
    on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
    version INTEGER NOT NULL DEFAULT 0,
    flushed_version INTEGER NOT NULL DEFAULT 0,
    flushed_available INTEGER
  )`)
  migrateSingleLevel(sql)
  sql.exec(`CREATE TABLE IF NOT EXISTS holds (
    reservation_id TEXT PRIMARY KEY,
    qty INTEGER NOT NULL CHECK (qty > 0),
    expires_at INTEGER NOT NULL,
    order_id TEXT,
    level_key TEXT NOT NULL DEFAULT '${DEFAULT_LEVEL}'
  )`)
  sql.exec('CREATE INDEX IF NOT EXISTS holds_expires_at_idx ON holds (expires_at)')
  sql.exec(`CREATE TABLE IF NOT EXISTS outcomes (
    reservation_id TEXT PRIMARY KEY,
    outcome TEXT NOT NULL CHECK (outcome IN ('committed', 'released', 'expired')),
    qty INTEGER NOT NULL CHECK (qty >= 0),
    order_id TEXT,
    at INTEGER NOT NULL,
    notified INTEGER NOT NULL DEFAULT 1,
    level_key TEXT NOT NULL DEFAULT '${DEFAULT_LEVEL}'
  )`)
  sql.exec('CREATE INDEX IF NOT EXISTS outcomes_unnotified_idx ON outcomes (notified) WHERE notified = 0')
  sql.exec('CREATE INDEX IF NOT EXISTS outcomes_age_idx ON outcomes (outcome, at)')
  // Objects made before levels were keyed: their holds and outcomes are all of the one default level.
  addColumn(sql, 'holds', 'level_key', `TEXT NOT NULL DEFAULT '${DEFAULT_LEVEL}'`)
  addColumn(sql, 'outcomes', 'level_key', `TEXT NOT NULL DEFAULT '${DEFAULT_LEVEL}'`)
  // The units held of each level, kept on its row by triggers in the statement that changes a hold: summing
  // the holds on every read made each call of a flash sale cost more the more orders it had held (a scan of
  // every live hold, several times a call). Objects made before the column get it counted from their holds.
  if (addColumn(sql, 'levels', 'held', 'INTEGER NOT NULL DEFAULT 0')) recountHeld(sql)
  sql.exec(`CREATE TRIGGER IF NOT EXISTS holds_held_insert AFTER INSERT ON holds BEGIN
    UPDATE levels SET held = held + NEW.qty WHERE level_key = NEW.level_key; END`)
  sql.exec(`CREATE TRIGGER IF NOT EXISTS holds_held_delete AFTER DELETE ON holds BEGIN
    UPDATE levels SET held = held - OLD.qty WHERE level_key = OLD.level_key; END`)
  sql.exec(`CREATE TRIGGER IF NOT EXISTS holds_held_update AFTER UPDATE OF qty, level_key ON holds BEGIN
    UPDATE levels SET held = held - OLD.qty WHERE level_key = OLD.level_key;
    UPDATE levels SET held = held + NEW.qty WHERE level_key = NEW.level_key; END`)
  // Units of a sold reservation given back by one return (a refund's line), once per return id.
  sql.exec(`CREATE TABLE IF NOT EXISTS returns (
    return_id TEXT PRIMARY KEY,
    reservation_id TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty >= 0),
    at INTEGER NOT NULL
  )`)
  sql.exec('CREATE INDEX IF NOT EXISTS returns_reservation_idx ON returns (reservation_id)')
  // Variants deleted by staff (src/catalog/variant-write.ts): never loaded again, so no hold can be taken on one.
  sql.exec('CREATE TABLE IF NOT EXISTS retired_levels (level_key TEXT PRIMARY KEY)')
}

/**
 * Objects made before levels were keyed kept their one count in `stock_level` (a single row, id = 1): it
 * moves to `levels` as DEFAULT_LEVEL, counts, versions and all, and the old table goes.
 */
function migrateSingleLevel(sql: SqlStorage): void {
  const old = sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'stock_level'").one().n
  if (!old) return
  // Older still: made before the units held were written through. D1's stock_held is 0 there, so the
  // counts are marked as changed and go to D1 at the next write-through (the next call, or an alarm).
  if (addColumn(sql, 'stock_level', 'flushed_available', 'INTEGER')) sql.exec('UPDATE stock_level SET version = version + 1')
  sql.exec(
    `INSERT OR IGNORE INTO levels (level_key, product_id, on_hand, version, flushed_version, flushed_available)
      SELECT ?, product_id, on_hand, version, flushed_version, flushed_available FROM stock_level`,
    DEFAULT_LEVEL,
  )
  sql.exec('DROP TABLE stock_level')
}

/** A column added after objects were created with the table: true when added now, false when it was there. */
function addColumn(sql: SqlStorage, table: string, column: string, definition: string): boolean {
  // Looked up rather than tried: a wake of an object already migrated then runs no failing ALTER.
  const has = sql.exec<{ n: number }>('SELECT count(*) AS n FROM pragma_table_info(?) WHERE name = ?', table, column).one().n > 0
  if (has) return false
  sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`)
  return true
}

/** Counts every level's units held from its live holds (`key`: only that level's). */
function recountHeld(sql: SqlStorage, key?: LevelKey): void {
  const sum = 'SELECT coalesce(sum(qty), 0) FROM holds WHERE holds.level_key = levels.level_key'
  if (key === undefined) sql.exec(`UPDATE levels SET held = (${sum})`)
  else sql.exec(`UPDATE levels SET held = (${sum}) WHERE level_key = ?`, key)
}

/** The keys of the object's levels, in the order they were made (none before it has loaded its product). */
export function levelKeys(sql: SqlStorage): LevelKey[] {
  return sql.exec<{ key: LevelKey }>('SELECT level_key AS key FROM levels ORDER BY rowid').toArray().map((row) => row.key)
}

/**
 * Moves a level, its holds and its outcomes to another key, counts and versions as they are: how the
 * DEFAULT_LEVEL of an object made before variants becomes its product's default variant. A no-op when
 * `from` is gone (a concurrent call moved it first).
 */
export function renameLevel(sql: SqlStorage, from: LevelKey, to: LevelKey): void {
  for (const table of ['levels', 'holds', 'outcomes']) sql.exec(`UPDATE ${table} SET level_key = ? WHERE level_key = ?`, to, from)
  // The level moved before its holds, whose triggers then counted them on it a second time.
  recountHeld(sql, to)
}

/** The level a reservation holds or held (its hold or its outcome), null for an id never seen. */
export function levelOfReservation(sql: SqlStorage, reservationId: string): LevelKey | null {
  return (
    sql
      .exec<{ key: LevelKey }>(
        'SELECT level_key AS key FROM holds WHERE reservation_id = ?1 UNION ALL SELECT level_key FROM outcomes WHERE reservation_id = ?1 LIMIT 1',
        reservationId,
      )
      .toArray()[0]?.key ?? null
  )
}

/** Every level's on hand and units held as `onHand/held`, by key: one read for a transaction to tell which levels it changed. */
export function levelCounts(sql: SqlStorage): Map<LevelKey, string> {
  return new Map(sql.exec<{ key: LevelKey; counts: string }>("SELECT level_key AS key, on_hand || '/' || held AS counts FROM levels").toArray().map((row) => [row.key, row.counts]))
}

/** A level's row with the units held of it, or null before the object has loaded its product. */
export function readLevel(sql: SqlStorage, key: LevelKey): Level | null {
  const row = sql
    .exec<Level>(
      `SELECT product_id AS productId, on_hand AS onHand, version, flushed_version AS flushedVersion,
        flushed_available AS flushedAvailable, held
      FROM levels WHERE level_key = ?`,
      key,
    )
    .toArray()[0]
  return row ?? null
}

/** Stores a level's stock loaded from D1, unless a concurrent load got there first. */
export function insertLevel(sql: SqlStorage, key: LevelKey, productId: number, onHand: number): void {
  // Holds of the key before its level (an object made before levels): counted on it from the start.
  sql.exec(
    'INSERT OR IGNORE INTO levels (level_key, product_id, on_hand, flushed_available, held) VALUES (?1, ?2, ?3, ?3, (SELECT coalesce(sum(qty), 0) FROM holds WHERE level_key = ?1))',
    key,
    productId,
    onHand,
  )
}

/** Sets a level's on_hand (the transaction counts the change, see `countChange`). */
export function writeOnHand(sql: SqlStorage, key: LevelKey, onHand: number): void {
  sql.exec('UPDATE levels SET on_hand = ? WHERE level_key = ?', onHand, key)
}

/** Counts a change of a level's on_hand or units held, for D1 (and through it the catalog) to receive. */
export function countChange(sql: SqlStorage, key: LevelKey): void {
  sql.exec('UPDATE levels SET version = version + 1 WHERE level_key = ?', key)
}

/** Records that D1 holds a level's counts as of `version`, when `available` units were available. */
export function markFlushed(sql: SqlStorage, key: LevelKey, version: number, available: number): void {
  sql.exec(
    `UPDATE levels SET flushed_available = CASE WHEN ? > flushed_version THEN ? ELSE flushed_available END,
      flushed_version = max(flushed_version, ?) WHERE level_key = ?`,
    version,
    available,
    version,
    key,
  )
}

const HOLD_COLUMNS = 'reservation_id AS reservationId, qty, expires_at AS expiresAt, order_id AS orderId'

export function findHold(sql: SqlStorage, reservationId: string): Hold | null {
  return sql.exec<Hold>(`SELECT ${HOLD_COLUMNS} FROM holds WHERE reservation_id = ?`, reservationId).toArray()[0] ?? null
}

export function listHolds(sql: SqlStorage, key: LevelKey): Hold[] {
  return sql.exec<Hold>(`SELECT ${HOLD_COLUMNS} FROM holds WHERE level_key = ? ORDER BY expires_at, reservation_id`, key).toArray()
}

export function insertHold(sql: SqlStorage, key: LevelKey, hold: Hold): void {
  sql.exec(
    'INSERT INTO holds (reservation_id, qty, expires_at, order_id, level_key) VALUES (?, ?, ?, ?, ?)',
    hold.reservationId,
    hold.qty,
    hold.expiresAt,
    hold.orderId,
    key,
  )
}

export function setHoldExpiry(sql: SqlStorage, reservationId: string, expiresAt: number): void {
  sql.exec('UPDATE holds SET expires_at = ? WHERE reservation_id = ?', expiresAt, reservationId)
}

/** Ends a reservation of level `key`: removes its hold (if any) and remembers the outcome. */
export function finish(sql: SqlStorage, key: LevelKey, done: Finished): void {
  sql.exec('DELETE FROM holds WHERE reservation_id = ?', done.reservationId)
  sql.exec(
    `INSERT OR REPLACE INTO outcomes (reservation_id, outcome, qty, order_id, at, notified, level_key) VALUES (?, ?, ?, ?, ?, 1, ?)`,
    done.reservationId,
    done.outcome,
    done.qty,
    done.orderId,
    done.at,
    key,
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
    `INSERT OR REPLACE INTO outcomes (reservation_id, outcome, qty, order_id, at, notified, level_key)
      SELECT reservation_id, 'expired', qty, order_id, expires_at, order_id IS NULL, level_key FROM holds WHERE expires_at <= ?`,
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
        (SELECT count(*) FROM levels WHERE version <> flushed_version)
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

/** True for the level of a variant staff deleted (`retireLevel`): it is never loaded again. */
export function isRetired(sql: SqlStorage, key: LevelKey): boolean {
  return sql.exec<{ n: number }>('SELECT count(*) AS n FROM retired_levels WHERE level_key = ?', key).one().n > 0
}

/** Units of live holds on a level. */
export function liveHoldCount(sql: SqlStorage, key: LevelKey): number {
  return sql.exec<{ n: number }>('SELECT count(*) AS n FROM holds WHERE level_key = ?', key).one().n
}

/** Sales of a level the object still remembers (a refund may give them back to it). */
export function rememberedSales(sql: SqlStorage, key: LevelKey): number {
  return sql.exec<{ n: number }>("SELECT count(*) AS n FROM outcomes WHERE level_key = ? AND outcome = 'committed'", key).one().n
}

/** Forgets a level whose variant is being deleted, and remembers it as retired (ids are never reused: D1's AUTOINCREMENT). */
export function retireLevel(sql: SqlStorage, key: LevelKey): void {
  sql.exec('DELETE FROM levels WHERE level_key = ?', key)
  sql.exec('INSERT OR IGNORE INTO retired_levels (level_key) VALUES (?)', key)
}

/** Undoes `retireLevel` (the deleting D1 batch failed): the level is back with the on hand it had. */
export function restoreLevel(sql: SqlStorage, key: LevelKey, productId: number, onHand: number): void {
  sql.exec('DELETE FROM retired_levels WHERE level_key = ?', key)
  insertLevel(sql, key, productId, onHand)
}
