/**
 * `stock.changed` for outbound webhooks: the stock domain's "stock changed" signal (src/stock/signals.ts,
 * wired in src/index.ts) hears every write-through of a product's counts to D1; when the units available
 * moved, the event and its deliveries go into that write-through's own D1 batch (no event without its
 * change, none for a change that did not commit). The signal gives no queue binding, so these deliveries
 * are enqueued by the sweep (every minute; src/webhooks/events.ts), not at once.
 */
import type { StockChangedListener } from '../stock/signals'
import { webhookEventStatements } from './events'

export const webhookStockListener: StockChangedListener = (db, change) => {
  if (change.previousAvailable === change.available) return null
  const data = {
    product_id: change.productId,
    variant_id: /^\d+$/.test(change.level) ? Number(change.level) : null,
    on_hand: change.onHand,
    held: change.held,
    available: change.available,
    previous_available: change.previousAvailable,
    variant_on_hand: change.levelOnHand,
    variant_held: change.levelHeld,
  }
  return { statements: webhookEventStatements(db, { type: 'stock.changed', sourceKey: `stock:${change.productId}:${crypto.randomUUID()}`, data, createdAt: Date.now() }) }
}
