import { Hono } from 'hono'
import { requestId } from 'hono/request-id'
import { accountPages } from './accounts/pages'
import { authApi, usersApi } from './accounts/routes'
import { categoriesApi, productsApi } from './catalog/routes'
import { imagesRoute } from './catalog/images'
import { shopPages } from './catalog/pages'
import { getDb } from './db/client'
import { sql } from 'drizzle-orm'
import { notFound, toErrorBody } from './platform/errors'
import { RateLimited } from './accounts/rate-limit'
import type { AppEnv } from './platform/env'

export { StockObject } from './orders/stock-object'

const api = new Hono<AppEnv>()
  .route('/products', productsApi)
  .route('/categories', categoriesApi)
  .route('/auth', authApi)
  .route('/users', usersApi)
  .all('*', () => {
    throw notFound('API route')
  })

const app = new Hono<AppEnv>()
  .use(requestId())
  // Liveness with no dependencies: the runtime's ceiling in the benchmark.
  .get('/healthz', (c) => c.json({ ok: true }))
  // One trivial D1 query: the database's ceiling in the benchmark.
  .get('/healthz/d1', async (c) => {
    await getDb(c.env).get(sql`select 1`)
    return c.json({ ok: true, d1: 'up' })
  })
  .route('/api', api)
  .route('/images', imagesRoute)
  .route('/account', accountPages)
  .route('/', shopPages)

app.onError((err, c) => {
  const { status, body } = toErrorBody(err, c.get('requestId'))
  if (err instanceof RateLimited) c.header('Retry-After', String(err.retryAfterSeconds))
  if (status >= 500) console.error(JSON.stringify({ level: 'error', request_id: c.get('requestId'), message: String(err), stack: (err as Error).stack }))
  return c.json(body, status)
})

app.notFound((c) => c.json(toErrorBody(notFound('route'), c.get('requestId')).body, 404))

export type AppType = typeof app
export default app
