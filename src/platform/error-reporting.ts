/**
 * Unexpected errors (the 500s, a failed cron run) go to the logs and, when the SENTRY_DSN secret is set,
 * to Sentry. toucan-js rather than @sentry/cloudflare: a third of the bundle (≈19 KB against ≈54 KB
 * gzipped), a client per call instead of a wrapped `export default`, and no nodejs_compat flag for
 * AsyncLocalStorage. By default it sends only the request's method and URL without its query string
 * (no body, cookies, or headers beyond CF-Ray), and `beforeSend` scrubs the error's message with `redactText`.
 */
import type { Context } from 'hono'
import { routePath } from 'hono/route'
// Not 'toucan-js': see ./toucan-js.d.ts for why the ESM build is imported by its path.
import { Toucan } from 'toucan-js/dist/index.esm.js'
import type { AppEnv } from './env'
import { log, redactText } from './logging'

export interface ErrorContext {
  requestId?: string
  /** The request being answered: its method, route and path are logged, its method and URL reported. */
  request?: Request
  route?: string
  userId?: number
  /** Keeps the delivery to Sentry alive after the answer (the execution context's waitUntil). */
  waitUntil?: (promise: Promise<unknown>) => void
  /** Sends the report with this instead of the global fetch (tests). */
  fetcher?: typeof fetch
}

/**
 * Logs an unexpected error (redacted) and reports it to Sentry when SENTRY_DSN is set. Never throws;
 * the promise settles once the report is delivered (callers in a request pass `waitUntil` instead of awaiting).
 * @example reportError(env, err, { waitUntil: ctx.waitUntil.bind(ctx) })
 */
export function reportError(env: Pick<Env, 'ENVIRONMENT' | 'SENTRY_DSN'>, err: unknown, context: ErrorContext = {}): Promise<void> {
  const { requestId, request, route, userId } = context
  const error = err instanceof Error ? err : new Error(String(err))
  log('error', {
    msg: 'unhandled error',
    request_id: requestId,
    ...(request && { method: request.method, route, path: new URL(request.url).pathname }),
    user_id: userId,
    error: `${error.name}: ${error.message}`,
    stack: error.stack,
  })
  if (!env.SENTRY_DSN) return Promise.resolve()

  const deliveries: Promise<unknown>[] = []
  try {
    const sentry = new Toucan({
      dsn: env.SENTRY_DSN,
      environment: env.ENVIRONMENT,
      request,
      context: {
        waitUntil: (promise) => {
          deliveries.push(promise)
          context.waitUntil?.(promise)
        },
      },
      ...(context.fetcher && { transportOptions: { fetcher: context.fetcher } }),
      beforeSend: (event) => {
        for (const exception of event.exception?.values ?? []) if (exception.value) exception.value = redactText(exception.value)
        if (event.message) event.message = redactText(event.message)
        return event
      },
    })
    if (requestId) sentry.setTag('request_id', requestId)
    if (route) sentry.setTag('route', route)
    if (userId !== undefined) sentry.setUser({ id: String(userId) })
    sentry.captureException(error)
  } catch (reportErr) {
    log('error', { msg: 'error report failed', error: String(reportErr) })
  }
  return Promise.allSettled(deliveries).then(() => undefined)
}

/** `reportError` from a Hono error handler: the request, its id, route and user, delivery kept alive by waitUntil. */
export function reportRequestError(c: Context<AppEnv>, err: unknown): void {
  let waitUntil: ErrorContext['waitUntil']
  try {
    const ctx = c.executionCtx
    waitUntil = (promise) => ctx.waitUntil(promise)
  } catch {
    // No execution context (app.request in a script): the report is sent without it.
  }
  void reportError(c.env, err, { requestId: c.get('requestId'), request: c.req.raw, route: routePath(c), userId: c.get('user')?.id ?? c.get('accessClaims')?.userId, waitUntil })
}
