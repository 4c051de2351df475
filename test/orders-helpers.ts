import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { getDb } from '../src/db/client'
import { orderEvents, products, productVariants } from '../src/db/schema'
import type { CartView } from '../src/cart/service'
import type { OrderView } from '../src/orders/service'
import { stockOf } from '../src/stock/client'
import type { ErrorBody } from '../src/platform/errors'
import { callJson, registerUser } from './helpers'

export const range = (n: number) => Array.from({ length: n }, (_, i) => i)

export const ADDRESS = { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postal_code: 'SW1Y 4JH', country: 'GB' }

export type Shopper = Awaited<ReturnType<typeof registerUser>>
export const shopper = () => registerUser()

/** Either the answer or the one error shape. */
export type Answer<T> = T & Partial<ErrorBody>

/** POST /api/orders with explicit lines (and the standard address unless told otherwise). */
export function placeOrder(
  who: Shopper,
  items: ({ product_id: number; quantity: number } | { variant_id: number; quantity: number })[],
  { key, address = ADDRESS }: { key?: string; address?: typeof ADDRESS | null } = {},
) {
  const body = { items, ...(address && { shipping_address: address }) }
  return callJson<Answer<OrderView>>('POST', '/api/orders', body, { ...who.bearer, ...(key && { 'Idempotency-Key': key }) })
}

/** The CSRF cookie and header a script of the shop sends beside its cookies (a fixed value: only their match counts). */
export const TEST_CSRF = 'test-csrf-token-0123456789abcdefghijklmnopq'
export const withCsrf = (cookie: string) => ({ Cookie: `${cookie}; csrf=${TEST_CSRF}`, 'X-CSRF-Token': TEST_CSRF })

/** A cart request as a guest browser (its cookie, with the CSRF token its writes need), a signed-in user (bearer), or both at once. */
export function cartCall(method: string, path: string, body?: unknown, { cookie, bearer }: { cookie?: string; bearer?: Record<string, string> } = {}) {
  return callJson<Answer<CartView>>(method, `/api/cart${path}`, body, { ...(cookie && withCsrf(cookie)), ...bearer })
}

/** The `name=value` of the cart cookie a response set, if any. */
export const cartCookieOf = (headers: Headers) =>
  headers
    .getSetCookie()
    .find((cookie) => cookie.startsWith('cart='))
    ?.split(';')[0]

/** The product's stock as its object knows it. */
export async function stockView(productId: number) {
  const view = await stockOf(env, productId).get(productId)
  if (!view.ok) throw new Error(`product ${productId} unknown to its stock object`)
  return view
}

export async function d1Stock(productId: number) {
  const row = await getDb(env).select({ qty: products.stockQuantity }).from(products).where(eq(products.id, productId)).get()
  return row?.qty
}

export const setProduct = (productId: number, fields: Partial<typeof products.$inferInsert>) =>
  getDb(env).update(products).set(fields).where(eq(products.id, productId))

/** Moves the deadline of the product's holds into the past and runs its alarm, as if the time had run out. */
export async function runOutHolds(productId: number) {
  const stock = stockOf(env, productId)
  await runInDurableObject(stock, (_instance, state) => {
    state.storage.sql.exec('UPDATE holds SET expires_at = ?', Date.now() - 1)
  })
  return runDurableObjectAlarm(stock)
}

export const eventsOf = (orderId: string) =>
  getDb(env).select().from(orderEvents).where(eq(orderEvents.orderId, orderId)).orderBy(orderEvents.id)

/** The one (default) variant of a product without options: cart paths and order lines name it. */
export async function defaultVariant(productId: number): Promise<number> {
  const row = await getDb(env).select({ id: productVariants.id }).from(productVariants).where(eq(productVariants.productId, productId)).get()
  if (!row) throw new Error(`product ${productId} has no variant`)
  return row.id
}
