import { eq } from 'drizzle-orm'
import { bumpCatalogVersionStatement, forgetCatalogVersion } from '../catalog/cache'
import { getDb } from '../db/client'
import { products } from '../db/schema'

/** The product's stock_quantity in D1, or null when there is no such product. */
export async function productStock(env: Pick<Env, 'DB'>, productId: number): Promise<number | null> {
  const row = await getDb(env).select({ stockQuantity: products.stockQuantity }).from(products).where(eq(products.id, productId)).get()
  return row?.stockQuantity ?? null
}

/**
 * Writes a stock object's counts through to D1, where the catalog reads them (the triggers move
 * updated_at). With `publish`, the catalog version moves on in the same batch: the cached answers
 * that showed the old figure are never read again (src/catalog/cache.ts).
 */
export async function writeProductStock(env: Pick<Env, 'DB'>, productId: number, counts: { onHand: number; held: number }, { publish }: { publish: boolean }): Promise<void> {
  const db = getDb(env)
  const write = db.update(products).set({ stockQuantity: counts.onHand, stockHeld: counts.held }).where(eq(products.id, productId))
  if (!publish) {
    await write
    return
  }
  await db.batch([write, bumpCatalogVersionStatement(db)])
  forgetCatalogVersion()
}
