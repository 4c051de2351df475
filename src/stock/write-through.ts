import { logError } from '../platform/logging'
import { writeProductStock } from './queries'
import { levelKeys, markFlushed, nextWake, readLevel } from './store'
import type { LevelKey } from './types'

/** How soon the alarm retries a failed D1 write or a failed expiry hook. */
const RETRY_MS = 5_000
/**
 * The least time between two writes of changes whose caller does not wait for D1 (an order's hold): every
 * hold made meanwhile goes in the next write, so a flash sale writes D1 ten times a second, not once an order.
 */
export const LATER_WRITE_MS = 100

/**
 * A stock object's write-through of its counts to D1 (which raises the "stock changed" signal) and its
 * alarm: one per object, holding the write in flight and the alarm last set, so that every caller of the
 * object shares them.
 */
export class WriteThrough {
  /** The write-through to D1 in progress, shared by every caller that waits for D1 to agree. */
  private flushing: Promise<boolean> | null = null
  /** The alarm as last set by this instance (undefined until it sets one), to skip redundant writes. */
  private armedAt: number | null | undefined
  /** The write `later` scheduled, while it waits. */
  private scheduled: Promise<boolean> | null = null
  /** When `later` last started a write (0: never), so that the next waits LATER_WRITE_MS after it. */
  private lastWriteAt = 0

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {}

  private get sql(): SqlStorage {
    return this.storage.sql
  }

  /** The alarm went off: none is set until the next `rearm`. */
  fired(): void {
    this.armedAt = null
  }

  /** After a call: arms the safety alarm, waits for D1 (and so the catalog) to agree, then arms what comes next. */
  async afterChange(): Promise<boolean> {
    // The safety alarm is needed only when none as early is armed already: an earlier one flushes anyway
    // (without this, every call set an alarm, since now + RETRY_MS is never the same twice).
    if (this.armedAt == null || this.armedAt > Date.now() + RETRY_MS) await this.rearm()
    const synced = await this.flush()
    await this.rearm()
    return synced
  }

  /**
   * After a change D1 need not have before the caller hears back (an order's hold: the object's count is the
   * truth, D1's stock_held only what the catalog shows): arms the safety alarm now (resolved once it is
   * stored, so it holds should the object stop), and starts the write at once unless one started less than
   * LATER_WRITE_MS ago; then it starts when that time is up, one write for all the changes made meanwhile.
   * A quiet shop so shows a hold as soon as it is made; a flash sale writes D1 ten times a second at most.
   */
  async later(): Promise<void> {
    if (!this.scheduled) {
      const wait = Math.max(0, this.lastWriteAt + LATER_WRITE_MS - Date.now())
      const due = wait === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, wait))
      this.scheduled = due
        .then(() => {
          this.scheduled = null
          this.lastWriteAt = Date.now()
          return this.afterChange()
        })
        .catch((err: unknown) => {
          this.scheduled = null
          logError('stock write-through failed; the alarm retries', { error: err })
          return false
        })
    }
    if (this.armedAt == null || this.armedAt > Date.now() + RETRY_MS) await this.rearm()
  }

  /**
   * Writes on_hand through to D1 until D1 has the latest version. Awaiting D1 lets other calls into the
   * object, so one write-through runs at a time and every caller waits on it, then checks again: a
   * change made while the last write was in flight is written by the next round, never lost.
   * False when D1 failed; the version stays unflushed and the alarm retries.
   */
  async flush(): Promise<boolean> {
    for (;;) {
      if (!this.lagging()) return true
      this.flushing ??= this.writeRounds().finally(() => {
        this.flushing = null
      })
      if (!(await this.flushing)) return false
    }
  }

  /** True when a level's counts are newer than what D1 last received. */
  private lagging(): boolean {
    return levelKeys(this.sql).some((key) => {
      const level = readLevel(this.sql, key)
      return level !== null && level.version !== level.flushedVersion
    })
  }

  /** One round over the levels: each one D1 lags behind on is written. */
  private async writeRounds(): Promise<boolean> {
    for (const key of levelKeys(this.sql)) if (!(await this.writeRound(key))) return false
    return true
  }

  /**
   * Writes a level's latest counts to D1 (its variant's row and the product's) and raises the "stock
   * changed" signal with them (src/stock/signals.ts), in one D1 batch.
   */
  private async writeRound(key: LevelKey): Promise<boolean> {
    for (;;) {
      const level = readLevel(this.sql, key)
      if (!level || level.version === level.flushedVersion) return true
      // The product's figures are the sum over its levels, each as the object has it now; its previous
      // availability the sum of what D1 was last told of each.
      const levels = levelKeys(this.sql).flatMap((k) => readLevel(this.sql, k) ?? [])
      const onHand = levels.reduce((sum, l) => sum + l.onHand, 0)
      const held = levels.reduce((sum, l) => sum + l.held, 0)
      const previousAvailable = levels.some((l) => l.flushedAvailable === null) ? null : levels.reduce((sum, l) => sum + (l.flushedAvailable ?? 0), 0)
      const available = level.onHand - level.held
      const change = { productId: level.productId, level: key, onHand, held, available: onHand - held, previousAvailable, levelOnHand: level.onHand, levelHeld: level.held, previousLevelAvailable: level.flushedAvailable }
      try {
        await writeProductStock(this.env, change)
      } catch (err) {
        logError('stock write-through to D1 failed', { product_id: level.productId, error: err })
        return false
      }
      markFlushed(this.sql, key, level.version, available)
    }
  }

  /**
   * Sets the alarm to the next thing to do (see `nextWake`). Computing and setting happen with no await
   * between them, so a concurrent call cannot slip in and leave an older answer armed.
   */
  async rearm(): Promise<void> {
    const wake = nextWake(this.sql, Date.now() + RETRY_MS)
    if (wake === this.armedAt) return
    this.armedAt = wake
    await (wake === null ? this.storage.deleteAlarm() : this.storage.setAlarm(wake))
  }
}
