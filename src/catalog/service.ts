import { getDb } from '../db/client'
import { notFound } from '../platform/errors'
import { cachedJson } from './cache'
import { selectCategoryTree, selectProduct, selectProductPage, subtreeIds } from './queries'
import type { CategoryNode, ProductList } from './responses'
import { PAGE_SIZE_DEFAULT, type ProductListParams } from './schemas'

/** What the API and the pages get back from the catalog: the JSON text (as cached) and where it came from. */
export type Cached = Awaited<ReturnType<typeof cachedJson>>
type WaitUntil = (promise: Promise<unknown>) => void

export type { ProductList }

/** Only the parameters that differ from their defaults, in a fixed order: the cache key and the links. */
export function canonicalQuery(params: ProductListParams, page = params.page): URLSearchParams {
  const search = new URLSearchParams()
  if (params.q) search.set('q', params.q)
  if (params.category) search.set('category', params.category)
  if (params.min_price !== undefined) search.set('min_price', String(params.min_price))
  if (params.max_price !== undefined) search.set('max_price', String(params.max_price))
  if (params.in_stock !== undefined) search.set('in_stock', String(params.in_stock))
  if (params.sort !== (params.q ? 'relevance' : 'newest')) search.set('sort', params.sort)
  if (params.page_size !== PAGE_SIZE_DEFAULT) search.set('page_size', String(params.page_size))
  if (page !== 1) search.set('page', String(page))
  return search
}

export const categoryTree = (env: Env, waitUntil: WaitUntil) =>
  cachedJson(env, waitUntil, 'categories', async () => JSON.stringify(await selectCategoryTree(getDb(env))), { shared: true })

/** Browsing (category, sort, stock, page) is what most shoppers share; searches and price ranges are long-tail. */
const isBrowsing = (params: ProductListParams) => !params.q && params.min_price === undefined && params.max_price === undefined

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
    const totalPages = Math.ceil(total / params.page_size)
    const link = (page: number) => `/api/products?${canonicalQuery(params, page)}`.replace(/\?$/, '')
    const rest: Omit<ProductList, 'items'> = {
      page: params.page,
      page_size: params.page_size,
      total,
      total_pages: totalPages,
      next: params.page < totalPages ? link(params.page + 1) : null,
      prev: params.page > 1 ? link(Math.min(params.page - 1, Math.max(totalPages, 1))) : null,
    }
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
