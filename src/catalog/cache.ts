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
const MEMORY_MAX_BYTES = 32 * 1024 * 1024

const memory = new LRUCache<string, string>({
  maxSize: MEMORY_MAX_BYTES,
  sizeCalculation: (value, key) => value.length + key.length,
})

let known: { version: string; checkedAt: number } | undefined
let pending: Promise<string> | undefined

export type CacheSource = 'memory' | 'kv' | 'miss'

const versionTtlMs = (env: Env) => {
  const ms = Number(env.CATALOG_VERSION_TTL_MS)
  return Number.isFinite(ms) && ms >= 0 ? ms : 5000
}

/** The current catalog version: this isolate's copy while it is fresh, else KV's. */
export async function catalogVersion(env: Env): Promise<string> {
  if (known && Date.now() - known.checkedAt < versionTtlMs(env)) return known.version
  // Concurrent requests of an isolate share one KV read.
  pending ??= env.CACHE.get(VERSION_KEY)
    .then((version) => {
      known = { version: version ?? '0', checkedAt: Date.now() }
      return known.version
    })
    .finally(() => {
      pending = undefined
    })
  return pending
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
