/**
 * Staff's catalog: products with their categories, images and stock. Every write is one D1 batch with
 * its audit entry and a new catalog version (commitCatalogChange), so it shows in the shop at once and
 * never half; stock changes go through the product's Durable Object, which writes them through to D1
 * and tells the catalog itself.
 */
import { logError } from '../platform/logging'
import { and, asc, count, desc, eq, inArray, max, or, sql, type SQL } from 'drizzle-orm'
import { bumpCatalogVersionStatement, forgetCatalogVersion } from '../catalog/cache'
import { imageUrl } from '../catalog/queries'
import { chunkRows, getDb, type Db } from '../db/client'
import { categories, productCategories, productImages, products, productVariants, type Product } from '../db/schema'
import { loadStoreSettings } from '../platform/store-settings'
import { productThumbnails } from './thumbnails'
import { stockOf } from '../stock/client'
import type { CurrentUser } from '../platform/env'
import { sha256Hex } from '../platform/encoding'
import { ApiError, notFound, validationFailed, type FieldErrors } from '../platform/errors'
import { pageOf, pageWindow } from '../platform/pagination'
import { uniqueSlug, withUniqueSlug } from '../platform/slug'
import { containsText, startsWith } from '../platform/text-match'
import { auditStatement } from './audit'
import { commitCatalogChange, productCreatedEvent, refusedReference } from './catalog-change'
import { enqueueEventDeliveries, webhookEventStatements } from '../webhooks/events'
import { inspectImage } from './image-files'
import type { AdminImage, AdminProduct, AdminProductPage } from './responses'
import { type AdminProductBody, type AdminProductPatch, type AdminProductQuery } from './schemas'

export type { AdminImage, AdminProduct }

const SORT: Record<AdminProductQuery['sort'], SQL[]> = {
  name: [asc(products.name), asc(products.id)],
  '-name': [desc(products.name), desc(products.id)],
  price: [asc(products.priceCents), asc(products.id)],
  '-price': [desc(products.priceCents), desc(products.id)],
  stock: [asc(products.stockQuantity), asc(products.id)],
  newest: [desc(products.createdAt), desc(products.id)],
  oldest: [asc(products.createdAt), asc(products.id)],
}

/** A page of products for the admin list: search by name or slug, filters, sort. */
export async function listAdminProducts(env: Env, query: AdminProductQuery): Promise<AdminProductPage> {
  const db = getDb(env)
  const filters: (SQL | undefined)[] = []
  if (query.q) filters.push(or(containsText(products.name, query.q), containsText(products.slug, query.q)))
  if (query.active) filters.push(eq(products.isActive, query.active === 'true'))
  const threshold = (await loadStoreSettings(env)).lowStockThreshold
  const lowStock = lowStockOf(threshold)
  if (query.low_stock) filters.push(lowStock)
  if (query.category) {
    const category = await db.query.categories.findFirst({ where: eq(categories.slug, query.category) })
    if (!category) throw notFound(`category '${query.category}'`)
    filters.push(inArray(products.id, db.select({ id: productCategories.productId }).from(productCategories).where(eq(productCategories.categoryId, category.id))))
  }
  const where = and(...filters)
  const slice = pageWindow(query)
  const [rows, [counted]] = await db.batch([
    db
      .select({ product: products, low: sql<number>`${lowStock}`.as('is_low') })
      .from(products)
      .where(where)
      .orderBy(...SORT[query.sort])
      .limit(slice.limit)
      .offset(slice.offset),
    db.select({ total: count() }).from(products).where(where),
  ])
  const images = await productThumbnails(env, rows.map((row) => row.product.id))
  return pageOf(rows.map((row) => ({ ...summary(row.product), image_url: images.get(row.product.id) ?? null, low_stock: Boolean(row.low) })), query, counted?.total ?? 0)
}

/** A product with an active variant that has at most `threshold` units left to sell (on hand minus held): the dashboard's "low stock". */
const lowStockOf = (threshold: number) =>
  sql`exists (select 1 from ${productVariants} where ${productVariants.productId} = ${products.id} and ${productVariants.isActive} = 1 and ${productVariants.stockQuantity} - ${productVariants.stockHeld} <= ${threshold})`

const summary = (row: Product) => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  price_cents: row.priceCents,
  currency: row.currency,
  stock_quantity: row.stockQuantity,
  is_active: row.isActive,
  updated_at: new Date(row.updatedAt).toISOString(),
})

/** One product with its images in order and its category ids. */
export async function adminProduct(env: Env, id: number): Promise<AdminProduct> {
  const row = await getDb(env).query.products.findFirst({
    where: eq(products.id, id),
    with: { images: { orderBy: [asc(productImages.position), asc(productImages.id)] }, categories: true, variants: { columns: { id: true } } },
  })
  if (!row) throw notFound('product')
  return {
    ...summary(row),
    tax_class: row.taxClass,
    variant_count: row.variants.length,
    description: row.description,
    category_ids: row.categories.map((c) => c.categoryId).sort((a, b) => a - b),
    images: row.images.map((image) => ({
      id: image.id,
      url: imageUrl(image.r2Key),
      r2_key: image.r2Key,
      alt_text: image.altText,
      position: image.position,
      content_type: image.contentType,
      byte_size: image.byteSize,
      width: image.width,
      height: image.height,
    })),
    created_at: new Date(row.createdAt).toISOString(),
  }
}

/** The products whose slug is `base` or `base-…`, for uniqueSlug. */
const productSlugOwners = (db: Db) => (base: string) =>
  db.select({ slug: products.slug, id: products.id }).from(products).where(or(eq(products.slug, base), startsWith(products.slug, `${base}-`)))

async function checkCategories(db: Db, ids: number[]) {
  if (ids.length === 0) return
  const found = await db.select({ id: categories.id }).from(categories).where(inArray(categories.id, ids))
  const missing = ids.filter((id) => !found.some((f) => f.id === id))
  if (missing.length) throw new ApiError(400, 'validation_failed', 'Unknown categories', { category_ids: [`unknown: ${missing.join(', ')}`] })
}

/** The D1 statements that give product `productId` these categories (or the product of `slug`, inserted by the same batch). */
const categoryLinks = (db: Db, product: { id: number } | { slug: string }, categoryIds: number[]) =>
  'id' in product
    ? chunkRows(categoryIds.map((categoryId) => ({ productId: product.id, categoryId })), 0, productCategories).map((rows) => db.insert(productCategories).values(rows))
    : categoryIds.map((categoryId) =>
        db.insert(productCategories).select(db.select({ productId: products.id, categoryId: sql<number>`${categoryId}`.as('category_id') }).from(products).where(eq(products.slug, product.slug))),
      )

/**
 * Creates a product: the row, its categories, the audit entry and the catalog version in one D1 batch, so
 * a failure leaves nothing behind. Its stock is D1's stock_quantity, which its object loads on first use.
 */
export async function createProduct(env: Env, actor: CurrentUser, body: AdminProductBody): Promise<AdminProduct> {
  const db = getDb(env)
  await checkCategories(db, body.category_ids)
  let created: ReturnType<typeof productCreatedEvent> | undefined
  const id = await withUniqueSlug({ name: body.name, asked: body.slug, fallback: 'product' }, productSlugOwners(db), 'products', async (slug) => {
    const fields = { name: body.name, slug, description: body.description, priceCents: body.price, currency: body.currency, stockQuantity: body.stock_quantity, isActive: body.is_active, taxClass: body.tax_class }
    const after = { ...productView(fields), category_ids: body.category_ids }
    created = productCreatedEvent(slug, after)
    const [[row]] = await db.batch([
      db.insert(products).values(fields).returning({ id: products.id }),
      ...categoryLinks(db, { slug }, body.category_ids),
      auditStatement(db, actor, { action: 'product.create', targetType: 'product', targetId: sql`(select cast(id as text) from products where slug = ${slug})`, after }),
      bumpCatalogVersionStatement(db),
      // Subscribers hear of the new product (product.updated, change "product.create") from the batch that makes it.
      ...webhookEventStatements(db, created),
    ]).catch(refusedReference)
    if (!row) throw new Error('product insert returned nothing')
    return row.id
  })
  forgetCatalogVersion()
  if (created) await enqueueEventDeliveries(env, created.sourceKey)
  return adminProduct(env, id)
}

/** The admin view's names for a product row's fields, for the audit log. */
const productView = (fields: Partial<Product>) => ({
  ...(fields.name !== undefined && { name: fields.name }),
  ...(fields.slug !== undefined && { slug: fields.slug }),
  ...(fields.description !== undefined && { description: fields.description }),
  ...(fields.priceCents !== undefined && { price_cents: fields.priceCents }),
  ...(fields.currency !== undefined && { currency: fields.currency }),
  ...(fields.stockQuantity !== undefined && { stock_quantity: fields.stockQuantity }),
  ...(fields.isActive !== undefined && { is_active: fields.isActive }),
  ...(fields.taxClass !== undefined && { tax_class: fields.taxClass }),
})

/** What a patch asks of the stock: nothing, a relative change, or a set that expects what staff saw. */
type StockChange = { kind: 'adjust'; delta: number } | { kind: 'set'; onHand: number; expected: number }

function stockChangeOf(patch: AdminProductPatch): StockChange | null {
  if (patch.stock_adjustment !== undefined && patch.stock_quantity !== undefined) throw validationFailed({ stock_adjustment: ['cannot be sent with stock_quantity'] })
  if (patch.stock_adjustment !== undefined) return patch.stock_adjustment === 0 ? null : { kind: 'adjust', delta: patch.stock_adjustment }
  if (patch.stock_quantity === undefined) return null
  if (patch.expected_stock_quantity === undefined) throw validationFailed({ expected_stock_quantity: ['is required with stock_quantity: the stock on hand you saw'] })
  // The figure staff saw, left as it was: whatever sold meanwhile stays sold.
  if (patch.stock_quantity === patch.expected_stock_quantity) return null
  return { kind: 'set', onHand: patch.stock_quantity, expected: patch.expected_stock_quantity }
}

/**
 * Changes the stock in the product's object (a compare-and-set or a relative change, in one
 * transactionSync there): the units moved, or a 409 that says why and names the stock as it is now.
 */
async function changeStock(env: Env, id: number, change: StockChange): Promise<{ delta: number; onHand: number }> {
  const stock = stockOf(env, id)
  const result = change.kind === 'set' ? await stock.set(id, change.onHand, change.expected) : await stock.adjust(id, change.delta)
  if (result.ok) return { delta: change.kind === 'set' ? result.onHand - change.expected : change.delta, onHand: result.onHand }
  if (result.reason === 'unknown_product') throw notFound('product')
  const now = `${result.onHand} on hand now, ${result.held} of them held for unpaid orders`
  if (result.reason === 'changed') {
    const why = `changed meanwhile: ${result.onHand} on hand now, not the ${change.kind === 'set' ? change.expected : ''} you saw`
    throw new ApiError(409, 'stock_changed', `Stock ${why}; nothing was saved. Check the figure and save again.`, { stock_quantity: [why] })
  }
  const asked = change.kind === 'set' ? `set to ${change.onHand}` : `changed by ${change.delta}`
  const why = result.reason === 'below_held' ? `${result.held} units are held for unpaid orders` : 'stock cannot be negative'
  throw new ApiError(409, result.reason === 'below_held' ? 'stock_below_held' : 'stock_negative', `Stock cannot be ${asked}: ${why} (${now}); nothing was saved`, {
    [change.kind === 'set' ? 'stock_quantity' : 'stock_adjustment']: [why],
  })
}

/**
 * Applies a partial update as one: the stock part first in the product's object (refused → nothing is
 * written at all), then the fields, categories, audit entry and catalog version in one D1 batch. If that
 * batch fails, the stock change is undone by the opposite relative change (sales made meanwhile stay).
 */
export async function updateProduct(env: Env, actor: CurrentUser, id: number, patch: AdminProductPatch): Promise<AdminProduct> {
  const db = getDb(env)
  const before = await adminProduct(env, id)
  if (patch.category_ids) await checkCategories(db, patch.category_ids)
  if (before.variant_count > 1) {
    // Its price is its variants' lowest and its stock their sum: set per variant, never here (they would fight).
    const derived = `this product has ${before.variant_count} variants: set it per variant (PUT /api/admin/products/${id}/variants, or the variant grid)`
    const fields: FieldErrors = {}
    if (patch.price !== undefined) fields['price'] = [`${derived}; its price is the lowest variant price`]
    for (const key of ['stock_quantity', 'stock_adjustment'] as const) if (patch[key] !== undefined) fields[key] = [`${derived}; its stock is their sum`]
    if (Object.keys(fields).length) throw validationFailed(fields)
  }
  const change = stockChangeOf(patch)
  const renames = patch.slug !== undefined || patch.name !== undefined
  const slugRequest = { name: patch.name ?? before.name, asked: patch.slug ?? before.slug, selfId: id, fallback: 'product' }
  // A slug asked for and taken is refused before the stock moves.
  if (renames) await uniqueSlug(slugRequest, productSlugOwners(db))
  const stock = change ? await changeStock(env, id, change) : null
  const save = async (slug: string | undefined) => {
    const fields = {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(slug !== undefined && { slug }),
      ...(patch.description !== undefined && { description: patch.description }),
      ...(patch.price !== undefined && { priceCents: patch.price }),
      ...(patch.currency !== undefined && { currency: patch.currency }),
      ...(patch.is_active !== undefined && { isActive: patch.is_active }),
      ...(patch.tax_class !== undefined && { taxClass: patch.tax_class }),
    }
    const after = { ...before, ...productView(fields), ...(stock && { stock_quantity: stock.onHand }), ...(patch.category_ids && { category_ids: patch.category_ids }) }
    await commitCatalogChange(env, actor, { action: 'product.update', targetType: 'product', targetId: String(id), before, after }, [
      ...(Object.keys(fields).length ? [db.update(products).set(fields).where(eq(products.id, id))] : []),
      ...(patch.category_ids ? [db.delete(productCategories).where(eq(productCategories.productId, id)), ...categoryLinks(db, { id }, patch.category_ids)] : []),
    ])
  }
  try {
    await (renames ? withUniqueSlug(slugRequest, productSlugOwners(db), 'products', save) : save(undefined))
  } catch (err) {
    if (stock && stock.delta !== 0) await undoStock(env, id, stock.delta)
    throw err
  }
  return adminProduct(env, id)
}

/** Takes back a stock change whose D1 batch failed: the opposite relative change, so that sales made since stay sold. */
async function undoStock(env: Env, id: number, delta: number): Promise<void> {
  const undone = await stockOf(env, id).adjust(id, -delta)
  if (!undone.ok) logError('stock change could not be undone after a failed product update', { product_id: id, delta, reason: undone.reason })
}

/** Deletes a product, its images and their R2 objects (orders keep their own copy of name and price); answers what it was. */
export async function deleteProduct(env: Env, actor: CurrentUser, id: number): Promise<AdminProduct> {
  const before = await adminProduct(env, id)
  await commitCatalogChange(env, actor, { action: 'product.delete', targetType: 'product', targetId: String(id), before }, [getDb(env).delete(products).where(eq(products.id, id))])
  // The objects go once no row points at them any more.
  await Promise.all(before.images.map((image) => deleteObjectIfUnused(env, image.r2_key)))
  return before
}

/** Images are content-addressed, so two rows may share an object: it goes only with its last row. */
async function deleteObjectIfUnused(env: Env, key: string) {
  const [row] = await getDb(env).select({ n: count() }).from(productImages).where(eq(productImages.r2Key, key))
  if ((row?.n ?? 0) === 0) await env.IMAGES.delete(key)
}

export interface Upload {
  name: string
  bytes: Uint8Array<ArrayBuffer>
}

/**
 * Adds images after the existing ones. Every file is checked before any is stored, so one bad file
 * stores nothing; each is stored under its SHA-256 (`products/<hash>.<ext>`), cached forever.
 */
export async function addImages(env: Env, actor: CurrentUser, productId: number, uploads: Upload[], altText = ''): Promise<AdminProduct> {
  const db = getDb(env)
  const before = await adminProduct(env, productId)
  if (uploads.length === 0) throw new ApiError(400, 'validation_failed', 'Choose at least one image', { images: ['is required'] })
  if (uploads.length > 10) throw new ApiError(400, 'validation_failed', 'At most 10 images at once', { images: ['at most 10 at once'] })
  const checked = uploads.map((upload) => ({ upload, kind: inspectImage(upload.bytes, upload.name) }))
  const [last] = await db.select({ position: max(productImages.position) }).from(productImages).where(eq(productImages.productId, productId))
  let position = (last?.position ?? -1) + 1
  const rows = []
  for (const { upload, kind } of checked) {
    const key = `products/${await sha256Hex(upload.bytes)}.${kind.ext}`
    await env.IMAGES.put(key, upload.bytes, { httpMetadata: { contentType: kind.contentType } })
    rows.push({ productId, r2Key: key, altText, position: position++, contentType: kind.contentType, byteSize: upload.bytes.byteLength, width: kind.width, height: kind.height })
  }
  // Stored objects that end up with no row (the batch failed) are harmless: content-addressed, and reused by the next upload of the same file.
  await commitCatalogChange(
    env,
    actor,
    { action: 'product.images.add', targetType: 'product', targetId: String(productId), after: { images: [...before.images.map((i) => i.r2_key), ...rows.map((r) => r.r2Key)] } },
    chunkRows(rows, 0, productImages).map((chunk) => db.insert(productImages).values(chunk)),
  )
  return adminProduct(env, productId)
}

async function imageOf(env: Env, productId: number, imageId: number) {
  const image = await getDb(env).query.productImages.findFirst({ where: and(eq(productImages.id, imageId), eq(productImages.productId, productId)) })
  if (!image) throw notFound('image')
  return image
}

export async function updateImageAlt(env: Env, actor: CurrentUser, productId: number, imageId: number, altText: string): Promise<AdminProduct> {
  const image = await imageOf(env, productId, imageId)
  await commitCatalogChange(env, actor, { action: 'product.image.alt', targetType: 'product', targetId: String(productId), before: { image: imageId, alt: image.altText }, after: { image: imageId, alt: altText } }, [
    getDb(env).update(productImages).set({ altText }).where(eq(productImages.id, imageId)),
  ])
  return adminProduct(env, productId)
}

/** Puts the images in the given order; the list must name every image of the product exactly once. */
export async function reorderImages(env: Env, actor: CurrentUser, productId: number, imageIds: number[]): Promise<AdminProduct> {
  const before = await adminProduct(env, productId)
  const current = before.images.map((i) => i.id).sort((a, b) => a - b)
  if (JSON.stringify([...imageIds].sort((a, b) => a - b)) !== JSON.stringify(current)) {
    throw new ApiError(400, 'validation_failed', 'Name every image of the product exactly once', { image_ids: [`must be a permutation of ${current.join(', ')}`] })
  }
  const db = getDb(env)
  await commitCatalogChange(
    env,
    actor,
    { action: 'product.images.reorder', targetType: 'product', targetId: String(productId), before: { order: before.images.map((i) => i.id) }, after: { order: imageIds } },
    imageIds.map((id, position) => db.update(productImages).set({ position }).where(eq(productImages.id, id))),
  )
  return adminProduct(env, productId)
}

export async function deleteImage(env: Env, actor: CurrentUser, productId: number, imageId: number): Promise<AdminProduct> {
  const image = await imageOf(env, productId, imageId)
  await commitCatalogChange(env, actor, { action: 'product.image.delete', targetType: 'product', targetId: String(productId), before: { image: imageId, key: image.r2Key } }, [
    getDb(env).delete(productImages).where(eq(productImages.id, imageId)),
  ])
  await deleteObjectIfUnused(env, image.r2Key)
  return adminProduct(env, productId)
}
