import { eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { products } from '../db/schema'
import { stockChangeReactions, type StockChanged } from './signals'

/** The product's stock_quantity in D1, or null when there is no such product. */
export async function productStock(env: Pick<Env, 'DB'>, productId: number): Promise<number | null> {
  const row = await getDb(env).select({ stockQuantity: products.stockQuantity }).from(products).where(eq(products.id, productId)).get()
  return row?.stockQuantity ?? null
}

/**
 * Writes a stock object's counts through to D1, where the catalog reads them (the triggers move
 * updated_at), and raises the "stock changed" signal: the statements its listeners add (the catalog's
 * version bump when the figure it shows changed) go in the same D1 batch, so the counts and what they
 * announce stand or fall together; their after-commit actions run once it has committed.
 */
export async function writeProductStock(env: Pick<Env, 'DB'>, change: StockChanged): Promise<void> {
  const db = getDb(env)
  const write = db.update(products).set({ stockQuantity: change.onHand, stockHeld: change.held }).where(eq(products.id, change.productId))
  const reactions = stockChangeReactions(db, change)
  const statements = reactions.flatMap((reaction) => reaction.statements)
  await (statements.length ? db.batch([write, ...statements]) : write)
  for (const reaction of reactions) reaction.afterCommit?.()
}
