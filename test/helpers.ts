import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import worker from '../src/index'
import { bumpCatalogVersion } from '../src/catalog/cache'
import { getDb } from '../src/db/client'
import { productCategories, productImages, productOptions, productOptionValues, products, productVariants, users, variantOptionValues, type NewProduct } from '../src/db/schema'
import { variantTitle } from '../src/catalog/variants'
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

let accounts = 0
/** A unique email for a test account. */
export const uniqueEmail = (prefix = 'user') => `${prefix}-${Date.now().toString(36)}-${++accounts}@example.com`

/** A fresh client address, so that one test's sign-ins never count against another's rate limit. */
export const freshAddress = () => `test-client-${crypto.randomUUID()}`

export interface TokenPair {
  access_token: string
  refresh_token: string
  token_type: string
  expires_in: number
}

/** Registers through the API; answers the tokens and the profile. */
/** A registered user made staff (or admin): role set in D1, tokens as registration gave them. */
export async function staffUser(role: 'staff' | 'admin' = 'staff') {
  const user = await registerUser()
  await getDb(env).update(users).set({ role }).where(eq(users.id, user.user.id))
  return user
}

export async function registerUser(fields: { email?: string; password?: string; name?: string } = {}) {
  const body = { email: fields.email ?? uniqueEmail(), password: fields.password ?? 'correct horse battery', name: fields.name ?? 'Test Shopper' }
  const response = await SELF.fetch(`${BASE}/api/auth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  if (response.status !== 201) throw new Error(`register answered ${response.status}: ${await response.text()}`)
  const answer = (await response.json()) as TokenPair & { user: { id: number; email: string } }
  return { ...answer, ...body, bearer: { Authorization: `Bearer ${answer.access_token}` } }
}

/** A JSON request to the Worker, with its parsed answer. */
export async function callJson<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await SELF.fetch(`${BASE}${path}`, {
    method,
    headers: { ...(body !== undefined && { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T }
}

/** A browser in miniature: keeps cookies across requests and never follows redirects. */
export class Browser {
  readonly cookies = new Map<string, string>()
  readonly address = freshAddress()

  /** With `env`, the app answers with that env (another ENVIRONMENT, secrets unset) instead of the Worker's. */
  constructor(readonly env?: Env) {}

  async fetch(path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers)
    if (this.cookies.size) headers.set('Cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    headers.set('CF-Connecting-IP', this.address)
    const response = await this.send(path, { ...init, headers, redirect: 'manual' as const })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';')
      const [name = '', value = ''] = pair.split('=')
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(cookie) || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return response
  }

  /** How a request reaches the Worker: through the pool (SELF), or the app with `env` when one was given. */
  protected send(path: string, request: RequestInit): Promise<Response> {
    return this.env ? Promise.resolve(worker.request(`${BASE}${path}`, request, this.env, createExecutionContext())) : SELF.fetch(`${BASE}${path}`, request)
  }

  /** The CSRF token the last page put in its forms. */
  async csrfFrom(path: string) {
    const html = await (await this.fetch(path)).text()
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
    if (!token) throw new Error(`no CSRF token on ${path}`)
    return token
  }

  /** Posts a form as a browser would (urlencoded, with Origin), the CSRF token taken from `formPage`. */
  async submit(formPage: string, action: string, fields: Record<string, string>, { csrf = true } = {}) {
    const body = new URLSearchParams(fields)
    if (csrf) body.set('_csrf', await this.csrfFrom(formPage))
    return this.fetch(action, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } })
  }
}

/** Runs the Worker's cron handler as the Cron Trigger would, and waits for what it left running. */
export async function runCron(cron: string, scheduledTime: number) {
  const ctx = createExecutionContext()
  try {
    await worker.scheduled(createScheduledController({ cron, scheduledTime }), env, ctx)
  } finally {
    await waitOnExecutionContext(ctx)
  }
}

/** A variant for `insertVariantProduct`: its value for each option in order; price and stock default to 1000 cents and 5 units. */
export interface VariantSeed {
  optionValues: string[]
  sku?: string | null
  priceCents?: number
  compareAtCents?: number | null
  stock?: number
  isActive?: boolean
  /** Index into the product's `images` (its gallery) for the variant's own image. */
  image?: number
}

/**
 * A fresh product with options and variants in D1, as the admin will make them: the product (its price the
 * first variant's, its stock their sum) and its options with their values, then its variants in order with
 * their option values (the first takes the place of the default variant the insert trigger made). Call it
 * before the product's stock object is first used, so that the object loads these variants.
 * @example const { product, variants } = await insertVariantProduct([{ name: 'Size', values: ['S', 'M'] }], [{ optionValues: ['S'] }, { optionValues: ['M'], stock: 2 }])
 */
export async function insertVariantProduct(
  options: { name: string; values: string[] }[],
  variants: VariantSeed[],
  fields: Partial<NewProduct> & { categoryIds?: number[]; images?: string[] } = {},
) {
  if (variants.length === 0) throw new Error('a product has at least one variant')
  const db = getDb(env)
  const stockOf = (v: VariantSeed) => v.stock ?? 5
  const first = variants[0]!
  const product = await insertProduct({ priceCents: first.priceCents ?? 1000, stockQuantity: variants.reduce((sum, v) => sum + stockOf(v), 0), ...fields })
  const optionRows = options.length
    ? await db.insert(productOptions).values(options.map((option, position) => ({ productId: product.id, name: option.name, position }))).returning()
    : []
  const valueRows = options.length
    ? await db
        .insert(productOptionValues)
        .values(options.flatMap((option, o) => option.values.map((value, position) => ({ optionId: optionRows[o]!.id, value, position }))))
        .returning()
    : []
  const images = await db.select({ id: productImages.id }).from(productImages).where(eq(productImages.productId, product.id)).orderBy(productImages.position)
  const row = (v: VariantSeed, position: number) => ({
    sku: v.sku ?? null,
    title: variantTitle(v.optionValues),
    priceCents: v.priceCents ?? 1000,
    compareAtCents: v.compareAtCents ?? null,
    isActive: v.isActive ?? true,
    position,
    stockQuantity: stockOf(v),
    imageId: v.image === undefined ? null : (images[v.image]?.id ?? null),
  })
  const [byTrigger] = await db.select({ id: productVariants.id }).from(productVariants).where(eq(productVariants.productId, product.id))
  // The others first: once the product has more than one variant, the trigger that keeps a single one in step stops.
  const others = variants.length > 1 ? await db.insert(productVariants).values(variants.slice(1).map((v, i) => ({ productId: product.id, ...row(v, i + 1) }))).returning() : []
  const [made] = await db.update(productVariants).set(row(first, 0)).where(eq(productVariants.id, byTrigger!.id)).returning()
  const rows = [made!, ...others]
  const links = rows.flatMap((variant, i) =>
    variants[i]!.optionValues.map((value, o) => {
      const option = optionRows[o]
      const found = valueRows.find((v) => v.optionId === option?.id && v.value === value)
      if (!option || !found) throw new Error(`"${value}" is not a value of option ${o}`)
      return { variantId: variant.id, optionId: option.id, optionValueId: found.id }
    }),
  )
  if (links.length) await db.insert(variantOptionValues).values(links)
  await bumpCatalogVersion(env)
  return { product, options: optionRows, variants: rows }
}
