/**
 * The variants model (issue 14, first step): every product is sold through 1…100 variants; the schema
 * and its triggers hold what a single row can say, `variantSetErrors` what needs the whole set.
 */
import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { variantSetErrors, variantTitle, type VariantInput, type VariantSet } from '../src/catalog/variants'
import { getDb } from '../src/db/client'
import { productImages, productOptions, productOptionValues, products, productVariants, variantOptionValues } from '../src/db/schema'
import { insertProduct } from './helpers'

const db = () => getDb(env)
const variantsOf = (productId: number) => db().select().from(productVariants).where(eq(productVariants.productId, productId)).orderBy(productVariants.position, productVariants.id)
const uniqueSku = () => `SKU-${crypto.randomUUID().slice(0, 8)}`

/** The error SQLite gave a refused write, or null when it went through. */
async function refusal(write: () => Promise<unknown>): Promise<string | null> {
  try {
    await write()
    return null
  } catch (err) {
    // drizzle wraps the driver's error; the constraint's name is in the cause.
    return `${String(err)} ${String((err as { cause?: unknown }).cause ?? '')}`
  }
}

describe('the default variant', () => {
  it('is made with every product, carrying its price and stock', async () => {
    const product = await insertProduct({ priceCents: 2500, stockQuantity: 4 })
    expect(await variantsOf(product.id)).toMatchObject([{ title: 'Default', sku: null, priceCents: 2500, compareAtCents: null, isActive: true, stockQuantity: 4, stockHeld: 0 }])
  })

  it("follows its product's price and stock while it is the only variant", async () => {
    const product = await insertProduct({ priceCents: 2500, stockQuantity: 4 })
    await db().update(products).set({ priceCents: 1999, stockQuantity: 3, stockHeld: 2 }).where(eq(products.id, product.id))
    expect(await variantsOf(product.id)).toMatchObject([{ priceCents: 1999, stockQuantity: 3, stockHeld: 2 }])
  })

  it('keeps its own figures once the product has several variants', async () => {
    const product = await insertProduct({ priceCents: 2500, stockQuantity: 4 })
    await db().insert(productVariants).values({ productId: product.id, title: 'Large', priceCents: 2900, position: 1, stockQuantity: 1 })
    await db().update(products).set({ priceCents: 100 }).where(eq(products.id, product.id))
    expect((await variantsOf(product.id)).map((v) => v.priceCents)).toEqual([2500, 2900])
  })

  it('goes with its product', async () => {
    const product = await insertProduct()
    await db().delete(products).where(eq(products.id, product.id))
    expect(await variantsOf(product.id)).toEqual([])
  })
})

describe('what the schema refuses', () => {
  it('negative money, a compare-at price not above the price, negative weight or stock', async () => {
    const product = await insertProduct({ priceCents: 1000 })
    const insert = (fields: Partial<typeof productVariants.$inferInsert>) => () =>
      db().insert(productVariants).values({ productId: product.id, title: 'X', priceCents: 1000, ...fields })
    expect(await refusal(insert({ priceCents: -1 }))).toMatch(/product_variants_price_nonnegative|CHECK/)
    expect(await refusal(insert({ compareAtCents: 1000 }))).toMatch(/compare_at_above_price|CHECK/)
    expect(await refusal(insert({ compareAtCents: 900 }))).toMatch(/compare_at_above_price|CHECK/)
    expect(await refusal(insert({ weightGrams: -5 }))).toMatch(/weight_nonnegative|CHECK/)
    expect(await refusal(insert({ stockQuantity: -1 }))).toMatch(/stock_nonnegative|CHECK/)
    expect(await refusal(insert({ compareAtCents: 1500, sku: uniqueSku() }))).toBeNull()
  })

  it('a SKU used twice in the store, while any number of variants have none', async () => {
    const [a, b] = [await insertProduct(), await insertProduct()]
    const sku = uniqueSku()
    await db().insert(productVariants).values({ productId: a.id, title: 'A', priceCents: 1, sku })
    expect(await refusal(() => db().insert(productVariants).values({ productId: b.id, title: 'B', priceCents: 1, sku }))).toMatch(/UNIQUE/)
    expect(await refusal(() => db().insert(productVariants).values({ productId: b.id, title: 'C', priceCents: 1, sku: null }))).toBeNull()
  })

  it("an image of another product, and forgets a deleted image", async () => {
    const owner = await insertProduct({ images: ['products/variant-image-a.png'] })
    const other = await insertProduct()
    const [image] = await db().select().from(productImages).where(eq(productImages.productId, owner.id))
    expect(await refusal(() => db().insert(productVariants).values({ productId: other.id, title: 'X', priceCents: 1, imageId: image!.id }))).toMatch(/not an image of the product/)
    const [own] = await variantsOf(owner.id)
    await db().update(productVariants).set({ imageId: image!.id }).where(eq(productVariants.id, own!.id))
    expect(await refusal(() => db().update(productVariants).set({ productId: other.id }).where(eq(productVariants.id, own!.id)))).toMatch(/not an image of the product/)
    await db().delete(productImages).where(eq(productImages.id, image!.id))
    expect((await variantsOf(owner.id))[0]?.imageId).toBeNull()
  })

  it("two values for one option, a value of another option, and deleting a value in use", async () => {
    const product = await insertProduct()
    const [size, colour] = await db().insert(productOptions).values([{ productId: product.id, name: 'Size', position: 0 }, { productId: product.id, name: 'Colour', position: 1 }]).returning()
    const [s, m, navy] = await db()
      .insert(productOptionValues)
      .values([{ optionId: size!.id, value: 'S' }, { optionId: size!.id, value: 'M', position: 1 }, { optionId: colour!.id, value: 'Navy' }])
      .returning()
    const [variant] = await db().insert(productVariants).values({ productId: product.id, title: variantTitle(['S', 'Navy']), priceCents: 1000, position: 1 }).returning()
    await db().insert(variantOptionValues).values([{ variantId: variant!.id, optionId: size!.id, optionValueId: s!.id }, { variantId: variant!.id, optionId: colour!.id, optionValueId: navy!.id }])
    expect(await refusal(() => db().insert(variantOptionValues).values({ variantId: variant!.id, optionId: size!.id, optionValueId: m!.id }))).toMatch(/UNIQUE|PRIMARY/)
    const [other] = await db().insert(productVariants).values({ productId: product.id, title: 'M / ?', priceCents: 1000, position: 2 }).returning()
    expect(await refusal(() => db().insert(variantOptionValues).values({ variantId: other!.id, optionId: size!.id, optionValueId: navy!.id }))).toMatch(/FOREIGN KEY/)
    expect(await refusal(() => db().delete(productOptionValues).where(eq(productOptionValues.id, s!.id)))).toMatch(/FOREIGN KEY/)
    expect(variant!.title).toBe('S / Navy')
  })
})

const variant = (optionValues: string[], fields: Partial<VariantInput> = {}): VariantInput => ({ optionValues, sku: null, priceCents: 1000, compareAtCents: null, weightGrams: 200, ...fields })
const apparel = (variants: VariantInput[]): VariantSet => ({ options: [{ name: 'Size', values: ['S', 'M'] }, { name: 'Colour', values: ['Navy', 'Sand'] }], variants })

describe('variantSetErrors', () => {
  it('accepts every combination of two options, and a product without options with its one variant', () => {
    const all = ['S', 'M'].flatMap((size) => ['Navy', 'Sand'].map((colour) => variant([size, colour], { sku: `TEE-${size}-${colour}` })))
    expect(variantSetErrors(apparel(all))).toEqual({})
    expect(variantSetErrors({ options: [], variants: [variant([])] })).toEqual({})
  })

  it('refuses a 101st variant and a fourth option', () => {
    const values = Array.from({ length: 101 }, (_, i) => `v${i}`)
    const errors = variantSetErrors({ options: [{ name: 'Length', values }], variants: values.map((v) => variant([v])) })
    expect(errors.variants).toEqual(['at most 100 variants'])
    expect(variantSetErrors({ options: [{ name: 'Length', values: values.slice(0, 100) }], variants: values.slice(0, 100).map((v) => variant([v])) })).toEqual({})
    const four = ['A', 'B', 'C', 'D'].map((name) => ({ name, values: ['x'] }))
    expect(variantSetErrors({ options: four, variants: [variant(['x', 'x', 'x', 'x'])] }).options).toEqual(['at most 3 options'])
  })

  it('names the variant and field of each fault', () => {
    const errors = variantSetErrors(
      apparel([
        variant(['S', 'Navy'], { sku: 'TEE-1' }),
        variant(['S', 'Navy'], { sku: 'TEE-1' }),
        variant(['M']),
        variant(['M', 'Red']),
        variant(['M', 'Sand'], { priceCents: 10.5, compareAtCents: 5 }),
        variant(['S', 'Sand'], { priceCents: -1, weightGrams: -1 }),
      ]),
    )
    expect(errors).toEqual({
      'variants.1.option_values': ['the same combination as variant 0'],
      'variants.1.sku': ['the same SKU as variant 0'],
      'variants.2.option_values': ['one value for each of the 2 options'],
      'variants.3.option_values.1': ['"Red" is not a value of Colour'],
      'variants.4.price_cents': ['a whole number, 0 or more'],
      'variants.4.compare_at_cents': ['above the price'],
      'variants.5.price_cents': ['a whole number, 0 or more'],
      'variants.5.weight_grams': ['a whole number, 0 or more'],
    })
  })

  it('refuses no variant at all, an option named twice and a value listed twice', () => {
    expect(variantSetErrors({ options: [{ name: 'Size', values: ['S', 'S'] }, { name: 'size', values: [] }], variants: [] })).toEqual({
      'options.0.values': ['a value is listed twice'],
      'options.1.name': ['option "size" is named twice'],
      'options.1.values': ['at least one value'],
      variants: ['at least one variant'],
    })
  })
})
