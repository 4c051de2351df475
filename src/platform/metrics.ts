/**
 * Counts in Workers Analytics Engine: binding METRICS, dataset `cato_store` (wrangler.toml). One data
 * point per request and one per domain event, in two shapes told apart by blob1:
 *
 * | field   | request                     | event                                                      |
 * | ------- | --------------------------- | ---------------------------------------------------------- |
 * | index1  | `request`                   | the event name (`order.paid`, `stock.reserved`…)           |
 * | blob1   | `request`                   | `event`                                                    |
 * | blob2   | route pattern (`/api/products/:idOrSlug`) | the event name                               |
 * | blob3   | method                      | the order id, or empty                                     |
 * | blob4   | status, as text             | the product id, or empty                                   |
 * | blob5   | ENVIRONMENT                 | ENVIRONMENT                                                |
 * | double1 | 1                           | 1                                                          |
 * | double2 | duration_ms                 | units (`qty`) for stock.*, total_cents for order.created, else 0 |
 * | double3 | status                      | —                                                          |
 *
 * Rows are sampled at high volume: count with `SUM(_sample_interval * double1)`, e.g.
 * `SELECT blob2 AS route, SUM(_sample_interval) AS requests FROM cato_store WHERE blob1 = 'request'
 *  AND timestamp > NOW() - INTERVAL '1' HOUR GROUP BY route`.
 * @see https://developers.cloudflare.com/analytics/analytics-engine/
 */
// Imports nothing of ours: logging.ts counts through this module (and logs the writes it refuses), so
// this one must not log through logging.ts (that was an import cycle).

/** Data points written while the binding is absent (a Miniflare set up without it, scripts): kept in memory, newest last. */
export const memoryMetrics = {
  points: [] as AnalyticsEngineDataPoint[],
  writeDataPoint(point?: AnalyticsEngineDataPoint): void {
    if (!point) return
    this.points.push(point)
    if (this.points.length > 1000) this.points.shift()
  },
}

/** The dataset to write to: the METRICS binding, or the in-memory recorder without it. */
export const metrics = (env: Partial<Pick<Env, 'METRICS'>>): AnalyticsEngineDataset => env.METRICS ?? memoryMetrics

export interface RequestMetric {
  route: string
  method: string
  status: number
  duration_ms: number
}

/** Counts an answered request. Throws what the dataset throws (its limits): `count` in logging.ts logs and drops it. */
export function recordRequest(env: Partial<Pick<Env, 'METRICS' | 'ENVIRONMENT'>>, request: RequestMetric): void {
  metrics(env).writeDataPoint({
    indexes: ['request'],
    blobs: ['request', request.route, request.method, String(request.status), env.ENVIRONMENT ?? ''],
    doubles: [1, request.duration_ms, request.status],
  })
}

const numberOr0 = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0)

/** Counts a domain event; throws like `recordRequest`. */
export function recordEvent(env: Partial<Pick<Env, 'METRICS' | 'ENVIRONMENT'>>, name: string, fields: Record<string, unknown>): void {
  metrics(env).writeDataPoint({
    indexes: [name],
    blobs: ['event', name, String(fields.order_id ?? ''), String(fields.product_id ?? ''), env.ENVIRONMENT ?? ''],
    doubles: [1, numberOr0(fields.qty ?? fields.total_cents)],
  })
}
