import { logError } from '../platform/logging'
import { writeProductStock } from './queries'
import { markFlushed, nextWake, readLevel } from './store'
import { DEFAULT_LEVEL, type LevelKey } from './types'

/** How soon the alarm retries a failed D1 write or a failed expiry hook. */
const RETRY_MS = 5_000

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
    await this.rearm()
    const synced = await this.flush()
    await this.rearm()
    return synced
  }

  /**
   * Writes on_hand through to D1 until D1 has the latest version. Awaiting D1 lets other calls into the
   * object, so one write-through runs at a time and every caller waits on it, then checks again: a
   * change made while the last write was in flight is written by the next round, never lost.
   * False when D1 failed; the version stays unflushed and the alarm retries.
   */
  async flush(): Promise<boolean> {
    for (;;) {
      const level = readLevel(this.sql, DEFAULT_LEVEL)
      if (!level || level.version === level.flushedVersion) return true
      this.flushing ??= this.writeRound().finally(() => {
        this.flushing = null
      })
      if (!(await this.flushing)) return false
    }
  }

  /**
   * Writes the latest counts to D1 and raises the "stock changed" signal with them (src/stock/signals.ts),
   * in one D1 batch. The default level is the product's row in D1; variants' levels will write their own.
   */
  private async writeRound(key: LevelKey = DEFAULT_LEVEL): Promise<boolean> {
    for (;;) {
      const level = readLevel(this.sql, key)
      if (!level || level.version === level.flushedVersion) return true
      const available = level.onHand - level.held
      const change = { productId: level.productId, level: key, onHand: level.onHand, held: level.held, available, previousAvailable: level.flushedAvailable }
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
