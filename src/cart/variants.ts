/**
 * What the cart and the orders sell: variants, read from D1 at this moment (never from a cache), and the
 * one rule that turns a line's `variant_id` or `product_id` into a variant: `product_id` alone names the
 * product's only variant, and is refused (`variant_required`, naming the field) for a product with several.
 */
import { asc, inArray, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client'
import { productImages, productVariants, products, type OptionValue, type TaxClass } from '../db/schema'
import { ApiError, type FieldErrors } from '../platform/errors'
import { chooseMessage } from '../catalog/variants'

/** A variant as the cart and the orders see it, with its product. */
export interface VariantForSale {
  variantId: number
  productId: number
  slug: string
  name: string
  sku: string | null
  /** "Navy / M"; "Default" for a product without options. */
  title: string
  optionValues: OptionValue[]
  priceCents: number
  currency: string
  /** The product and the variant are both sold. */
  isActive: boolean
  /** On hand minus held as last written through to D1 (the stock object has the last word). */
  available: number
  /** The variant's image, else the product's first. */
  imageKey: string | null
  /** How many variants the product has: a title is shown only beside a product with options. */
  variantCount: number
  /** What the totals formula reads (issue 15): the weight shipping is priced on, the product's tax class and categories (discount eligibility). */
  weightGrams: number
  taxClass: TaxClass
  categoryIds: number[]
}

/** The relational `with` of a variant as the cart and orders read it, for lines read with their variant in one statement. */
export const variantWith = {
  columns: { id: true, productId: true, sku: true, title: true, priceCents: true, isActive: true, stockQuantity: true, stockHeld: true, weightGrams: true },
  with: {
    image: { columns: { r2Key: true } },
    optionValues: { columns: {}, with: { value: { columns: { value: true, position: true }, with: { option: { columns: { name: true, position: true } } } } } },
    product: {
      columns: { id: true, slug: true, name: true, currency: true, isActive: true, taxClass: true },
      with: {
        categories: { columns: { categoryId: true } },
        images: { columns: { r2Key: true }, orderBy: [asc(productImages.position), asc(productImages.id)] as SQL[], limit: 1 },
        variants: { columns: { id: true } },
      },
    },
  },
} as const

type VariantRow = NonNullable<Awaited<ReturnType<typeof variantRows>>>[number]
const variantRows = (db: Db, ids: number[]) => db.query.productVariants.findMany({ where: inArray(productVariants.id, ids), ...variantWith })

/** The variant of a row read with `variantWith`, its option values in the options' order. */
export function variantForSale(row: VariantRow): VariantForSale {
  const values = [...row.optionValues].sort((a, b) => a.value.option.position - b.value.option.position)
  return {
    variantId: row.id,
    productId: row.productId,
    slug: row.product.slug,
    name: row.product.name,
    sku: row.sku,
    title: row.title,
    optionValues: values.map((v) => ({ name: v.value.option.name, value: v.value.value })),
    priceCents: row.priceCents,
    currency: row.product.currency,
    isActive: row.isActive && row.product.isActive,
    available: Math.max(row.stockQuantity - row.stockHeld, 0),
    imageKey: row.image?.r2Key ?? row.product.images[0]?.r2Key ?? null,
    variantCount: row.product.variants.length,
    weightGrams: row.weightGrams,
    taxClass: row.product.taxClass,
    categoryIds: row.product.categories.map((c) => c.categoryId),
  }
}

/** The variants with these ids, sold or not, by id (an unknown id has no entry): one statement. */
export async function variantsByIds(db: Db, ids: number[]): Promise<Map<number, VariantForSale>> {
  if (!ids.length) return new Map()
  const rows = await variantRows(db, [...new Set(ids)])
  return new Map(rows.map((row) => [row.id, variantForSale(row)]))
}

/** What a line names: a variant, or a product that must then have exactly one. */
export type LineRef = { variant_id?: number | undefined; product_id?: number | undefined }

/** Products' variants, in order, with the names of their options (for the message that asks to choose). */
async function productsVariants(db: Db, productIds: number[]) {
  if (!productIds.length) return new Map<number, { name: string; variantIds: number[]; optionNames: string[] }>()
  const rows = await db.query.products.findMany({
    where: inArray(products.id, [...new Set(productIds)]),
    columns: { id: true, name: true },
    with: {
      variants: { columns: { id: true }, orderBy: [asc(productVariants.position), asc(productVariants.id)] },
      options: { columns: { name: true, position: true } },
    },
  })
  return new Map(
    rows.map((row) => [row.id, { name: row.name, variantIds: row.variants.map((v) => v.id), optionNames: [...row.options].sort((a, b) => a.position - b.position).map((o) => o.name) }]),
  )
}

/**
 * The variant ids of lines that name a variant or a product (exactly one of the two: the schemas check
 * that). A product with one variant stands for it; a product with several is a 400 `variant_required`
 * naming `<prefix>variant_id` for each such line; a product that does not exist stays unresolved
 * (`null`), for the caller's own 404.
 */
export async function resolveVariantIds(db: Db, lines: LineRef[], fieldOf: (index: number) => string): Promise<(number | null)[]> {
  const byProduct = await productsVariants(
    db,
    lines.flatMap((line) => (line.variant_id === undefined && line.product_id !== undefined ? [line.product_id] : [])),
  )
  const fields: FieldErrors = {}
  const messages: string[] = []
  const ids = lines.map((line, i) => {
    if (line.variant_id !== undefined) return line.variant_id
    const product = line.product_id === undefined ? undefined : byProduct.get(line.product_id)
    if (!product) return null
    if (product.variantIds.length === 1) return product.variantIds[0] ?? null
    const choose = chooseMessage(product.optionNames)
    fields[fieldOf(i)] = [`is required: ${product.name} comes in ${product.variantIds.length} variants (${choose.toLowerCase()})`]
    messages.push(choose)
    return null
  })
  if (messages.length) throw new ApiError(400, 'variant_required', `${[...new Set(messages)].join('; ')}: give variant_id for a product with several variants`, fields)
  return ids
}

/** The line of one variant: in the cart, an order, a refund. */
export type VariantLine = { productId: number; variantId: number; quantity: number }

/** The slug of a product (for the page that asks to choose its variant), or null when there is no such product. */
export async function productSlug(db: Db, productId: number): Promise<string | null> {
  const row = await db.query.products.findFirst({ where: (p, { eq }) => eq(p.id, productId), columns: { slug: true } })
  return row?.slug ?? null
}
