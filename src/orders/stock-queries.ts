import { eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { products } from '../db/schema'

/** The product's stock_quantity in D1, or null when there is no such product. */
export async function productStock(env: Pick<Env, 'DB'>, productId: number): Promise<number | null> {
  const row = await getDb(env).select({ stockQuantity: products.stockQuantity }).from(products).where(eq(products.id, productId)).get()
  return row?.stockQuantity ?? null
}

/** Writes a stock object's on_hand through to D1, where the catalog reads it (the triggers move updated_at). */
export async function writeProductStock(env: Pick<Env, 'DB'>, productId: number, onHand: number): Promise<void> {
  await getDb(env).update(products).set({ stockQuantity: onHand }).where(eq(products.id, productId))
}
