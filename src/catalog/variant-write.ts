/**
 * The one writer of a product's options and variants: the admin's API and pages (src/admin/variants.ts)
 * and the CSV import call `saveVariantSet` with the whole set they want, and it makes D1 and the stock
 * object say exactly that, or nothing.
 *
 * - One D1 batch (one transaction): options, values, variants, their option values, the product's own
 *   derived figures, the audit entry and the catalog version stand or fall together.
 * - Variants named by `id` keep their id, stock and history; those without are created; those left out are
 *   deleted, refused with a 409 `variant_held` while a hold of an unpaid order is on one (deactivate it, or
 *   wait for the order), and with a 409 `variant_sold` while the stock object remembers a sale of one (180
 *   days: a refund may put it back in stock; deactivate it). Deleting a variant that order lines still
 *   refer to is a 409 too.
 * - Stock never goes to D1 from here: an existing variant's new figure is a compare-and-set (or a relative
 *   change) in the product's stock object, all lines in one transaction there, before the D1 batch (undone
 *   if the batch fails); a new variant's first stock goes to the object after the batch, which so learns it
 *   and writes it through; a deleted one is retired in the object first, so no hold is taken on it meanwhile.
 */
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { getDb, type Db } from '../db/client'
import { productImages, productOptions, productOptionValues, products, productVariants, variantOptionValues } from '../db/schema'
import { commitCatalogChange } from '../admin/catalog-change'
import type { CurrentUser } from '../platform/env'
import { ApiError, notFound, validationFailed, type FieldErrors } from '../platform/errors'
import { logError } from '../platform/logging'
import { stockOf } from '../stock/client'
import { variantSetErrors, variantTitle, type OptionInput, type VariantInput } from './variants'

/** An option as the writer takes it: `id` to keep (and maybe rename) an existing one, none for a new one. */
export type OptionWrite = OptionInput & { id?: number }

/**
 * What to do with a variant's stock: leave it out to keep it; for an existing variant a set (with the
 * on-hand figure staff saw, a compare-and-set) or a `delta`; for a new one its first on hand (`onHand`).
 */
export type StockWrite = { onHand: number; expectedOnHand?: number } | { delta: number }

/** A variant as the writer takes it; its position is its place in the list. */
export type VariantWrite = VariantInput & { id?: number; imageId: number | null; isActive: boolean; stock?: StockWrite }

/** A product's whole option and variant set, as it is to be after the save. */
export type VariantSetWrite = { options: OptionWrite[]; variants: VariantWrite[] }

/** A product's options and variants as the admin reads them (stock as D1 has it from the stock object). */
export interface VariantSetView {
  product_id: number
  currency: string
  options: { id: number; name: string; position: number; values: { id: number; value: string; position: number }[] }[]
  variants: {
    id: number
    sku: string | null
    title: string
    option_values: string[]
    price_cents: number
    compare_at_cents: number | null
    weight_grams: number
    image_id: number | null
    is_active: boolean
    position: number
    stock_quantity: number
    stock_held: number
    available: number
  }[]
}

/** A product's options (with values) and variants (with their values, in the options' order), in position order. 404 for no such product. */
export async function readVariantSet(env: Env, productId: number): Promise<VariantSetView> {
  const db = getDb(env)
  const [product, options, values, variants, links] = await db.batch([
    db.select({ id: products.id, currency: products.currency }).from(products).where(eq(products.id, productId)),
    db.select().from(productOptions).where(eq(productOptions.productId, productId)).orderBy(asc(productOptions.position), asc(productOptions.id)),
    db
      .select({ id: productOptionValues.id, optionId: productOptionValues.optionId, value: productOptionValues.value, position: productOptionValues.position })
      .from(productOptionValues)
      .innerJoin(productOptions, eq(productOptions.id, productOptionValues.optionId))
      .where(eq(productOptions.productId, productId))
      .orderBy(asc(productOptionValues.position), asc(productOptionValues.id)),
    db.select().from(productVariants).where(eq(productVariants.productId, productId)).orderBy(asc(productVariants.position), asc(productVariants.id)),
    db
      .select({ variantId: variantOptionValues.variantId, optionId: variantOptionValues.optionId, valueId: variantOptionValues.optionValueId })
      .from(variantOptionValues)
      .innerJoin(productVariants, eq(productVariants.id, variantOptionValues.variantId))
      .where(eq(productVariants.productId, productId)),
  ])
  const [row] = product
  if (!row) throw notFound('product')
  const valueText = new Map(values.map((v) => [v.id, v.value]))
  return {
    product_id: productId,
    currency: row.currency,
    options: options.map((o) => ({ id: o.id, name: o.name, position: o.position, values: values.filter((v) => v.optionId === o.id).map((v) => ({ id: v.id, value: v.value, position: v.position })) })),
    variants: variants.map((v) => ({
      id: v.id,
      sku: v.sku,
      title: v.title,
      option_values: options.map((o) => valueText.get(links.find((l) => l.variantId === v.id && l.optionId === o.id)?.valueId ?? -1) ?? ''),
      price_cents: v.priceCents,
      compare_at_cents: v.compareAtCents,
      weight_grams: v.weightGrams,
      image_id: v.imageId,
      is_active: v.isActive,
      position: v.position,
      stock_quantity: v.stockQuantity,
      stock_held: v.stockHeld,
      available: v.stockQuantity - v.stockHeld,
    })),
  }
}

/** The API's shape of a variant (the admin's body, the set as read) in the writer's terms, stock aside. */
export function variantWriteOf(v: {
  id?: number
  option_values: string[]
  sku: string | null
  price_cents: number
  compare_at_cents: number | null
  weight_grams: number
  image_id: number | null
  is_active: boolean
}): VariantWrite {
  return {
    ...(v.id !== undefined && { id: v.id }),
    optionValues: v.option_values,
    sku: v.sku,
    priceCents: v.price_cents,
    compareAtCents: v.compare_at_cents,
    weightGrams: v.weight_grams,
    imageId: v.image_id,
    isActive: v.is_active,
  }
}

/** The set as it is, in the writer's terms: saving it unchanged changes nothing (the start of every partial edit). */
export function toWrite(view: VariantSetView): VariantSetWrite {
  return {
    options: view.options.map((o) => ({ id: o.id, name: o.name, values: o.values.map((v) => v.value) })),
    variants: view.variants.map(variantWriteOf),
  }
}

/** What the checks that need D1 find wrong (ids of another product, an image not of its gallery, a SKU another product uses), by field. */
async function storeErrors(db: Db, productId: number, set: VariantSetWrite, current: VariantSetView): Promise<FieldErrors> {
  const errors: FieldErrors = {}
  const add = (field: string, message: string) => (errors[field] ??= []).push(message)
  const optionIds = new Set(current.options.map((o) => o.id))
  const seenOptions = new Set<number>()
  set.options.forEach((option, i) => {
    if (option.id === undefined) return
    if (!optionIds.has(option.id)) add(`options.${i}.id`, 'is not an option of this product')
    else if (seenOptions.has(option.id)) add(`options.${i}.id`, 'is given twice')
    seenOptions.add(option.id)
  })
  for (const [i, option] of set.options.entries()) for (const value of option.values) if (!value.trim() || value.length > 100) add(`options.${i}.values`, 'each value 1 to 100 characters')
  for (const [i, option] of set.options.entries()) if (option.name.length > 100) add(`options.${i}.name`, 'at most 100 characters')
  const variantIds = new Set(current.variants.map((v) => v.id))
  const seenVariants = new Set<number>()
  const images = new Set((await db.select({ id: productImages.id }).from(productImages).where(eq(productImages.productId, productId))).map((r) => r.id))
  set.variants.forEach((variant, i) => {
    const at = `variants.${i}`
    if (variant.id !== undefined) {
      if (!variantIds.has(variant.id)) add(`${at}.id`, 'is not a variant of this product')
      else if (seenVariants.has(variant.id)) add(`${at}.id`, 'is given twice')
      seenVariants.add(variant.id)
    }
    if (variant.imageId !== null && !images.has(variant.imageId)) add(`${at}.image_id`, "is not an image of this product's gallery")
    if (variant.sku !== null && variant.sku.length > 100) add(`${at}.sku`, 'at most 100 characters')
    const stock = variant.stock
    if (stock && variant.id === undefined && ('delta' in stock ? stock.delta : stock.onHand) < 0) add(`${at}.stock_quantity`, 'cannot be negative')
  })
  const skus = set.variants.map((v) => v.sku).filter((sku): sku is string => sku !== null && sku.trim() !== '')
  if (skus.length) {
    // One bound parameter however many SKUs (D1 binds at most 100 per statement).
    const taken = await db
      .select({ sku: productVariants.sku })
      .from(productVariants)
      .where(and(ne(productVariants.productId, productId), sql`${productVariants.sku} IN (SELECT value FROM json_each(${JSON.stringify(skus)}))`))
    const used = new Set(taken.map((t) => t.sku))
    set.variants.forEach((variant, i) => {
      if (variant.sku !== null && used.has(variant.sku)) add(`variants.${i}.sku`, `"${variant.sku}" is the SKU of another product's variant`)
    })
  }
  return errors
}

/** The name of the field of a variant's stock change, for the errors that name it. */
const stockField = (stock: StockWrite) => ('delta' in stock ? 'stock_adjustment' : 'stock_quantity')

/**
 * Saves a product's whole option and variant set (see the file's comment for what happens to each part),
 * validated first (`variantSetErrors` and the checks that need D1: a 400 `validation_failed` naming every
 * field, `variants.3.sku`, before anything is written). Answers the set as saved.
 * @param action the audit entry's action (`product.variants.save`, `product.variants.generate`, …)
 * @throws ApiError 400 `validation_failed`; 404 for no such product; 409 `variant_held` (a removed variant has a
 *   live hold), `variant_sold` (a removed variant has sales a refund may restock), `stock_changed` / `stock_below_held` / `stock_negative` (naming `variants.N.stock_quantity`),
 *   `sku_taken` (another writer took a SKU meanwhile, naming `variants.N.sku`), `conflict` (a removed variant is
 *   referred to by order lines, or the product went meanwhile)
 * @example await saveVariantSet(env, actor, productId, { options: [{ name: 'Size', values: ['S', 'M'] }], variants: [...] })
 */
export async function saveVariantSet(env: Env, actor: CurrentUser, productId: number, set: VariantSetWrite, action = 'product.variants.save'): Promise<VariantSetView> {
  const db = getDb(env)
  const current = await readVariantSet(env, productId)
  const errors = { ...variantSetErrors(set), ...(await storeErrors(db, productId, set, current)) }
  if (Object.keys(errors).length) throw validationFailed(errors)

  const kept = new Set(set.variants.flatMap((v) => (v.id === undefined ? [] : [v.id])))
  const removed = current.variants.filter((v) => !kept.has(v.id))
  const stockLines = set.variants.flatMap((v, i) => (v.id !== undefined && v.stock && !('onHand' in v.stock && v.stock.expectedOnHand === v.stock.onHand) ? [{ i, id: v.id, stock: v.stock }] : []))
  const stock = stockOf(env, productId)

  let retired: { variantId: number; onHand: number }[] = []
  if (removed.length) {
    const result = await stock.retireVariants(productId, removed.map((v) => v.id))
    if (!result.ok && result.reason === 'unknown_product') throw notFound('product')
    if (!result.ok) {
      const titles = current.variants.filter((v) => result.variantIds.includes(v.id)).map((v) => v.title)
      const are = `${titles.join(', ')} ${titles.length === 1 ? 'is' : 'are'}`
      const why =
        result.reason === 'held'
          ? `${are} held for an unpaid order and cannot be deleted now; deactivate instead, or wait until the order is paid or expires`
          : `${are} sold in orders that may still be refunded to stock, so cannot be deleted; deactivate instead`
      throw new ApiError(409, result.reason === 'held' ? 'variant_held' : 'variant_sold', `${why}. Nothing was saved.`, { variants: [why] })
    }
    retired = result.levels
  }
  const undoRetire = async () => {
    if (retired.length) await stock.restoreVariants(productId, retired)
  }

  let moved: { variantId: number; delta: number }[] = []
  if (stockLines.length) {
    const result = await stock.changeStocks(
      productId,
      stockLines.map(({ id, stock: s }) => ('delta' in s ? { variantId: id, delta: s.delta } : { variantId: id, onHand: s.onHand, expectedOnHand: s.expectedOnHand })),
    )
    if (!result.ok) {
      await undoRetire()
      if (result.reason === 'unknown_product') throw notFound('product')
      const line = stockLines.find((l) => l.id === result.variantId)
      const field = line ? `variants.${line.i}.${stockField(line.stock)}` : 'variants'
      if (result.reason === 'unknown_variant') throw new ApiError(409, 'conflict', 'A variant was deleted meanwhile: reload and try again', { [field]: ['was deleted meanwhile'] })
      const title = current.variants.find((v) => v.id === result.variantId)?.title ?? 'a variant'
      const why =
        result.reason === 'changed'
          ? `changed meanwhile: ${result.onHand} on hand now, not the ${line && 'onHand' in line.stock ? line.stock.expectedOnHand : ''} you saw`
          : result.reason === 'below_held'
            ? `${result.held} units are held for unpaid orders`
            : 'stock cannot be negative'
      const code = result.reason === 'changed' ? 'stock_changed' : result.reason === 'below_held' ? 'stock_below_held' : 'stock_negative'
      throw new ApiError(409, code, `Stock of ${title} ${why}; nothing was saved.`, { [field]: [why] })
    }
    const before = new Map(current.variants.map((v) => [v.id, v.stock_quantity]))
    // What each line moved, as the object saw it: the undo if the D1 batch fails (sales meanwhile stay).
    moved = result.levels.map((level) => {
      const line = stockLines.find((l) => l.id === level.variantId)!
      return { variantId: level.variantId, delta: 'delta' in line.stock ? line.stock.delta : level.onHand - (line.stock.expectedOnHand ?? before.get(level.variantId) ?? level.onHand) }
    })
  }

  try {
    await commitCatalogChange(env, actor, { action, targetType: 'product', targetId: String(productId), before: auditView(current), after: auditView(plannedView(set)) }, statements(db, productId, set, current, removed.map((v) => v.id)))
  } catch (err) {
    const undo = moved.filter((m) => m.delta !== 0).map((m) => ({ variantId: m.variantId, delta: -m.delta }))
    if (undo.length) {
      const undone = await stock.changeStocks(productId, undo).catch((e: unknown) => ({ ok: false as const, reason: String(e) }))
      if (!undone.ok) logError('variant stock change could not be undone after a failed save', { product_id: productId, reason: undone.reason })
    }
    await undoRetire()
    throw await refusal(db, err, productId, set)
  }

  // New variants: the object learns them now, with their first stock (0 when none was given), and writes it through.
  const saved = await readVariantSet(env, productId)
  const fresh = set.variants.flatMap((v, position) => {
    if (v.id !== undefined) return []
    const row = saved.variants.find((s) => s.position === position)
    return row ? [{ variantId: row.id, onHand: v.stock ? ('delta' in v.stock ? v.stock.delta : v.stock.onHand) : 0 }] : []
  })
  if (fresh.length) {
    const learned = await stock.addVariants(productId, fresh)
    if (!learned.ok) logError('new variants could not be given their stock', { product_id: productId, reason: learned.reason })
    return readVariantSet(env, productId)
  }
  return saved
}

/** The set for the audit log: what staff would recognise, without the stock figures the object owns. */
type AuditedSet = {
  options: { name: string; values: { value: string }[] }[]
  variants: Omit<VariantSetView['variants'][number], 'option_values' | 'stock_quantity' | 'stock_held' | 'available' | 'position'>[]
}
const auditView = (view: AuditedSet) => ({
  options: view.options.map((o) => ({ name: o.name, values: o.values.map((v) => v.value) })),
  variants: view.variants.map((v) => ({ id: v.id, sku: v.sku, title: v.title, price_cents: v.price_cents, compare_at_cents: v.compare_at_cents, weight_grams: v.weight_grams, image_id: v.image_id, is_active: v.is_active })),
})

const plannedView = (set: VariantSetWrite) => ({
  options: set.options.map((o, position) => ({ id: o.id ?? 0, name: o.name, position, values: o.values.map((value, p) => ({ id: 0, value, position: p })) })),
  variants: set.variants.map((v, position) => ({
    id: v.id ?? 0,
    sku: v.sku,
    title: variantTitle(v.optionValues),
    price_cents: v.priceCents,
    compare_at_cents: v.compareAtCents,
    weight_grams: v.weightGrams,
    image_id: v.imageId,
    is_active: v.isActive,
    position,
  })),
})

/**
 * The D1 statements that turn `current` into `set`. Rows inserted by the batch are found by what is unique
 * once it ran (an option by product and name, a variant by product and position), so the whole set is one
 * batch. Names and SKUs that change are first moved out of the way (two options swapping names, two
 * variants swapping SKUs, would otherwise meet the unique indexes halfway).
 */
function statements(db: Db, productId: number, set: VariantSetWrite, current: VariantSetView, removedIds: number[]): BatchItem<'sqlite'>[] {
  const out: BatchItem<'sqlite'>[] = []
  const currentOption = new Map(current.options.map((o) => [o.id, o]))
  const currentVariant = new Map(current.variants.map((v) => [v.id, v]))
  const json = (value: unknown) => JSON.stringify(value)

  // Every variant's option values are written again below, once its options and values are in place.
  out.push(db.delete(variantOptionValues).where(inArray(variantOptionValues.variantId, db.select({ id: productVariants.id }).from(productVariants).where(eq(productVariants.productId, productId)))))
  if (removedIds.length) out.push(db.delete(productVariants).where(and(eq(productVariants.productId, productId), sql`${productVariants.id} IN (SELECT value FROM json_each(${json(removedIds)}))`)))
  const keptOptions = new Set(set.options.flatMap((o) => (o.id === undefined ? [] : [o.id])))
  const goneOptions = current.options.filter((o) => !keptOptions.has(o.id)).map((o) => o.id)
  if (goneOptions.length) out.push(db.delete(productOptions).where(and(eq(productOptions.productId, productId), sql`${productOptions.id} IN (SELECT value FROM json_each(${json(goneOptions)}))`)))
  const renamed = set.options.filter((o) => o.id !== undefined && currentOption.get(o.id)?.name !== o.name).map((o) => o.id!)
  if (renamed.length) out.push(db.update(productOptions).set({ name: sql`char(1) || ${productOptions.id}` }).where(and(eq(productOptions.productId, productId), sql`${productOptions.id} IN (SELECT value FROM json_each(${json(renamed)}))`)))
  set.options.forEach((option, position) => {
    if (option.id !== undefined) out.push(db.update(productOptions).set({ name: option.name, position }).where(and(eq(productOptions.id, option.id), eq(productOptions.productId, productId))))
    else out.push(db.insert(productOptions).values({ productId, name: option.name, position }))
    const optionId = sql`(SELECT ${productOptions.id} FROM ${productOptions} WHERE ${productOptions.productId} = ${productId} AND ${productOptions.name} = ${option.name})`
    out.push(db.delete(productOptionValues).where(and(sql`${productOptionValues.optionId} = ${optionId}`, sql`${productOptionValues.value} NOT IN (SELECT value FROM json_each(${json(option.values)}))`)))
    out.push(
      db
        .insert(productOptionValues)
        .select(sql`SELECT NULL, ${optionId}, j.value, j.key FROM json_each(${json(option.values)}) AS j WHERE true`)
        .onConflictDoUpdate({ target: [productOptionValues.optionId, productOptionValues.value], set: { position: sql`excluded.position` } }),
    )
  })

  const skuMoves = set.variants.filter((v) => v.id !== undefined && currentVariant.get(v.id)?.sku !== v.sku && currentVariant.get(v.id)?.sku !== null).map((v) => v.id!)
  if (skuMoves.length) out.push(db.update(productVariants).set({ sku: null }).where(and(eq(productVariants.productId, productId), sql`${productVariants.id} IN (SELECT value FROM json_each(${json(skuMoves)}))`)))
  // Positions of kept variants first, so that a new variant's position is its own when it is looked up.
  const fields = (v: VariantWrite, position: number) => ({
    sku: v.sku,
    title: variantTitle(v.optionValues),
    priceCents: v.priceCents,
    compareAtCents: v.compareAtCents,
    weightGrams: v.weightGrams,
    imageId: v.imageId,
    isActive: v.isActive,
    position,
  })
  set.variants.forEach((v, position) => {
    if (v.id !== undefined) out.push(db.update(productVariants).set(fields(v, position)).where(and(eq(productVariants.id, v.id), eq(productVariants.productId, productId))))
  })
  set.variants.forEach((v, position) => {
    if (v.id === undefined) out.push(db.insert(productVariants).values({ productId, ...fields(v, position), stockQuantity: 0, stockHeld: 0 }))
  })
  const links = set.variants.flatMap((v, position) => v.optionValues.map((value, o) => ({ p: position, o: set.options[o]?.name ?? '', v: value })))
  if (links.length) {
    out.push(
      db.insert(variantOptionValues).select(sql`SELECT pv.id, o.id, ov.id FROM json_each(${json(links)}) AS j
        JOIN product_variants pv ON pv.product_id = ${productId} AND pv.position = json_extract(j.value, '$.p')
        JOIN product_options o ON o.product_id = ${productId} AND o.name = json_extract(j.value, '$.o')
        JOIN product_option_values ov ON ov.option_id = o.id AND ov.value = json_extract(j.value, '$.v')`),
    )
  }
  // The product's own figures follow its variants: its price the lowest of its active variants (of all when
  // none is active), its stock their sums, so that the single-variant trigger then agrees with them.
  const ofProduct = sql`FROM ${productVariants} WHERE ${productVariants.productId} = ${productId}`
  out.push(
    db
      .update(products)
      .set({
        priceCents: sql`coalesce((SELECT min(${productVariants.priceCents}) ${ofProduct} AND ${productVariants.isActive} = 1), (SELECT min(${productVariants.priceCents}) ${ofProduct}), ${products.priceCents})`,
        stockQuantity: sql`(SELECT coalesce(sum(${productVariants.stockQuantity}), 0) ${ofProduct})`,
        stockHeld: sql`(SELECT coalesce(sum(${productVariants.stockHeld}), 0) ${ofProduct})`,
      })
      .where(eq(products.id, productId)),
  )
  return out
}

/** A failed save's batch error as the answer staff get: a SKU another writer took meanwhile names its field. */
async function refusal(db: Db, err: unknown, productId: number, set: VariantSetWrite): Promise<unknown> {
  const text = `${String(err)} ${String((err as { cause?: unknown }).cause ?? '')}`
  if (/UNIQUE constraint failed: product_variants\.sku/i.test(text)) {
    const fields: FieldErrors = {}
    const skus = set.variants.map((v) => v.sku).filter((s): s is string => s !== null)
    const taken = skus.length ? await db.select({ sku: productVariants.sku }).from(productVariants).where(and(ne(productVariants.productId, productId), inArray(productVariants.sku, skus.slice(0, 99)))) : []
    set.variants.forEach((v, i) => {
      if (v.sku !== null && taken.some((t) => t.sku === v.sku)) fields[`variants.${i}.sku`] = [`"${v.sku}" is the SKU of another product's variant`]
    })
    return new ApiError(409, 'sku_taken', 'A SKU was taken by another product meanwhile; nothing was saved', Object.keys(fields).length ? fields : { variants: ['a SKU is taken'] })
  }
  // commitCatalogChange answers a refused foreign key as a 409 already; here it can only be a removed variant orders refer to, or the product gone.
  if (/FOREIGN KEY constraint failed/i.test(text) || (err instanceof ApiError && err.code === 'conflict')) {
    return new ApiError(409, 'conflict', 'A variant you removed is referred to by orders, or the product changed meanwhile: deactivate the variant instead, or reload and try again', { variants: ['cannot delete a variant that orders refer to'] })
  }
  return err
}
