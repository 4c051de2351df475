import { DurableObject } from 'cloudflare:workers'
import { logError, logEvent, type LogFields } from '../platform/logging'
import { saleVariants, variantStock, variantStocks } from './queries'
import { holdsExpiredHook } from './signals'
import {
  countChange,
  createTables,
  finish,
  findHold,
  findOutcome,
  findReturn,
  insertHold,
  insertReturn,
  insertLevel,
  isRetired,
  levelCounts,
  levelKeys,
  liveHoldCount,
  rememberedSales,
  levelOfReservation,
  listHolds,
  markDelivered,
  pruneOutcomes,
  readLevel,
  renameLevel,
  restoreLevel,
  retireLevel,
  returnedUnits,
  setHoldExpiry,
  sweepExpired,
  undelivered,
  writeOnHand,
  type Level,
} from './store'
import {
  DEFAULT_LEVEL,
  HOLD_TTL_MS_DEFAULT,
  type AdjustResult,
  type ChangeStocksResult,
  type CommitResult,
  type ExtendResult,
  type GetResult,
  type LevelKey,
  type ReleaseResult,
  type ReserveLine,
  type ReserveLinesResult,
  type ReserveResult,
  type OfferResult,
  type ReserveSaleResult,
  type SaleVariant,
  type RestockResult,
  type RetireResult,
  type StockLineChange,
  type Sale,
  type TakeResult,
  type UnknownProduct,
  variantLevel,
} from './types'
import { WriteThrough } from './write-through'

const UNKNOWN_PRODUCT: UnknownProduct = { ok: false, reason: 'unknown_product', available: 0 }

/**
 * How long the object sells from its copy of the variants (prices, names, weights…) before reading them
 * again, in the background: the staleness bound of what an order names and shows. Money is not bound by it:
 * an order's batch is refused when D1 disagrees with the copy, and the order asks for a fresh one.
 */
export const SALE_INFO_FRESH_MS = 5_000
/** A refusal (a variant not sold, or unknown) is decided on a copy at most this old: read again otherwise. */
const REFUSAL_FRESH_MS = 1_000

function assertInteger(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`)
}

/**
 * One per product (named by its id, see `stockOf`): the owner of its sellable stock. It learns on_hand from
 * D1 on first use, then is the truth: reservations hold units until a deadline, a commit turns a hold
 * into a sale, and every change to on_hand or to the units held is written through to D1's
 * products.stock_quantity and stock_held before the call answers. This is the one place stock changes,
 * so it is also the one that raises the "stock changed" signal: each write-through hands the counts to
 * the listeners registered in src/stock/signals.ts (the catalog moves its version on in the same D1
 * batch when the figure it shows changes), and the alarm hands expired order holds to the hook wired
 * there (orders). It imports neither domain. Finished reservations are remembered for
 * OUTCOME_RETENTION_MS, then pruned by the alarm.
 *
 * Every count lives under a level key (src/stock/types.ts `LevelKey`), its variant's id; a first use
 * loads every variant of the product, a variant made later is loaded when first named (`levelFor`), and
 * an object made before variants moves its DEFAULT_LEVEL onto the default variant at its next call
 * (`mapDefault`). `reserveLines` holds several variants at once; the methods by reservation id act on the
 * variant their hold is of; `reserve` (one line) and the staff and read methods without a `variantId`
 * act on the product's default variant, which is all that today's callers (one variant per product) use.
 *
 * Every public method takes the product id (checked against the one the object was loaded for), is
 * idempotent by its reservation id, returns a result union instead of throwing for business outcomes,
 * and does its check and its write in one `transactionSync` with no await between them, so concurrent
 * calls cannot oversell.
 */
export class StockObject extends DurableObject<Env> {
  /** The D1 read of a first use, shared by the calls that arrive meanwhile. */
  private loading: Promise<LevelKey | null> | null = null
  /** The D1 read that moves an older object's DEFAULT_LEVEL onto its default variant, shared likewise. */
  private mapping: Promise<LevelKey> | null = null
  /** The product's default variant's level, set by `ready` from storage before each call's transaction. */
  private key: LevelKey = DEFAULT_LEVEL
  /** Its counts written through to D1, and its alarm (src/stock/write-through.ts). */
  private readonly sync: WriteThrough
  /** The product's variants as orders sell them, in memory (read again after a restart), with when the read started. */
  private saleInfo: { readAt: number; variants: SaleVariant[] } | null = null
  /** The background read of `sale` in flight, so that a busy object starts one at a time. */
  private saleReading: Promise<SaleVariant[]> | null = null

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sync = new WriteThrough(ctx.storage, env)
    void ctx.blockConcurrencyWhile(async () => ctx.storage.transactionSync(() => createTables(ctx.storage.sql)))
  }

  private get sql(): SqlStorage {
    return this.ctx.storage.sql
  }

  /** Holds `qty` units for `ttlMs` (all or nothing); the same reservation id again returns its hold. */
  async reserve(productId: number, reservationId: string, qty: number, ttlMs: number = HOLD_TTL_MS_DEFAULT, orderId?: string): Promise<ReserveResult> {
    assertInteger(qty, 'qty', 1)
    assertInteger(ttlMs, 'ttlMs', 1)
    if (!(await this.ready(productId))) return UNKNOWN_PRODUCT
    let change: LogFields | null = null
    const result = this.transaction((level, now): ReserveResult => {
      const available = level.onHand - level.held
      const hold = findHold(this.sql, reservationId)
      if (hold) return { ok: true, reservationId, qty: hold.qty, expiresAt: hold.expiresAt, available }
      const done = findOutcome(this.sql, reservationId)
      if (done) return { ok: false, reason: 'finished', outcome: done.outcome, available }
      if (qty > available) return { ok: false, reason: 'insufficient', available }
      const expiresAt = now + ttlMs
      insertHold(this.sql, this.key, { reservationId, qty, expiresAt, orderId: orderId ?? null })
      change = { reservation_id: reservationId, order_id: orderId ?? null, qty, expires_at: expiresAt }
      return { ok: true, reservationId, qty, expiresAt, available: available - qty }
    })
    this.logChange('stock.reserved', productId, change)
    await this.sync.afterChange()
    return result
  }

  /**
   * Holds units of several variants of the product at once, all or nothing, in one transaction: one hold
   * per line, each under its own reservation id (an order line per variant), so that the methods by
   * reservation id (`commit`, `release`…) then act on each variant's hold. A line whose reservation id
   * already holds answers that hold; one already finished refuses the call as `finished`; too few units of
   * any variant (summed over its lines) refuses it as `insufficient`, naming every short variant.
   */
  async reserveLines(productId: number, lines: ReserveLine[], ttlMs: number = HOLD_TTL_MS_DEFAULT, orderId?: string): Promise<ReserveLinesResult> {
    return this.holdLines(productId, lines, ttlMs, orderId, true)
  }

  /**
   * `reserveLines` for an order, answering the lines' variants as the object knows them (`SaleVariant`):
   * the order prices, names and totals its lines from them and reads no variant from D1. A variant not sold
   * is refused as `not_for_sale`, and one the product does not have as `unknown_variant`, before anything
   * is held and on a copy read at most a second ago. `fresh`: read the variants from D1 first (the order's
   * batch found D1 disagreeing with the copy); the holds of the same reservation ids are answered as they are.
   * It answers once the holds are stored, without waiting for their write-through to D1 (stock_held, what
   * the catalog shows): that starts at once, or within LATER_WRITE_MS of the last such write (src/stock/write-through.ts), one D1 write for
   * all the holds made meanwhile, and the alarm retries it should D1 fail. No unit can be sold twice either way: the object's count is the truth.
   */
  async reserveSale(productId: number, lines: ReserveLine[], ttlMs: number = HOLD_TTL_MS_DEFAULT, orderId?: string, fresh = false): Promise<ReserveSaleResult> {
    if (!(await this.ready(productId))) return { ...UNKNOWN_PRODUCT, variants: [] }
    let variants = await this.saleCopy(productId, fresh)
    const refused = (known: SaleVariant[]) => lines.filter((line) => !known.find((v) => v.variantId === line.variantId)?.isActive)
    if (refused(variants).length && Date.now() - (this.saleInfo?.readAt ?? 0) > REFUSAL_FRESH_MS) variants = await this.saleCopy(productId, true)
    const ofLines = variants.filter((v) => lines.some((line) => line.variantId === v.variantId))
    const missing = lines.find((line) => !ofLines.some((v) => v.variantId === line.variantId))
    if (missing) return { ok: false, reason: 'unknown_variant', variantId: missing.variantId, available: 0, variants: ofLines }
    const inactive = refused(ofLines)
    if (inactive.length) return { ok: false, reason: 'not_for_sale', variantIds: inactive.map((line) => line.variantId), variants: ofLines }
    const held = await this.holdLines(productId, lines, ttlMs, orderId, false)
    return { ...held, variants: ofLines }
  }

  /**
   * A variant as the cart shows and checks it, in one call: its copy (`reserveSale`'s, a variant not sold
   * decided on a copy at most a second old) and the units available of it (on hand minus live holds).
   */
  async offer(productId: number, variantId: number): Promise<OfferResult> {
    assertInteger(variantId, 'variantId', 1)
    if (!(await this.ready(productId))) return UNKNOWN_PRODUCT
    let variant = (await this.saleCopy(productId, false)).find((v) => v.variantId === variantId)
    if (!variant?.isActive && Date.now() - (this.saleInfo?.readAt ?? 0) > REFUSAL_FRESH_MS) variant = (await this.saleCopy(productId, true)).find((v) => v.variantId === variantId)
    const key = variant ? await this.levelFor(productId, variantId) : null
    if (!variant || key === null) return { ok: false, reason: 'unknown_variant', available: 0 }
    return { ok: true, variant, available: this.transaction((level) => level.onHand - level.held, key) }
  }

  /**
   * The product's variants as orders sell them: the copy in memory (read again in the background once it is
   * SALE_INFO_FRESH_MS old), or read from D1 now without one or when `mustRead`. A read started later never
   * loses to one started earlier.
   */
  private async saleCopy(productId: number, mustRead: boolean): Promise<SaleVariant[]> {
    const copy = this.saleInfo
    if (copy && !mustRead) {
      if (Date.now() - copy.readAt >= SALE_INFO_FRESH_MS) {
        this.saleReading ??= this.readSale(productId)
          .catch((err: unknown) => {
            logError('stock object could not read its variants again; it sells from its copy', { product_id: productId, error: err })
            return copy.variants
          })
          .finally(() => {
            this.saleReading = null
          })
      }
      return copy.variants
    }
    return this.readSale(productId)
  }

  private async readSale(productId: number): Promise<SaleVariant[]> {
    const startedAt = Date.now()
    const variants = await saleVariants(this.env, productId)
    if (!this.saleInfo || this.saleInfo.readAt <= startedAt) this.saleInfo = { readAt: startedAt, variants }
    return variants
  }

  /** `reserveLines`' work; `waitForD1`: answer only once D1 has the units held (else it follows without the caller waiting). */
  private async holdLines(productId: number, lines: ReserveLine[], ttlMs: number, orderId: string | undefined, waitForD1: boolean): Promise<ReserveLinesResult> {
    assertInteger(ttlMs, 'ttlMs', 1)
    for (const line of lines) {
      assertInteger(line.qty, 'qty', 1)
      assertInteger(line.variantId, 'variantId', 1)
    }
    if (new Set(lines.map((line) => line.reservationId)).size !== lines.length) throw new RangeError('a reservation id is given twice')
    if (!(await this.ready(productId))) return UNKNOWN_PRODUCT
    const keys: LevelKey[] = []
    for (const line of lines) {
      const key = await this.levelFor(productId, line.variantId)
      if (key === null) return { ok: false, reason: 'unknown_variant', variantId: line.variantId, available: 0 }
      keys.push(key)
    }
    const changes: LogFields[] = []
    const result = this.transaction((_level, now): ReserveLinesResult => {
      const fresh: number[] = []
      for (const [i, line] of lines.entries()) {
        if (findHold(this.sql, line.reservationId)) continue
        const done = findOutcome(this.sql, line.reservationId)
        if (done) return { ok: false, reason: 'finished', reservationId: line.reservationId, outcome: done.outcome }
        fresh.push(i)
      }
      const demand = new Map<LevelKey, number>()
      for (const i of fresh) demand.set(keys[i]!, (demand.get(keys[i]!) ?? 0) + lines[i]!.qty)
      const available = (key: LevelKey) => this.level(key).onHand - this.level(key).held
      const short = [...demand].filter(([key, qty]) => qty > available(key)).map(([key]) => ({ variantId: Number(key), available: available(key) }))
      if (short.length) return { ok: false, reason: 'insufficient', short }
      const expiresAt = now + ttlMs
      for (const i of fresh) {
        const line = lines[i]!
        insertHold(this.sql, keys[i]!, { reservationId: line.reservationId, qty: line.qty, expiresAt, orderId: orderId ?? null })
        changes.push({ reservation_id: line.reservationId, variant_id: line.variantId, order_id: orderId ?? null, qty: line.qty, expires_at: expiresAt })
      }
      return {
        ok: true,
        holds: lines.map((line) => {
          const hold = findHold(this.sql, line.reservationId)!
          return { variantId: line.variantId, reservationId: line.reservationId, qty: hold.qty, expiresAt: hold.expiresAt }
        }),
      }
    })
    for (const change of changes) this.logChange('stock.reserved', productId, change)
    // Without waiting for D1, the safety alarm is still armed before this answers: the write-through
    // happens even if the object stops right after.
    if (waitForD1) await this.sync.afterChange()
    else await this.sync.later()
    return result
  }

  /** Moves a live hold's deadline to `untilMs` (epoch ms) if that is later; never earlier. */
  async extend(productId: number, reservationId: string, untilMs: number): Promise<ExtendResult> {
    assertInteger(untilMs, 'untilMs', 0)
    if (!(await this.ready(productId))) return UNKNOWN_PRODUCT
    const key = this.keyOf(reservationId)
    const result = this.transaction((): ExtendResult => {
      const hold = findHold(this.sql, reservationId)
      if (!hold) return { ok: false, reason: 'not_held', outcome: findOutcome(this.sql, reservationId)?.outcome ?? null }
      const expiresAt = Math.max(hold.expiresAt, untilMs)
      if (expiresAt !== hold.expiresAt) setHoldExpiry(this.sql, reservationId, expiresAt)
      return { ok: true, reservationId, expiresAt }
    }, key)
    await this.sync.rearm()
    return result
  }

  /**
   * Frees a live hold. Idempotent: an ended reservation answers how it ended, and an id never seen is
   * remembered as released so that a reserve arriving after its own cancellation holds nothing.
   */
  async release(productId: number, reservationId: string): Promise<ReleaseResult> {
    if (!(await this.ready(productId))) return UNKNOWN_PRODUCT
    const key = this.keyOf(reservationId)
    let change: LogFields | null = null
    const result = this.transaction((level, now): ReleaseResult => {
      const available = level.onHand - level.held
      const done = findOutcome(this.sql, reservationId)
      if (done?.outcome === 'committed') return { ok: false, reason: 'committed', available }
      if (done) return { ok: true, outcome: done.outcome, qty: done.qty, available }
      const hold = findHold(this.sql, reservationId)
      finish(this.sql, key, { reservationId, outcome: 'released', qty: hold?.qty ?? 0, orderId: hold?.orderId ?? null, at: now })
      // An id never seen is remembered as released, but no units moved: not an event.
      if (hold) change = { reservation_id: reservationId, order_id: hold.orderId, qty: hold.qty }
      return { ok: true, outcome: 'released', qty: hold?.qty ?? 0, available: available + (hold?.qty ?? 0) }
    }, key)
    this.logChange('stock.released', productId, change)
    await this.sync.afterChange()
    return result
  }

  /** Sells a live hold: on_hand drops by its qty. Committing again answers the same sale. */
  async commit(productId: number, reservationId: string): Promise<CommitResult> {
    if (!(await this.ready(productId))) return UNKNOWN_PRODUCT
    const key = this.keyOf(reservationId)
    let change: LogFields | null = null
    const result = this.transaction((level, now): CommitResult => {
      const done = findOutcome(this.sql, reservationId)
      if (done?.outcome === 'committed') return this.sale(reservationId, done.qty, level)
      const hold = findHold(this.sql, reservationId)
      if (!hold) return { ok: false, reason: 'not_held', outcome: done?.outcome ?? null, available: level.onHand - level.held }
      change = { reservation_id: reservationId, order_id: hold.orderId, qty: hold.qty }
      return this.sell(key, reservationId, hold.qty, hold.orderId, now)
    }, key)
    this.logChange('stock.committed', productId, change)
    return this.settle(result)
  }

  /**
   * For a payment that arrives after its hold ended: sells `qty` units straight from what is available.
   * A live hold is committed as it is; a committed reservation answers the same sale. `variantId` says
   * whose units to sell when the object no longer knows the reservation (its outcome pruned, or never
   * held): without it that is the product's default variant, as before variants.
   */
  async take(productId: number, reservationId: string, qty: number, variantId?: number): Promise<TakeResult> {
    assertInteger(qty, 'qty', 1)
    if (!(await this.ready(productId))) return UNKNOWN_PRODUCT
    const known = levelOfReservation(this.sql, reservationId)
    const key = known ?? (variantId === undefined ? this.key : await this.levelFor(productId, variantId))
    if (key === null) return UNKNOWN_PRODUCT
    let change: LogFields | null = null
    const result = this.transaction((level, now): TakeResult => {
      const done = findOutcome(this.sql, reservationId)
      if (done?.outcome === 'committed') return this.sale(reservationId, done.qty, level)
      const hold = findHold(this.sql, reservationId)
      if (hold) {
        change = { reservation_id: reservationId, order_id: hold.orderId, qty: hold.qty }
        return this.sell(key, reservationId, hold.qty, hold.orderId, now)
      }
      const available = level.onHand - level.held
      if (qty > available) return { ok: false, reason: 'insufficient', available }
      change = { reservation_id: reservationId, order_id: done?.orderId ?? null, qty, after_hold_ended: true }
      return this.sell(key, reservationId, qty, done?.orderId ?? null, now)
    }, key)
    this.logChange('stock.committed', productId, change)
    return this.settle(result)
  }

  /**
   * Gives a sale back: the reservation's units return to on_hand and it ends as 'released'. For a refund
   * that puts the goods back on the shelf, or a late payment that could not get every line. Idempotent by
   * the reservation id (unlike `adjust`): a second call, or a call for a reservation never sold, returns
   * nothing more, so a webhook delivered twice cannot restock twice.
   */
  async restock(productId: number, reservationId: string): Promise<RestockResult> {
    if (!(await this.ready(productId))) return UNKNOWN_PRODUCT
    const key = this.keyOf(reservationId)
    const result = this.transaction((level, now): RestockResult => {
      const done = findOutcome(this.sql, reservationId)
      if (done?.outcome !== 'committed') return { ok: true, reservationId, qty: 0, onHand: level.onHand, available: level.onHand - level.held, synced: false }
      // Units already given back by returns (partial refunds) are not given back twice.
      const units = Math.max(0, done.qty - returnedUnits(this.sql, reservationId))
      if (units > 0) writeOnHand(this.sql, key, level.onHand + units)
      finish(this.sql, key, { reservationId, outcome: 'released', qty: done.qty, orderId: done.orderId, at: now })
      const after = this.level(key)
      return { ok: true, reservationId, qty: units, onHand: after.onHand, available: after.onHand - after.held, synced: false }
    }, key)
    if (result.ok && result.qty > 0) this.logChange('stock.restocked', productId, { reservation_id: reservationId, qty: result.qty, on_hand: result.onHand })
    return this.settle(result)
  }

  /**
   * Gives back `qty` units of a sale (a refund's line returned to the shelf), never more than the
   * reservation sold minus what earlier returns gave back. Idempotent by `returnId`: the same return again
   * answers the units it gave the first time and changes nothing. A reservation never sold gives back 0.
   */
  async returnUnits(productId: number, reservationId: string, returnId: string, qty: number): Promise<RestockResult> {
    assertInteger(qty, 'qty', 1)
    if (!(await this.ready(productId))) return UNKNOWN_PRODUCT
    const key = this.keyOf(reservationId)
    let change: LogFields | null = null
    const result = this.transaction((level, now): RestockResult => {
      const answer = (units: number) => {
        const after = this.level(key)
        return { ok: true as const, reservationId, qty: units, onHand: after.onHand, available: after.onHand - after.held, synced: false }
      }
      const earlier = findReturn(this.sql, returnId)
      if (earlier !== null) return answer(earlier)
      const done = findOutcome(this.sql, reservationId)
      const sold = done?.outcome === 'committed' ? done.qty - returnedUnits(this.sql, reservationId) : 0
      const units = Math.max(0, Math.min(qty, sold))
      if (units > 0) writeOnHand(this.sql, key, level.onHand + units)
      insertReturn(this.sql, returnId, reservationId, units, now)
      if (units > 0) change = { reservation_id: reservationId, return_id: returnId, qty: units }
      return answer(units)
    }, key)
    this.logChange('stock.restocked', productId, change)
    return this.settle(result)
  }

  /** Staff: changes on_hand by `delta`, refusing to go below the units held or below zero. */
  async adjust(productId: number, delta: number, variantId?: number): Promise<AdjustResult> {
    assertInteger(delta, 'delta', Number.MIN_SAFE_INTEGER)
    return this.setOnHand(productId, variantId, (onHand) => onHand + delta)
  }

  /**
   * Staff: sets on_hand to `onHand`, refusing to go below the units held or below zero. With
   * `expectedOnHand` (what staff saw when they chose the figure) it is a compare-and-set: refused as
   * `changed` when on_hand is no longer that, so a sale made meanwhile is never undone.
   */
  async set(productId: number, onHand: number, expectedOnHand?: number, variantId?: number): Promise<AdjustResult> {
    assertInteger(onHand, 'onHand', Number.MIN_SAFE_INTEGER)
    if (expectedOnHand !== undefined) assertInteger(expectedOnHand, 'expectedOnHand', 0)
    return this.setOnHand(productId, variantId, () => onHand, expectedOnHand)
  }

  /**
   * Staff: changes the on hand of several variants at once, all or nothing, in one transaction (the
   * variant grid saved as one form): each line a compare-and-set (`onHand` with `expectedOnHand`), a set,
   * or a `delta`; any line refused (as `set` and `adjust` refuse) refuses them all, naming its variant.
   */
  async changeStocks(productId: number, changes: StockLineChange[]): Promise<ChangeStocksResult> {
    if (new Set(changes.map((change) => change.variantId)).size !== changes.length) throw new RangeError('a variant is given twice')
    if (!(await this.ready(productId))) return UNKNOWN_PRODUCT
    const keys: LevelKey[] = []
    for (const change of changes) {
      assertInteger(change.variantId, 'variantId', 1)
      if ('delta' in change) assertInteger(change.delta, 'delta', Number.MIN_SAFE_INTEGER)
      else assertInteger(change.onHand, 'onHand', Number.MIN_SAFE_INTEGER)
      const key = await this.levelFor(productId, change.variantId)
      if (key === null) return { ok: false, reason: 'unknown_variant', variantId: change.variantId, available: 0 }
      keys.push(key)
    }
    const result = this.transaction((): ChangeStocksResult => {
      const next: number[] = []
      for (const [i, change] of changes.entries()) {
        const level = this.level(keys[i]!)
        const onHand = 'delta' in change ? level.onHand + change.delta : change.onHand
        const changed = 'expectedOnHand' in change && change.expectedOnHand !== undefined && change.expectedOnHand !== level.onHand
        const refusal = changed ? 'changed' : onHand < 0 ? 'negative' : onHand < level.held ? 'below_held' : null
        if (refusal) return { ok: false, reason: refusal, variantId: change.variantId, onHand: level.onHand, held: level.held, available: level.onHand - level.held }
        next.push(onHand)
      }
      for (const [i, key] of keys.entries()) if (next[i] !== this.level(key).onHand) writeOnHand(this.sql, key, next[i]!)
      return {
        ok: true,
        levels: changes.map((change, i) => {
          const level = this.level(keys[i]!)
          return { variantId: change.variantId, onHand: level.onHand, held: level.held, available: level.onHand - level.held }
        }),
        synced: false,
      }
    })
    if (!result.ok) return result
    return { ...result, synced: await this.sync.afterChange() }
  }

  /**
   * Staff: learns variants just made (their D1 rows exist, with no stock) and gives each its first on hand,
   * written through to D1 like any change: so the product's counts and the "stock changed" signal include
   * them from the start. Named again, a variant's on hand is set again to the figure given.
   */
  async addVariants(productId: number, levels: { variantId: number; onHand: number }[]): Promise<ChangeStocksResult> {
    for (const level of levels) assertInteger(level.onHand, 'onHand', 0)
    return this.changeStocks(productId, levels.map((level) => ({ variantId: level.variantId, onHand: level.onHand })))
  }

  /**
   * Staff: forgets variants about to be deleted from D1, in one transaction, refused as `held` (naming
   * them) while any of them has a live hold (a variant in an unpaid order is not deleted under it), and as
   * `sold` while the object remembers a sale of one (OUTCOME_RETENTION_MS: a refund may restock it). A
   * retired variant is never loaded again, so no hold can be taken on it between this and D1's delete.
   * Answers the on hand each had, for `restoreVariants` should that delete fail.
   */
  async retireVariants(productId: number, variantIds: number[]): Promise<RetireResult> {
    if (!(await this.ready(productId))) return UNKNOWN_PRODUCT
    for (const variantId of variantIds) assertInteger(variantId, 'variantId', 1)
    return this.transaction((): RetireResult => {
      const held = variantIds.filter((variantId) => liveHoldCount(this.sql, variantLevel(variantId)) > 0)
      if (held.length) return { ok: false, reason: 'held', variantIds: held }
      // A sale a refund may still give back needs its level: such a variant is deactivated, not deleted.
      const sold = variantIds.filter((variantId) => rememberedSales(this.sql, variantLevel(variantId)) > 0)
      if (sold.length) return { ok: false, reason: 'sold', variantIds: sold }
      const levels = variantIds.map((variantId) => ({ variantId, onHand: readLevel(this.sql, variantLevel(variantId))?.onHand ?? 0 }))
      for (const variantId of variantIds) retireLevel(this.sql, variantLevel(variantId))
      return { ok: true, levels }
    })
  }

  /** Undoes `retireVariants` when the D1 batch that was to delete them failed: each variant is back with its on hand. */
  async restoreVariants(productId: number, levels: { variantId: number; onHand: number }[]): Promise<void> {
    if (!(await this.ready(productId))) return
    this.ctx.storage.transactionSync(() => {
      for (const level of levels) restoreLevel(this.sql, variantLevel(level.variantId), productId, level.onHand)
    })
  }

  /** The stock and its live holds, of the product's default variant or of `variantId`. */
  async get(productId: number, variantId?: number): Promise<GetResult> {
    const key = await this.keyFor(productId, variantId)
    if (key === null) return UNKNOWN_PRODUCT
    return this.transaction((level): GetResult => ({
      ok: true,
      productId,
      onHand: level.onHand,
      held: level.held,
      available: level.onHand - level.held,
      holds: listHolds(this.sql, key),
    }), key)
  }

  /**
   * The units that can still be put aside (on hand minus live holds), 0 for a product not in D1: for the
   * callers that need one number (the cart's checks) rather than every hold (`get`).
   */
  async available(productId: number, variantId?: number): Promise<number> {
    const key = await this.keyFor(productId, variantId)
    if (key === null) return 0
    return this.transaction((level) => level.onHand - level.held, key)
  }

  /** For `/readyz`: answers once the object runs and its storage answers; touches no stock. */
  ping(): number {
    return this.sql.exec<{ ok: number }>('SELECT 1 AS ok').one().ok
  }

  /**
   * Ends the holds past their deadline, tells the expiry hook about those of orders, retries a lagging
   * D1 write, then sets the alarm for what comes next. Everything it acts on is in storage, so running
   * it twice, or after a restart, does nothing more.
   */
  override async alarm(): Promise<void> {
    this.sync.fired()
    const key = levelKeys(this.sql)[0]
    const level = key === undefined ? null : readLevel(this.sql, key)
    if (!level) return
    this.transaction(() => pruneOutcomes(this.sql, Date.now()))
    const pending = undelivered(this.sql)
    const hook = holdsExpiredHook()
    if (pending.length && !hook) logError('no holds-expired hook is wired (src/index.ts); expired holds kept for the next alarm', { product_id: level.productId })
    if (pending.length && hook) {
      try {
        await hook(
          this.env,
          pending.map((p) => ({ productId: level.productId, reservationId: p.reservationId, orderId: p.orderId, qty: p.qty, expiredAt: p.at })),
        )
        markDelivered(this.sql, pending.map((p) => p.reservationId))
      } catch (err) {
        logError('expiry hook failed', { product_id: level.productId, error: err })
      }
    }
    await this.sync.flush()
    await this.sync.rearm()
  }

  /** Logs and counts a change once its transaction is stored; `null` (an idempotent repeat, a refusal) logs nothing. */
  private logChange(event: string, productId: number, change: LogFields | null): void {
    if (change) logEvent(this.env, event, { product_id: productId, ...change })
  }

  /**
   * True once the object holds its product's stock, loading it from D1 on first use; an object made
   * before variants first moves its one level onto the product's default variant.
   */
  private async ready(productId: number): Promise<boolean> {
    assertInteger(productId, 'productId', 1)
    let key: LevelKey | null = levelKeys(this.sql)[0] ?? null
    if (key === null) {
      this.loading ??= this.load(productId).finally(() => {
        this.loading = null
      })
      key = await this.loading
    }
    if (key === null) return false
    const level = readLevel(this.sql, key)
    if (!level) return this.ready(productId)
    if (level.productId !== productId) throw new Error(`stock object of product ${level.productId} called for product ${productId}`)
    if (key === DEFAULT_LEVEL) {
      this.mapping ??= this.mapDefault(productId).finally(() => {
        this.mapping = null
      })
      key = await this.mapping
    }
    this.key = key
    return true
  }

  /** After `ready`: the level of `variantId`, or the product's default variant without one; null when unknown. */
  private async keyFor(productId: number, variantId?: number): Promise<LevelKey | null> {
    if (!(await this.ready(productId))) return null
    if (variantId === undefined) return this.key
    assertInteger(variantId, 'variantId', 1)
    return this.levelFor(productId, variantId)
  }

  /**
   * The level of one of the product's variants, loaded from D1 the first time it is asked for (a variant
   * made after the object loaded); null when the product has no such variant.
   */
  private async levelFor(productId: number, variantId: number): Promise<LevelKey | null> {
    const key = variantLevel(variantId)
    if (readLevel(this.sql, key)) return key
    if (isRetired(this.sql, key)) return null
    const onHand = await variantStock(this.env, productId, variantId)
    if (onHand === null) return null
    insertLevel(this.sql, key, productId, onHand)
    return key
  }

  /** First use: every variant of the product becomes a level, its default variant first. */
  private async load(productId: number): Promise<LevelKey | null> {
    const variants = await variantStocks(this.env, productId)
    if (variants.length === 0) return null
    this.ctx.storage.transactionSync(() => {
      for (const variant of variants) {
        const key = variantLevel(variant.variantId)
        if (!isRetired(this.sql, key)) insertLevel(this.sql, key, productId, variant.stockQuantity)
      }
    })
    return levelKeys(this.sql)[0] ?? null
  }

  /**
   * Moves the DEFAULT_LEVEL of an object made before variants, with its holds and outcomes, onto the
   * product's default variant in one transaction: on hand, units held, versions and every reservation
   * stay as they were, so no unit is made or lost and every call stays idempotent. A product gone from
   * D1 keeps DEFAULT_LEVEL (its write-through then touches no variant).
   */
  private async mapDefault(productId: number): Promise<LevelKey> {
    // The default variant is the first, by position (every product has one: migration 0009 and its trigger).
    const [variant] = await variantStocks(this.env, productId)
    if (variant === undefined) return DEFAULT_LEVEL
    const key = variantLevel(variant.variantId)
    this.ctx.storage.transactionSync(() => renameLevel(this.sql, DEFAULT_LEVEL, key))
    return levelKeys(this.sql)[0] ?? key
  }

  /**
   * Runs `body` in one synchronous transaction after ending the holds past their deadline. Every change
   * of on_hand or of the units held happens in here, so this is where it is counted for the write-through:
   * no method can change stock without D1 and the catalog hearing of it.
   */
  private transaction<T>(body: (level: Level, now: number) => T, key: LevelKey = this.key): T {
    return this.ctx.storage.transactionSync(() => {
      const before = this.counts()
      const now = Date.now()
      sweepExpired(this.sql, now)
      const result = body(this.level(key), now)
      for (const [changed, after] of this.counts()) if (before.get(changed) !== after) countChange(this.sql, changed)
      return result
    })
  }

  /** Every level's on hand and units held, to tell which ones a transaction changed. */
  private counts(): Map<LevelKey, string> {
    return levelCounts(this.sql)
  }

  /** A level's row in a loaded object. */
  private level(key: LevelKey = this.key): Level {
    const level = readLevel(this.sql, key)
    if (!level) throw new Error('stock object used before it was loaded')
    return level
  }

  /** Inside a transaction: sells `qty` units (removing their hold, if any) and records the outcome. */
  private sell(key: LevelKey, reservationId: string, qty: number, orderId: string | null, now: number): Sale {
    writeOnHand(this.sql, key, this.level(key).onHand - qty)
    finish(this.sql, key, { reservationId, outcome: 'committed', qty, orderId, at: now })
    return this.sale(reservationId, qty, this.level(key))
  }

  /** The level a reservation holds or held; the product's default variant for an id never seen. */
  private keyOf(reservationId: string): LevelKey {
    return levelOfReservation(this.sql, reservationId) ?? this.key
  }

  private sale(reservationId: string, qty: number, level: Level): Sale {
    return { ok: true, reservationId, qty, onHand: level.onHand, available: level.onHand - level.held, synced: false }
  }

  private async setOnHand(productId: number, variantId: number | undefined, next: (onHand: number) => number, expectedOnHand?: number): Promise<AdjustResult> {
    const key = await this.keyFor(productId, variantId)
    if (key === null) return UNKNOWN_PRODUCT
    const result = this.transaction((level): AdjustResult => {
      const onHand = next(level.onHand)
      const changed = expectedOnHand !== undefined && expectedOnHand !== level.onHand
      const refusal = changed ? 'changed' : onHand < 0 ? 'negative' : onHand < level.held ? 'below_held' : null
      if (refusal) return { ok: false, reason: refusal, onHand: level.onHand, held: level.held, available: level.onHand - level.held }
      if (onHand !== level.onHand) writeOnHand(this.sql, key, onHand)
      return { ok: true, onHand, held: level.held, available: onHand - level.held, synced: false }
    }, key)
    return this.settle(result)
  }

  /** After a change to on_hand: waits for D1 to agree, and says whether it does. */
  private async settle<T extends { ok: boolean }>(result: T): Promise<T> {
    if (!result.ok) return result
    const synced = await this.sync.afterChange()
    return { ...result, synced }
  }
}
