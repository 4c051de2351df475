import type { Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { reportRequestError } from '../platform/error-reporting'
import { HTTPException } from 'hono/http-exception'
import { ApiError } from '../platform/errors'
import { RateLimited } from '../accounts/rate-limit'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { renderHtml } from './renderer'

const titleOf = (status: number) => (status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 413 ? 'Too large' : status === 429 ? 'Slow down' : status === 503 ? 'Not available right now' : 'Cannot show this page')

/**
 * An error as a page of the shop with its status, through the one page renderer. Not `c.render`: the error
 * page is the same wherever the error happened (no admin frame, no sub-app's headers), and it is also the
 * answer where no sub-app set a renderer (an unknown path, a failure before the sub-app ran).
 */
export function errorPage(c: Context<AppEnv>, status: ContentfulStatusCode, message: string): Promise<Response> {
  const title = titleOf(status)
  return renderHtml(
    c,
    <>
      <h1>{title}</h1>
      <p>{message}</p>
      <p>
        <a href="/">Back to the shop</a>
      </p>
    </>,
    { title, status },
  )
}

/** The pages' `onError`: expected failures as a readable page with their status, anything else a 500 that leaks nothing. */
export function htmlErrorHandler(err: Error, c: Context<AppEnv>) {
  // A feature that is not configured (503: payments, mail, tokens) says so in words; it is still reported.
  if (err instanceof ApiError && err.status >= 500) {
    reportRequestError(c, err)
    return errorPage(c, err.status, err.message)
  }
  if (err instanceof ApiError && err.status < 500) {
    if (err instanceof RateLimited) c.header('Retry-After', String(err.retryAfterSeconds))
    return errorPage(c, err.status, err.message)
  }
  // Hono's own 4xx (the Origin check, a malformed body) are the client's doing too: a page, not a 500.
  if (err instanceof HTTPException && err.status < 500) {
    const message = err.status === 403 ? 'This form did not come from this site. Go back, reload the page and try again.' : err.message || 'The request could not be read.'
    return errorPage(c, err.status, message)
  }
  reportRequestError(c, err)
  return errorPage(c, 500, 'Something went wrong on our side. Please try again.')
}
