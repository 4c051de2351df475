/**
 * Anonymous catalog HTML cached at the edge with the Cache API, for a minute. The key holds the
 * catalog version, so a catalog write makes every cached page unreachable at once in this location;
 * these pages carry nothing personal (the header is the same for everyone, forms carry no token), and
 * only their body and content headers are stored: each replay gets its own request id (src/platform/logging.ts).
 */
import type { Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { catalogVersion } from './cache'

export const PAGE_CACHE_SECONDS = 60

export async function cachedPage(c: Context<AppEnv>, render: () => Promise<Response>): Promise<Response> {
  const url = new URL(c.req.url)
  const key = new Request(`https://page-cache.cato-store.internal/${await catalogVersion(c.env)}${url.pathname}${url.search}`)
  // preact's JSX types pull in the DOM's `caches`, which hides the Workers' `caches.default`.
  const cache = (caches as unknown as { default: Cache }).default
  const hit = await cache.match(key)
  if (hit) {
    const response = new Response(hit.body, { status: hit.status, headers: hit.headers })
    response.headers.set('X-Cache', 'hit')
    return response
  }
  const response = await render()
  if (response.status !== 200) return response
  response.headers.set('Cache-Control', `public, max-age=${PAGE_CACHE_SECONDS}`)
  response.headers.set('X-Cache', 'miss')
  c.executionCtx.waitUntil(cache.put(key, storable(response.clone())).catch(() => undefined))
  return response
}

/** What a cached page keeps of its first answer: the body and these headers, nothing of that visitor (request id, cookies). */
const STORED_HEADERS = ['Content-Type', 'Content-Language', 'Cache-Control']

function storable(response: Response): Response {
  const headers = new Headers()
  for (const name of STORED_HEADERS) {
    const value = response.headers.get(name)
    if (value !== null) headers.set(name, value)
  }
  return new Response(response.body, { status: response.status, headers })
}
