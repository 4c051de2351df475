/**
 * Fixed-window rate limits kept in D1: one upsert counts the attempt and answers the count, so two
 * isolates cannot both slip under the limit. Used for sign-in (per email and per client address).
 */
import { sql } from 'drizzle-orm'
import { getDb } from '../db/client'
import { rateLimits } from '../db/schema'
import { ApiError } from '../platform/errors'

export interface Limit {
  key: string
  max: number
  windowMs: number
}

export class RateLimited extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'too_many_requests', `Too many attempts. Try again in ${retryAfterSeconds} seconds.`)
  }
}

/**
 * Counters are pruned a day after their window started (src/platform/pruning.ts): longer than any window,
 * or a pruned counter would restart a limit early.
 */
export const RATE_LIMIT_RETENTION_MS = 24 * 60 * 60 * 1000

/** Counts one attempt against every limit (one D1 batch); throws RateLimited if any is exceeded. */
export async function hit(env: Env, limits: Limit[], now = Date.now()) {
  const db = getDb(env)
  if (limits.some((limit) => limit.windowMs > RATE_LIMIT_RETENTION_MS)) throw new Error('a rate-limit window is longer than RATE_LIMIT_RETENTION_MS')
  const statements = limits.map((limit) => {
    const windowStart = now - (now % limit.windowMs)
    return db
      .insert(rateLimits)
      .values({ key: limit.key, windowStart, count: 1 })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          count: sql`case when ${rateLimits.windowStart} = ${windowStart} then ${rateLimits.count} + 1 else 1 end`,
          windowStart,
        },
      })
      .returning({ count: rateLimits.count, windowStart: rateLimits.windowStart })
  })
  const [first, ...rest] = statements
  if (!first) return
  const results = await db.batch([first, ...rest])
  let retryAfter = 0
  results.forEach(([row], i) => {
    const limit = limits[i] as Limit
    if (row && row.count > limit.max) retryAfter = Math.max(retryAfter, Math.ceil((row.windowStart + limit.windowMs - now) / 1000))
  })
  if (retryAfter > 0) throw new RateLimited(Math.max(retryAfter, 1))
}

/** The client's address as Cloudflare reports it (`local` when there is none, e.g. in tests). */
export const clientAddress = (headers: Headers) => headers.get('CF-Connecting-IP') ?? 'local'
