/**
 * What the catalog API answers, as zod schemas: the types the code uses are inferred from them, and the
 * OpenAPI document (src/openapi) is generated from them, so the two cannot drift apart.
 */
import { z } from 'zod'
import { PAGE_FIELDS, PAGE_LINK_FIELDS } from '../platform/pagination'
import { STOCK_SHOWN_MAX } from './availability'

const Cents = z.int().min(0)
/** An ISO 8601 instant in UTC, as `Date.prototype.toISOString` writes it. */
export const Instant = z.iso.datetime()

const StockShown = z
  .int()
  .min(0)
  .max(STOCK_SHOWN_MAX)
  .describe(`Units that can be ordered now (on hand minus those held for unpaid orders), counted up to ${STOCK_SHOWN_MAX}: ${STOCK_SHOWN_MAX} means ${STOCK_SHOWN_MAX} or more`)
const InStock = z.boolean().describe('Whether at least one unit can be ordered now')

const ImageRef = z
  .object({
    url: z.string().describe('Path of the image on this origin (/images/…)'),
    alt: z.string(),
    width: z.int().nullable(),
    height: z.int().nullable(),
  })
  .meta({ id: 'ImageRef' })

/** The price range of the active variants and the highest compare-at price: "from $30", "Sale". */
const PRICE_RANGE = {
  price_min_cents: Cents.describe('The lowest price of the active variants (the "from" price; the same as price_cents)'),
  price_max_cents: Cents.describe('The highest price of the active variants'),
  compare_at_max_cents: Cents.nullable().describe('The highest compare-at ("was") price of the active variants, null when none has one: the product is on sale'),
}

export const ProductSummary = z
  .object({
    id: z.int(),
    slug: z.string(),
    name: z.string(),
    price_cents: Cents.describe('The lowest price of the active variants'),
    ...PRICE_RANGE,
    currency: z.string().describe('ISO 4217, upper case'),
    stock_quantity: StockShown.describe(`Units of the active variants that can be ordered now, counted up to ${STOCK_SHOWN_MAX}`),
    in_stock: InStock.describe('Whether some active variant can be ordered now'),
    image: ImageRef.nullable().describe('The first image, if any'),
    categories: z.array(z.string()).describe('Slugs of the categories, in alphabetical order'),
  })
  .meta({ id: 'ProductSummary' })
export type ProductSummary = z.infer<typeof ProductSummary>

export const ProductFacets = z
  .object({
    in_stock: z.int().describe('Matching products with a unit for sale'),
    prices: z.array(z.object({ min_cents: Cents, max_cents: Cents.nullable(), count: z.int() })).describe('Matching products by price range (both ends included; null: no upper end)'),
    categories: z
      .array(z.object({ slug: z.string(), name: z.string(), parent_id: z.int().nullable(), count: z.int() }))
      .describe('Categories holding matching products, each counted with everything below it (what `category=` filters on)'),
    options: z
      .array(z.object({ name: z.string(), values: z.array(z.object({ value: z.string(), count: z.int() })) }))
      .describe('Each option name (any case) with its values and the matching products that have an active variant of it'),
  })
  .meta({ id: 'ProductFacets' })
export type ProductFacets = z.infer<typeof ProductFacets>

export const SearchInfo = z
  .object({
    query: z.string().describe('What was searched for: the text sent, or its correction when that found what the text did not'),
    corrected_from: z.string().nullable().describe('The text sent, when nothing matched it and these are the results of its correction'),
    did_you_mean: z.string().nullable().describe('A correction of the text that finds more products than it did'),
    more_matches: z
      .boolean()
      .describe('More products match than a search answers: `total` is then its first 1,000 (the newest matches, ranked, with every exact name and SKU match); a word more or a filter narrows them'),
  })
  .meta({ id: 'SearchInfo' })
export type SearchInfo = z.infer<typeof SearchInfo>

export const ProductList = z
  .object({
    items: z.array(ProductSummary),
    ...PAGE_FIELDS,
    total: z.int().describe('Active products that match, on every page'),
    ...PAGE_LINK_FIELDS,
    next: z.string().nullable().describe('The next page as a path with its query, or null on the last'),
    search: SearchInfo.nullable().describe('For a search (`q`): what was searched for and any correction; null otherwise'),
    facets: ProductFacets.nullable().optional().describe('With `include=facets`: counts over every match, for filters; null when more than 2,000 products match, or a search matches more than it answers (`search.more_matches`): narrow the list to see them'),
  })
  .meta({ id: 'ProductList' })
export type ProductList = z.infer<typeof ProductList>

const ProductOption = z.object({ name: z.string(), values: z.array(z.string()) }).meta({ id: 'ProductOption' })

export const ProductVariant = z
  .object({
    id: z.int().describe('What a cart line names (`variant_id`)'),
    sku: z.string().nullable(),
    title: z.string().describe('The option values joined ("Navy / M"), "Default" for a product without options'),
    option_values: z.array(z.object({ name: z.string(), value: z.string() })).describe("The variant's value of each option, in the options' order"),
    price_cents: Cents,
    compare_at_cents: Cents.nullable().describe('The "was" price, above price_cents, or null'),
    stock_quantity: StockShown,
    in_stock: InStock,
    image: ImageRef.nullable().describe("The variant's own image (one of the product's), or null"),
    position: z.int(),
  })
  .meta({ id: 'ProductVariant' })
export type ProductVariant = z.infer<typeof ProductVariant>

export const ProductDetail = z
  .object({
    id: z.int(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    price_cents: Cents.describe('The lowest price of the active variants'),
    ...PRICE_RANGE,
    currency: z.string(),
    stock_quantity: StockShown.describe(`Units of the active variants that can be ordered now, counted up to ${STOCK_SHOWN_MAX}`),
    in_stock: InStock.describe('Whether some active variant can be ordered now'),
    created_at: Instant,
    updated_at: Instant,
    images: z.array(
      ImageRef.extend({
        content_type: z.string(),
        byte_size: z.int(),
        position: z.int(),
      }),
    ),
    categories: z.array(z.object({ id: z.int(), slug: z.string(), name: z.string(), parent_id: z.int().nullable() })),
    options: z.array(ProductOption).describe('The options (Size, Colour…) in order, each with its values in order; none for a product sold as one variant'),
    variants: z.array(ProductVariant).describe('The active variants in order; one ("Default", no option values) for a product without options'),
  })
  .meta({ id: 'ProductDetail' })
export type ProductDetail = z.infer<typeof ProductDetail>

export interface CategoryNode {
  id: number
  slug: string
  name: string
  position: number
  parent_id: number | null
  /** Active products in this category or any category below it, each counted once. */
  product_count: number
  children: CategoryNode[]
}

/** The tree is recursive: TypeScript cannot infer a type that refers to itself, so the interface above is the annotation. */
export const CategoryNode: z.ZodType<CategoryNode> = z
  .object({
    id: z.int(),
    slug: z.string(),
    name: z.string(),
    position: z.int(),
    parent_id: z.int().nullable(),
    product_count: z.int().describe('Active products in this category or any category below it, each counted once'),
    get children() {
      return z.array(CategoryNode)
    },
  })
  .meta({ id: 'CategoryNode' })

export const CategoryTree = z.array(CategoryNode).meta({ id: 'CategoryTree', description: 'The root categories, each with its children' })
