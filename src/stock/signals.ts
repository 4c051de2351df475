/**
 * The two signals the stock domain gives out, and the only way other domains hear of stock: stock imports
 * neither the catalog nor orders, they register here (src/index.ts wires both at start).
 *
 * - "stock changed" (`onStockChanged`): every write-through of a product's counts to D1 hands the change to
 *   each listener, which may add statements to the same D1 batch (so the change and its reaction stand or
 *   fall together) and an action for after it commits. The catalog listens to move its version on when the
 *   figure the shop shows changes (src/catalog/availability.ts, `catalogStockListener`): this is what keeps
 *   the shop's stock true, and no write path has to remember it.
 * - "holds expired" (`setHoldsExpiredHook`): a stock object's alarm hands the holds of orders that ran out to
 *   the one hook (orders: src/orders/expiry.ts). Delivery is at least once: until the hook returns, the
 *   object keeps them undelivered and its alarm retries, so a hook not wired yet loses nothing.
 *
 * Registries live in module state: a Durable Object runs in the same isolate, and so the same module
 * instances, as the Worker whose main module (src/index.ts) exports its class, so what index.ts registers
 * at load is there before any object method runs.
 */
import type { BatchItem } from 'drizzle-orm/batch'
import type { Db } from '../db/client'
import type { HoldsExpiredHook, LevelKey } from './types'

/**
 * One write-through of a level's counts: the product's counts D1 gets now (the sum over its levels), the
 * level's own (its variant's row), and the product's units available as of the last one.
 */
export interface StockChanged {
  productId: number
  level: LevelKey
  onHand: number
  held: number
  /** onHand - held: what the shop may sell of the product. */
  available: number
  /** The product's units available as of the previous write-through; null when unknown (an object's first one). */
  previousAvailable: number | null
  /** The level's (its variant's) own on hand and units held. */
  levelOnHand: number
  levelHeld: number
  /** The level's units available as of its previous write-through; null when unknown. */
  previousLevelAvailable?: number | null
}

/** A listener's part in a write-through: statements for its D1 batch, and what to do once that committed. */
export interface StockChangeReaction {
  statements: BatchItem<'sqlite'>[]
  afterCommit?: () => void
}

/** Answers null when the change means nothing to it (most do: the catalog shows "10 or more"). */
export type StockChangedListener = (db: Db, change: StockChanged) => StockChangeReaction | null

const changeListeners = new Set<StockChangedListener>()
let holdsExpired: HoldsExpiredHook | null = null

/**
 * Registers a listener of the "stock changed" signal; returns the function that removes it.
 * @example onStockChanged((db, change) => (change.available === 0 ? { statements: [soldOutStatement(db, change.productId)] } : null))
 */
export function onStockChanged(listener: StockChangedListener): () => void {
  changeListeners.add(listener)
  return () => changeListeners.delete(listener)
}

/** What the listeners add to the write-through of `change` (called by src/stock/queries.ts). */
export function stockChangeReactions(db: Db, change: StockChanged): StockChangeReaction[] {
  return [...changeListeners].map((listener) => listener(db, change)).filter((reaction): reaction is StockChangeReaction => reaction !== null)
}

/** Sets the one receiver of expired order holds (one domain owns what an expiry means); returns the function that puts the previous one back. */
export function setHoldsExpiredHook(hook: HoldsExpiredHook | null): () => void {
  const previous = holdsExpired
  holdsExpired = hook
  return () => {
    if (holdsExpired === hook) holdsExpired = previous
  }
}

/** The receiver of expired order holds, or null while none is wired (the alarm then keeps them and retries). */
export const holdsExpiredHook = (): HoldsExpiredHook | null => holdsExpired
