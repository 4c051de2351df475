/** Inputs that used to answer 500: each is now a clear 4xx (or just works), in the one error shape for the API. */
import { env, SELF } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { listAudit } from '../src/admin/audit'
import { createCategory } from '../src/admin/categories'
import { createProduct, listAdminProducts } from '../src/admin/products'
import { listUsers } from '../src/admin/users'
import { getDb } from '../src/db/client'
import { users } from '../src/db/schema'
import type { CurrentUser } from '../src/platform/env'
import type { ErrorBody } from '../src/platform/errors'
import { LIKE_PATTERN_MAX_BYTES } from '../src/platform/text-match'
import { BASE, Browser, callJson, getError, insertProduct, registerUser, uniqueEmail } from './helpers'
import { ADDRESS, defaultVariant } from './orders-helpers'

const LONG_NAME = 'Organic Cotton Crew-Neck T-Shirt with Pocket, Navy Blue' // 55 characters
const bytes = (text: string) => new TextEncoder().encode(text).length

async function staff(role: 'staff' | 'admin' = 'admin') {
  const user = await registerUser()
  await getDb(env).update(users).set({ role }).where(eq(users.id, user.user.id))
  const actor: CurrentUser = { id: user.user.id, email: user.email, name: user.name, role, tokenVersion: 0 }
  return { ...user, actor }
}

async function signedInBrowser(who: { email: string; password: string }) {
  const browser = new Browser()
  expect((await browser.submit('/account/sign-in', '/account/sign-in', { email: who.email, password: who.password })).status).toBe(303)
  return browser
}

/**
 * An Env whose D1 records every statement it runs with its bound values, so that a test can check what
 * reaches D1 (local D1 accepts LIKE patterns that production refuses).
 */
function recordingEnv() {
  const statements: { sql: string; params: unknown[] }[] = []
  const real = new WeakMap<object, D1PreparedStatement>()
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, prop) {
        if (prop === 'bind') {
          return (...params: unknown[]) => {
            statements.push({ sql, params })
            return wrap(target.bind(...params), sql)
          }
        }
        const value = Reflect.get(target, prop, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    real.set(proxy, statement)
    return proxy
  }
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => wrap(target.prepare(sql), sql)
      if (prop === 'batch') return (list: D1PreparedStatement[]) => target.batch(list.map((s) => real.get(s) ?? s))
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  /** LIKE/GLOB statements that bound a string longer than D1's pattern limit. */
  const overlongPatterns = () =>
    statements.filter((s) => /\b(like|glob)\b/i.test(s.sql) && s.params.some((p) => typeof p === 'string' && bytes(p) > LIKE_PATTERN_MAX_BYTES))
  return { env: { ...env, DB } as Env, statements, overlongPatterns }
}

describe('keys named like Object.prototype members', () => {
  it('answers a query key such as toString or __proto__ with a 400 naming it', async () => {
    const answer = await getError('/api/products?toString=1&__proto__=2&constructor=3')
    expect(answer.status).toBe(400)
    expect(answer.body.error.code).toBe('validation_failed')
    expect(Object.keys(answer.body.error.fields ?? {}).sort()).toEqual(['__proto__', 'constructor', 'toString'])
  })

  it('answers a JSON body with a "__proto__" key with a 400 naming it', async () => {
    const answer = await callJson<ErrorBody>('POST', '/api/auth/register', '{"__proto__":{"admin":true},"email":"x@example.com","password":"correct horse battery","name":"X"}')
    expect(answer.status).toBe(400)
    // An own key named "__proto__" (an object literal would set the prototype instead).
    expect(Object.entries(answer.body.error.fields ?? {})).toEqual([['__proto__', ['is not a known field']]])
  })

  it('names an unknown nested key with its path: shipping_address.constructor', async () => {
    const shopper = await registerUser()
    const product = await insertProduct()
    const body = { items: [{ product_id: product.id, quantity: 1 }], shipping_address: { ...ADDRESS, constructor: 1 } }
    const answer = await callJson<ErrorBody>('POST', '/api/orders', body, shopper.bearer)
    expect(answer.status).toBe(400)
    expect(answer.body.error.fields).toEqual({ 'shipping_address.constructor': ['is not a known field'] })
  })
})

describe('search text that is empty after Unicode normalisation', () => {
  it('is a 400 on the API: U+FE76 alone normalises to a space and a combining mark', async () => {
    const answer = await getError('/api/products?q=%EF%B9%B6')
    expect(answer.status).toBe(400)
    expect(answer.body.error.fields?.q).toEqual(['must contain a letter or a digit'])
  })

  it('is no search on the shop: the listing redirects to the unfiltered one', async () => {
    const answer = await SELF.fetch(`${BASE}/products?q=%EF%B9%B6`, { redirect: 'manual' })
    expect(answer.status).toBe(302)
    expect(answer.headers.get('Location')).toBe('/products')
  })

  it('still finds what the words name when marks come with them', async () => {
    const product = await insertProduct({ name: 'Zwieback tin' })
    const answer = await SELF.fetch(`${BASE}/api/products?q=${encodeURIComponent('zwieback \uFE76')}`)
    expect(answer.status).toBe(200)
    expect(((await answer.json()) as { items: { id: number }[] }).items.map((p) => p.id)).toContain(product.id)
  })
})

describe('names and searches longer than D1 allows in a LIKE pattern', () => {
  it('creates two products with the same 55-character name, the second slug numbered, sending D1 no long pattern', async () => {
    const admin = await staff()
    const recorded = recordingEnv()
    const name = `${LONG_NAME} ${Date.now().toString(36)}`
    const first = await createProduct(recorded.env, admin.actor, { name, description: '', price: 1250, currency: 'USD', stock_quantity: 1, is_active: true, tax_class: 'standard', category_ids: [] })
    const second = await createProduct(recorded.env, admin.actor, { name, description: '', price: 1250, currency: 'USD', stock_quantity: 1, is_active: true, tax_class: 'standard', category_ids: [] })
    expect(second.slug).toBe(`${first.slug}-2`)
    expect(recorded.overlongPatterns()).toEqual([])
  })

  it('creates a product with a 60-character name through the API', async () => {
    const admin = await staff()
    const name = 'Organic Cotton Crew-Neck T-Shirt with Pocket, Navy Blue, XXL'
    const created = await callJson<{ slug: string }>('POST', '/api/admin/products', { name, price: '19.00' }, admin.bearer)
    expect(created.status).toBe(201)
    expect(created.body.slug).toMatch(/^organic-cotton-crew-neck-t-shirt-with-pocket-navy-blue-xxl/)
  })

  it('numbers a long category slug without a long pattern either', async () => {
    const admin = await staff()
    const recorded = recordingEnv()
    const name = `Garden furniture and outdoor living accessories ${Date.now().toString(36)}`
    const first = await createCategory(recorded.env, admin.actor, { name, parent_id: null, position: 0 })
    const second = await createCategory(recorded.env, admin.actor, { name, parent_id: null, position: 0 })
    expect(second.slug).toBe(`${first.slug}-2`)
    expect(recorded.overlongPatterns()).toEqual([])
  })

  it('finds a product by 55 characters of its name in the admin search, %, _ and \\ taken literally', async () => {
    const recorded = recordingEnv()
    const product = await insertProduct({ name: `${LONG_NAME} 100% cotton_wool\\` })
    const found = await listAdminProducts(recorded.env, { q: `${LONG_NAME.toUpperCase()} 100% cotton_wool\\`, sort: 'newest', page: 1, page_size: 25 })
    expect(found.items.map((p) => p.id)).toEqual([product.id])
    expect((await listAdminProducts(recorded.env, { q: '100%_cotton', sort: 'newest', page: 1, page_size: 25 })).items).toEqual([])
    expect(recorded.overlongPatterns()).toEqual([])
  })

  it('filters users by 60 characters of email and the audit log by a 60-character action, without a long pattern', async () => {
    const recorded = recordingEnv()
    const long = await registerUser({ email: uniqueEmail(`a-long-mailbox-name-${'x'.repeat(30)}`) })
    expect((await listUsers(recorded.env, { q: long.email.slice(0, 60), page: 1, page_size: 50 })).items.map((u) => u.id)).toEqual([long.user.id])
    expect((await listAudit(recorded.env, { action: 'product.'.padEnd(60, 'x'), page: 1, page_size: 50 })).items).toEqual([])
    expect(recorded.overlongPatterns()).toEqual([])
  })

  it('answers the same searches over HTTP with 200', async () => {
    const admin = await staff()
    for (const path of [`/api/admin/products?q=${encodeURIComponent(LONG_NAME)}`, `/api/admin/users?q=${'a'.repeat(60)}`, `/api/admin/audit?action=${'b'.repeat(60)}`, `/api/admin/orders?email=${'c'.repeat(60)}%40example.com`]) {
      expect((await SELF.fetch(`${BASE}${path}`, { headers: admin.bearer })).status, path).toBe(200)
    }
  })
})

describe('conditional requests on /images/:key', () => {
  const key = `products/${'b'.repeat(64)}.png`
  const image = async (headers: Record<string, string>) => {
    await env.IMAGES.put(key, new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { httpMetadata: { contentType: 'image/png' } })
    return SELF.fetch(`${BASE}/images/${key}`, { headers })
  }

  it('answers a malformed If-None-Match or If-Match with a 400 naming the header', async () => {
    for (const [name, value] of [['If-None-Match', '"unterminated'], ['If-Match', 'W/"x", garbage']] as const) {
      const answer = await image({ [name]: value })
      expect(answer.status, value).toBe(400)
      expect(((await answer.json()) as ErrorBody).error.fields).toHaveProperty(name.toLowerCase())
    }
  })

  it('answers an If-Match naming another version with 412, not 304', async () => {
    const answer = await image({ 'If-Match': '"some-other-version"' })
    expect(answer.status).toBe(412)
    expect(((await answer.json()) as ErrorBody).error.code).toBe('precondition_failed')
  })

  it('answers 304 to an If-None-Match naming it and 200 to an If-Match naming it', async () => {
    const etag = (await image({})).headers.get('ETag') as string
    expect((await image({ 'If-None-Match': `"x", ${etag}` })).status).toBe(304)
    expect((await image({ 'If-None-Match': '*' })).status).toBe(304)
    const matched = await image({ 'If-Match': etag })
    expect(matched.status).toBe(200)
    expect(new Uint8Array(await matched.arrayBuffer())).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))
  })
})

describe('the admin category forms validate as the API does', () => {
  it('refuses position=aaa on the new-category form with the field named on the page, as the API names it', async () => {
    const admin = await staff()
    const browser = await signedInBrowser(admin)
    const page = await browser.submit('/admin/categories', '/admin/categories', { name: 'Lamps', parent_id: '', position: 'aaa' })
    expect(page.status).toBe(400)
    expect(await page.text()).toMatch(/id="field-position-error"[^>]*>must be a whole number</)
    const api = await callJson<ErrorBody>('POST', '/api/admin/categories', { name: 'Lamps', position: 'aaa' }, admin.bearer)
    expect(api.status).toBe(400)
    expect(api.body.error.fields?.position).toEqual(['must be a whole number'])
  })

  it('refuses position=aaa and parent_id=1e3 on a category row, keeping the category as it was', async () => {
    const admin = await staff()
    const category = await createCategory(env, admin.actor, { name: `Rugs ${Date.now().toString(36)}`, parent_id: null, position: 3 })
    const browser = await signedInBrowser(admin)
    const page = await browser.submit('/admin/categories', `/admin/categories/${category.id}`, { name: 'Rugs', parent_id: '1e3', position: 'aaa' })
    expect(page.status).toBe(400)
    const html = await page.text()
    expect(html).toContain('position must be a whole number')
    expect(html).toContain('parent id must be a category id')
    const [after] = (await callJson<{ items: { id: number; position: number }[] }>('GET', '/api/admin/categories', undefined, admin.bearer)).body.items.filter((c) => c.id === category.id)
    expect(after?.position).toBe(3)
  })
})

describe('the checkout form', () => {
  it('answers a checkout_token that cannot fit an idempotency key (over 246 characters) with a 400 page', async () => {
    const shopper = await registerUser()
    const product = await insertProduct({ stockQuantity: 5 })
    await callJson('POST', '/api/cart/items', { product_id: product.id, quantity: 1 }, shopper.bearer)
    const browser = await signedInBrowser(shopper)
    const address = Object.fromEntries(Object.entries(ADDRESS).map(([k, v]) => [`shipping_address.${k}`, v]))
    const page = await browser.submit('/checkout', '/checkout', { ...address, checkout_token: 'x'.repeat(247) })
    expect(page.status).toBe(400)
    expect(await page.text()).toContain('reload the page')
    const fits = await browser.submit('/checkout', '/checkout', { ...address, checkout_token: 'x'.repeat(246) })
    expect(fits.status).toBe(303)
  })
})

describe('page forms whose body cannot be read', () => {
  it('answers a multipart form without a boundary with a 400 page, behind the CSRF check or not', async () => {
    const admin = await staff()
    const browser = await signedInBrowser(admin)
    for (const path of ['/cart/items', '/admin/categories', '/account/profile']) {
      const answer = await browser.fetch(path, { method: 'POST', body: 'garbage', headers: { 'Content-Type': 'multipart/form-data', Origin: BASE } })
      expect(answer.status, path).toBe(400)
      expect(await answer.text(), path).toContain('The form could not be read')
    }
  })
})

describe('the cart page takes the same product ids as the API', () => {
  it('changes the quantity of a product whose id has five digits', async () => {
    const product = await insertProduct({ id: 50_000 + Math.floor(Math.random() * 10_000), stockQuantity: 9 })
    const browser = new Browser()
    const add = await browser.fetch('/cart/items', { method: 'POST', body: new URLSearchParams({ product_id: String(product.id), quantity: '1' }), headers: { Origin: BASE } })
    expect(add.status).toBe(303)
    expect((await browser.submit('/cart', `/cart/items/${await defaultVariant(product.id)}`, { quantity: '3' })).status).toBe(303)
    const cart = await (await browser.fetch('/api/cart')).json() as { items: { product_id: number; quantity: number }[] }
    expect(cart.items).toEqual([expect.objectContaining({ product_id: product.id, quantity: 3 })])
  })

  it('refuses a quantity that is not a number rather than removing the line', async () => {
    const product = await insertProduct({ stockQuantity: 9 })
    const browser = new Browser()
    await browser.fetch('/cart/items', { method: 'POST', body: new URLSearchParams({ product_id: String(product.id), quantity: '2' }), headers: { Origin: BASE } })
    expect((await browser.submit('/cart', `/cart/items/${await defaultVariant(product.id)}`, { quantity: '1e3' })).status).toBe(400)
    const cart = await (await browser.fetch('/api/cart')).json() as { items: { product_id: number; quantity: number }[] }
    expect(cart.items).toEqual([expect.objectContaining({ product_id: product.id, quantity: 2 })])
  })
})

describe('admin page filters and image forms go through the API schemas', () => {
  it('answers audit-log filters the API refuses (page=1e3, a 300-character actor) with a 400 page', async () => {
    const admin = await staff()
    const browser = await signedInBrowser(admin)
    for (const query of ['page=1e3', `actor=${'a'.repeat(300)}`]) {
      const page = await browser.fetch(`/admin/audit?${query}`)
      expect(page.status, query).toBe(400)
      expect(await page.text(), query).toContain('Please check the filters')
      expect((await callJson('GET', `/api/admin/audit?${query}`, undefined, admin.bearer)).status, query).toBe(400)
    }
  })

  it('refuses alt text over 300 characters on the product page, as the API does, instead of cutting it', async () => {
    const admin = await staff()
    const product = await insertProduct({ images: [`products/${'c'.repeat(64)}.png`] })
    const [image] = (await callJson<{ images: { id: number }[] }>('GET', `/api/admin/products/${product.id}`, undefined, admin.bearer)).body.images
    const browser = await signedInBrowser(admin)
    const page = await browser.submit(`/admin/products/${product.id}`, `/admin/products/${product.id}/images/${image?.id}/alt`, { alt_text: 'a'.repeat(301) })
    expect(page.status).toBe(400)
    expect(await page.text()).toContain('The alt text was not saved')
    const api = await callJson('PATCH', `/api/admin/products/${product.id}/images/${image?.id}`, { alt_text: 'a'.repeat(301) }, admin.bearer)
    expect(api.status).toBe(400)
  })
})
