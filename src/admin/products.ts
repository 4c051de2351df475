/**
 * Staff's catalog: products with their categories, images and stock. Every write makes the catalog
 * cache stale at once (bumpCatalogVersion) and is written to the audit log; stock changes go through
 * the product's Durable Object, which writes them through to D1.
 */
import { and, asc, count, desc, eq, inArray, lte, max, or, type SQL } from 'drizzle-orm'
import { bumpCatalogVersion } from '../catalog/cache'
import { imageUrl } from '../catalog/queries'
import { getDb, type Db } from '../db/client'
import { categories, productCategories, productImages, products, type Product } from '../db/schema'
import { stockOf } from '../orders/stock'
import type { CurrentUser } from '../platform/env'
import { sha256Hex } from '../platform/encoding'
import { ApiError, notFound } from '../platform/errors'
import { uniqueSlug } from '../platform/slug'
import { containsText, startsWith } from '../platform/text-match'
import { audit } from './audit'
import { inspectImage } from './image-files'
import type { AdminImage, AdminProduct, AdminProductPage } from './responses'
import { LOW_STOCK_THRESHOLD, type AdminProductBody, type AdminProductPatch, type AdminProductQuery } from './schemas'

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
  if (query.low_stock) filters.push(lte(products.stockQuantity, LOW_STOCK_THRESHOLD))
  if (query.category) {
    const category = await db.query.categories.findFirst({ where: eq(categories.slug, query.category) })
    if (!category) throw notFound(`category '${query.category}'`)
    filters.push(inArray(products.id, db.select({ id: productCategories.productId }).from(productCategories).where(eq(productCategories.categoryId, category.id))))
  }
  const where = and(...filters)
  const [rows, [counted]] = await db.batch([
    db
      .select()
      .from(products)
      .where(where)
      .orderBy(...SORT[query.sort])
      .limit(query.page_size)
      .offset((query.page - 1) * query.page_size),
    db.select({ total: count() }).from(products).where(where),
  ])
  const total = counted?.total ?? 0
  return { items: rows.map((row) => summary(row)), page: query.page, page_size: query.page_size, total, total_pages: Math.ceil(total / query.page_size) }
}

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
    with: { images: { orderBy: [asc(productImages.position), asc(productImages.id)] }, categories: true },
  })
  if (!row) throw notFound('product')
  return {
    ...summary(row),
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

export async function createProduct(env: Env, actor: CurrentUser, body: AdminProductBody): Promise<AdminProduct> {
  const db = getDb(env)
  await checkCategories(db, body.category_ids)
  const slug = await uniqueSlug({ name: body.name, asked: body.slug, fallback: 'product' }, productSlugOwners(db))
  const [row] = await db
    .insert(products)
    .values({ name: body.name, slug, description: body.description, priceCents: body.price, currency: body.currency, stockQuantity: body.stock_quantity, isActive: body.is_active })
    .returning()
  if (!row) throw new Error('product insert returned nothing')
  if (body.category_ids.length) await db.insert(productCategories).values(body.category_ids.map((categoryId) => ({ productId: row.id, categoryId })))
  await bumpCatalogVersion(env)
  const created = await adminProduct(env, row.id)
  await audit(env, actor, { action: 'product.create', targetType: 'product', targetId: String(row.id), after: created })
  return created
}

export async function updateProduct(env: Env, actor: CurrentUser, id: number, patch: AdminProductPatch): Promise<AdminProduct> {
  const db = getDb(env)
  const before = await adminProduct(env, id)
  if (patch.category_ids) await checkCategories(db, patch.category_ids)
  const slug =
    patch.slug !== undefined || patch.name !== undefined
      ? await uniqueSlug({ name: patch.name ?? before.name, asked: patch.slug ?? before.slug, selfId: id, fallback: 'product' }, productSlugOwners(db))
      : undefined
  const fields = {
    ...(patch.name !== undefined && { name: patch.name }),
    ...(slug !== undefined && { slug }),
    ...(patch.description !== undefined && { description: patch.description }),
    ...(patch.price !== undefined && { priceCents: patch.price }),
    ...(patch.currency !== undefined && { currency: patch.currency }),
    ...(patch.is_active !== undefined && { isActive: patch.is_active }),
  }
  const statements = [
    ...(Object.keys(fields).length ? [db.update(products).set(fields).where(eq(products.id, id))] : []),
    ...(patch.category_ids
      ? [
          db.delete(productCategories).where(eq(productCategories.productId, id)),
          ...(patch.category_ids.length ? [db.insert(productCategories).values(patch.category_ids.map((categoryId) => ({ productId: id, categoryId })))] : []),
        ]
      : []),
  ]
  const [first, ...rest] = statements
  if (first) await db.batch([first, ...rest])
  // Stock belongs to the product's object: it refuses to go below the units held for unpaid orders.
  if (patch.stock_quantity !== undefined && patch.stock_quantity !== before.stock_quantity) {
    const result = await stockOf(env, id).set(id, patch.stock_quantity)
    if (!result.ok) {
      const why = result.reason === 'below_held' ? `${result.held} units are held for unpaid orders` : 'stock cannot be negative'
      throw new ApiError(409, 'stock_below_held', `Stock cannot be set to ${patch.stock_quantity}: ${why}`, { stock_quantity: [why] })
    }
  }
  await bumpCatalogVersion(env)
  const after = await adminProduct(env, id)
  await audit(env, actor, { action: 'product.update', targetType: 'product', targetId: String(id), before, after })
  return after
}

/** Deletes a product, its images and their R2 objects (orders keep their own copy of name and price). */
export async function deleteProduct(env: Env, actor: CurrentUser, id: number): Promise<void> {
  const before = await adminProduct(env, id)
  const db = getDb(env)
  await db.delete(products).where(eq(products.id, id))
  await Promise.all(before.images.map((image) => deleteObjectIfUnused(env, image.r2_key)))
  await bumpCatalogVersion(env)
  await audit(env, actor, { action: 'product.delete', targetType: 'product', targetId: String(id), before })
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
  await adminProduct(env, productId)
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
  await db.insert(productImages).values(rows)
  await bumpCatalogVersion(env)
  const after = await adminProduct(env, productId)
  await audit(env, actor, { action: 'product.images.add', targetType: 'product', targetId: String(productId), after: { images: after.images.map((i) => i.r2_key) } })
  return after
}

async function imageOf(env: Env, productId: number, imageId: number) {
  const image = await getDb(env).query.productImages.findFirst({ where: and(eq(productImages.id, imageId), eq(productImages.productId, productId)) })
  if (!image) throw notFound('image')
  return image
}

export async function updateImageAlt(env: Env, actor: CurrentUser, productId: number, imageId: number, altText: string): Promise<AdminProduct> {
  const image = await imageOf(env, productId, imageId)
  await getDb(env).update(productImages).set({ altText }).where(eq(productImages.id, imageId))
  await bumpCatalogVersion(env)
  await audit(env, actor, { action: 'product.image.alt', targetType: 'product', targetId: String(productId), before: { image: imageId, alt: image.altText }, after: { image: imageId, alt: altText } })
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
  const [first, ...rest] = imageIds.map((id, position) => db.update(productImages).set({ position }).where(eq(productImages.id, id)))
  if (first) await db.batch([first, ...rest])
  await bumpCatalogVersion(env)
  await audit(env, actor, { action: 'product.images.reorder', targetType: 'product', targetId: String(productId), before: { order: before.images.map((i) => i.id) }, after: { order: imageIds } })
  return adminProduct(env, productId)
}

export async function deleteImage(env: Env, actor: CurrentUser, productId: number, imageId: number): Promise<AdminProduct> {
  const image = await imageOf(env, productId, imageId)
  await getDb(env).delete(productImages).where(eq(productImages.id, imageId))
  await deleteObjectIfUnused(env, image.r2Key)
  await bumpCatalogVersion(env)
  await audit(env, actor, { action: 'product.image.delete', targetType: 'product', targetId: String(productId), before: { image: imageId, key: image.r2Key } })
  return adminProduct(env, productId)
}
