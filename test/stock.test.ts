import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb } from '../src/db/client'
import { products, productVariants } from '../src/db/schema'
import { observeHoldsExpired } from '../src/orders/expiry'
import { stockOf } from '../src/stock/client'
import type { StockObject } from '../src/stock/object'
import { onStockChanged, setHoldsExpiredHook, type StockChanged } from '../src/stock/signals'
import { createTables, insertHold, insertLevel, levelKeys, OUTCOME_RETENTION_MS, PRUNE_BATCH, readLevel, renameLevel } from '../src/stock/store'
import { DEFAULT_LEVEL, type ExpiredHold } from '../src/stock/types'
import { insertProduct } from './helpers'

// Hundreds of concurrent requests: on a shared, busy machine they can take longer than vitest's 5 s default.
vi.setConfig({ testTimeout: 30_000 })

type Stub = DurableObjectStub<StockObject>

let unique = 0
/** A reservation id no other test uses. */
const rid = (label = 'r') => `${label}-${++unique}`
const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/** A fresh product with `qty` in stock in D1, and its stock object. */
async function stocked(qty: number): Promise<{ id: number; stock: Stub }> {
  const product = await insertProduct({ stockQuantity: qty })
  return { id: product.id, stock: stockOf(env, product.id) }
}

async function d1Stock(id: number): Promise<number | undefined> {
  const row = await getDb(env).select({ qty: products.stockQuantity }).from(products).where(eq(products.id, id)).get()
  return row?.qty
}

/** The id of the product's one (default) variant. */
async function defaultVariantId(productId: number): Promise<number> {
  const row = await getDb(env).select({ id: productVariants.id }).from(productVariants).where(eq(productVariants.productId, productId)).get()
  if (!row) throw new Error(`product ${productId} has no variant`)
  return row.id
}

async function view(stock: Stub, id: number) {
  const result = await stock.get(id)
  if (!result.ok) throw new Error(`product ${id} unknown`)
  return result
}

/** Moves every hold's deadline into the past, as if its time had run out. */
const expireHolds = (stock: Stub) =>
  runInDurableObject(stock, (_instance, state) => {
    state.storage.sql.exec('UPDATE holds SET expires_at = ?', Date.now() - 1)
  })

/** What the expiry hook was told (the object runs in this isolate, so it sees this observer). */
const expired: ExpiredHold[] = []
let stopObserving = () => {}
beforeAll(() => {
  stopObserving = observeHoldsExpired(async (_env, holds) => {
    expired.push(...holds)
  })
})
afterAll(() => stopObserving())
afterEach(() => {
  expired.length = 0
  vi.restoreAllMocks()
})

describe('stock object', () => {
  it('learns its stock from D1 on first use', async () => {
    const { id, stock } = await stocked(7)
    expect(await stock.get(id)).toEqual({ ok: true, productId: id, onHand: 7, held: 0, available: 7, holds: [] })
  })

  it('answers unknown_product for a product that is not in D1', async () => {
    const id = 987_654_321
    const stock = stockOf(env, id)
    expect(await stock.reserve(id, rid(), 1)).toEqual({ ok: false, reason: 'unknown_product', available: 0 })
    expect(await stock.get(id)).toMatchObject({ ok: false, reason: 'unknown_product' })
  })

  it('holds units for a reservation, and the same reservation id again holds nothing more', async () => {
    const { id, stock } = await stocked(5)
    const r = rid()
    const first = await stock.reserve(id, r, 3, 60_000, 'order-1')
    const again = await stock.reserve(id, r, 3, 60_000, 'order-1')
    expect(first).toMatchObject({ ok: true, reservationId: r, qty: 3, available: 2 })
    expect(again).toEqual(first)
    expect(await view(stock, id)).toMatchObject({ onHand: 5, held: 3, available: 2, holds: [{ reservationId: r, qty: 3, orderId: 'order-1' }] })
  })

  it('reserves all or nothing', async () => {
    const { id, stock } = await stocked(5)
    await stock.reserve(id, rid(), 3)
    expect(await stock.reserve(id, rid(), 3)).toEqual({ ok: false, reason: 'insufficient', available: 2 })
    expect(await view(stock, id)).toMatchObject({ held: 3, available: 2 })
  })

  it('releases a hold once; a released reservation cannot hold again', async () => {
    const { id, stock } = await stocked(5)
    const r = rid()
    await stock.reserve(id, r, 2)
    expect(await stock.release(id, r)).toEqual({ ok: true, outcome: 'released', qty: 2, available: 5 })
    expect(await stock.release(id, r)).toEqual({ ok: true, outcome: 'released', qty: 2, available: 5 })
    expect(await stock.reserve(id, r, 2)).toEqual({ ok: false, reason: 'finished', outcome: 'released', available: 5 })
    expect(await stock.commit(id, r)).toEqual({ ok: false, reason: 'not_held', outcome: 'released', available: 5 })
  })

  it('commits a hold into one sale however often the commit is repeated, and D1 follows', async () => {
    const { id, stock } = await stocked(5)
    const r = rid()
    await stock.reserve(id, r, 2)
    const sale = { ok: true, reservationId: r, qty: 2, onHand: 3, available: 3, synced: true }
    expect(await stock.commit(id, r)).toEqual(sale)
    expect(await stock.commit(id, r)).toEqual(sale)
    expect(await view(stock, id)).toMatchObject({ onHand: 3, held: 0, holds: [] })
    expect(await d1Stock(id)).toBe(3)
    expect(await stock.release(id, r)).toEqual({ ok: false, reason: 'committed', available: 3 })
    expect(await stock.reserve(id, r, 2)).toMatchObject({ ok: false, reason: 'finished', outcome: 'committed' })
    expect(await stock.commit(id, rid())).toEqual({ ok: false, reason: 'not_held', outcome: null, available: 3 })
  })

  it('gives 50 of 200 concurrent single-unit reserves when 50 are in stock, and selling them all leaves 0 everywhere', async () => {
    const { id, stock } = await stocked(50)
    const ids = range(200).map(() => rid('race'))
    const answers = await Promise.all(ids.map((r) => stock.reserve(id, r, 1)))
    const held = ids.filter((_, i) => answers[i]?.ok)
    expect(held).toHaveLength(50)
    expect(answers.filter((a) => !a.ok && a.reason === 'insufficient')).toHaveLength(150)

    const sales = await Promise.all(held.map((r) => stock.commit(id, r)))
    expect(sales.every((s) => s.ok && s.synced)).toBe(true)
    expect(await view(stock, id)).toMatchObject({ onHand: 0, held: 0, available: 0, holds: [] })
    expect(await d1Stock(id)).toBe(0)
  })

  it('keeps D1 equal to the object under concurrent commits and adjusts', async () => {
    const { id, stock } = await stocked(100)
    const ids = range(30).map(() => rid('mix'))
    await Promise.all(ids.map((r) => stock.reserve(id, r, 1)))
    const calls = [
      ...ids.map((r) => stock.commit(id, r)),
      ...range(10).map(() => stock.adjust(id, 5)),
      ...range(10).map(() => stock.adjust(id, -2)),
    ]
    const answers = await Promise.all(calls)
    expect(answers.every((a) => a.ok)).toBe(true)
    expect(await view(stock, id)).toMatchObject({ onHand: 100 - 30 + 50 - 20, held: 0 })
    expect(await d1Stock(id)).toBe(100)
  })

  it('refuses staff changes that go below the units held or below zero', async () => {
    const { id, stock } = await stocked(5)
    const r = rid()
    await stock.reserve(id, r, 3)
    expect(await stock.adjust(id, -3)).toEqual({ ok: false, reason: 'below_held', onHand: 5, held: 3, available: 2 })
    expect(await stock.set(id, 2)).toMatchObject({ ok: false, reason: 'below_held' })
    expect(await stock.set(id, -1)).toMatchObject({ ok: false, reason: 'negative' })
    expect(await stock.set(id, 3)).toEqual({ ok: true, onHand: 3, held: 3, available: 0, synced: true })
    await stock.release(id, r)
    expect(await stock.adjust(id, -3)).toEqual({ ok: true, onHand: 0, held: 0, available: 0, synced: true })
    expect(await stock.adjust(id, -1)).toMatchObject({ ok: false, reason: 'negative' })
    expect(await d1Stock(id)).toBe(0)
  })

  it('extends a live hold to a later deadline, never an earlier one, and arms the alarm for the earliest', async () => {
    const { id, stock } = await stocked(5)
    const r = rid()
    const hold = await stock.reserve(id, r, 1, 60_000)
    if (!hold.ok) throw new Error('not held')
    const later = hold.expiresAt + 3_600_000
    expect(await stock.extend(id, r, later)).toEqual({ ok: true, reservationId: r, expiresAt: later })
    expect(await stock.extend(id, r, hold.expiresAt)).toEqual({ ok: true, reservationId: r, expiresAt: later })
    const other = await stock.reserve(id, rid(), 1, 60_000)
    if (!other.ok) throw new Error('not held')
    expect(await runInDurableObject(stock, (_instance, state) => state.storage.getAlarm())).toBe(other.expiresAt)
    await stock.release(id, r)
    expect(await stock.extend(id, r, later)).toEqual({ ok: false, reason: 'not_held', outcome: 'released' })
  })

  it('ends holds past their deadline in the alarm, tells the hook about those of orders, and is harmless run again', async () => {
    const { id, stock } = await stocked(5)
    const ordered = rid()
    const anonymous = rid()
    await stock.reserve(id, ordered, 2, 60_000, 'order-42')
    await stock.reserve(id, anonymous, 1, 60_000)
    await expireHolds(stock)

    expect(await runDurableObjectAlarm(stock)).toBe(true)
    expect(expired).toEqual([{ productId: id, reservationId: ordered, orderId: 'order-42', qty: 2, expiredAt: expect.any(Number) }])
    expect(await view(stock, id)).toMatchObject({ onHand: 5, held: 0, available: 5, holds: [] })
    expect(await stock.reserve(id, ordered, 2)).toMatchObject({ ok: false, reason: 'finished', outcome: 'expired' })
    expect(await stock.commit(id, ordered)).toMatchObject({ ok: false, reason: 'not_held', outcome: 'expired' })
    expect(await stock.extend(id, anonymous, Date.now() + 60_000)).toEqual({ ok: false, reason: 'not_held', outcome: 'expired' })

    await runDurableObjectAlarm(stock)
    await runInDurableObject(stock, async (instance: StockObject) => {
      await instance.alarm()
      await instance.alarm()
    })
    expect(expired).toHaveLength(1)
    expect(await view(stock, id)).toMatchObject({ onHand: 5, held: 0 })
  })

  it('expires a hold with a short ttl on its own', async () => {
    const { id, stock } = await stocked(2)
    const r = rid()
    await stock.reserve(id, r, 2, 1, 'order-quick')
    await vi.waitFor(() => expect(expired.map((e) => e.reservationId)).toContain(r), { timeout: 5_000 })
    expect(await view(stock, id)).toMatchObject({ held: 0, available: 2 })
  })

  it('takes units for a payment that arrives after its hold expired, when they are there', async () => {
    const { id, stock } = await stocked(3)
    const late = rid()
    await stock.reserve(id, late, 2, 60_000, 'order-late')
    await expireHolds(stock)
    await runDurableObjectAlarm(stock)
    const other = rid()
    await stock.reserve(id, other, 2)
    expect(await stock.take(id, late, 2)).toEqual({ ok: false, reason: 'insufficient', available: 1 })

    await stock.release(id, other)
    const sale = { ok: true, reservationId: late, qty: 2, onHand: 1, available: 1, synced: true }
    expect(await stock.take(id, late, 2)).toEqual(sale)
    expect(await stock.take(id, late, 2)).toEqual(sale)
    expect(await stock.commit(id, late)).toEqual(sale)
    expect(await d1Stock(id)).toBe(1)
  })

  it('takes a reservation whose hold is still live by committing that hold', async () => {
    const { id, stock } = await stocked(3)
    const r = rid()
    await stock.reserve(id, r, 2)
    expect(await stock.take(id, r, 2)).toEqual({ ok: true, reservationId: r, qty: 2, onHand: 1, available: 1, synced: true })
    expect(await view(stock, id)).toMatchObject({ onHand: 1, held: 0 })
  })

  it('keeps a failed D1 write pending and lets the alarm write it later', async () => {
    const { id, stock } = await stocked(5)
    const r = rid()
    await stock.reserve(id, r, 2)
    await env.DB.prepare(
      `CREATE TRIGGER stock_write_fails_${id} BEFORE UPDATE OF stock_quantity ON products WHEN new.id = ${id}
      BEGIN SELECT RAISE(ABORT, 'D1 is down'); END`,
    ).run()
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const sale = await stock.commit(id, r)
    expect(sale).toMatchObject({ ok: true, onHand: 3, synced: false })
    expect(await d1Stock(id)).toBe(5)
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('stock write-through to D1 failed'))
    expect(await runInDurableObject(stock, (_instance, state) => state.storage.getAlarm())).toEqual(expect.any(Number))

    await env.DB.prepare(`DROP TRIGGER stock_write_fails_${id}`).run()
    expect(await runDurableObjectAlarm(stock)).toBe(true)
    expect(await d1Stock(id)).toBe(3)
    // Nothing is left to retry: the next wake is the pruning of the reservation's outcome, days away.
    expect(await runInDurableObject(stock, (_instance, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now() + 24 * 60 * 60 * 1000)
  })
})


describe('staff changes in the stock object', () => {
  it('sets on hand only from the figure staff saw (compare-and-set): after a sale it refuses, naming the stock now, and the sale stays', async () => {
    const { id, stock } = await stocked(5)
    const r = rid()
    await stock.reserve(id, r, 2)
    await stock.commit(id, r)
    expect(await stock.set(id, 5, 5)).toEqual({ ok: false, reason: 'changed', onHand: 3, held: 0, available: 3 })
    expect(await view(stock, id)).toMatchObject({ onHand: 3 })
    expect(await stock.set(id, 8, 3)).toEqual({ ok: true, onHand: 8, held: 0, available: 8, synced: true })
    expect(await d1Stock(id)).toBe(8)
  })

  it('lets only one of two staff sets from the same figure through', async () => {
    const { id, stock } = await stocked(5)
    const answers = await Promise.all([stock.set(id, 9, 5), stock.set(id, 1, 5)])
    expect(answers.filter((a) => a.ok)).toHaveLength(1)
    expect(answers.filter((a) => !a.ok && a.reason === 'changed')).toHaveLength(1)
  })

  it('writes the units held through to D1 with on hand, so the catalog sells what the object will', async () => {
    const { id, stock } = await stocked(5)
    const r = rid()
    await stock.reserve(id, r, 2)
    const row = async () => getDb(env).select({ onHand: products.stockQuantity, held: products.stockHeld }).from(products).where(eq(products.id, id)).get()
    expect(await row()).toEqual({ onHand: 5, held: 2 })
    await stock.release(id, r)
    expect(await row()).toEqual({ onHand: 5, held: 0 })
  })
})

describe('pruning finished reservations', () => {
  const DAY = 24 * 60 * 60 * 1000
  /** Outcomes as the object stores them, `ageDays` old. */
  const remember = (stock: Stub, rows: { id: string; outcome: 'committed' | 'released' | 'expired'; ageDays: number; notified?: 0 | 1 }[]) =>
    runInDurableObject(stock, (_instance, state) => {
      for (const row of rows) {
        state.storage.sql.exec(
          'INSERT INTO outcomes (reservation_id, outcome, qty, order_id, at, notified) VALUES (?, ?, 1, ?, ?, ?)',
          row.id,
          row.outcome,
          row.outcome === 'expired' ? `order-${row.id}` : null,
          Date.now() - row.ageDays * DAY,
          row.notified ?? 1,
        )
      }
    })
  const remembered = (stock: Stub) => runInDurableObject(stock, (_instance, state) => state.storage.sql.exec<{ id: string }>('SELECT reservation_id AS id FROM outcomes ORDER BY reservation_id').toArray().map((r) => r.id))

  it('forgets ended holds after 7 days and sales after 180, in batches of 500 run by its alarm, never one the expiry hook has yet to hear of', async () => {
    const { id, stock } = await stocked(5)
    await stock.get(id)
    const old = range(PRUNE_BATCH + 100).map((i) => ({ id: `old-${String(i).padStart(4, '0')}`, outcome: 'released' as const, ageDays: 8 }))
    await remember(stock, [
      ...old,
      { id: 'keep-recent-release', outcome: 'released', ageDays: 5 },
      { id: 'keep-sale', outcome: 'committed', ageDays: 30 },
      { id: 'old-sale', outcome: 'committed', ageDays: 181 },
      { id: 'keep-undelivered', outcome: 'expired', ageDays: 9, notified: 0 },
    ])
    vi.spyOn(console, 'error').mockImplementation(() => {})
    await runInDurableObject(stock, (instance: StockObject) => instance.alarm())
    const left = await remembered(stock)
    // The oldest 500 that were due went (the 181-day-old sale first); the expired hold was kept until the hook heard of it.
    expect(left).toHaveLength(old.length + 4 - PRUNE_BATCH)
    expect(left).toEqual(expect.arrayContaining(['keep-recent-release', 'keep-sale', 'keep-undelivered']))
    expect(left).not.toContain('old-sale')
    expect(expired.map((e) => e.reservationId)).toEqual(['keep-undelivered'])
    // More is due: the alarm comes back within seconds for the next batch.
    expect(await runInDurableObject(stock, (_instance, state) => state.storage.getAlarm())).toBeLessThan(Date.now() + 60_000)
    expect(await runDurableObjectAlarm(stock)).toBe(true)
    expect(await remembered(stock)).toEqual(['keep-recent-release', 'keep-sale'])
  })

  it('stays idempotent until then: a released reservation is still refused, a sale still restocks once', async () => {
    const { id, stock } = await stocked(5)
    const released = rid()
    const sold = rid()
    await stock.release(id, released)
    await stock.reserve(id, sold, 1)
    await stock.commit(id, sold)
    await runDurableObjectAlarm(stock)
    expect(await stock.reserve(id, released, 1)).toMatchObject({ ok: false, reason: 'finished', outcome: 'released' })
    expect(await stock.restock(id, sold)).toMatchObject({ ok: true, qty: 1 })
    expect(await stock.restock(id, sold)).toMatchObject({ ok: true, qty: 0 })
    // The next wake is the first prune, a week after the first ending.
    const alarm = await runInDurableObject(stock, (_instance, state) => state.storage.getAlarm())
    expect(alarm).toBeGreaterThan(Date.now() + OUTCOME_RETENTION_MS.ended - 60_000)
    expect(alarm).toBeLessThanOrEqual(Date.now() + OUTCOME_RETENTION_MS.ended)
  })
})

describe('the stock domain\'s API and signals', () => {
  it('answers available() as one number: on hand minus live holds, 0 for a product not in D1', async () => {
    const { id, stock } = await stocked(6)
    expect(await stock.available(id)).toBe(6)
    await stock.reserve(id, rid(), 4)
    expect(await stock.available(id)).toBe(2)
    expect(await stockOf(env, 999_999).available(999_999)).toBe(0)
  })

  it('raises "stock changed" on every write-through, with the units available before and after', async () => {
    const { id, stock } = await stocked(3)
    const heard: StockChanged[] = []
    const stop = onStockChanged((_db, change) => {
      if (change.productId === id) heard.push(change)
      return null
    })
    try {
      const r = rid()
      await stock.reserve(id, r, 1)
      await stock.commit(id, r)
    } finally {
      stop()
    }
    const level = String(await defaultVariantId(id))
    expect(heard).toEqual([
      { productId: id, level, onHand: 3, held: 1, available: 2, previousAvailable: 3, levelOnHand: 3, levelHeld: 1, previousLevelAvailable: 3 },
      { productId: id, level, onHand: 2, held: 0, available: 2, previousAvailable: 2, levelOnHand: 2, levelHeld: 0, previousLevelAvailable: 2 },
    ])
  })

  it('keeps expired order holds while no holds-expired hook is wired, and delivers them once one is', async () => {
    const { id, stock } = await stocked(4)
    const r = rid()
    await stock.reserve(id, r, 2, 60_000, 'order-unwired')
    await expireHolds(stock)
    const restore = setHoldsExpiredHook(null)
    try {
      await runInDurableObject(stock, (instance: StockObject) => instance.alarm())
    } finally {
      restore()
    }
    expect(expired).toEqual([])
    expect(await view(stock, id)).toMatchObject({ held: 0, available: 4 })
    await runInDurableObject(stock, (instance: StockObject) => instance.alarm())
    expect(expired).toEqual([{ productId: id, reservationId: r, orderId: 'order-unwired', qty: 2, expiredAt: expect.any(Number) }])
  })
})

describe('stock levels', () => {
  /** Turns a loaded object's storage back into the single-level layout of objects made before levels were keyed. */
  const makeSingleLevel = (stock: Stub, withFlushedAvailable: boolean) =>
    runInDurableObject(stock, (_instance, state) => {
      const sql = state.storage.sql
      state.storage.transactionSync(() => {
        const level = sql.exec<{ productId: number; onHand: number; version: number; flushed: number; available: number | null }>(
          'SELECT product_id AS productId, on_hand AS onHand, version, flushed_version AS flushed, flushed_available AS available FROM levels',
        ).one()
        sql.exec('DROP TABLE levels')
        sql.exec(`CREATE TABLE stock_level (id INTEGER PRIMARY KEY CHECK (id = 1), product_id INTEGER NOT NULL, on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
          version INTEGER NOT NULL DEFAULT 0, flushed_version INTEGER NOT NULL DEFAULT 0${withFlushedAvailable ? ', flushed_available INTEGER' : ''})`)
        sql.exec(
          `INSERT INTO stock_level (id, product_id, on_hand, version, flushed_version${withFlushedAvailable ? ', flushed_available' : ''}) VALUES (1, ?, ?, ?, ?${withFlushedAvailable ? ', ?' : ''})`,
          ...[level.productId, level.onHand, level.version, level.flushed, ...(withFlushedAvailable ? [level.available] : [])],
        )
        for (const table of ['holds', 'outcomes']) {
          const columns = sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('${table}') WHERE name <> 'level_key'`).toArray().map((c) => c.name).join(', ')
          sql.exec(`CREATE TABLE ${table}_old AS SELECT ${columns} FROM ${table}`)
          sql.exec(`DROP TABLE ${table}`)
          sql.exec(`ALTER TABLE ${table}_old RENAME TO ${table}`)
        }
      })
    })

  /** What the object does at its next start: create and migrate its tables. */
  const restart = (stock: Stub) => runInDurableObject(stock, (_instance, state) => state.storage.transactionSync(() => createTables(state.storage.sql)))

  it('moves an older object\'s single stock row, holds and outcomes to the default level in place, keeping every count', async () => {
    const { id, stock } = await stocked(9)
    const live = rid()
    const sold = rid()
    await stock.reserve(id, live, 2, 60_000, 'order-live')
    await stock.reserve(id, sold, 3)
    await stock.commit(id, sold)
    await makeSingleLevel(stock, true)
    await restart(stock)

    const tables = await runInDurableObject(stock, (_instance, state) =>
      state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('stock_level', 'levels')").toArray().map((t) => t.name),
    )
    expect(tables).toEqual(['levels'])
    expect(await view(stock, id)).toMatchObject({ onHand: 6, held: 2, available: 4, holds: [{ reservationId: live, qty: 2, orderId: 'order-live' }] })
    expect(await stock.commit(id, sold)).toMatchObject({ ok: true, qty: 3, onHand: 6 })
    expect(await stock.restock(id, sold)).toMatchObject({ ok: true, qty: 3, onHand: 9 })
    expect(await stock.commit(id, live)).toMatchObject({ ok: true, qty: 2, onHand: 7, synced: true })
    expect(await d1Stock(id)).toBe(7)
    // Run again, the migration finds nothing left to do.
    await restart(stock)
    expect(await view(stock, id)).toMatchObject({ onHand: 7, held: 0 })
  })

  it('counts the units held of an object made before they were kept on its level from its live holds, and keeps them right through reserve, release and expiry', async () => {
    const { id, stock } = await stocked(10)
    const [a, b] = [rid(), rid()]
    await stock.reserve(id, a, 2, 60_000, 'order-a')
    await stock.reserve(id, b, 3, 60_000, 'order-b')
    // As it was before: no held column on the level, no triggers on the holds.
    await runInDurableObject(stock, (_instance, state) =>
      state.storage.transactionSync(() => {
        for (const t of ['holds_held_insert', 'holds_held_delete', 'holds_held_update']) state.storage.sql.exec(`DROP TRIGGER ${t}`)
        state.storage.sql.exec('ALTER TABLE levels DROP COLUMN held')
      }),
    )
    await restart(stock)
    expect(await view(stock, id)).toMatchObject({ onHand: 10, held: 5, available: 5 })
    await stock.release(id, a)
    expect(await view(stock, id)).toMatchObject({ held: 3, available: 7 })
    await stock.reserve(id, rid(), 4, 60_000, 'order-c')
    expect(await view(stock, id)).toMatchObject({ held: 7, available: 3 })
    await expireHolds(stock)
    expect(await view(stock, id)).toMatchObject({ held: 0, available: 10 })
    await stock.reserve(id, rid(), 3, 60_000, 'order-d')
    // The count on the row is the sum of the live holds, however it got there.
    const sums = await runInDurableObject(stock, (_instance, state) =>
      state.storage.sql.exec<{ kept: number; summed: number }>('SELECT held AS kept, (SELECT coalesce(sum(qty), 0) FROM holds WHERE holds.level_key = levels.level_key) AS summed FROM levels').toArray(),
    )
    expect(sums).toEqual([{ kept: 3, summed: 3 }])
  })

  it('migrates an object older still (no flushed_available) and writes its units held to D1 at the next write-through', async () => {
    const { id, stock } = await stocked(5)
    await stock.reserve(id, rid(), 2)
    await makeSingleLevel(stock, false)
    await getDb(env).update(products).set({ stockHeld: 0 }).where(eq(products.id, id))
    await restart(stock)
    expect(await stock.available(id)).toBe(3)
    await runInDurableObject(stock, (instance: StockObject) => instance.alarm())
    const row = await getDb(env).select({ held: products.stockHeld }).from(products).where(eq(products.id, id)).get()
    expect(row?.held).toBe(2)
  })

  it('moves the default level of an object made before variants onto its default variant, holds and sales in flight, no unit made or lost', async () => {
    const { id, stock } = await stocked(9)
    const variantKey = String(await defaultVariantId(id))
    const [live, sold, unsold, released] = [rid(), rid(), rid(), rid()]
    await stock.reserve(id, live, 2, 60_000, 'order-live')
    await stock.reserve(id, sold, 3)
    await stock.commit(id, sold)
    await stock.reserve(id, unsold, 1)
    await stock.reserve(id, released, 1)
    await stock.release(id, released)
    // As the object stood before variants: every count, hold and outcome under the one default level.
    await runInDurableObject(stock, (_instance, state) => state.storage.transactionSync(() => renameLevel(state.storage.sql, variantKey, DEFAULT_LEVEL)))
    const before = await runInDurableObject(stock, (_instance, state) => levelKeys(state.storage.sql))
    expect(before).toEqual([DEFAULT_LEVEL])

    // Its next call moves it, concurrent calls and all, onto the variant with every count as it was.
    const answers = await Promise.all([view(stock, id), stock.available(id), stock.commit(id, sold), stock.reserve(id, released, 1)])
    expect(answers[0]).toMatchObject({ onHand: 6, held: 3, available: 3 })
    expect(answers.slice(1)).toMatchObject([3, { ok: true, qty: 3, onHand: 6 }, { ok: false, reason: 'finished', outcome: 'released' }])
    const after = await runInDurableObject(stock, (_instance, state) => ({
      keys: levelKeys(state.storage.sql),
      holds: state.storage.sql.exec<{ key: string }>('SELECT DISTINCT level_key AS key FROM holds UNION SELECT DISTINCT level_key FROM outcomes').toArray().map((r) => r.key),
    }))
    expect(after).toEqual({ keys: [variantKey], holds: [variantKey] })

    // The reservations go on from there, and D1's variant and product rows follow the object.
    expect(await stock.commit(id, live)).toMatchObject({ ok: true, qty: 2, onHand: 4, synced: true })
    expect(await stock.release(id, unsold)).toMatchObject({ ok: true, qty: 1, available: 4 })
    expect(await stock.restock(id, sold)).toMatchObject({ ok: true, qty: 3, onHand: 7, synced: true })
    const variant = await getDb(env).select({ onHand: productVariants.stockQuantity, held: productVariants.stockHeld }).from(productVariants).where(eq(productVariants.productId, id)).get()
    const product = await getDb(env).select({ onHand: products.stockQuantity, held: products.stockHeld }).from(products).where(eq(products.id, id)).get()
    expect([variant, product]).toEqual([
      { onHand: 7, held: 0 },
      { onHand: 7, held: 0 },
    ])
  })

  it('loads a new object onto its product\'s default variant', async () => {
    const { id, stock } = await stocked(4)
    expect(await stock.available(id)).toBe(4)
    expect(await runInDurableObject(stock, (_instance, state) => levelKeys(state.storage.sql))).toEqual([String(await defaultVariantId(id))])
  })

  /** A product with its default variant (`defaultQty`) and two more variants in D1, and its stock object. */
  async function withVariants(defaultQty: number, aQty: number, bQty: number) {
    const { id, stock } = await stocked(defaultQty)
    const [a, b] = await getDb(env)
      .insert(productVariants)
      .values([
        { productId: id, title: 'Navy / M', priceCents: 1000, position: 1, stockQuantity: aQty },
        { productId: id, title: 'Navy / L', priceCents: 1000, position: 2, stockQuantity: bQty },
      ])
      .returning()
    return { id, stock, base: await defaultVariantId(id), a: a!.id, b: b!.id }
  }
  const d1Variants = (id: number) =>
    getDb(env).select({ id: productVariants.id, onHand: productVariants.stockQuantity, held: productVariants.stockHeld }).from(productVariants).where(eq(productVariants.productId, id)).orderBy(productVariants.position)
  const d1Product = (id: number) => getDb(env).select({ onHand: products.stockQuantity, held: products.stockHeld }).from(products).where(eq(products.id, id)).get()

  it('reserves lines of several variants all or nothing in one transaction: concurrent baskets sell exactly each variant\'s stock, and D1 equals the object', async () => {
    const { id, stock, base, a, b } = await withVariants(10, 5, 3)
    const baskets = range(20).map((n) => [
      { variantId: a, reservationId: rid(`a${n}`), qty: 1 },
      { variantId: b, reservationId: rid(`b${n}`), qty: 1 },
    ])
    const answers = await Promise.all(baskets.map((lines) => stock.reserveLines(id, lines, 60_000, `order-${lines[0]!.reservationId}`)))
    const held = baskets.filter((_, i) => answers[i]!.ok)
    expect(held).toHaveLength(3)
    expect(answers.find((r) => !r.ok)).toEqual({ ok: false, reason: 'insufficient', short: [{ variantId: b, available: 0 }] })
    // Each line's hold is its own reservation: commit one, release another, each on its own variant.
    const sales = await Promise.all(held.flatMap((lines) => lines.map((line) => stock.commit(id, line.reservationId))))
    expect(sales.every((sale) => sale.ok)).toBe(true)
    expect(await stock.release(id, held[0]![0]!.reservationId)).toMatchObject({ ok: false, reason: 'committed' })
    expect(await d1Variants(id)).toEqual([
      { id: base, onHand: 10, held: 0 },
      { id: a, onHand: 2, held: 0 },
      { id: b, onHand: 0, held: 0 },
    ])
    expect(await d1Product(id)).toEqual({ onHand: 12, held: 0 })
    // A refund's restock goes back to the variant it was sold from.
    expect(await stock.restock(id, held[1]![1]!.reservationId)).toMatchObject({ ok: true, qty: 1, onHand: 1, synced: true })
    expect((await d1Variants(id)).map((v) => v.onHand)).toEqual([10, 2, 1])
    expect(await d1Product(id)).toEqual({ onHand: 13, held: 0 })
  })

  it('sets, adjusts and answers the stock of one variant, leaving the others and summing them on the product', async () => {
    const { id, stock, base, a, b } = await withVariants(2, 4, 1)
    // A variant made after the object loaded, not touched since, counts in the product's sum from D1.
    await stock.available(id)
    const late = await getDb(env).insert(productVariants).values({ productId: id, title: 'Sand / S', priceCents: 1000, position: 3, stockQuantity: 6 }).returning()
    expect(await stock.set(id, 9, 4, a)).toMatchObject({ ok: true, onHand: 9, synced: true })
    expect(await d1Product(id)).toEqual({ onHand: 2 + 9 + 1 + 6, held: 0 })
    await getDb(env).delete(productVariants).where(eq(productVariants.id, late[0]!.id))
    expect(await stock.set(id, 7, 4, a)).toMatchObject({ ok: false, reason: 'changed', onHand: 9 })
    expect(await stock.adjust(id, -1, b)).toMatchObject({ ok: true, onHand: 0 })
    expect([await stock.available(id), await stock.available(id, a), await stock.available(id, b)]).toEqual([2, 9, 0])
    expect(await view(stock, id)).toMatchObject({ onHand: 2 })
    expect(await d1Variants(id)).toEqual([
      { id: base, onHand: 2, held: 0 },
      { id: a, onHand: 9, held: 0 },
      { id: b, onHand: 0, held: 0 },
    ])
    expect(await d1Product(id)).toEqual({ onHand: 11, held: 0 })
  })

  it('holds units of one variant over several lines against its stock summed, answers a repeat with its holds, and refuses an unknown variant', async () => {
    const { id, stock, a } = await withVariants(2, 4, 0)
    const lines = [
      { variantId: a, reservationId: rid(), qty: 3 },
      { variantId: a, reservationId: rid(), qty: 2 },
    ]
    expect(await stock.reserveLines(id, lines)).toEqual({ ok: false, reason: 'insufficient', short: [{ variantId: a, available: 4 }] })
    const two = [{ ...lines[0]! }, { ...lines[1]!, qty: 1 }]
    const first = await stock.reserveLines(id, two, 60_000)
    expect(first).toMatchObject({ ok: true, holds: [{ variantId: a, qty: 3 }, { variantId: a, qty: 1 }] })
    expect(await stock.reserveLines(id, two, 60_000)).toEqual(first)
    expect((await d1Variants(id)).map((v) => v.held)).toEqual([0, 4, 0])
    expect(await d1Product(id)).toEqual({ onHand: 6, held: 4 })
    expect(await stock.release(id, two[0]!.reservationId)).toMatchObject({ ok: true, qty: 3, available: 3 })
    const other = await insertProduct()
    const foreign = await defaultVariantId(other.id)
    expect(await stock.reserveLines(id, [{ variantId: foreign, reservationId: rid(), qty: 1 }])).toEqual({ ok: false, reason: 'unknown_variant', variantId: foreign, available: 0 })
  })

  it('keeps each level\'s count and units held apart in one object (the room variants will use)', async () => {
    const { id, stock } = await stocked(4)
    await stock.reserve(id, rid(), 1)
    const levels = await runInDurableObject(stock, (_instance, state) => {
      const sql = state.storage.sql
      state.storage.transactionSync(() => {
        insertLevel(sql, 'variant-7', id, 10)
        insertHold(sql, 'variant-7', { reservationId: rid(), qty: 3, expiresAt: Date.now() + 60_000, orderId: null })
      })
      return [readLevel(sql, levelKeys(sql)[0]!), readLevel(sql, 'variant-7')].map((level) => level && { onHand: level.onHand, held: level.held })
    })
    expect(levels).toEqual([
      { onHand: 4, held: 1 },
      { onHand: 10, held: 3 },
    ])
    expect(await view(stock, id)).toMatchObject({ onHand: 4, held: 1, available: 3 })
  })
})
