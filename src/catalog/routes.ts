import { Hono, type Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { validate } from '../platform/validate'
import { ProductKeyParam, ProductListQuery } from './schemas'
import { categoryTree, productDetail, productList, type Cached } from './service'

const waitUntil = (c: Context<AppEnv>) => (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise)

/** Answers cached catalog JSON as is, saying which layer it came from. */
const cachedResponse = (c: Context<AppEnv>, { json, source }: Cached) =>
  c.body(json, 200, { 'Content-Type': 'application/json; charset=UTF-8', 'X-Cache': source })

export const productsApi = new Hono<AppEnv>()
  .get('/', validate('query', ProductListQuery), async (c) =>
    cachedResponse(c, await productList(c.env, waitUntil(c), c.req.valid('query'))),
  )
  .get('/:idOrSlug', validate('param', ProductKeyParam), async (c) =>
    cachedResponse(c, await productDetail(c.env, waitUntil(c), c.req.valid('param').idOrSlug)),
  )

export const categoriesApi = new Hono<AppEnv>().get('/', async (c) => cachedResponse(c, await categoryTree(c.env, waitUntil(c))))
