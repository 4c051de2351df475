/**
 * The D1 statements that make the store's products what an import's drafts say, upserted by Handle
 * (the slug): the product, its options and values, its variants (matched by SKU, else by option
 * combination, so that their ids, stock and cart lines stay) and its gallery. A product the file leaves
 * as it is gets no statement at all, so importing the same file twice changes nothing. Stock is not
 * written here: it goes through the stock objects (`applyStock`) once the batch has stood.
 */
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { Db } from '../../db/client'
import { productImages, productOptions, productOptionValues, products, productVariants, variantOptionValues, type ImportRowError, type PendingStock } from '../../db/schema'
import { logError } from '../../platform/logging'
import { stockOf } from '../../stock/client'
import { getDb } from '../../db/client'
import type { FetchedImage } from './image-fetch'
import { COLUMNS, draftVariantTitle, type ProductDraft } from './rows'

type Existing = Awaited<ReturnType<typeof existingProducts>>[number]

/** The products of these handles as they are now, with everything an import compares. */
export async function existingProducts(db: Db, handles: string[]) {
  if (!handles.length) return []
  return db.query.products.findMany({
    where: inArray(products.slug, handles),
    with: {
      options: { orderBy: [asc(productOptions.position)], with: { values: { orderBy: (v, { asc }) => [asc(v.position)] } } },
      variants: { orderBy: [asc(productVariants.position)], with: { optionValues: true, image: true } },
      images: { orderBy: [asc(productImages.position), asc(productImages.id)] },
    },
  })
}

/** What a product is, in the terms of the file: compared to decide whether an import changes it. */
function shapeOfExisting(p: Existing) {
  const valueById = new Map(p.options.flatMap((o) => o.values.map((v) => [v.id, { optionId: o.id, value: v.value }] as const)))
  return JSON.stringify({
    name: p.name,
    description: p.description,
    isActive: p.isActive,
    options: p.options.map((o) => ({ name: o.name, values: o.values.map((v) => v.value) })),
    variants: p.variants.map((v) => ({
      values: p.options.map((o) => v.optionValues.map((ov) => valueById.get(ov.optionValueId)).find((x) => x?.optionId === o.id)?.value ?? ''),
      sku: v.sku,
      priceCents: v.priceCents,
      compareAtCents: v.compareAtCents,
      weightGrams: v.weightGrams,
      image: v.image?.r2Key ?? null,
    })),
  })
}

function shapeOfDraft(d: ProductDraft, images: Map<string, FetchedImage>, existing: Existing | undefined) {
  return JSON.stringify({
    name: d.name,
    description: d.description,
    isActive: d.isActive,
    options: d.options,
    variants: d.variants.map((v) => ({
      values: v.optionValues,
      sku: v.sku,
      priceCents: v.priceCents,
      compareAtCents: v.compareAtCents,
      weightGrams: v.weightGrams,
      image: v.imageSrc ? (images.get(v.imageSrc)?.r2Key ?? null) : (existing?.variants.find((e) => (v.sku && e.sku === v.sku) || e.title === draftVariantTitle(v))?.image?.r2Key ?? null),
    })),
  })
}

const galleryOf = (d: ProductDraft, images: Map<string, FetchedImage>) =>
  d.images.flatMap((image) => {
    const fetched = images.get(image.src)
    return fetched ? [{ ...fetched, altText: image.altText }] : []
  })

const sameGallery = (p: Existing, gallery: ReturnType<typeof galleryOf>) =>
  JSON.stringify(p.images.map((i) => [i.r2Key, i.altText])) === JSON.stringify(gallery.map((i) => [i.r2Key, i.altText])) &&
  p.images.every((image, i) => image.position === i)

/** The statements of one draft (none when the store already holds it), and the stock its variants should have. */
export function productStatements(db: Db, draft: ProductDraft, existing: Existing | undefined, images: Map<string, FetchedImage>): { statements: BatchItem<'sqlite'>[]; stock: PendingStock[] } {
  const stock = draft.variants.flatMap((v, position) => (v.quantity === null ? [] : [{ handle: draft.handle, position, quantity: v.quantity, row: v.row }]))
  const gallery = galleryOf(draft, images)
  const galleryChanges = draft.images.length > 0 && (!existing || !sameGallery(existing, gallery))
  if (existing && !galleryChanges && shapeOfExisting(existing) === shapeOfDraft(draft, images, existing)) return { statements: [], stock }

  const ref: SQL | number = existing ? existing.id : sql`(select ${products.id} from ${products} where ${products.slug} = ${draft.handle})`
  const statements: BatchItem<'sqlite'>[] = []
  const fields = { name: draft.name, description: draft.description, isActive: draft.isActive, priceCents: draft.variants[0]!.priceCents }
  if (existing) statements.push(db.update(products).set({ ...fields, updatedAt: sql`(cast(unixepoch('subsec') * 1000 as integer))` }).where(eq(products.id, existing.id)))
  else statements.push(db.insert(products).values({ ...fields, slug: draft.handle, stockQuantity: 0 }))

  // The gallery: kept images (same object) stay with their ids, new ones are added, the rest removed.
  if (galleryChanges) {
    const keep = new Set(gallery.map((g) => g.r2Key))
    const gone = (existing?.images ?? []).filter((i) => !keep.has(i.r2Key)).map((i) => i.id)
    if (gone.length) statements.push(db.delete(productImages).where(inArray(productImages.id, gone)))
    gallery.forEach((image, position) => {
      const kept = existing?.images.find((i) => i.r2Key === image.r2Key)
      if (kept) statements.push(db.update(productImages).set({ altText: image.altText, position }).where(eq(productImages.id, kept.id)))
      else
        statements.push(
          db.insert(productImages).values({ productId: ref, r2Key: image.r2Key, altText: image.altText, position, contentType: image.contentType, byteSize: image.byteSize, width: image.width, height: image.height }),
        )
    })
  }

  // Options: rewritten only when their names or values differ (a value in use cannot go while a variant holds it).
  const sameOptions = existing && JSON.stringify(existing.options.map((o) => ({ name: o.name, values: o.values.map((v) => v.value) }))) === JSON.stringify(draft.options)
  if (existing && !sameOptions) {
    statements.push(db.delete(variantOptionValues).where(inArray(variantOptionValues.variantId, db.select({ id: productVariants.id }).from(productVariants).where(eq(productVariants.productId, existing.id)))))
    statements.push(db.delete(productOptions).where(eq(productOptions.productId, existing.id)))
  }
  if (!sameOptions) {
    draft.options.forEach((option, position) => {
      statements.push(db.insert(productOptions).values({ productId: ref, name: option.name, position }))
      const optionId = sql`(select id from ${productOptions} where ${productOptions.productId} = ${ref} and ${productOptions.position} = ${position})`
      option.values.forEach((value, at) => statements.push(db.insert(productOptionValues).values({ optionId, value, position: at })))
    })
  }

  // Variants: existing ones matched by SKU, else by combination, keep their ids; positions are parked
  // below zero first so that the new ones can be found by position within this batch.
  const matched = new Map<number, Existing['variants'][number]>()
  const free = [...(existing?.variants ?? [])]
  draft.variants.forEach((v, i) => {
    const at = free.findIndex((e) => (v.sku !== null && e.sku === v.sku) || (e.sku === null || v.sku === null ? e.title === draftVariantTitle(v) : false))
    if (at >= 0) matched.set(i, free.splice(at, 1)[0]!)
  })
  if (existing) statements.push(db.update(productVariants).set({ position: sql`-1 - ${productVariants.position}`, sku: null }).where(eq(productVariants.productId, existing.id)))
  else statements.push(db.delete(productVariants).where(eq(productVariants.productId, ref)))
  if (free.length) statements.push(db.delete(productVariants).where(inArray(productVariants.id, free.map((v) => v.id))))
  draft.variants.forEach((v, position) => {
    const imageKey = v.imageSrc ? images.get(v.imageSrc)?.r2Key : undefined
    const imageId = imageKey ? sql`(select id from product_images where product_id = ${ref} and r2_key = ${imageKey})` : undefined
    const values = { sku: v.sku, title: draftVariantTitle(v), priceCents: v.priceCents, compareAtCents: v.compareAtCents, weightGrams: v.weightGrams, position, ...(imageId && { imageId }) }
    const twin = matched.get(position)
    if (twin) {
      statements.push(db.update(productVariants).set(values).where(eq(productVariants.id, twin.id)))
      if (sameOptions && twin.title !== values.title) statements.push(db.delete(variantOptionValues).where(eq(variantOptionValues.variantId, twin.id)))
    } else statements.push(db.insert(productVariants).values({ ...values, productId: ref }))
    if (draft.options.length && (!sameOptions || !twin || twin.title !== values.title)) {
      const variantId = sql`(select id from ${productVariants} where ${productVariants.productId} = ${ref} and ${productVariants.position} = ${position})`
      statements.push(
        db.insert(variantOptionValues).values(
          v.optionValues.map((value, o) => ({
            variantId,
            optionId: sql`(select id from ${productOptions} where ${productOptions.productId} = ${ref} and ${productOptions.position} = ${o})`,
            optionValueId: sql`(select ov.id from ${productOptionValues} ov join ${productOptions} o on o.id = ov.option_id where o.product_id = ${ref} and o.position = ${o} and ov.value = ${value})`,
          })),
        ),
      )
    }
  })
  return { statements, stock }
}

/**
 * Sets each variant's units on hand through its product's stock object (a compare-and-set against what
 * the object holds, retried once if a sale lands in between). Setting a figure already held does nothing,
 * so a retried step sets nothing twice. Answers what could not be set (units held for unpaid orders).
 */
export async function applyStock(env: Env, pending: PendingStock[]): Promise<ImportRowError[]> {
  if (!pending.length) return []
  const db = getDb(env)
  const handles = [...new Set(pending.map((p) => p.handle))]
  const rows = await db
    .select({ productId: products.id, slug: products.slug, variantId: productVariants.id, position: productVariants.position })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(inArray(products.slug, handles))
  const errors: ImportRowError[] = []
  for (const want of pending) {
    const variant = rows.find((r) => r.slug === want.handle && r.position === want.position)
    if (!variant) continue
    const object = stockOf(env, variant.productId)
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = await object.get(variant.productId, variant.variantId)
      if (!now.ok || now.onHand === want.quantity) break
      const set = await object.set(variant.productId, want.quantity, now.onHand, variant.variantId)
      if (set.ok) break
      if (set.reason === 'changed') continue
      if (set.reason === 'unknown_product') break
      errors.push({ row: want.row, column: COLUMNS.qty, message: `${set.held} units are held for unpaid orders: stock stays at ${set.onHand}` })
      logError('import could not set stock', { product_id: variant.productId, variant_id: variant.variantId, reason: set.reason })
      break
    }
  }
  return errors
}

/** The handles among `handles` that a SKU of `skus` belongs to in the store, by SKU. */
export async function skuOwners(db: Db, skus: string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>()
  for (let i = 0; i < skus.length; i += 90) {
    const found = await db
      .select({ sku: productVariants.sku, slug: products.slug })
      .from(productVariants)
      .innerJoin(products, eq(products.id, productVariants.productId))
      .where(and(inArray(productVariants.sku, skus.slice(i, i + 90))))
    for (const f of found) if (f.sku) owners.set(f.sku, f.slug)
  }
  return owners
}
