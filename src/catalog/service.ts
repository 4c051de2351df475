import { getDb } from '../db/client'
import { notFound } from '../platform/errors'
import { pageInfo, pageLinks } from '../platform/pagination'
import { queryString, withQuery, type QueryValue } from '../platform/query-string'
import { cachedJson } from './cache'
import { selectCategoryTree, selectProduct, selectProductPage, subtreeIds } from './queries'
import type { CategoryNode, ProductList } from './responses'
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
    const { total, itemsJson } = await selectProductPage(getDb(env), params, categoryIds)
    const info = pageInfo(params, total)
    const link = (page: number) => withQuery('/api/products', canonicalParams(params, page))
    const rest: Omit<ProductList, 'items'> = { ...info, ...pageLinks(info, link) }
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
