/**
 * `GET /readyz`: whether this Worker can reach what it serves from (D1, KV, R2 and the stock Durable
 * Objects), each probed at once, with a deadline, and timed. `/healthz` stays the liveness probe with no
 * dependencies: a load balancer restarts on that one and drains on this one.
 */
import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { getDb } from '../db/client'
import { stockOf } from '../stock/client'
import type { AppEnv } from './env'
import { log } from './logging'

/** How long one probe may take before it counts as failed. */
const READINESS_TIMEOUT_MS = 3_000

/** No product has id 0 (AUTOINCREMENT starts at 1), so the stock object the probe wakes never holds stock. */
const PROBE_PRODUCT_ID = 0
/** A key no one writes: the probe reads nothing, it only needs an answer. */
const PROBE_KEY = 'readyz-probe'

const CHECKS = {
  d1: (env) => getDb(env).get(sql`select 1`),
  kv: (env) => env.CACHE.get(PROBE_KEY),
  r2: (env) => env.IMAGES.head(PROBE_KEY),
  durable_object: (env) => stockOf(env, PROBE_PRODUCT_ID).ping(),
} satisfies Record<string, (env: Env) => Promise<unknown>>

export type CheckName = keyof typeof CHECKS
export type CheckResult = { ok: boolean; ms: number }
export interface Readiness {
  ok: boolean
  checks: Record<CheckName, CheckResult>
  /** The checks that failed or timed out (their errors are logged, not answered). */
  failed?: CheckName[]
}

async function timed(check: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult & { error?: string }> {
  const startedAt = Date.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    // Called inside the async function so that a binding that throws at once fails the check too.
    await Promise.race([(async () => check())(), deadline])
    return { ok: true, ms: Date.now() - startedAt }
  } catch (err) {
    return { ok: false, ms: Date.now() - startedAt, error: String(err) }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Probes every dependency at once; failures are logged with their error.
 * @example const { ok, failed } = await checkReadiness(env)
 */
export async function checkReadiness(env: Env, { timeoutMs = READINESS_TIMEOUT_MS, requestId }: { timeoutMs?: number; requestId?: string } = {}): Promise<Readiness> {
  const names = Object.keys(CHECKS) as CheckName[]
  const results = await Promise.all(names.map((name) => timed(() => CHECKS[name](env), timeoutMs)))
  const checks = {} as Record<CheckName, CheckResult>
  const failed: CheckName[] = []
  names.forEach((name, i) => {
    const { ok, ms, error } = results[i] as CheckResult & { error?: string }
    checks[name] = { ok, ms }
    if (!ok) {
      failed.push(name)
      log('error', { msg: 'readiness check failed', request_id: requestId, check: name, ms, error })
    }
  })
  return failed.length ? { ok: false, checks, failed } : { ok: true, checks }
}

/** `GET /readyz`: 200 with every check's time, or 503 naming the failed ones; never cached. */
export const readinessRoute = new Hono<AppEnv>().get('/', async (c) => {
  const readiness = await checkReadiness(c.env, { requestId: c.get('requestId') })
  c.header('Cache-Control', 'no-store')
  return c.json(readiness, readiness.ok ? 200 : 503)
})
