import { LRUCache } from 'lru-cache'
import { sha256Hex } from '../platform/encoding'

/**
 * Catalog answers are cached in two layers, both keyed on the catalog version:
 * - this isolate's memory (an LRU of serialized JSON), which answers without any I/O at all;
 * - KV, shared by every isolate and location, which spares D1 when an isolate is cold. Only answers
 *   that many shoppers ask for (browsing pages, product details, the category tree) go there: a
 *   long-tail query (a search, a price range) would pay a KV read and a KV write for almost no hits,
 *   so its miss costs exactly one D1 round trip.
 * Any catalog write bumps the version (KV + this isolate at once), so every older answer becomes
 * unreachable. Other isolates trust their copy of the version for CATALOG_VERSION_TTL_MS, so in
 * production an answer is at most that plus KV's propagation delay (about 60 s) stale.
 * lru-cache (isaacs) was chosen over a hand-written Map: size-bounded eviction is easy to get wrong.
 */
const VERSION_KEY = 'catalog:version'
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

const versionTtlMs = (env: Env) => {
  const ms = Number(env.CATALOG_VERSION_TTL_MS)
  return Number.isFinite(ms) && ms >= 0 ? ms : 5000
}

/**
 * The current catalog version: this isolate's copy while it is fresh, else KV's. Each request that finds
 * the copy stale reads KV itself: a read started by one request must not be awaited by another (the
 * runtime ties I/O to the request that started it, and cancels a request left waiting on another's as
 * hung — the benchmark caught exactly that with a shared read).
 */
export async function catalogVersion(env: Env): Promise<string> {
  if (known && Date.now() - known.checkedAt < versionTtlMs(env)) return known.version
  const version = (await env.CACHE.get(VERSION_KEY)) ?? '0'
  known = { version, checkedAt: Date.now() }
  return version
}

/**
 * Makes every cached catalog answer stale: call after any write to products, images or categories,
 * once the write has committed (a reader that still sees the old version can only fill old keys).
 */
export async function bumpCatalogVersion(env: Env): Promise<string> {
  const version = `${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`
  await env.CACHE.put(VERSION_KEY, version)
  known = { version, checkedAt: Date.now() }
  return version
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
