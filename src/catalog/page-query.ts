/**
 * The shop's listing URL (`/products?category=…&q=…&min=12.50&max=40&in_stock=1&option.size=M&sort=price&page=2`)
 * to and from the catalog's query. Prices are typed in the currency's major unit on the page and
 * become integer cents here, with no float arithmetic.
 */
import { z } from 'zod'
import { centsToDecimal, optionalDecimalPrice } from '../platform/money'
import { withQuery } from '../platform/query-string'
import { OPTION_PARAM_PREFIX, ProductListQuery, searchWords, type ProductListParams } from './schemas'

export { centsToDecimal }

const price = optionalDecimalPrice()

/**
 * What the listing page accepts; searches are cleaned of characters that mean something to FTS rather than
 * refused, and a search with no words left (only marks or symbols, or nothing after NFKC) is no search:
 * the unfiltered listing.
 */
const ListingQuery = z.object({
  q: z
    .string()
    .optional()
    .transform((q) => q?.normalize('NFKC').replace(/[^\p{L}\p{N}\p{Zs}\-'’.,&/]/gu, ' ').replace(/\s+/g, ' ').trim())
    .transform((q) => q && [...q].slice(0, 200).join(''))
    .transform((q) => (q && searchWords(q).length > 0 ? q : undefined)),
  category: z.string().optional().transform((v) => v || undefined),
  min: price,
  max: price,
  in_stock: z.string().optional().transform((v) => (v === '1' || v === 'true' || v === 'on' ? 'true' : undefined)),
  sort: z.string().optional().transform((v) => v || undefined),
  page: z.string().optional().transform((v) => v || undefined),
  sku: z.string().optional().transform((v) => v || undefined),
})

/** The listing's `option.<name>=<value>` parameters as sent, empty values (a select left at "Any") dropped. */
const optionEntries = (query: Record<string, string>) => Object.entries(query).filter(([key, value]) => key.startsWith(OPTION_PARAM_PREFIX) && value !== '')

export type ListingParse = { ok: true; params: ProductListParams } | { ok: false; problems: string[] }

/** Parses the listing URL's query into the catalog's parameters, or readable problems. */
export function parseListing(query: Record<string, string>): ListingParse {
  const listing = ListingQuery.safeParse(query)
  if (!listing.success) return { ok: false, problems: listing.error.issues.map((i) => `${i.path.join('.')} ${i.message}`) }
  const { min, max, ...rest } = listing.data
  const input = Object.fromEntries(
    Object.entries({ ...rest, min_price: min === undefined ? undefined : String(min), max_price: max === undefined ? undefined : String(max), page_size: '24' })
      .filter(([, v]) => v !== undefined)
      .concat(optionEntries(query)),
  )
  const parsed = ProductListQuery.safeParse(input)
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${String(i.path[0] ?? 'query').replace(OPTION_PARAM_PREFIX, 'option ').replace('_price', '').replace(/^min$/, 'min price').replace(/^max$/, 'max price')} ${i.message}`) }
  }
  return { ok: true, params: parsed.data }
}

/** The listing URL for `params` (only what differs from the defaults), optionally at another page. */
export function listingUrl(params: ProductListParams, page = params.page): string {
  return withQuery('/products', {
    q: params.q,
    category: params.category,
    min: params.min_price === undefined ? undefined : centsToDecimal(params.min_price),
    max: params.max_price === undefined ? undefined : centsToDecimal(params.max_price),
    in_stock: params.in_stock ? 1 : undefined,
    sku: params.sku,
    ...Object.fromEntries(params.options.map(({ name, value }) => [`${OPTION_PARAM_PREFIX}${name}`, value])),
    sort: params.sort !== (params.q ? 'relevance' : 'newest') ? params.sort : undefined,
    page: page !== 1 ? page : undefined,
  })
}
