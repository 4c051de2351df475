import { count, isNull, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { drizzle } from 'drizzle-orm/d1'
import { bumpCatalogVersion } from '../../src/catalog/cache'
import * as schema from '../../src/db/schema'
import { categories, productCategories, productImages, productOptions, productOptionValues, products, productVariants, variantOptionValues, type NewCategory, type NewProduct, type NewProductImage } from '../../src/db/schema'
import { variantTitle } from '../../src/catalog/variants'
import { chunkRows } from '../../src/db/client'
import { sha256Hex } from '../../src/platform/encoding'
import { slugify } from '../../src/platform/slug'
import { IMAGE_SIZE, productSvg, type ImageSpec } from './images'
import { COLLECTIONS, COLOUR_HEX, pictureColour, PRODUCT_TYPES } from './names'

/** The bindings the seed writes to: the Worker's own, or Miniflare's/wrangler's proxies of them. */
export type SeedBindings = Pick<Env, 'DB' | 'IMAGES' | 'CACHE'>

export interface SeedOptions {
  products?: number
  /** Called as rows are written, for a progress bar. */
  onProgress?: (done: number, total: number) => void
}

interface Leaf {
  slug: string
  name: string
  priceCents: [number, number]
}

const TREE: { slug: string; name: string; children: Leaf[] }[] = [
  {
    slug: 'kitchen',
    name: 'Home & Kitchen',
    children: [
      { slug: 'cookware', name: 'Cookware', priceCents: [2400, 24000] },
      { slug: 'tableware', name: 'Tableware', priceCents: [900, 8900] },
      { slug: 'coffee-tea', name: 'Coffee & Tea', priceCents: [700, 16000] },
    ],
  },
  {
    slug: 'apparel',
    name: 'Apparel',
    children: [
      { slug: 'tops', name: 'Tops', priceCents: [1900, 12000] },
      { slug: 'outerwear', name: 'Outerwear', priceCents: [5900, 39000] },
    ],
  },
  {
    slug: 'outdoors',
    name: 'Outdoors',
    children: [
      { slug: 'camping', name: 'Camping', priceCents: [1500, 45000] },
      { slug: 'cycling', name: 'Cycling', priceCents: [1200, 18000] },
    ],
  },
  {
    slug: 'electronics',
    name: 'Electronics',
    children: [
      { slug: 'audio', name: 'Audio', priceCents: [2900, 59000] },
    ],
  },
  { slug: 'gifts', name: 'Gift Ideas', children: [] },
]

const FEATURES = [
  'Built to last for years of daily use.',
  'Designed in a small studio and made in limited runs.',
  'Easy to clean and lighter than it looks.',
  'Pairs well with the rest of the collection.',
  'Comes with a two-year warranty.',
  'A favourite of our staff this season.',
  'Water-resistant finish that ages gracefully.',
  'Made from responsibly sourced materials.',
]
const SHOTS = ['front view', 'detail', 'in use']
/** Fixed, so that the demo catalog (dates included) is the same on every machine. */
const EPOCH_MS = Date.UTC(2026, 0, 1)
const HOUR_MS = 3_600_000

/** mulberry32: a tiny seeded PRNG, so the catalog is deterministic. */
function random(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}



interface PlannedImage extends Omit<NewProductImage, 'r2Key' | 'byteSize'> {
  spec: ImageSpec
}

/** Apparel is sold in sizes and colours; everything else (mugs, tents…) as one default variant. */
const APPAREL = new Set(['tops', 'outerwear'])
const SIZES: Record<string, string[]> = { tops: ['XS', 'S', 'M', 'L', 'XL'], outerwear: ['S', 'M', 'L', 'XL'] }
const COLOURS: [string, string][] = [
  ['Navy', 'NAV'],
  ['Black', 'BLK'],
  ['Heather Grey', 'HGR'],
  ['Forest', 'FOR'],
  ['Sand', 'SND'],
  ['White', 'WHT'],
]
/** The product the browser test buys, "Navy / M": always there (product 4, the first top), always in stock. */
export const HARBOR_TEE = { id: 4, name: 'Harbor Tee', slug: 'harbor-tee', colours: ['Navy', 'Black', 'Heather Grey', 'Sand'] }

interface PlannedOption {
  id: number
  productId: number
  name: string
  position: number
}
interface PlannedOptionValue {
  id: number
  optionId: number
  value: string
  position: number
}
interface PlannedVariant {
  id: number
  productId: number
  sku: string
  title: string
  priceCents: number
  compareAtCents: number | null
  position: number
  stockQuantity: number
}
interface PlannedVariantValue {
  variantId: number
  optionId: number
  optionValueId: number
}

/**
 * A product's options and variants. Its own PRNG (seeded by the product id) so that the products' plan is
 * the same as before variants. Sizes from XL up cost 3 more; about one variant in eight is sold out and
 * one product in four is on sale (a compare-at price on every variant).
 */
function planVariants(id: number, leafSlug: string, basePriceCents: number, baseStock: number, ids: { option: number; value: number; variant: number }) {
  const rand = random(id * 7919 + 17)
  const options: PlannedOption[] = []
  const values: PlannedOptionValue[] = []
  const variants: PlannedVariant[] = []
  const variantValues: PlannedVariantValue[] = []
  const code = `CS-${String(id).padStart(5, '0')}`
  if (!APPAREL.has(leafSlug)) {
    variants.push({ id: ++ids.variant, productId: id, sku: code, title: variantTitle([]), priceCents: basePriceCents, compareAtCents: null, position: 0, stockQuantity: baseStock })
    return { options, values, variants, variantValues }
  }
  const sizes = SIZES[leafSlug] ?? []
  const colours =
    id === HARBOR_TEE.id
      ? COLOURS.filter(([name]) => HARBOR_TEE.colours.includes(name))
      : COLOURS.map((c) => [c, rand()] as const)
          .sort((a, b) => a[1] - b[1])
          .slice(0, 3 + Math.floor(rand() * 2))
          .map(([c]) => c)
  const onSale = id !== HARBOR_TEE.id && rand() < 0.25
  // Colour first, then size: variants read "Navy / M", as shops name them.
  const colour: PlannedOption = { id: ++ids.option, productId: id, name: 'Colour', position: 0 }
  const size: PlannedOption = { id: ++ids.option, productId: id, name: 'Size', position: 1 }
  options.push(colour, size)
  const colourValues = colours.map(([value], position) => ({ id: ++ids.value, optionId: colour.id, value, position }))
  const sizeValues = sizes.map((value, position) => ({ id: ++ids.value, optionId: size.id, value, position }))
  values.push(...colourValues, ...sizeValues)
  colourValues.forEach((c, ci) => {
    sizeValues.forEach((z, zi) => {
      const priceCents = basePriceCents + (z.value === 'XL' ? 300 : 0)
      const harborNavyM = id === HARBOR_TEE.id && c.value === 'Navy' && z.value === 'M'
      const stockQuantity = harborNavyM ? 25 : rand() < 0.125 ? 0 : 1 + Math.floor(rand() * 30)
      const variant: PlannedVariant = {
        id: ++ids.variant,
        productId: id,
        sku: `${code}-${colours[ci]?.[1]}-${z.value}`,
        title: variantTitle([c.value, z.value]),
        priceCents,
        compareAtCents: onSale ? Math.round((priceCents * 1.25) / 100) * 100 - 1 : null,
        position: variants.length,
        stockQuantity,
      }
      variants.push(variant)
      variantValues.push({ variantId: variant.id, optionId: colour.id, optionValueId: c.id }, { variantId: variant.id, optionId: size.id, optionValueId: z.id })
    })
  })
  return { options, values, variants, variantValues }
}

/** The whole catalog as rows, computed without touching storage. */
export function planCatalog(productCount: number) {
  const rand = random(20260101)
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)] as T
  const categoryRows: NewCategory[] = []
  const leaves: (Leaf & { id: number })[] = []
  let categoryId = 0
  TREE.forEach((root, rootIndex) => {
    const rootId = ++categoryId
    categoryRows.push({ id: rootId, slug: root.slug, name: root.name, parentId: null, position: rootIndex })
    root.children.forEach((leaf, leafIndex) => {
      const id = ++categoryId
      categoryRows.push({ id, slug: leaf.slug, name: leaf.name, parentId: rootId, position: leafIndex })
      leaves.push({ ...leaf, id })
    })
  })
  const giftsId = categoryRows.find((c) => c.slug === 'gifts')?.id as number
  // Large catalogs reuse a pool of pictures (content addressing stores each once) to keep seeding fast.
  const pooled = productCount > 1000

  const productRows: NewProduct[] = []
  const links: { productId: number; categoryId: number }[] = []
  const images: PlannedImage[] = []
  const options: PlannedOption[] = []
  const optionValues: PlannedOptionValue[] = []
  const variants: PlannedVariant[] = []
  const variantValues: PlannedVariantValue[] = []
  const ids = { option: 0, value: 0, variant: 0 }
  const seen = new Map<string, number>()
  for (let i = 0; i < productCount; i++) {
    const id = i + 1
    const leaf = leaves[i % leaves.length] as Leaf & { id: number }
    // Names that make sense per department (scripts/seed/names.ts): a collection, a material that suits the type, the type.
    const collection = pick(COLLECTIONS)
    const drawnType = pick(PRODUCT_TYPES[leaf.slug] ?? [])
    // The Harbor Tee is a T-shirt whatever the draw (the draw still happens, so the rest of the plan stays put).
    const type = id === HARBOR_TEE.id ? (PRODUCT_TYPES.tops?.[0] ?? drawnType) : drawnType
    const material = pick(type.materials)
    const drawn = `${collection} ${material} ${type.noun}`
    const name = id === HARBOR_TEE.id ? HARBOR_TEE.name : drawn
    const base = slugify(name)
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    const [low, high] = leaf.priceCents
    const priceCents = Math.round((low + rand() * (high - low)) / 100) * 100 - 1
    const createdAt = EPOCH_MS + i * 7 * HOUR_MS + Math.floor(rand() * HOUR_MS)
    const description = `${name}. ${material} ${type.noun.toLowerCase()} from the ${collection} collection. ${pick(FEATURES)} ${pick(FEATURES)}`
    const stockQuantity = rand() < 0.08 ? 0 : 1 + Math.floor(rand() * 120)
    const isActive = id === HARBOR_TEE.id || rand() >= 0.04
    const planned = planVariants(id, leaf.slug, priceCents, stockQuantity, ids)
    options.push(...planned.options)
    optionValues.push(...planned.values)
    variants.push(...planned.variants)
    variantValues.push(...planned.variantValues)
    productRows.push({
      id,
      name,
      slug: n === 1 ? base : `${base}-${n}`,
      description,
      // What migration 0010's triggers make of the variants: the lowest price, the highest, the highest compare-at, the stock summed.
      priceCents: Math.min(...planned.variants.map((v) => v.priceCents)),
      priceMaxCents: Math.max(...planned.variants.map((v) => v.priceCents)),
      compareAtMaxCents: planned.variants[0]?.compareAtCents === null ? null : Math.max(...planned.variants.map((v) => v.compareAtCents ?? 0)),
      currency: 'USD',
      stockQuantity: planned.variants.reduce((sum, v) => sum + v.stockQuantity, 0),
      // Named so that chunkRows counts them: drizzle binds a column's default as a parameter too.
      stockHeld: 0,
      taxClass: 'standard',
      availableUnits: planned.variants.reduce((sum, v) => sum + v.stockQuantity, 0),
      isActive,
      createdAt,
      updatedAt: createdAt,
    })
    links.push({ productId: id, categoryId: leaf.id })
    if (rand() < 0.2) links.push({ productId: id, categoryId: giftsId })
    // Apparel is pictured in its colours (one shot each, in order); everything else in its material's colour.
    const colourOption = planned.options.find((o) => o.name === 'Colour')
    const colours = planned.values.filter((v) => v.optionId === colourOption?.id).map((v) => COLOUR_HEX[v.value] ?? '#2f5d50')
    const pictured = pictureColour(material, pooled ? (i % 12) / 12 : rand())
    const shots = 1 + Math.floor(rand() * 3)
    for (let shot = 0; shot < shots; shot++) {
      images.push({
        productId: id,
        altText: colours[shot] ? `${name} in ${planned.values.filter((v) => v.optionId === colourOption?.id)[shot]?.value}, ${SHOTS[shot]}` : `${name}, ${SHOTS[shot]}`,
        position: shot,
        contentType: 'image/svg+xml',
        width: IMAGE_SIZE,
        height: IMAGE_SIZE,
        spec: { shape: type.shape, colour: colours[shot] ?? pictured, shot },
      })
    }
  }
  return { categoryRows, productRows, links, images, options, optionValues, variants, variantValues }
}

/** Rows as one JSON parameter of an `INSERT … SELECT … FROM json_each(?)`: a statement per 500 rows whatever their width, never near D1's 100 parameters. */
const JSON_ROWS_PER_STATEMENT = 500
function jsonChunks<T>(rows: T[]): string[] {
  const chunks: string[] = []
  for (let i = 0; i < rows.length; i += JSON_ROWS_PER_STATEMENT) chunks.push(JSON.stringify(rows.slice(i, i + JSON_ROWS_PER_STATEMENT)))
  return chunks
}

/** The statements that write the planned options, values, variants and their values (after the products, which made default variants: replaced). */
function variantStatements(db: ReturnType<typeof drizzle<typeof schema>>, plan: ReturnType<typeof planCatalog>): BatchItem<'sqlite'>[] {
  const field = (name: string) => sql.raw(`json_extract(value, '$.${name}')`)
  // insert … select names every column of the table, in the table's order: the selects answer them all.
  return [
    db.delete(productVariants),
    ...jsonChunks(plan.options).map((rows) => db.insert(productOptions).select(sql`select ${field('id')}, ${field('productId')}, ${field('name')}, ${field('position')} from json_each(${rows})`)),
    ...jsonChunks(plan.optionValues).map((rows) =>
      db.insert(productOptionValues).select(sql`select ${field('id')}, ${field('optionId')}, ${field('value')}, ${field('position')} from json_each(${rows})`),
    ),
    ...jsonChunks(plan.variants).map((rows) =>
      db
        .insert(productVariants)
        .select(
          sql`select ${field('id')}, ${field('productId')}, ${field('sku')}, ${field('title')}, ${field('priceCents')}, ${field('compareAtCents')}, 0, null, 1, ${field('position')}, ${field('stockQuantity')}, 0 from json_each(${rows})`,
        ),
    ),
    ...jsonChunks(plan.variantValues).map((rows) =>
      db.insert(variantOptionValues).select(sql`select ${field('variantId')}, ${field('optionId')}, ${field('optionValueId')} from json_each(${rows})`),
    ),
  ]
}

export async function isCatalogEmpty(env: SeedBindings): Promise<boolean> {
  const [row] = await drizzle(env.DB).select({ n: count() }).from(products)
  return (row?.n ?? 0) === 0
}

/**
 * Replaces the catalog with the deterministic demo one: categories, products, their links and their
 * pictures (stored in R2 under content-addressed keys; pictures no longer used are deleted).
 */
export async function seedCatalog(env: SeedBindings, { products: productCount = 200, onProgress }: SeedOptions = {}) {
  const db = drizzle(env.DB, { schema })
  const plan = planCatalog(productCount)

  // Pictures first, so that no product row ever points at a missing object.
  const keys = new Set<string>()
  const imageRows: NewProductImage[] = []
  const stored = new Map<string, number>()
  const statements: BatchItem<'sqlite'>[] = [
    ...chunkRows(plan.categoryRows, 0, categories).map((rows) => db.insert(categories).values(rows)),
    ...chunkRows(plan.productRows, 0, products).map((rows) => db.insert(products).values(rows)),
    ...variantStatements(db, plan),
    ...chunkRows(plan.links, 0, productCategories).map((rows) => db.insert(productCategories).values(rows)),
  ]
  // The picture rows' statements are counted once the pictures are stored; the bar may jump at the end.
  const total = plan.images.length + statements.length
  let done = 0
  for (const { spec, ...row } of plan.images) {
    const bytes = new TextEncoder().encode(productSvg(spec))
    const r2Key = `products/${await sha256Hex(bytes)}.svg`
    if (!stored.has(r2Key)) {
      await env.IMAGES.put(r2Key, bytes, { httpMetadata: { contentType: 'image/svg+xml' } })
      stored.set(r2Key, bytes.length)
    }
    keys.add(r2Key)
    imageRows.push({ ...row, r2Key, byteSize: bytes.length })
    onProgress?.(++done, total)
  }
  statements.push(...chunkRows(imageRows, 0, productImages).map((rows) => db.insert(productImages).values(rows)))
  // Apparel: each variant shows the picture of its colour (the product's shot i is its colour i, in planCatalog).
  statements.push(
    db
      .update(productVariants)
      .set({
        imageId: sql`(select pi.id from product_images pi join variant_option_values vov on vov.variant_id = product_variants.id join product_options po on po.id = vov.option_id and po.name = 'Colour' join product_option_values pov on pov.id = vov.option_value_id where pi.product_id = product_variants.product_id and pi.position = pov.position)`,
      })
      .where(isNull(productVariants.imageId)),
  )

  await db.batch([db.delete(productImages), db.delete(productCategories), db.delete(products), db.delete(categories)])
  // Many statements per batch: each batch is one D1 round trip.
  for (let i = 0; i < statements.length; i += 50) {
    const slice = statements.slice(i, i + 50) as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]
    await db.batch(slice)
    done += slice.length
    onProgress?.(Math.min(done, total - 1), total)
  }

  await deleteUnusedImages(env, keys)
  await bumpCatalogVersion(env as Env)
  onProgress?.(total, total)
  return { categories: plan.categoryRows.length, products: plan.productRows.length, images: imageRows.length, objects: stored.size }
}

async function deleteUnusedImages(env: SeedBindings, keep: Set<string>) {
  let cursor: string | undefined
  do {
    const page = await env.IMAGES.list({ prefix: 'products/', cursor })
    const unused = page.objects.map((o) => o.key).filter((key) => !keep.has(key))
    if (unused.length > 0) await env.IMAGES.delete(unused)
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor)
}
