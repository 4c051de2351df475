/**
 * The stock domain's API for other domains: one Durable Object per product (src/stock/object.ts), called
 * over RPC through `stockOf`. What callers use:
 * - `reserve` / `extend` / `release` / `commit` / `take`: holds for orders and their sale, idempotent by
 *   the reservation id; `reserveLines` holds several variants of the product at once (all or nothing,
 *   one reservation id per line), and the methods by reservation id act on the variant it holds;
 * - counts are per variant (a level per variant id); `set`, `adjust`, `get` and `available` take an
 *   optional `variantId`, the product's default variant without one;
 * - `restock` / `returnUnits`: sales given back (refunds);
 * - `set(productId, onHand, expectedOnHand)`: staff's compare-and-set, refused as `changed` when on hand
 *   moved since staff saw it; `adjust(productId, delta)` for a relative change;
 * - `available(productId)` (or `availableStock` below): the one number most callers need; `get` when the
 *   holds themselves matter;
 * - the signals in src/stock/signals.ts: "stock changed" (the catalog) and "holds expired" (orders).
 */
import { LRUCache } from 'lru-cache'
import type { StockObject } from './object'
import { variantProducts } from './queries'

export { HOLD_TTL_MS_DEFAULT } from './types'

/**
 * The stock object of a product (one per product, named by its id), typed for RPC.
 * @example
 * const hold = await stockOf(env, productId).reserve(productId, reservationId, 2, HOLD_TTL_MS_DEFAULT, orderId)
 * if (!hold.ok) throw conflict('insufficient_stock')
 */
export function stockOf(env: Pick<Env, 'STOCK'>, productId: number): DurableObjectStub<StockObject> {
  // worker-configuration.d.ts types the binding without its class (generated before the class had
  // methods); this is the one place that names it.
  const namespace = env.STOCK as unknown as DurableObjectNamespace<StockObject>
  return namespace.get(namespace.idFromName(String(productId)))
}

/** The units of a product that can still be put aside: on hand minus holds, as its stock object says (0 if unknown). */
export const availableStock = (env: Pick<Env, 'STOCK'>, productId: number): Promise<number> => stockOf(env, productId).available(productId)

/**
 * Variant id → product id, whose stock object to ask. A variant never moves to another product and ids are
 * never reused (D1's AUTOINCREMENT), so the mapping is kept in this isolate's memory for good: an order or
 * a cart change naming a `variant_id` reaches its stock object without a D1 read once the isolate has seen it.
 */
const productOfVariant = new LRUCache<number, number>({ max: 100_000 })

/** The products of these variants (an unknown id has no entry): this isolate's memory, else one statement for the rest. */
export async function productsOfVariants(env: Pick<Env, 'DB'>, variantIds: number[]): Promise<Map<number, number>> {
  const found = new Map<number, number>()
  const unknown: number[] = []
  for (const id of new Set(variantIds)) {
    const productId = productOfVariant.get(id)
    if (productId === undefined) unknown.push(id)
    else found.set(id, productId)
  }
  for (const row of unknown.length ? await variantProducts(env, unknown) : []) {
    productOfVariant.set(row.variantId, row.productId)
    found.set(row.variantId, row.productId)
  }
  return found
}
