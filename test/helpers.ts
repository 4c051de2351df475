import { env, SELF } from 'cloudflare:test'
import { bumpCatalogVersion } from '../src/catalog/cache'
import { getDb } from '../src/db/client'
import { productCategories, productImages, products, type NewProduct } from '../src/db/schema'
import type { ErrorBody } from '../src/platform/errors'

export const BASE = 'http://store.test'

export async function getJson<T = unknown>(path: string, init?: RequestInit) {
  const response = await SELF.fetch(`${BASE}${path}`, init)
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new Error(`GET ${path} answered ${response.status} with non-JSON: ${text.slice(0, 200)}`)
  }
  return { status: response.status, headers: response.headers, body: body as T }
}

export const getError = (path: string) => getJson<ErrorBody>(path)

let unique = 0
/** A fresh, uniquely named product (storage is shared by the tests of a file). */
export async function insertProduct(fields: Partial<NewProduct> & { categoryIds?: number[]; images?: string[] } = {}) {
  const { categoryIds = [], images = [], ...row } = fields
  unique += 1
  const slug = row.slug ?? `test-product-${Date.now().toString(36)}-${unique}`
  const db = getDb(env)
  const [product] = await db
    .insert(products)
    .values({ name: `Test product ${unique}`, priceCents: 1000, stockQuantity: 5, ...row, slug })
    .returning()
  if (!product) throw new Error('insert failed')
  if (categoryIds.length) await db.insert(productCategories).values(categoryIds.map((categoryId) => ({ productId: product.id, categoryId })))
  if (images.length) {
    await db
      .insert(productImages)
      .values(images.map((r2Key, position) => ({ productId: product.id, r2Key, position, contentType: 'image/png', byteSize: 10, altText: r2Key })))
  }
  // Like every catalog write, this one makes the cached answers stale.
  await bumpCatalogVersion(env)
  return product
}
