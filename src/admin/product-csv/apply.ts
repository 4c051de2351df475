/**
 * What an import makes of the store's products, upserted by Handle (the slug), in two parts:
 * - `productStatements`: the product row and its gallery, for the step's own D1 batch (with its cursor).
 *   A new product is inserted inactive, so the shop never shows it before its variants are in place.
 * - `saveImportedVariants`, after that batch: each product's options and variants through the store's one
 *   variant writer (`saveVariantSet`, src/catalog/variant-write.ts: validated, one D1 batch, stock through
 *   the stock object, a removed variant retired there first), variants matched by SKU, else by option
 *   combination, so that their ids, stock and history stay; then the product's active flag.
 * Both compare with what the store holds first: a product the file leaves as it is gets no write at all,
 * so importing the same file twice changes nothing, and a retried step redoes nothing.
 */
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { bumpCatalogVersionStatement, forgetCatalogVersion } from '../../catalog/cache'
import { readVariantSet, saveVariantSet, toWrite, type VariantSetWrite } from '../../catalog/variant-write'
import { variantTitle } from '../../catalog/variants'
import { getDb, type Db } from '../../db/client'
import { productImages, productOptions, products, productVariants, type ImportRowError, type PendingProduct } from '../../db/schema'
import type { CurrentUser } from '../../platform/env'
import { ApiError } from '../../platform/errors'
import type { FetchedImage } from './image-fetch'
import { COLUMNS, optionValue, type ProductDraft } from './rows'

type Existing = Awaited<ReturnType<typeof existingProducts>>[number]

/** The products of these handles as they are now, with their options, variants and gallery. */
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

const galleryOf = (d: ProductDraft, images: Map<string, FetchedImage>) =>
  d.images.flatMap((image) => {
    const fetched = images.get(image.src)
    return fetched ? [{ ...fetched, altText: image.altText }] : []
  })

const sameGallery = (p: Existing, gallery: ReturnType<typeof galleryOf>) =>
  JSON.stringify(p.images.map((i) => [i.r2Key, i.altText, i.position])) === JSON.stringify(gallery.map((i, position) => [i.r2Key, i.altText, position]))

/** What a step still has to do for a draft after its batch: its variants, stock and active flag. */
export const pendingOf = (draft: ProductDraft, images: Map<string, FetchedImage>): PendingProduct => ({
  handle: draft.handle,
  isActive: draft.isActive,
  firstRow: draft.firstRow,
  options: draft.options,
  variants: draft.variants.map((v) => ({
    optionValues: v.optionValues,
    sku: v.sku,
    priceCents: v.priceCents,
    compareAtCents: v.compareAtCents,
    weightGrams: v.weightGrams,
    quantity: v.quantity,
    imageKey: v.imageSrc ? (images.get(v.imageSrc)?.r2Key ?? null) : null,
    row: v.row,
  })),
})

/**
 * The statements for a draft's product row and gallery (none when the store holds them already). Kept
 * images (the same object) stay with their ids, so that variants keep pointing at them; new ones are
 * added; the rest go. A file without Image Src rows for a product leaves its gallery alone.
 */
export function productStatements(db: Db, draft: ProductDraft, existing: Existing | undefined, images: Map<string, FetchedImage>): BatchItem<'sqlite'>[] {
  const statements: BatchItem<'sqlite'>[] = []
  const ref: SQL | number = existing ? existing.id : sql`(select ${products.id} from ${products} where ${products.slug} = ${draft.handle})`
  if (!existing) {
    statements.push(db.insert(products).values({ name: draft.name, slug: draft.handle, description: draft.description, priceCents: draft.variants[0]!.priceCents, stockQuantity: 0, isActive: false }))
  } else if (existing.name !== draft.name || existing.description !== draft.description) {
    statements.push(db.update(products).set({ name: draft.name, description: draft.description, updatedAt: sql`(cast(unixepoch('subsec') * 1000 as integer))` }).where(eq(products.id, existing.id)))
  }
  const gallery = galleryOf(draft, images)
  if (draft.images.length && (!existing || !sameGallery(existing, gallery))) {
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
  return statements
}

/** The field of a saveVariantSet error (`variants.3.sku`) as the row and column of the file. */
function rowErrorOf(pending: PendingProduct, field: string, message: string): ImportRowError {
  const [, index, part] = /^variants\.(\d+)\.?([a-z_]*)/.exec(field) ?? []
  const variant = index === undefined ? undefined : pending.variants[Number(index)]
  const column = part === 'sku' ? COLUMNS.sku : part === 'stock_quantity' ? COLUMNS.qty : part === 'image_id' ? COLUMNS.variantImage : part === 'option_values' ? optionValue(1) : COLUMNS.handle
  return { row: variant?.row ?? pending.firstRow, column, message }
}

/**
 * Saves each pending product's options and variants through `saveVariantSet` when they differ from the
 * store's (stock: a new variant's first units, an existing one's a compare-and-set against the figure the
 * store holds), then its active flag. Answers what the writer refused, by row and column: that product
 * keeps what it had.
 */
export async function saveImportedVariants(env: Env, actor: CurrentUser, pending: PendingProduct[]): Promise<ImportRowError[]> {
  const db = getDb(env)
  const errors: ImportRowError[] = []
  const found = pending.length ? await db.select({ id: products.id, slug: products.slug, isActive: products.isActive }).from(products).where(inArray(products.slug, pending.map((p) => p.handle))) : []
  for (const want of pending) {
    const product = found.find((p) => p.slug === want.handle)
    if (!product) continue
    const current = await readVariantSet(env, product.id)
    const gallery = await db.select({ id: productImages.id, r2Key: productImages.r2Key }).from(productImages).where(eq(productImages.productId, product.id))
    const free = [...current.variants]
    const set: VariantSetWrite = {
      options: want.options.map((o) => {
        const same = current.options.find((c) => c.name === o.name)
        return { ...(same && { id: same.id }), name: o.name, values: o.values }
      }),
      variants: want.variants.map((v) => {
        const title = variantTitle(v.optionValues)
        const at = free.findIndex((e) => (v.sku !== null && e.sku === v.sku) || ((e.sku === null || v.sku === null) && e.title === title))
        const twin = at >= 0 ? free.splice(at, 1)[0] : undefined
        const stock = v.quantity === null ? undefined : !twin ? { onHand: v.quantity } : twin.stock_quantity === v.quantity ? undefined : { onHand: v.quantity, expectedOnHand: twin.stock_quantity }
        return {
          ...(twin && { id: twin.id }),
          optionValues: v.optionValues,
          sku: v.sku,
          priceCents: v.priceCents,
          compareAtCents: v.compareAtCents,
          weightGrams: v.weightGrams,
          imageId: v.imageKey ? (gallery.find((g) => g.r2Key === v.imageKey)?.id ?? null) : (twin?.image_id ?? null),
          isActive: twin?.is_active ?? true,
          ...(stock && { stock }),
        }
      }),
    }
    // The same key order as toWrite, so that an unchanged set compares equal.
    const unchanged = JSON.stringify(set) === JSON.stringify(toWrite(current))
    if (!unchanged) {
      try {
        await saveVariantSet(env, actor, product.id, set, 'product.import.variants')
      } catch (err) {
        if (!(err instanceof ApiError) || err.status >= 500) throw err
        const fields = Object.entries(err.fields ?? { variants: [err.message] })
        for (const [field, messages] of fields) for (const message of messages) errors.push(rowErrorOf(want, field, message))
        continue
      }
    }
    if (product.isActive !== want.isActive) {
      await db.batch([db.update(products).set({ isActive: want.isActive }).where(and(eq(products.id, product.id))), bumpCatalogVersionStatement(db)])
      forgetCatalogVersion()
    }
  }
  return errors
}

/** The handles that SKUs of `skus` belong to in the store, by SKU (one bound parameter however many). */
export async function skuOwners(db: Db, skus: string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>()
  if (!skus.length) return owners
  const found = await db
    .select({ sku: productVariants.sku, slug: products.slug })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(sql`${productVariants.sku} IN (SELECT value FROM json_each(${JSON.stringify(skus)}))`)
  for (const f of found) if (f.sku) owners.set(f.sku, f.slug)
  return owners
}
