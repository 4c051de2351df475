import { Hono } from 'hono'
import type { RouterRoute } from 'hono/types'
import { requestId } from 'hono/request-id'
import { apiCsrfProtection } from './accounts/csrf'
import { accountPages } from './accounts/pages'
import { addressPages } from './accounts/address-pages'
import { claimPages } from './accounts/claim-pages'
import { adminPages } from './admin/pages'
import { contentPages } from './content/pages'
import { adminApi } from './admin/routes'
import { cartPages } from './cart/pages'
import { personalHeader } from './cart/header'
import { checkoutPages, orderPages } from './orders/pages'
import { receiptPages } from './orders/receipt'
import { paymentPages } from './payments/pages'
import { webhooksRoute } from './payments/webhook'
import { authApi, usersApi } from './accounts/routes'
import { addressesApi } from './accounts/address-routes'
import { cartApi } from './cart/routes'
import { ordersApi } from './orders/routes'
import { guestOrdersApi } from './orders/guest-routes'
import { categoriesApi, productsApi } from './catalog/routes'
import { openApiRoute } from './openapi/routes'
import { imagesRoute } from './catalog/images'
import { shopPages } from './catalog/pages'
import { getDb } from './db/client'
import { sql } from 'drizzle-orm'
import { capRequestBody, REQUEST_MAX_BYTES } from './platform/body-limit'
import { notFound, toErrorBody } from './platform/errors'
import { checkoutApi } from './checkout/routes'
import { RateLimited } from './accounts/rate-limit'
import type { AppEnv } from './platform/env'
import { reportRequestError } from './platform/error-reporting'
import { requestLog } from './platform/logging'
import { readinessRoute } from './platform/readiness'
import { scheduled } from './platform/scheduled'
import { securityHeaders } from './platform/security-headers'
import { errorPage, htmlErrorHandler } from './ui/error-page'
import { catalogStockListener } from './catalog/availability'
import { onHoldsExpired } from './orders/expiry'
import { onStockChanged, setHoldsExpiredHook } from './stock/signals'
import { handleWebhookBatch, WEBHOOK_QUEUE_NAME } from './webhooks/deliver'
import { webhookStockListener } from './webhooks/stock'
import { ORDER_WEBHOOK_TYPES, webhookOutboxHandler } from './webhooks/outbox'
import { notificationQueue } from './notifications/consumer'
import { onOutboxEvent } from './notifications/dispatch'
import { mailOutboxEvent } from './notifications/mail-handler'
import { outboxAdminApi } from './notifications/routes'
import { notificationPages } from './notifications/pages'
import { backInStockListener } from './notifications/back-in-stock'
import { IMPORT_QUEUE_NAME, IMPORT_MAX_BYTES, importQueue, type ImportMessage } from './admin/product-csv/jobs'

/** The product CSV uploads (src/admin/product-csv), whose files may be 50 MB: they stream to R2. */
const IMPORT_UPLOAD_PATHS = ['/admin/imports', '/api/admin/product-imports']
const IMPORT_UPLOAD_MAX_BYTES = IMPORT_MAX_BYTES + 64 * 1024

export { StockObject } from './stock/object'

// The stock domain's two signals, wired here so that stock imports neither side (src/stock/signals.ts):
// the catalog hears when the stock it shows changes, orders hear of holds that expired.
onStockChanged(catalogStockListener)
// Restocks mail those who asked to hear of them (src/notifications/back-in-stock.ts).
onStockChanged(backInStockListener)
setHoldsExpiredHook(onHoldsExpired)
// Every outbox event that has a mail sends it (src/notifications); integrations register their own handlers.
onOutboxEvent('*', mailOutboxEvent)
// Order events reach the outbound webhooks' endpoints through the outbox too (src/webhooks/outbox.ts).
onOutboxEvent(ORDER_WEBHOOK_TYPES, webhookOutboxHandler)
// Outbound webhooks' stock.changed rides in the same write-through batch (src/webhooks/stock.ts).
onStockChanged(webhookStockListener)

const api = new Hono<AppEnv>()
  // Cookie-authenticated writes need the CSRF token, like the pages' forms (bearer requests do not).
  .use(apiCsrfProtection())
  .route('/products', productsApi)
  .route('/categories', categoriesApi)
  .route('/auth', authApi)
  .route('/users', usersApi)
  .route('/account/addresses', addressesApi)
  .route('/cart', cartApi)
  .route('/admin', adminApi)
  .route('/admin/outbox', outboxAdminApi)
  .route('/orders', ordersApi)
  .route('/checkout', checkoutApi)

  .route('/guest-orders', guestOrdersApi)
  // The OpenAPI document of the routes above and its page (src/openapi).
  .route('/', openApiRoute((): RouterRoute[] => app.routes))
  .all('*', () => {
    throw notFound('API route')
  })

const app = new Hono<AppEnv>()
  .use(requestId())
  .use(requestLog())
  .use(securityHeaders())
  // The backstop of every body (each route that reads one sets its own, smaller limit): never more than a
  // Worker holds. It counts a streamed body as the route reads it rather than buffering it first.
  .use(capRequestBody((path) => (IMPORT_UPLOAD_PATHS.includes(path) ? IMPORT_UPLOAD_MAX_BYTES : REQUEST_MAX_BYTES)))
  // Liveness with no dependencies: the runtime's ceiling in the benchmark.
  // The shop header's account links and cart count, filled into every page as it is served (src/cart/header.ts).
  .use(personalHeader())
  .get('/healthz', (c) => c.json({ ok: true }))
  // Readiness: D1, KV, R2 and the Durable Objects answer (src/platform/readiness.ts).
  .route('/readyz', readinessRoute)
  // One trivial D1 query: the database's ceiling in the benchmark.
  .get('/healthz/d1', async (c) => {
    await getDb(c.env).get(sql`select 1`)
    return c.json({ ok: true, d1: 'up' })
  })
  .route('/api', api)
  // Raw body for the signature: nothing in front of it parses the body.
  .route('/webhooks', webhooksRoute)
  .route('/images', imagesRoute)
  .route('/account/addresses', addressPages)
  .route('/account/orders/claim', claimPages)
  .route('/account', accountPages)
  .route('/admin', adminPages)
  .route('/cart', cartPages)
  .route('/checkout', checkoutPages)
  // The printable receipt (src/orders/receipt.tsx) before the order pages, which it sits beside.
  .route('/orders', receiptPages)
  .route('/orders', orderPages)
  .route('/payments', paymentPages)
  .route('/notifications', notificationPages)
  .route('/pages', contentPages)
  .route('/', shopPages)

// Machine routes answer errors in the one JSON shape; a page path failing before its sub-app (the body backstop) gets a page.
const answersJson = (path: string) => /^\/(api|webhooks|healthz|readyz|images)(\/|$)/.test(path)

app.onError((err, c) => {
  if (!answersJson(c.req.path)) return htmlErrorHandler(err, c)
  const { status, body } = toErrorBody(err, c.get('requestId'))
  if (err instanceof RateLimited) c.header('Retry-After', String(err.retryAfterSeconds))
  if (status >= 500) reportRequestError(c, err)
  return c.json(body, status)
})

// Unknown API paths answer in the error shape; anything else is a page.
app.notFound((c) =>
  c.req.path.startsWith('/api/') || c.req.path.startsWith('/webhooks/')
    ? c.json(toErrorBody(notFound('route'), c.get('requestId')).body, 404)
    : errorPage(c, 404, 'There is no page at this address.'),
)

export type AppType = typeof app
// `request` stays beside the handlers for tests that call the app with an env of their own (app.request);
// Queue consumers by queue name: the product CSV import's steps (src/admin/product-csv/jobs.ts), the
// notifications and their dead letters (src/notifications/consumer.ts), the outbound webhooks' attempts
// (src/webhooks/deliver.ts).
const queue: ExportedHandlerQueueHandler<Env> = async (batch, env) => {
  if (batch.queue === IMPORT_QUEUE_NAME) return importQueue(batch as MessageBatch<ImportMessage>, env)
  if (batch.queue === WEBHOOK_QUEUE_NAME) return handleWebhookBatch(batch, env)
  if (await notificationQueue(batch, env)) return
  throw new Error(`no consumer for the queue "${batch.queue}" (wrangler.toml [[queues.consumers]] and src/index.ts disagree)`)
}

// `routes` for the test that checks every API route is in the OpenAPI document.
export default { fetch: app.fetch, request: app.request, routes: app.routes, scheduled, queue } satisfies ExportedHandler<Env> &
  Pick<typeof app, 'request' | 'routes'>
