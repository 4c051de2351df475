/**
 * Pins how many times a request waits on D1 and on the stock objects (README "Performance: round trips"):
 * the Worker is called in-process with an env whose DB and STOCK count every call (`prepare().run/all/first/raw`
 * one each, `batch` one for all its statements; a stock object's method one each). What a stock object does
 * with D1 itself (its first load, its write-through) goes through its own env and is not counted: it is not
 * on the request's path once the object is warm, which each test makes it first.
 */
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test'
import { eq, sql } from 'drizzle-orm'
import { decodeJwt, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import worker from '../src/index'
import { getDb } from '../src/db/client'
import { authSecret } from '../src/accounts/secrets'
import { cartItems, carts, orders, productVariants, shippingMethods, shippingZoneAreas, shippingZones, taxRates, users } from '../src/db/schema'
import type { CartView } from '../src/cart/service'
import type { OrderView } from '../src/orders/service'
import { BASE, callJson, insertProduct, registerUser } from './helpers'
import { defaultVariant, stockView } from './orders-helpers'

/** The calls a request made: D1 statements run on their own, D1 batches, and stock object methods by name. */
interface Trips {
  queries: string[]
  batches: number[]
  stock: string[]
}

/** A D1 binding that counts; statements handed to `batch` are unwrapped, since the binding accepts only its own. */
function countingD1(real: D1Database, trips: Trips): D1Database {
  const realOf = new WeakMap<object, D1PreparedStatement>()
  const wrap = (statement: D1PreparedStatement, text: string): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, prop) {
        if (prop === 'bind') return (...values: unknown[]) => wrap(target.bind(...values), text)
        if (prop === 'run' || prop === 'all' || prop === 'first' || prop === 'raw') {
          return (...args: unknown[]) => {
            trips.queries.push(text)
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args)
          }
        }
        const value = Reflect.get(target, prop, target) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    realOf.set(proxy, statement)
    return proxy
  }
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'prepare') return (text: string) => wrap(target.prepare(text), text)
      if (prop === 'batch') {
        return (statements: D1PreparedStatement[]) => {
          trips.batches.push(statements.length)
          return target.batch(statements.map((s) => realOf.get(s) ?? s))
        }
      }
      const value = Reflect.get(target, prop, target) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** A Durable Object namespace whose stubs count their method calls. */
function countingStock(real: DurableObjectNamespace, trips: Trips): DurableObjectNamespace {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'get') {
        return (id: DurableObjectId) => {
          const stub = target.get(id)
          return new Proxy(stub, {
            get(s, method) {
              const value = Reflect.get(s, method) as unknown
              if (typeof method !== 'string' || method === 'then' || typeof value !== 'function') return value
              return (...args: unknown[]) => {
                trips.stock.push(method)
                // Called on the stub itself: an RPC method applied with another `this` would send it along.
                return (s as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args)
              }
            },
          })
        }
      }
      const value = Reflect.get(target, prop, target) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** One request through the Worker with counting bindings: its answer and its trips. */
async function counted<T>(method: string, path: string, body: unknown, headers: Record<string, string>) {
  const trips: Trips = { queries: [], batches: [], stock: [] }
  const counting = { ...env, DB: countingD1(env.DB, trips), STOCK: countingStock(env.STOCK as unknown as DurableObjectNamespace, trips) } as unknown as Env
  const ctx = createExecutionContext()
  const response = await worker.request(
    `${BASE}${path}`,
    { method, headers: { ...(body !== undefined && { 'Content-Type': 'application/json' }), ...headers }, ...(body !== undefined && { body: JSON.stringify(body) }) },
    counting,
    ctx,
  )
  const answer = (await response.json()) as T
  await waitOnExecutionContext(ctx)
  return { status: response.status, body: answer, trips }
}

const ADDRESS = { name: 'Grace Hopper', line1: '1 Infinite Loop', city: 'Cupertino', region: 'CA', postal_code: '95014', country: 'US' }
let methodId = 0

beforeAll(async () => {
  const db = getDb(env)
  const [zone] = await db.insert(shippingZones).values({ name: 'Domestic', position: 0 }).returning()
  if (!zone) throw new Error('zone not inserted')
  await db.insert(shippingZoneAreas).values({ zoneId: zone.id, country: 'US', region: '' })
  const [method] = await db.insert(shippingMethods).values({ zoneId: zone.id, name: 'Standard', estimate: '3–5 days', rateKind: 'flat', flatCents: 500, position: 0 }).returning()
  methodId = method!.id
  await db.insert(taxRates).values({ country: 'US', region: 'CA', taxClass: 'standard', rateBp: 725, name: 'CA sales tax' })
})

/** A product with stock and a customer, with one order placed already (the stock object and this isolate warm). */
async function warmStore(stock = 100) {
  const product = await insertProduct({ name: `Harbor Mug ${crypto.randomUUID().slice(0, 6)}`, stockQuantity: stock, priceCents: 1800 })
  const variantId = await defaultVariant(product.id)
  const who = await registerUser()
  const orderWith = (headers: Record<string, string>, quantity = 1) =>
    counted<OrderView & { error?: { code: string; message: string } }>('POST', '/api/orders', { items: [{ variant_id: variantId, quantity }], shipping_address: ADDRESS, shipping_method_id: methodId }, headers)
  const order = (quantity = 1) => orderWith(who.bearer, quantity)
  expect((await order()).status).toBe(201)
  return { product, variantId, who, order, orderWith }
}

/** How many orders the user has in D1. */
const ordersOf = async (userId: number) => (await getDb(env).select({ id: orders.id }).from(orders).where(eq(orders.userId, userId))).length

describe('placing an order', () => {
  it('is one D1 batch and one stock object call, and answers what GET then shows', async () => {
    const { order, who } = await warmStore()
    const placed = await order(2)
    expect(placed.status).toBe(201)
    // The bearer token's sign-in is checked by the batch's guard (src/orders/place.ts), not read first.
    expect(placed.trips.queries).toEqual([])
    expect(placed.trips.batches).toHaveLength(1)
    expect(placed.trips.stock).toEqual(['reserveSale'])
    const shown = await callJson<OrderView>('GET', `/api/orders/${placed.body.id}`, undefined, who.bearer)
    expect(placed.body).toEqual(shown.body)
    expect(placed.body.total_cents).toBe(2 * 1800 + 500 + Math.round(2 * 1800 * 0.0725))
  })

  it('never sells at a price its stock object no longer has: D1 refuses the batch and the order is priced again', async () => {
    const { order, variantId, product } = await warmStore()
    // Behind the object's back (no write-through): its copy still says 18.00.
    await getDb(env).update(productVariants).set({ priceCents: 2500 }).where(eq(productVariants.id, variantId))
    const placed = await order(1)
    expect(placed.status).toBe(201)
    expect(placed.body.items[0]?.price_at_purchase_cents).toBe(2500)
    expect(placed.body.subtotal_cents).toBe(2500)
    // The refused batch, the object asked to read D1 again, the versions of the rules read (unchanged: the
    // copies serve), then the batch that placed it.
    expect(placed.trips.batches).toHaveLength(2)
    expect(placed.trips.queries).toHaveLength(2)
    expect(placed.trips.stock).toEqual(['reserveSale', 'reserveSale'])
    // The same holds both times: one line of one unit held, not two.
    expect((await stockView(product.id)).held).toBe(2)
  })

  it('refuses a variant switched off meanwhile with a 404 naming the product, and holds nothing', async () => {
    const { order, variantId, product } = await warmStore()
    await getDb(env).update(productVariants).set({ isActive: false }).where(eq(productVariants.id, variantId))
    const placed = await order(1)
    expect(placed.status).toBe(404)
    expect(placed.body.error?.message).toBe(`${product.name} is not for sale`)
    expect((await stockView(product.id)).held).toBe(1)
  })

  it('prices with a tax rate staff changed a moment ago, though the rules are kept in memory', async () => {
    const { order } = await warmStore()
    await getDb(env).update(taxRates).set({ rateBp: 1000 }).where(eq(taxRates.name, 'CA sales tax'))
    const placed = await order(1)
    expect(placed.status).toBe(201)
    expect(placed.body.tax_cents).toBe(180)
    await getDb(env).update(taxRates).set({ rateBp: 725 }).where(eq(taxRates.name, 'CA sales tax'))
  })

  it('names the product in a refusal for want of stock', async () => {
    const { order, product } = await warmStore(3)
    const placed = await order(5)
    expect(placed.status).toBe(409)
    expect(placed.body.error?.message).toBe(`Only 2 of ${product.name} available`)
  })
})

describe('placing an order with a bearer token whose sign-in the batch checks', () => {
  it('answers 401 to a token signed out since, and neither stores an order nor keeps its hold', async () => {
    const { order, who, product } = await warmStore()
    expect((await callJson('POST', '/api/auth/logout', { refresh_token: who.refresh_token })).status).toBe(204)
    const placed = await order(3)
    expect(placed.status).toBe(401)
    expect(placed.body.error?.message).toBe('Access token revoked')
    expect(await ordersOf(who.user.id)).toBe(1)
    expect((await stockView(product.id)).held).toBe(1)
  })

  it('answers 401 to a token issued before a password change, even when a price changed too', async () => {
    const { order, who, product, variantId } = await warmStore()
    await getDb(env).update(users).set({ tokenVersion: sql`${users.tokenVersion} + 1` }).where(eq(users.id, who.user.id))
    await getDb(env).update(productVariants).set({ priceCents: 2500 }).where(eq(productVariants.id, variantId))
    const placed = await order(2)
    expect(placed.status).toBe(401)
    expect(await ordersOf(who.user.id)).toBe(1)
    expect((await stockView(product.id)).held).toBe(1)
  })

  it("writes the account's current email when it changed since the token was issued", async () => {
    const { order, who } = await warmStore()
    const changed = `changed-${crypto.randomUUID().slice(0, 8)}@example.com`
    await getDb(env).update(users).set({ email: changed }).where(eq(users.id, who.user.id))
    const placed = await order(1)
    expect(placed.status).toBe(201)
    expect(placed.body.email).toBe(changed)
    expect((await callJson<OrderView>('GET', `/api/orders/${placed.body.id}`, undefined, who.bearer)).body.email).toBe(changed)
    // Refused once by the guard, the user read, then written with the new email.
    expect(placed.trips.batches).toHaveLength(2)
  })

  it('takes a token issued before tokens carried the email, reading the user first', async () => {
    const { orderWith, who } = await warmStore()
    const claims = decodeJwt(who.access_token)
    const older = await new SignJWT({ role: claims.role, ver: claims.ver, fam: claims.fam })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(claims.sub))
      .setIssuer(String(claims.iss))
      .setAudience(claims.aud as string)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(authSecret(env))
    const placed = await orderWith({ Authorization: `Bearer ${older}` })
    expect(placed.status).toBe(201)
    expect(placed.body.email).toBe(who.email.toLowerCase())
    expect(placed.trips.queries).toHaveLength(1)
    expect(placed.trips.queries[0]).toMatch(/from "users"/)
  })

  it('still answers 401 without a token, and to a forged one', async () => {
    const { orderWith } = await warmStore()
    expect((await orderWith({})).status).toBe(401)
    const forged = await new SignJWT({ role: 'customer', ver: 0, em: 'x@example.com' }).setProtectedHeader({ alg: 'HS256' }).setSubject('1').setIssuer('cato-store').setAudience('cato-store-api').setExpirationTime('5m').sign(new TextEncoder().encode('not the key at all, but long enough'))
    expect((await orderWith({ Authorization: `Bearer ${forged}` })).status).toBe(401)
  })
})

describe('the cart', () => {
  it('adds, updates and shows a line in few round trips', async () => {
    const { variantId, product } = await warmStore()
    const who = await registerUser()
    const add = () => counted<CartView>('POST', '/api/cart/items', { variant_id: variantId, quantity: 1 }, who.bearer)
    expect((await add()).status).toBe(200)
    const added = await add()
    expect(added.status).toBe(200)
    expect(added.body.items[0]?.quantity).toBe(2)
    // The read of the cart with the sign-in check, the stock object's word, the write that answers the cart.
    expect(added.trips.queries).toEqual([])
    expect(added.trips.batches).toHaveLength(2)
    expect(added.trips.stock).toEqual(['offer'])

    const updated = await counted<CartView>('PATCH', `/api/cart/items/${variantId}`, { quantity: 3 }, who.bearer)
    expect(updated.body.items[0]?.quantity).toBe(3)
    expect(updated.trips.queries).toEqual([])
    expect(updated.trips.batches).toHaveLength(2)
    expect(updated.trips.stock).toEqual(['offer'])

    const shown = await counted<CartView>('GET', '/api/cart', undefined, who.bearer)
    expect(shown.body.items.map((item) => [item.product_id, item.quantity])).toEqual([[product.id, 3]])
    expect(shown.trips.queries).toHaveLength(1)
    expect(shown.trips.batches).toHaveLength(1)
    expect(shown.trips.stock).toEqual([])
  })

  it('answers 401 to a token signed out or issued before a password change, and writes nothing to the cart', async () => {
    const { variantId } = await warmStore()
    const who = await registerUser()
    const add = (quantity: number) => counted<CartView & { error?: { message: string } }>('POST', '/api/cart/items', { variant_id: variantId, quantity }, who.bearer)
    expect((await add(1)).status).toBe(200)
    await getDb(env).update(users).set({ tokenVersion: sql`${users.tokenVersion} + 1` }).where(eq(users.id, who.user.id))
    const added = await add(2)
    expect([added.status, added.body.error?.message]).toEqual([401, 'Access token revoked'])
    const updated = await counted('PATCH', `/api/cart/items/${variantId}`, { quantity: 5 }, who.bearer)
    expect(updated.status).toBe(401)
    const again = await registerUser()
    expect((await counted('POST', '/api/cart/items', { variant_id: variantId, quantity: 1 }, again.bearer)).status).toBe(200)
    expect((await callJson('POST', '/api/auth/logout', { refresh_token: again.refresh_token })).status).toBe(204)
    expect((await counted('POST', '/api/cart/items', { variant_id: variantId, quantity: 1 }, again.bearer)).status).toBe(401)
    const lines = await getDb(env).select({ quantity: cartItems.quantity, cart: carts.userId }).from(cartItems).innerJoin(carts, eq(carts.id, cartItems.cartId)).where(eq(cartItems.variantId, variantId))
    expect(lines.filter((line) => line.cart === who.user.id).map((line) => line.quantity)).toEqual([1])
    expect(lines.filter((line) => line.cart === again.user.id).map((line) => line.quantity)).toEqual([1])
  })

  it("goes on for a token whose account's email changed since, reading the user once", async () => {
    const { variantId } = await warmStore()
    const who = await registerUser()
    await getDb(env).update(users).set({ email: `moved-${crypto.randomUUID().slice(0, 8)}@example.com` }).where(eq(users.id, who.user.id))
    const added = await counted<CartView>('POST', '/api/cart/items', { variant_id: variantId, quantity: 1 }, who.bearer)
    expect(added.status).toBe(200)
    expect(added.body.items[0]?.quantity).toBe(1)
    expect(added.trips.queries).toHaveLength(1)
  })

  it('refuses more than is available naming the product', async () => {
    const { variantId, product } = await warmStore(4)
    const who = await registerUser()
    const added = await counted<{ error?: { message: string } }>('POST', '/api/cart/items', { variant_id: variantId, quantity: 9 }, who.bearer)
    expect(added.status).toBe(409)
    expect(added.body.error?.message).toBe(`Only 3 of ${product.name} available`)
  })
})
