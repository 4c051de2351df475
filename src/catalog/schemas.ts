import { z } from 'zod'
import { wholeNumber } from '../platform/params'

export const PAGE_SIZE_DEFAULT = 20
const PAGE_SIZE_MAX = 100
const PAGE_MAX = 10_000
const SEARCH_MAX_CHARS = 200
/** Ten million in the currency's major unit: far above any price, low enough to stay an exact integer. */
const PRICE_CENTS_MAX = 1_000_000_000

export const SORTS = ['price', '-price', 'name', 'newest', 'relevance'] as const
export type ProductSort = (typeof SORTS)[number]

export const slugSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9-]*[a-z][a-z0-9-]*$/, 'must be a slug: lower-case letters, digits and hyphens')

const booleanFlag = z.enum(['true', 'false', '1', '0'], 'must be true or false').transform((v) => v === 'true' || v === '1')

/**
 * The words a search text stands for: runs of letters and digits after NFKC normalisation, lower-cased.
 * The one tokeniser of search text: the schema below refuses a text without any, and the FTS query is made
 * of them, so a text that normalises to nothing (a lone U+FE76 becomes a space and a combining mark)
 * never reaches FTS5 as an empty MATCH.
 */
export const searchWords = (text: string): string[] => text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []

/**
 * Search text: words only. Characters with meaning to FTS5 (quotes, parentheses, `*`, `:`, `^`, `+`)
 * are refused with a 400 rather than silently dropped, so that a client never gets results for a
 * query other than the one it sent.
 */
const searchText = z
  .string()
  .max(SEARCH_MAX_CHARS, `must be at most ${SEARCH_MAX_CHARS} characters`)
  .regex(/^[\p{L}\p{N}\p{Zs}\-'’.,&/]*$/u, 'may contain only letters, digits, spaces and - \' . , & /')
  .transform((s) => s.trim())
  .refine((s) => s === '' || searchWords(s).length > 0, 'must contain a letter or a digit')

/** `option.<name>=<value>` in a list query: the option's name (any case) and one of its values, exactly. */
export const OPTION_PARAM_PREFIX = 'option.'
/** A product has at most this many options, so a query naming more could match nothing: refused instead. */
const OPTION_FILTERS_MAX = 3
const OPTION_TEXT_MAX = 100

/** One `option.<name>=<value>` filter; `name` lower-cased (ASCII, as SQLite's lower() does), so "Colour" and "colour" are one option. */
export interface OptionFilter {
  name: string
  value: string
}

const lowerAscii = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase())

const LIST_FIELDS = {
  page: wholeNumber(1, PAGE_MAX).default(1),
  page_size: wholeNumber(1, PAGE_SIZE_MAX).default(PAGE_SIZE_DEFAULT),
  category: slugSchema.optional(),
  min_price: wholeNumber(0, PRICE_CENTS_MAX).optional(),
  max_price: wholeNumber(0, PRICE_CENTS_MAX).optional(),
  in_stock: booleanFlag.optional(),
  q: searchText.optional(),
  sort: z.enum(SORTS, `must be one of ${SORTS.join(', ')}`).optional(),
  sku: z.string().min(1).max(OPTION_TEXT_MAX).optional().describe('A variant SKU, exactly: the product that has it'),
  include: z.enum(['facets'], 'must be facets').optional().describe('`facets`: the answer carries counts over every match (categories, price ranges, option values, in stock)'),
}

/**
 * The list query. Besides the named fields, any number (up to 3) of `option.<name>=<value>` parameters:
 * products with an active variant of that value for that option, all of them at once; every other
 * unknown parameter is refused, as by a strict object.
 */
/**
 * Unknown keys are refused before the object is parsed, on the input itself: an object schema with a
 * catchall copies its input, and a copy loses an own key named "__proto__" (assigning it sets the prototype).
 * A preprocess is documented as the schema it feeds, so the OpenAPI parameters stay those of LIST_FIELDS.
 */
const refuseUnknownKeys = (input: unknown, ctx: z.core.$RefinementCtx) => {
  if (typeof input !== 'object' || input === null) return input
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(LIST_FIELDS, key) && !key.startsWith(OPTION_PARAM_PREFIX)) ctx.addIssue({ code: 'custom', path: [key], message: 'is not a known field', input })
  }
  return input
}

export const ProductListQuery = z
  .preprocess(refuseUnknownKeys, z.object(LIST_FIELDS).catchall(z.string()))
  .superRefine((v, ctx) => {
    const seen = new Set<string>()
    for (const [key, value] of Object.entries(v)) {
      if (Object.hasOwn(LIST_FIELDS, key) || !key.startsWith(OPTION_PARAM_PREFIX)) continue
      const name = key.slice(OPTION_PARAM_PREFIX.length)
      if (name.length < 1 || name.length > OPTION_TEXT_MAX) ctx.addIssue({ code: 'custom', path: [key], message: `the option's name must be 1 to ${OPTION_TEXT_MAX} characters` })
      if (typeof value !== 'string' || value.length < 1 || value.length > OPTION_TEXT_MAX) ctx.addIssue({ code: 'custom', path: [key], message: `must be a value of 1 to ${OPTION_TEXT_MAX} characters` })
      if (seen.has(lowerAscii(name))) ctx.addIssue({ code: 'custom', path: [key], message: 'names an option already filtered on' })
      seen.add(lowerAscii(name))
    }
    if (seen.size > OPTION_FILTERS_MAX) ctx.addIssue({ code: 'custom', path: ['option'], message: `at most ${OPTION_FILTERS_MAX} option filters (a product has at most ${OPTION_FILTERS_MAX} options)` })
  })
  .transform((v) => {
    const { page, page_size, category, min_price, max_price, in_stock, q, sort, sku, include } = v as z.infer<z.ZodObject<typeof LIST_FIELDS>>
    const options = Object.entries(v)
      .filter(([key]) => key.startsWith(OPTION_PARAM_PREFIX) && !Object.hasOwn(LIST_FIELDS, key))
      .map(([key, value]) => ({ name: lowerAscii(key.slice(OPTION_PARAM_PREFIX.length)), value: String(value) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    return { page, page_size, category, min_price, max_price, in_stock, q: q || undefined, sort, sku, options, facets: include === 'facets' }
  })
  .superRefine((v, ctx) => {
    if (v.min_price !== undefined && v.max_price !== undefined && v.min_price > v.max_price) {
      ctx.addIssue({ code: 'custom', path: ['min_price'], message: 'must not be greater than max_price' })
    }
    if (v.sort === 'relevance' && !v.q) {
      ctx.addIssue({ code: 'custom', path: ['sort'], message: 'relevance needs a search text in q' })
    }
  })
  .transform((v) => ({ ...v, sort: v.sort ?? (v.q ? 'relevance' : 'newest') }) as ProductListParams)

export interface ProductListParams {
  page: number
  page_size: number
  category?: string
  min_price?: number
  max_price?: number
  in_stock?: boolean
  q?: string
  sort: ProductSort
  /** A variant's SKU, exactly. */
  sku?: string
  /** `option.<name>=<value>` filters, by name; empty for none. With any (or a SKU), stock and price apply to the matching variants. */
  options: OptionFilter[]
  /** `include=facets`: the answer carries the facets of every match. */
  facets?: boolean
}

/** Whether the list filters by variant (options or SKU): then stock and price are those of the matching variants. */
export const filtersVariants = (params: ProductListParams) => params.options.length > 0 || params.sku !== undefined

/** `/api/products/:idOrSlug`: a positive integer id, or a slug (which always holds a letter). */
export const ProductKeyParam = z.object({
  idOrSlug: z.union([z.string().regex(/^[1-9]\d{0,15}$/).transform(Number), slugSchema], 'must be a product id or slug'),
})
