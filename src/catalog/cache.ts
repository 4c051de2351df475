import { sql } from 'drizzle-orm'
import { LRUCache } from 'lru-cache'
import { getDb, type Db } from '../db/client'
import { catalogState } from '../db/schema'
import { sha256Hex } from '../platform/encoding'

/**
 * Catalog answers are cached in two layers, both keyed on the catalog version:
 * - this isolate's memory (an LRU of serialized JSON), which answers without any I/O at all;
 * - KV, shared by every isolate and location, which spares D1 when an isolate is cold. Only answers
 *   that many shoppers ask for (browsing pages, product details, the category tree) go there: a
 *   long-tail query (a search, a price range) would pay a KV read and a KV write for almost no hits,
 *   so its miss costs exactly one D1 round trip.
 * The version is a counter in D1 (`catalog_state`), bumped in the same D1 batch as the change it
 * announces: staff writes (`bumpCatalogVersionStatement`) and the stock objects when what the catalog
 * shows of a product's stock changes (`catalogStockListener`, src/catalog/availability.ts, on the stock
 * domain's "stock changed" signal). D1 is consistent, and has no
 * one-write-a-second-per-key limit as a KV version key would; an isolate trusts its copy for
 * CATALOG_VERSION_TTL_MS, so in production a cached answer is at most that (5 s) stale: every older
 * answer (memory, KV, the edge's HTML) sits under an older version and is never read again.
 * lru-cache (isaacs) was chosen over a hand-written Map: size-bounded eviction is easy to get wrong.
 */
const KV_TTL_SECONDS = 24 * 60 * 60
/**
 * An isolate has 128 MB in all. JS strings take two bytes a character, so 16 MB of answers is 8 M
 * characters; a larger cache made the benchmark's long-tail queries push the isolate over its limit
 * (workerd then resets it and the requests in flight fail).
 */
const MEMORY_MAX_BYTES = 16 * 1024 * 1024

const memory = new LRUCache<string, string>({
  maxSize: MEMORY_MAX_BYTES,
  sizeCalculation: (value, key) => 2 * (value.length + key.length),
})

let known: { version: string; checkedAt: number } | undefined

export type CacheSource = 'memory' | 'kv' | 'miss'

/** How long an isolate trusts its copy of the catalog version: the production staleness bound of the catalog. */
export const versionTtlMs = (env: Pick<Env, 'CATALOG_VERSION_TTL_MS'>) => {
  const ms = Number(env.CATALOG_VERSION_TTL_MS)
  return Number.isFinite(ms) && ms >= 0 ? ms : 5000
}

const readVersion = async (db: Db) => String((await db.select({ version: catalogState.version }).from(catalogState).get())?.version ?? 0)

/**
 * The current catalog version: this isolate's copy while it is fresh, else D1's. Each request that finds
 * the copy stale reads D1 itself: a read started by one request must not be awaited by another (the
 * runtime ties I/O to the request that started it, and cancels a request left waiting on another's as
 * hung — the benchmark caught exactly that with a shared read).
 */
export async function catalogVersion(env: Pick<Env, 'DB' | 'CATALOG_VERSION_TTL_MS'>): Promise<string> {
  if (known && Date.now() - known.checkedAt < versionTtlMs(env)) return known.version
  const version = await readVersion(getDb(env))
  known = { version, checkedAt: Date.now() }
  return version
}

/**
 * The statement that moves the catalog version on: put it in the D1 batch of the change it announces,
 * so that the change and its announcement stand or fall together, then call `forgetCatalogVersion`.
 */
export const bumpCatalogVersionStatement = (db: Db) =>
  db
    .insert(catalogState)
    .values({ id: 1, version: 1 })
    .onConflictDoUpdate({ target: catalogState.id, set: { version: sql`${catalogState.version} + 1` } })

/** Makes this isolate read the version again on its next catalog answer (a write it made is then visible at once). */
export function forgetCatalogVersion(): void {
  known = undefined
}

/**
 * Makes every cached catalog answer stale, on its own: for a write that could not carry the bump in its
 * batch (an R2 object, a test's direct insert). Call once the write has committed.
 */
export async function bumpCatalogVersion(env: Pick<Env, 'DB'>): Promise<void> {
  await bumpCatalogVersionStatement(getDb(env))
  forgetCatalogVersion()
}

/** KV keys are at most 512 bytes: a longer key (a long search text) is replaced by its SHA-256. */
async function kvSafeKey(key: string): Promise<string> {
  const bytes = new TextEncoder().encode(key)
  if (bytes.length <= 400) return key
  return `catalog:sha256:${await sha256Hex(bytes)}`
}

/**
 * The cached JSON for `key` under the current catalog version, or the JSON text `load()` makes,
 * stored in memory (and in KV when `shared`). `waitUntil` lets the KV write finish after the response.
 */
export async function cachedJson(
  env: Env,
  waitUntil: (promise: Promise<unknown>) => void,
  key: string,
  load: () => Promise<string>,
  { shared }: { shared: boolean },
): Promise<{ json: string; source: CacheSource }> {
  const versionedKey = `catalog:${await catalogVersion(env)}:${key}`
  const inMemory = memory.get(versionedKey)
  if (inMemory !== undefined) return { json: inMemory, source: 'memory' }
  const kvKey = shared ? await kvSafeKey(versionedKey) : undefined
  const inKv = kvKey ? await env.CACHE.get(kvKey) : null
  if (inKv !== null) {
    memory.set(versionedKey, inKv)
    return { json: inKv, source: 'kv' }
  }
  const json = await load()
  memory.set(versionedKey, json)
  if (kvKey) waitUntil(env.CACHE.put(kvKey, json, { expirationTtl: KV_TTL_SECONDS }).catch(() => undefined))
  return { json, source: 'miss' }
}
