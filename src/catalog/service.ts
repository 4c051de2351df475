import { getDb, type Db } from '../db/client'
import { notFound } from '../platform/errors'
import { pageInfo, pageLinks } from '../platform/pagination'
import { queryString, withQuery, type QueryValue } from '../platform/query-string'
import { cachedJson } from './cache'
import { selectCategoryTree, selectProduct, selectProductPage, subtreeIds } from './queries'
import type { CategoryNode, ProductList, SearchInfo } from './responses'
import { correctedQuery } from './search'
import { filtersVariants, OPTION_PARAM_PREFIX, PAGE_SIZE_DEFAULT, type ProductListParams } from './schemas'

/** What the API and the pages get back from the catalog: the JSON text (as cached) and where it came from. */
export type Cached = Awaited<ReturnType<typeof cachedJson>>
type WaitUntil = (promise: Promise<unknown>) => void

export type { ProductList }

/** The `option.<name>=<value>` filters as query parameters, by name (lower-cased): one key per listing. */
const optionParams = (params: ProductListParams): Record<string, QueryValue> =>
  Object.fromEntries(params.options.map(({ name, value }) => [`${OPTION_PARAM_PREFIX}${name}`, value]))

/** Only the parameters that differ from their defaults, in a fixed order: the cache key and the links. */
function canonicalParams(params: ProductListParams, page = params.page): Record<string, QueryValue> {
  return {
    q: params.q,
    category: params.category,
    min_price: params.min_price,
    max_price: params.max_price,
    in_stock: params.in_stock,
    sku: params.sku,
    ...optionParams(params),
    sort: params.sort !== (params.q ? 'relevance' : 'newest') ? params.sort : undefined,
    include: params.facets ? 'facets' : undefined,
    page_size: params.page_size !== PAGE_SIZE_DEFAULT ? params.page_size : undefined,
    page: page !== 1 ? page : undefined,
  }
}

/** The canonical query string of a listing (the cache key). */
const canonicalQuery = (params: ProductListParams) => queryString(canonicalParams(params))

export const categoryTree = (env: Env, waitUntil: WaitUntil) =>
  cachedJson(env, waitUntil, 'categories', async () => JSON.stringify(await selectCategoryTree(getDb(env))), { shared: true })

/** Browsing (category, sort, stock, page) is what most shoppers share; searches, price ranges and variant filters are long-tail. */
const isBrowsing = (params: ProductListParams) => !params.q && params.min_price === undefined && params.max_price === undefined && !filtersVariants(params)

/**
 * The page asked for, or, for a search whose words the catalog does not hold, a corrected one: a first
 * page with fewer hits than fit is checked against the index's vocabulary (src/catalog/search.ts); when
 * nothing matched and the correction finds products, those are the answer (`corrected_from` says what was
 * typed); when the correction finds more than the search did, it is offered as `did_you_mean`.
 */
async function searchedPage(db: Db, params: ProductListParams, categoryIds: number[] | undefined) {
  const page = await selectProductPage(db, params, categoryIds, params.facets)
  if (!params.q) return { shown: params, ...page, search: null }
  const search: SearchInfo = { query: params.q, corrected_from: null, did_you_mean: null, more_matches: page.moreMatches }
  if (params.page !== 1 || page.total >= params.page_size) return { shown: params, ...page, search }
  const corrected = await correctedQuery(db, params.q)
  if (!corrected) return { shown: params, ...page, search }
  const alternative = { ...params, q: corrected }
  const better = await selectProductPage(db, alternative, categoryIds, params.facets)
  if (page.total === 0 && better.total > 0) return { shown: alternative, ...better, search: { query: corrected, corrected_from: params.q, did_you_mean: null, more_matches: better.moreMatches } }
  return { shown: params, ...page, search: better.total > page.total ? { ...search, did_you_mean: corrected } : search }
}

/** A page of the catalog; an unknown category is a 404 rather than an empty page. */
export async function productList(env: Env, waitUntil: WaitUntil, params: ProductListParams): Promise<Cached> {
  const query = canonicalQuery(params)
  return cachedJson(env, waitUntil, `products?${query}`, async () => {
    let categoryIds: number[] | undefined
    if (params.category) {
      const tree = JSON.parse((await categoryTree(env, waitUntil)).json) as CategoryNode[]
      categoryIds = subtreeIds(tree, params.category) ?? undefined
      if (!categoryIds) throw notFound(`category '${params.category}'`)
    }
    const page = await searchedPage(getDb(env), params, categoryIds)
    const { shown, total, itemsJson, search } = page
    const info = pageInfo(shown, total)
    const link = (page: number) => withQuery('/api/products', canonicalParams(shown, page))
    const rest: Omit<ProductList, 'items'> = { ...info, ...pageLinks(info, link), search, ...(page.facets !== undefined && { facets: page.facets }) }
    // The items are already JSON text from SQLite: spliced in, not parsed and serialized again.
    return `{"items":${itemsJson},${JSON.stringify(rest).slice(1)}`
  }, { shared: isBrowsing(params) })
}

/** One active product by id or slug, or a 404. */
export async function productDetail(env: Env, waitUntil: WaitUntil, key: number | string): Promise<Cached> {
  return cachedJson(env, waitUntil, `product:${key}`, async () => {
    const product = await selectProduct(getDb(env), key)
    if (!product) throw notFound('product')
    return JSON.stringify(product)
  }, { shared: true })
}
