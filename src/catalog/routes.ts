import { Hono, type Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { validate } from '../platform/validate'
import { docs } from '../openapi/describe'
import { CategoryTree, ProductDetail, ProductList } from './responses'
import { ProductKeyParam, ProductListQuery } from './schemas'
import { categoryTree, productDetail, productList, type Cached } from './service'

const waitUntil = (c: Context<AppEnv>) => (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise)

/** Answers cached catalog JSON as is, saying which layer it came from. */
const cachedResponse = (c: Context<AppEnv>, { json, source }: Cached) =>
  c.body(json, 200, { 'Content-Type': 'application/json; charset=UTF-8', 'X-Cache': source })

const listProducts = docs({
  id: 'listProducts',
  tag: 'Catalog',
  summary: 'List and search active products',
  description:
    'Filters combine; `q` searches names and descriptions (ranked by relevance unless `sort` says otherwise). `option.<name>=<value>` (any option name in any case, the value exactly, up to 3) and `sku=` filter by variant: then `in_stock` and the price range apply to the matching variant. Links to the next and previous page keep the filters.',
  access: 'public',
  responses: { 200: { description: 'A page of products', schema: ProductList } },
  errors: { 404: 'Unknown category' },
})

const getProduct = docs({
  id: 'getProduct',
  tag: 'Catalog',
  summary: 'One active product by id or slug',
  access: 'public',
  responses: { 200: { description: 'The product with its images and categories', schema: ProductDetail } },
  errors: { 404: 'No active product with this id or slug' },
})

const listCategories = docs({
  id: 'listCategories',
  tag: 'Catalog',
  summary: 'The category tree with product counts',
  access: 'public',
  responses: { 200: { description: 'The root categories', schema: CategoryTree } },
})

export const productsApi = new Hono<AppEnv>()
  .get('/', listProducts, validate('query', ProductListQuery), async (c) =>
    cachedResponse(c, await productList(c.env, waitUntil(c), c.req.valid('query'))),
  )
  .get('/:idOrSlug', getProduct, validate('param', ProductKeyParam), async (c) =>
    cachedResponse(c, await productDetail(c.env, waitUntil(c), c.req.valid('param').idOrSlug)),
  )

export const categoriesApi = new Hono<AppEnv>().get('/', listCategories, async (c) => cachedResponse(c, await categoryTree(c.env, waitUntil(c))))
