/**
 * Small pictures for the admin's rows: a product's first image, a variant's own image when it has one.
 * One statement per kind for a whole page of rows (chunked under D1's 100 bound parameters).
 */
import { asc, eq, inArray } from 'drizzle-orm'
import { imageUrl } from '../catalog/queries'
import { getDb } from '../db/client'
import { productImages, productVariants } from '../db/schema'

const CHUNK = 90

const chunks = <T,>(items: T[]) => Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK))

/** Product id → the URL of its first image (by position), for the products that have one. */
export async function productThumbnails(env: Env, productIds: number[]): Promise<Map<number, string>> {
  const ids = [...new Set(productIds)].filter((id) => id > 0)
  const found = new Map<number, string>()
  if (ids.length === 0) return found
  const db = getDb(env)
  for (const part of chunks(ids)) {
    const rows = await db
      .select({ productId: productImages.productId, key: productImages.r2Key })
      .from(productImages)
      .where(inArray(productImages.productId, part))
      .orderBy(asc(productImages.productId), asc(productImages.position), asc(productImages.id))
    for (const row of rows) if (!found.has(row.productId)) found.set(row.productId, imageUrl(row.key))
  }
  return found
}

/** Order lines' pictures: each variant's own image, else its product's first; lines of deleted products have none. */
export async function lineThumbnails(env: Env, lines: { product_id: number; variant_id: number }[]): Promise<{ variant_id: number; url: string }[]> {
  const db = getDb(env)
  const variantIds = [...new Set(lines.map((line) => line.variant_id))].filter((id) => id > 0)
  const own = new Map<number, string>()
  for (const part of chunks(variantIds)) {
    const rows = await db
      .select({ variantId: productVariants.id, key: productImages.r2Key })
      .from(productVariants)
      .innerJoin(productImages, eq(productImages.id, productVariants.imageId))
      .where(inArray(productVariants.id, part))
    for (const row of rows) own.set(row.variantId, imageUrl(row.key))
  }
  const products = await productThumbnails(env, lines.map((line) => line.product_id))
  return lines.flatMap((line) => {
    const url = own.get(line.variant_id) ?? products.get(line.product_id)
    return url ? [{ variant_id: line.variant_id, url }] : []
  })
}
