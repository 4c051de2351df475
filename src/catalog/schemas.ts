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

export const ProductListQuery = z
  .strictObject(
    {
      page: wholeNumber(1, PAGE_MAX).default(1),
      page_size: wholeNumber(1, PAGE_SIZE_MAX).default(PAGE_SIZE_DEFAULT),
      category: slugSchema.optional(),
      min_price: wholeNumber(0, PRICE_CENTS_MAX).optional(),
      max_price: wholeNumber(0, PRICE_CENTS_MAX).optional(),
      in_stock: booleanFlag.optional(),
      q: searchText.optional(),
      sort: z.enum(SORTS, `must be one of ${SORTS.join(', ')}`).optional(),
    },
  )
  .transform(({ q, ...rest }) => ({ ...rest, q: q || undefined }))
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
}

/** `/api/products/:idOrSlug`: a positive integer id, or a slug (which always holds a letter). */
export const ProductKeyParam = z.object({
  idOrSlug: z.union([z.string().regex(/^[1-9]\d{0,15}$/).transform(Number), slugSchema], 'must be a product id or slug'),
})
