/**
 * Anonymous catalog HTML cached at the edge with the Cache API, for a minute. The key holds the
 * catalog version, so a catalog write (or a change of the stock a page shows, which moves the version
 * on) makes every cached page unreachable: at once in the isolate that saw it, within
 * CATALOG_VERSION_TTL_MS everywhere. These pages carry nothing personal (the header is the same for
 * everyone, forms carry no token), and only their body and content headers are stored: each replay gets
 * its own request id (src/platform/logging.ts). Browsers are told to ask again every time (`no-cache`):
 * a copy kept in the browser would outlive the version and show a sold-out product as in stock.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { catalogVersion } from './cache'

const PAGE_CACHE_SECONDS = 60
/** What the shopper's browser is told: keep nothing without asking (the edge copy answers fast). */
const PAGE_CLIENT_CACHE_CONTROL = 'public, no-cache'

/**
 * `search` says what of the query string the page depends on (as `?…` or `''`), when not all of it: the
 * product page keys on its `?variant` alone, so that other parameters neither split nor flood the cache.
 */
export async function cachedPage(c: Context<AppEnv>, render: () => Promise<Response>, { search }: { search?: (query: URLSearchParams) => string } = {}): Promise<Response> {
  const url = new URL(c.req.url)
  const key = new Request(`https://page-cache.cato-store.internal/${await catalogVersion(c.env)}${url.pathname}${search ? search(url.searchParams) : url.search}`)
  // preact's JSX types pull in the DOM's `caches`, which hides the Workers' `caches.default`.
  const cache = (caches as unknown as { default: Cache }).default
  const hit = await cache.match(key)
  if (hit) {
    const response = new Response(hit.body, { status: hit.status, headers: hit.headers })
    response.headers.set('Cache-Control', PAGE_CLIENT_CACHE_CONTROL)
    response.headers.set('X-Cache', 'hit')
    return response
  }
  const response = await render()
  if (response.status !== 200) return response
  // The edge keeps its copy for a minute under this version; the browser gets `no-cache`.
  const stored = storable(response.clone())
  stored.headers.set('Cache-Control', `public, max-age=${PAGE_CACHE_SECONDS}`)
  c.executionCtx.waitUntil(cache.put(key, stored).catch(() => undefined))
  response.headers.set('Cache-Control', PAGE_CLIENT_CACHE_CONTROL)
  response.headers.set('X-Cache', 'miss')
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
