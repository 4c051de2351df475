/**
 * "Email me when it's back": an address asks about a sold-out product (any of its variants) or one
 * variant; the stock write-through that makes it available again (the "stock changed" signal of
 * src/stock/signals.ts, wired in src/index.ts) writes one `product.back_in_stock` outbox row per entry and
 * deletes the entries, in its own D1 batch: each address is mailed once. Those rows are written inside
 * the stock object, where no queue is at hand: the outbox sweep (every minute) sends them.
 */
import { and, eq, isNull, or, sql } from 'drizzle-orm'
import { z } from 'zod'
import { clientAddress, hit } from '../accounts/rate-limit'
import { Email } from '../accounts/schemas'
import { getDb } from '../db/client'
import { backInStockRequests, outbox, productVariants, products } from '../db/schema'
import { notFound } from '../platform/errors'
import { wholeNumber } from '../platform/params'
import type { StockChangedListener } from '../stock/signals'

export const BackInStockBody = z.strictObject({
  email: Email,
  product_id: wholeNumber(1, Number.MAX_SAFE_INTEGER),
  variant_id: wholeNumber(1, Number.MAX_SAFE_INTEGER).optional(),
})
export type BackInStockBody = z.infer<typeof BackInStockBody>

/** Per client address and per email, like the other forms that write for strangers. */
const LIMITS = { perAddress: 10, perEmail: 5, windowMs: 15 * 60_000 }

export type BackInStockAnswer = 'subscribed' | 'already_subscribed' | 'in_stock'

/**
 * Records the wish, once per address and product (or variant). 404 for a product not for sale or a
 * variant of another product; `in_stock` when it can be bought right now (nothing is kept then).
 */
export async function requestBackInStock(env: Env, body: BackInStockBody, headers: Headers): Promise<{ answer: BackInStockAnswer; productName: string }> {
  await hit(env, [
    { key: `back-in-stock:address:${clientAddress(headers)}`, max: LIMITS.perAddress, windowMs: LIMITS.windowMs },
    { key: `back-in-stock:email:${body.email}`, max: LIMITS.perEmail, windowMs: LIMITS.windowMs },
  ])
  const db = getDb(env)
  const available = () =>
    body.variant_id === undefined
      ? db.select({ name: products.name, active: products.isActive, available: sql<number>`${products.stockQuantity} - ${products.stockHeld}` }).from(products).where(eq(products.id, body.product_id)).get()
      : db
          .select({ name: products.name, active: sql<boolean>`${products.isActive} and ${productVariants.isActive}`, available: sql<number>`${productVariants.stockQuantity} - ${productVariants.stockHeld}` })
          .from(productVariants)
          .innerJoin(products, eq(products.id, productVariants.productId))
          .where(and(eq(productVariants.id, body.variant_id), eq(productVariants.productId, body.product_id)))
          .get()
  const before = await available()
  if (!before || !before.active) throw notFound('product')
  if (before.available > 0) return { answer: 'in_stock', productName: before.name }
  const inserted = await db
    .insert(backInStockRequests)
    .values({ email: body.email, productId: body.product_id, variantId: body.variant_id ?? null })
    .onConflictDoNothing()
    .returning({ id: backInStockRequests.id })
  // A restock that landed between the check and the insert did not see this entry: say so, keep nothing.
  const after = await available()
  if (after && after.available > 0) {
    if (inserted[0]) await db.delete(backInStockRequests).where(eq(backInStockRequests.id, inserted[0].id))
    return { answer: 'in_stock', productName: before.name }
  }
  return { answer: inserted.length ? 'subscribed' : 'already_subscribed', productName: before.name }
}

/** A random UUID (v4) made by SQLite, for rows written by a statement rather than by the Worker. */
const SQL_UUID = sql.raw(
  `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`,
)

/**
 * The "stock changed" listener: once the product can be sold again, the entries for it (any variant, or
 * the variant of this write-through when that has stock) become outbox rows (not for addresses that
 * opted out of marketing mail) and are deleted, in the write-through's batch.
 */
export const backInStockListener: StockChangedListener = (db, change) => {
  if (change.available <= 0) return null
  const variantId = Number(change.level)
  const variantBack = Number.isSafeInteger(variantId) && change.levelOnHand - change.levelHeld > 0
  // Only a restock brings anything back: while the product and its variant stayed in stock (every sale
  // of a flash sale), the write-through carries no statement of ours. Unknown (an object's first) counts as sold out.
  const productWasOut = change.previousAvailable === null || change.previousAvailable <= 0
  const variantWasOut = change.previousLevelAvailable == null || change.previousLevelAvailable <= 0
  if (!productWasOut && !(variantBack && variantWasOut)) return null
  const matches = sql`r.product_id = ${change.productId} and (r.variant_id is null${variantBack ? sql` or r.variant_id = ${variantId}` : sql``})`
  const rows = db.insert(outbox).select(
    sql`select ${SQL_UUID}, 'product.back_in_stock',
        json_object('product_id', p.id, 'variant_id', r.variant_id, 'name', p.name, 'slug', p.slug, 'variant_title', (select v.title from product_variants v where v.id = r.variant_id)),
        r.email, 'pending', 0, null, cast(unixepoch('subsec') * 1000 as integer), null
      from back_in_stock_requests r join products p on p.id = r.product_id
      where ${matches} and p.is_active = 1 and r.email not in (select email from marketing_opt_outs)`,
  )
  const cleared = db
    .delete(backInStockRequests)
    .where(
      and(
        eq(backInStockRequests.productId, change.productId),
        variantBack ? or(isNull(backInStockRequests.variantId), eq(backInStockRequests.variantId, variantId)) : isNull(backInStockRequests.variantId),
        // Kept for a product taken off sale: its rows were not written above.
        sql`exists (select 1 from ${products} where ${products.id} = ${change.productId} and ${products.isActive} = 1)`,
      ),
    )
  return { statements: [rows, cleared] }
}
