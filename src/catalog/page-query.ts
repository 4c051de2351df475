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

/** The listing's parameters, and what was left out of them: each filter the shopper sent that could not be read, in words. */
export type ListingParse = { params: ProductListParams; problems: string[] }

/** The listing URL's names of the catalog's fields, for messages and for leaving a field out. */
const LISTING_NAME: Record<string, string> = { min_price: 'min', max_price: 'max' }
const FIELD_LABEL: Record<string, string> = { min: 'The min price', max: 'The max price', q: 'The search', category: 'The category', in_stock: 'In stock', sort: 'The sort order', page: 'The page', sku: 'The SKU' }
const labelOf = (key: string) => FIELD_LABEL[key] ?? (key.startsWith(OPTION_PARAM_PREFIX) ? `The ${key.slice(OPTION_PARAM_PREFIX.length)} filter` : `“${key}”`)

/**
 * Parses the listing URL's query into the catalog's parameters. A filter that cannot be read is left out
 * (the others stay) and named in `problems`, so that a mistyped price never loses the search and the
 * category; a rule between two fields (min above max) leaves out the first of them.
 */
export function parseListing(query: Record<string, string>): ListingParse {
  const problems: string[] = []
  const remaining = { ...query }
  for (let attempt = 0; attempt < 12; attempt++) {
    const listing = ListingQuery.safeParse(remaining)
    if (!listing.success) {
      for (const issue of listing.error.issues) {
        const key = String(issue.path[0] ?? '')
        if (!(key in remaining)) continue
        problems.push(`${labelOf(key)} “${remaining[key]}” ${issue.message}`)
        delete remaining[key]
      }
      continue
    }
    const { min, max, ...rest } = listing.data
    const input = Object.fromEntries(
      Object.entries({ ...rest, min_price: min === undefined ? undefined : String(min), max_price: max === undefined ? undefined : String(max), page_size: '24' })
        .filter(([, v]) => v !== undefined)
        .concat(optionEntries(remaining)),
    )
    const parsed = ProductListQuery.safeParse(input)
    if (parsed.success) return { params: parsed.data, problems }
    const left = new Set<string>()
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '')
      const key = LISTING_NAME[field] ?? field
      if (left.has(key) || !(key in remaining)) continue
      left.add(key)
      problems.push(`${labelOf(key)} “${remaining[key]}” ${issue.message}`)
      delete remaining[key]
    }
    if (left.size === 0) break
  }
  // Nothing readable: the unfiltered listing.
  const plain = ProductListQuery.safeParse({ page_size: '24' })
  if (!plain.success) throw new Error('the unfiltered listing does not parse')
  return { params: plain.data, problems: problems.length ? problems : ['The filters could not be read'] }
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
