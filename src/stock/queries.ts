import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import { getDb } from '../db/client'
import { productImages, products, productVariants } from '../db/schema'
import { stockChangeReactions, type StockChanged } from './signals'
import { DEFAULT_LEVEL, type SaleVariant } from './types'

/** Every variant of the product with its stock_quantity, the default variant (first by position) first; none for no such product. */
export async function variantStocks(env: Pick<Env, 'DB'>, productId: number): Promise<{ variantId: number; stockQuantity: number }[]> {
  return getDb(env)
    .select({ variantId: productVariants.id, stockQuantity: productVariants.stockQuantity })
    .from(productVariants)
    .where(eq(productVariants.productId, productId))
    .orderBy(asc(productVariants.position), asc(productVariants.id))
    .all()
}

/** A variant's stock_quantity, or null when the product has no such variant. */
export async function variantStock(env: Pick<Env, 'DB'>, productId: number, variantId: number): Promise<number | null> {
  const row = await getDb(env)
    .select({ stockQuantity: productVariants.stockQuantity })
    .from(productVariants)
    .where(and(eq(productVariants.id, variantId), eq(productVariants.productId, productId)))
    .get()
  return row?.stockQuantity ?? null
}

/**
 * Writes a stock object's counts through to D1, where the catalog reads them (the triggers move
 * updated_at): the variant's row and the product's (the sum of its variants' rows), and raises the "stock changed" signal: the statements its
 * listeners add (the catalog's version bump when the figure it shows changed) go in the same D1 batch,
 * so the counts and what they announce stand or fall together; their after-commit actions run once it
 * has committed.
 */
export async function writeProductStock(env: Pick<Env, 'DB'>, change: StockChanged): Promise<void> {
  const db = getDb(env)
  const reactions = stockChangeReactions(db, change)
  const statements = reactions.flatMap((reaction) => reaction.statements)
  if (change.level === DEFAULT_LEVEL) {
    // An object of before variants whose product is gone from D1: only the product's row could be there.
    await db.batch([db.update(products).set({ stockQuantity: change.onHand, stockHeld: change.held }).where(eq(products.id, change.productId)), ...statements])
  } else {
    const variant = db
      .update(productVariants)
      .set({ stockQuantity: change.levelOnHand, stockHeld: change.levelHeld })
      .where(and(eq(productVariants.id, Number(change.level)), eq(productVariants.productId, change.productId)))
    // The product's figures are summed in D1 from its variants' rows, just written: a variant the object
    // has not loaded (made after it loaded, never sold since) counts with what D1 holds for it.
    const ofProduct = eq(productVariants.productId, change.productId)
    const sum = (column: typeof productVariants.stockQuantity | typeof productVariants.stockHeld) =>
      sql<number>`(SELECT coalesce(sum(${column}), 0) FROM ${productVariants} WHERE ${ofProduct})`
    const product = db.update(products).set({ stockQuantity: sum(productVariants.stockQuantity), stockHeld: sum(productVariants.stockHeld) }).where(eq(products.id, change.productId))
    await db.batch([variant, product, ...statements])
  }
  for (const reaction of reactions) reaction.afterCommit?.()
}

/**
 * Every variant of the product as an order sells it (src/stock/types.ts `SaleVariant`), the default
 * variant first: one statement. None for no such product.
 */
export async function saleVariants(env: Pick<Env, 'DB'>, productId: number): Promise<SaleVariant[]> {
  const product = await getDb(env).query.products.findFirst({
    where: eq(products.id, productId),
    columns: { id: true, slug: true, name: true, currency: true, isActive: true, taxClass: true },
    with: {
      categories: { columns: { categoryId: true } },
      images: { columns: { r2Key: true }, orderBy: [asc(productImages.position), asc(productImages.id)], limit: 1 },
      variants: {
        columns: { id: true, sku: true, title: true, priceCents: true, isActive: true, weightGrams: true },
        orderBy: [asc(productVariants.position), asc(productVariants.id)],
        with: {
          image: { columns: { r2Key: true } },
          optionValues: { columns: {}, with: { value: { columns: { value: true, position: true }, with: { option: { columns: { name: true, position: true } } } } } },
        },
      },
    },
  })
  if (!product) return []
  const categoryIds = product.categories.map((c) => c.categoryId).sort((a, b) => a - b)
  return product.variants.map((variant) => ({
    variantId: variant.id,
    productId: product.id,
    slug: product.slug,
    name: product.name,
    sku: variant.sku,
    title: variant.title,
    optionValues: [...variant.optionValues].sort((a, b) => a.value.option.position - b.value.option.position).map((v) => ({ name: v.value.option.name, value: v.value.value })),
    priceCents: variant.priceCents,
    currency: product.currency,
    isActive: variant.isActive && product.isActive,
    imageKey: variant.image?.r2Key ?? product.images[0]?.r2Key ?? null,
    variantCount: product.variants.length,
    weightGrams: variant.weightGrams,
    taxClass: product.taxClass,
    categoryIds,
  }))
}

/** The product of each of these variants that exists: one statement. */
export const variantProducts = (env: Pick<Env, 'DB'>, variantIds: number[]) =>
  getDb(env).select({ variantId: productVariants.id, productId: productVariants.productId }).from(productVariants).where(inArray(productVariants.id, variantIds))
