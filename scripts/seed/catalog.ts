import { count, getTableColumns, isNull, sql, type Column, type SQL, type Table } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core'
import { bumpCatalogVersion } from '../../src/catalog/cache'
import { categories, productCategories, productImages, productOptions, productOptionValues, products, productVariants, variantOptionValues, type NewCategory, type NewProduct, type NewProductImage } from '../../src/db/schema'
import { variantTitle } from '../../src/catalog/variants'
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

/**
 * Rows as one JSON parameter of an `INSERT … SELECT … FROM json_each(?)`: one statement per 1,000 rows
 * whatever their width, never near D1's 100 bound parameters (a multi-row VALUES insert fits 6 products
 * a statement: 17,000 statements for 100,000 products, against 100 this way).
 */
const JSON_ROWS_PER_STATEMENT = 1_000

/**
 * The insert statements of `rows` into `table`, a JSON chunk each. Every row names the same columns (by
 * their drizzle key); a column none names takes its SQL default.
 */
function jsonInserts<T extends object>(d1: D1Database, table: Table, rows: T[]): D1PreparedStatement[] {
  const first = rows[0]
  if (!first) return []
  const columns = getTableColumns(table)
  const keys = Object.keys(first).filter((key) => key in columns)
  const names = sql.join(keys.map((key) => sql.identifier((columns[key] as Column).name)), sql`, `)
  const fields = sql.join(keys.map((key) => sql.raw(`json_extract(value, '$.${key}')`)), sql`, `)
  // drizzle writes the SQL (quoting the names); D1 runs it, since drizzle's batch takes only its own builders.
  const { sql: text } = dialect.sqlToQuery(sql`insert into ${table} (${names}) select ${fields} from json_each(?)`)
  const statement = d1.prepare(text)
  const statements: D1PreparedStatement[] = []
  for (let i = 0; i < rows.length; i += JSON_ROWS_PER_STATEMENT) statements.push(statement.bind(JSON.stringify(rows.slice(i, i + JSON_ROWS_PER_STATEMENT))))
  return statements
}
const dialect = new SQLiteAsyncDialect()

export async function isCatalogEmpty(env: SeedBindings): Promise<boolean> {
  const [row] = await drizzle(env.DB).select({ n: count() }).from(products)
  return (row?.n ?? 0) === 0
}

/** Products written per D1 batch (one round trip, one transaction) with their variants, links and pictures. */
const PRODUCTS_PER_BATCH = 1_000

/** The planned rows of one batch's products (ids from..to), every child row with them. */
function batchOf(plan: ReturnType<typeof planCatalog>, imageRows: NewProductImage[], from: number, to: number, productOf: { option: Map<number, number>; variant: Map<number, number> }) {
  const inRange = (productId: number | undefined) => productId !== undefined && productId >= from && productId <= to
  return {
    products: plan.productRows.filter((p) => inRange(p.id)),
    options: plan.options.filter((o) => inRange(o.productId)),
    optionValues: plan.optionValues.filter((v) => inRange(productOf.option.get(v.optionId))),
    variants: plan.variants.filter((v) => inRange(v.productId)).map((v) => ({ ...v, weightGrams: 0, imageId: null, isActive: true, stockHeld: 0 })),
    variantValues: plan.variantValues.filter((v) => inRange(productOf.variant.get(v.variantId))),
    links: plan.links.filter((l) => inRange(l.productId)),
    images: imageRows.filter((i) => inRange(i.productId)),
  }
}

/**
 * Replaces the catalog with the deterministic demo one: categories, products, their links and their
 * pictures (stored in R2 under content-addressed keys; pictures no longer used are deleted).
 *
 * Rows go in 1,000 products a batch, each batch one transaction. A product's variants are written before
 * the product itself (foreign keys deferred to the batch's commit): migration 0011's triggers then find no
 * product to refresh at each variant, where written after it they rewrote the product row once per
 * variant (17 times for a jacket in 4 colours and 4 sizes); the default variant migration 0009's trigger
 * gives the product on insert is deleted in the same batch. Measured at 100,000 products (468,000
 * variants): 135 s before, see the README's benchmark section for after.
 */
export async function seedCatalog(env: SeedBindings, { products: productCount = 200, onProgress }: SeedOptions = {}) {
  const plan = planCatalog(productCount)

  // Pictures first, so that no product row ever points at a missing object.
  const keys = new Set<string>()
  const imageRows: NewProductImage[] = []
  const stored = new Map<string, number>()
  // A large catalog shares a pool of pictures: each one drawn, hashed and stored once, however many products show it.
  const drawn = new Map<string, { r2Key: string; byteSize: number }>()
  for (const { spec, ...row } of plan.images) {
    const specKey = JSON.stringify(spec)
    let picture = drawn.get(specKey)
    if (!picture) {
      const bytes = new TextEncoder().encode(productSvg(spec))
      const r2Key = `products/${await sha256Hex(bytes)}.svg`
      if (!stored.has(r2Key)) {
        await env.IMAGES.put(r2Key, bytes, { httpMetadata: { contentType: 'image/svg+xml' } })
        stored.set(r2Key, bytes.length)
      }
      drawn.set(specKey, (picture = { r2Key, byteSize: bytes.length }))
    }
    keys.add(picture.r2Key)
    imageRows.push({ ...row, ...picture })
  }

  const total = productCount
  onProgress?.(0, total)
  const run = (query: SQL) => {
    const { sql: text, params } = dialect.sqlToQuery(query)
    return env.DB.prepare(text).bind(...params)
  }
  await env.DB.batch([
    run(sql`delete from ${productImages}`),
    run(sql`delete from ${productCategories}`),
    run(sql`delete from ${products}`),
    run(sql`delete from ${categories}`),
    ...jsonInserts(env.DB, categories, plan.categoryRows),
  ])
  const productOf = {
    option: new Map(plan.options.map((o) => [o.id, o.productId])),
    variant: new Map(plan.variants.map((v) => [v.id, v.productId])),
  }
  const deferForeignKeys = env.DB.prepare('PRAGMA defer_foreign_keys = on')
  for (let from = 1; from <= productCount; from += PRODUCTS_PER_BATCH) {
    const to = Math.min(from + PRODUCTS_PER_BATCH - 1, productCount)
    const rows = batchOf(plan, imageRows, from, to, productOf)
    await env.DB.batch([
      deferForeignKeys,
      ...jsonInserts(env.DB, productOptions, rows.options),
      ...jsonInserts(env.DB, productOptionValues, rows.optionValues),
      ...jsonInserts(env.DB, productVariants, rows.variants),
      ...jsonInserts(env.DB, variantOptionValues, rows.variantValues),
      ...jsonInserts(env.DB, products, rows.products),
      // The default variants the products' insert trigger made: the planned ones all have a SKU, these none.
      run(sql`delete from ${productVariants} where ${productVariants.productId} between ${from} and ${to} and ${productVariants.sku} is null`),
      // Those writes moved updated_at (a trigger's "touch"): back to the plan's, as the catalog is deterministic.
      run(sql`update ${products} set ${sql.identifier('updated_at')} = ${sql.identifier('created_at')} where ${products.id} between ${from} and ${to} and ${sql.identifier('updated_at')} <> ${sql.identifier('created_at')}`),
      ...jsonInserts(env.DB, productCategories, rows.links),
      ...jsonInserts(env.DB, productImages, rows.images),
    ])
    onProgress?.(Math.min(to, total - 1), total)
  }

  // Apparel: each variant shows the picture of its colour (the product's shot i is its colour i, in planCatalog).
  await drizzle(env.DB)
    .update(productVariants)
    .set({
      imageId: sql`(select pi.id from product_images pi join variant_option_values vov on vov.variant_id = product_variants.id join product_options po on po.id = vov.option_id and po.name = 'Colour' join product_option_values pov on pov.id = vov.option_value_id where pi.product_id = product_variants.product_id and pi.position = pov.position)`,
    })
    .where(isNull(productVariants.imageId))
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
