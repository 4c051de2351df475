import type { Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { reportRequestError } from '../platform/error-reporting'
import { HTTPException } from 'hono/http-exception'
import { ApiError } from '../platform/errors'
import { RateLimited } from '../accounts/rate-limit'
import { Layout, renderPage } from './layout'

export function ErrorPage({ status, message }: { status: number; message: string }) {
  const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 413 ? 'Too large' : status === 429 ? 'Slow down' : status === 503 ? 'Not available right now' : 'Cannot show this page'
  return (
    <Layout title={title}>
      <h1>{title}</h1>
      <p>{message}</p>
      <p>
        <a href="/">Back to the shop</a>
      </p>
    </Layout>
  )
}

/** The pages' `onError`: expected failures as a readable page with their status, anything else a 500 that leaks nothing. */
export function htmlErrorHandler(err: Error, c: Context<AppEnv>) {
  // A feature that is not configured (503: payments, mail, tokens) says so in words; it is still reported.
  if (err instanceof ApiError && err.status >= 500) {
    reportRequestError(c, err)
    return c.html(renderPage(<ErrorPage status={err.status} message={err.message} />), err.status)
  }
  if (err instanceof ApiError && err.status < 500) {
    if (err instanceof RateLimited) c.header('Retry-After', String(err.retryAfterSeconds))
    return c.html(renderPage(<ErrorPage status={err.status} message={err.message} />), err.status)
  }
  // Hono's own 4xx (the Origin check, a malformed body) are the client's doing too: a page, not a 500.
  if (err instanceof HTTPException && err.status < 500) {
    const message = err.status === 403 ? 'This form did not come from this site. Go back, reload the page and try again.' : err.message || 'The request could not be read.'
    return c.html(renderPage(<ErrorPage status={err.status} message={message} />), err.status)
  }
  reportRequestError(c, err)
  return c.html(renderPage(<ErrorPage status={500} message="Something went wrong on our side. Please try again." />), 500)
}
