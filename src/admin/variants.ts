/**
 * Staff's edits of a product's options and variants, for the admin API and pages alike: each reads the set
 * as it is, changes what it is about, and saves the whole set through the one writer
 * (`saveVariantSet`, src/catalog/variant-write.ts), so every edit has the same rules, one D1 batch, its
 * audit entry and a new catalog version.
 */
import { readVariantSet, saveVariantSet, toWrite, variantWriteOf, type StockWrite, type VariantSetView, type VariantSetWrite, type VariantWrite } from '../catalog/variant-write'
import { PRODUCT_VARIANTS_MAX } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import { ApiError, validationFailed } from '../platform/errors'
import type { AdminVariantSetBody, BulkVariantBody } from './schemas'

export { readVariantSet }

/** The API's body (snake_case, stock fields) in the writer's terms. */
export function variantSetFromBody(body: AdminVariantSetBody): VariantSetWrite {
  return {
    options: body.options.map((o) => ({ ...(o.id !== undefined && { id: o.id }), name: o.name, values: o.values })),
    variants: body.variants.map((v) => {
      const stock: StockWrite | undefined =
        v.stock_adjustment !== undefined
          ? { delta: v.stock_adjustment }
          : v.stock_quantity !== undefined
            ? { onHand: v.stock_quantity, ...(v.expected_stock_quantity !== undefined && { expectedOnHand: v.expected_stock_quantity }) }
            : undefined
      return { ...variantWriteOf(v), ...(stock && { stock }) }
    }),
  }
}

/** Replaces the whole set (`PUT …/variants`). */
export const replaceVariants = (env: Env, actor: CurrentUser, productId: number, body: AdminVariantSetBody) =>
  saveVariantSet(env, actor, productId, variantSetFromBody(body), 'product.variants.save')

/** Every combination of the options' values, in their order (one empty combination without options). */
export function combinations(options: { values: string[] }[]): string[][] {
  return options.reduce<string[][]>((acc, option) => acc.flatMap((combo) => option.values.map((value) => [...combo, value])), [[]])
}

/**
 * Makes a variant of every combination of the options' values, keeping the existing ones (their id, stock,
 * prices) and ordering them all by the options' order; new ones get `priceCents` (the lowest variant price
 * when left out), no SKU and no stock. Refused (400 naming `options`) when that is more than 100 variants.
 */
export async function generateVariants(env: Env, actor: CurrentUser, productId: number, priceCents?: number): Promise<VariantSetView> {
  const current = await readVariantSet(env, productId)
  const set = toWrite(current)
  const count = set.options.reduce((n, o) => n * o.values.length, 1)
  if (count > PRODUCT_VARIANTS_MAX) {
    throw validationFailed({ options: [`these values make ${count} combinations; a product has at most ${PRODUCT_VARIANTS_MAX} variants: remove values first`] })
  }
  const byCombination = new Map(set.variants.map((v) => [JSON.stringify(v.optionValues), v]))
  const price = priceCents ?? Math.min(...current.variants.map((v) => v.price_cents))
  const template = set.variants[0]
  const variants = combinations(set.options).map(
    (combo): VariantWrite =>
      byCombination.get(JSON.stringify(combo)) ?? {
        optionValues: combo,
        sku: null,
        priceCents: price,
        compareAtCents: null,
        weightGrams: template?.weightGrams ?? 0,
        imageId: null,
        isActive: true,
      },
  )
  return saveVariantSet(env, actor, productId, { options: set.options, variants }, 'product.variants.generate')
}

/** The variants named, checked to be the product's: a 400 naming `variant_ids` otherwise. */
function named(current: VariantSetView, ids: number[]): Set<number> {
  const unknown = ids.filter((id) => !current.variants.some((v) => v.id === id))
  if (unknown.length) throw validationFailed({ variant_ids: [`not variants of this product: ${unknown.join(', ')}`] })
  if (new Set(ids).size !== ids.length) throw validationFailed({ variant_ids: ['a variant is named twice'] })
  return new Set(ids)
}

/**
 * A refusal of the writer about `variants.N.field`, said of the change asked for: `field` with the variant's
 * title (a bulk edit's caller named ids, not positions).
 */
async function byTitle<T>(current: VariantSetView, save: () => Promise<T>): Promise<T> {
  try {
    return await save()
  } catch (err) {
    if (!(err instanceof ApiError) || !err.fields) throw err
    const fields: Record<string, string[]> = {}
    for (const [key, messages] of Object.entries(err.fields)) {
      const match = /^variants\.(\d+)\.(.+)$/.exec(key)
      const title = match ? current.variants[Number(match[1])]?.title : undefined
      const field = match?.[2] === 'option_values' || !match ? key : (match[2] ?? key)
      ;(fields[field] ??= []).push(...messages.map((m) => (title ? `${title}: ${m}` : m)))
    }
    throw new ApiError(err.status, err.code, err.message, fields)
  }
}

/** The same change to each variant named (`POST …/variants/bulk`): prices, stock (set or adjusted), weight, image, active. */
export async function bulkEditVariants(env: Env, actor: CurrentUser, productId: number, body: BulkVariantBody): Promise<VariantSetView> {
  const current = await readVariantSet(env, productId)
  const chosen = named(current, body.variant_ids)
  const set = toWrite(current)
  const variants = set.variants.map((v): VariantWrite => {
    if (!chosen.has(v.id!)) return v
    const stock: StockWrite | undefined = body.stock_adjustment !== undefined ? { delta: body.stock_adjustment } : body.stock_quantity !== undefined ? { onHand: body.stock_quantity } : undefined
    return {
      ...v,
      ...(body.price_cents !== undefined && { priceCents: body.price_cents }),
      ...(body.compare_at_cents !== undefined && { compareAtCents: body.compare_at_cents }),
      ...(body.weight_grams !== undefined && { weightGrams: body.weight_grams }),
      ...(body.image_id !== undefined && { imageId: body.image_id }),
      ...(body.is_active !== undefined && { isActive: body.is_active }),
      ...(stock && { stock }),
    }
  })
  return byTitle(current, () => saveVariantSet(env, actor, productId, { options: set.options, variants }, 'product.variants.bulk'))
}

/** Puts the variants in the order given (`PUT …/variants/order`): every variant of the product, once. */
export async function reorderVariants(env: Env, actor: CurrentUser, productId: number, ids: number[]): Promise<VariantSetView> {
  const current = await readVariantSet(env, productId)
  named(current, ids)
  if (ids.length !== current.variants.length) throw validationFailed({ variant_ids: [`name every variant of the product once: ${current.variants.map((v) => v.id).join(', ')}`] })
  const set = toWrite(current)
  const variants = ids.map((id) => set.variants.find((v) => v.id === id)!)
  return saveVariantSet(env, actor, productId, { options: set.options, variants }, 'product.variants.reorder')
}

/** Stops selling one variant (`POST …/variants/:variantId/deactivate`); it keeps its stock and history. */
export async function deactivateVariant(env: Env, actor: CurrentUser, productId: number, variantId: number): Promise<VariantSetView> {
  const current = await readVariantSet(env, productId)
  if (!current.variants.some((v) => v.id === variantId)) throw new ApiError(404, 'not_found', 'variant not found')
  const set = toWrite(current)
  const variants = set.variants.map((v) => (v.id === variantId ? { ...v, isActive: false } : v))
  return saveVariantSet(env, actor, productId, { options: set.options, variants }, 'product.variants.deactivate')
}

/** Deletes the variants named (`POST …/variants/delete`); the last one cannot go, and a held one is a 409 `variant_held`. */
export async function deleteVariants(env: Env, actor: CurrentUser, productId: number, ids: number[]): Promise<VariantSetView> {
  const current = await readVariantSet(env, productId)
  const chosen = named(current, ids)
  const set = toWrite(current)
  const variants = set.variants.filter((v) => !chosen.has(v.id!))
  if (variants.length === 0) throw validationFailed({ variant_ids: ['a product keeps at least one variant: deactivate the product instead'] })
  return saveVariantSet(env, actor, productId, { options: set.options, variants }, 'product.variants.delete')
}

/**
 * Adds an option with its values; every existing variant takes its first value (a product without options
 * so turns its default variant into the first of the new option, stock and all). Then "generate" makes the rest.
 */
export async function addOption(env: Env, actor: CurrentUser, productId: number, name: string, values: string[]): Promise<VariantSetView> {
  const current = await readVariantSet(env, productId)
  const set = toWrite(current)
  const options = [...set.options, { name, values }]
  const first = values[0] ?? ''
  const variants = set.variants.map((v) => ({ ...v, optionValues: [...v.optionValues, first] }))
  return saveVariantSet(env, actor, productId, { options, variants }, 'product.options.add')
}

/**
 * Renames an option and sets its values (in order). A value taken away deletes the variants that have it
 * (a 409 `variant_held` while one is held); a value added makes no variant until "generate".
 */
export async function updateOption(env: Env, actor: CurrentUser, productId: number, optionId: number, name: string, values: string[]): Promise<VariantSetView> {
  const current = await readVariantSet(env, productId)
  const index = current.options.findIndex((o) => o.id === optionId)
  if (index < 0) throw new ApiError(404, 'not_found', 'option not found')
  const set = toWrite(current)
  const options = set.options.map((o, i) => (i === index ? { ...o, name, values } : o))
  const variants = set.variants.filter((v) => values.includes(v.optionValues[index] ?? ''))
  if (variants.length === 0) throw validationFailed({ [`options.${index}.values`]: ['keep at least one value that a variant has, or remove the option'] })
  return saveVariantSet(env, actor, productId, { options, variants }, 'product.options.update')
}

/**
 * Removes an option: the variants drop their value of it. Refused (400 naming `options.N`) when two
 * variants would then be the same combination: delete the extra variants first.
 */
export async function removeOption(env: Env, actor: CurrentUser, productId: number, optionId: number): Promise<VariantSetView> {
  const current = await readVariantSet(env, productId)
  const index = current.options.findIndex((o) => o.id === optionId)
  if (index < 0) throw new ApiError(404, 'not_found', 'option not found')
  const set = toWrite(current)
  const variants = set.variants.map((v) => ({ ...v, optionValues: v.optionValues.filter((_, i) => i !== index) }))
  const combos = new Set(variants.map((v) => JSON.stringify(v.optionValues)))
  if (combos.size !== variants.length) {
    throw validationFailed({ [`options.${index}`]: [`without ${current.options[index]!.name}, some variants would be the same combination: delete the ones you do not need first`] })
  }
  return saveVariantSet(env, actor, productId, { options: set.options.filter((_, i) => i !== index), variants }, 'product.options.remove')
}
