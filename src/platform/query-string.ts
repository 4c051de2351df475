/**
 * The one way the app writes a query string: the shop's listing URLs, the API's next/prev links and cache
 * keys, the admin's list links and filters. URLSearchParams does the encoding; this decides what is left out.
 */

/** A value of a query parameter; `undefined`, `null` and `''` mean "not set" and are left out. */
export type QueryValue = string | number | boolean | null | undefined

/**
 * `k=v&…` of the parameters that are set, in the order given (booleans as `true`/`false`), or `''`.
 * @example queryString({ q: 'tea', page: 2, sort: undefined }) // 'q=tea&page=2'
 */
export function queryString(params: Record<string, QueryValue>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value))
  }
  return search.toString()
}

/**
 * `path?k=v&…` of the parameters that are set, or `path` alone when none is.
 * @example withQuery('/admin/orders', { status: 'paid', page: 3 }) // '/admin/orders?status=paid&page=3'
 */
export function withQuery(path: string, params: Record<string, QueryValue>): string {
  const query = queryString(params)
  return query ? `${path}?${query}` : path
}
