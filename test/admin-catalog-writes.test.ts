/**
 * Staff's catalog writes: stock is never set blindly (a compare-and-set or a relative change), every
 * multi-step change stands or falls as one (stock, fields, categories, audit entry, catalog version),
 * and writers racing for one slug never get a 500.
 */
import { env } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { getDb } from '../src/db/client'
import { auditLog, catalogState, categories, products } from '../src/db/schema'
import { stockOf } from '../src/stock/client'
import type { ErrorBody } from '../src/platform/errors'
import { Browser, callJson, getJson, insertProduct, staffUser } from './helpers'
import { d1Stock, placeOrder, range, shopper, stockView } from './orders-helpers'

vi.setConfig({ testTimeout: 30_000 })

type Product = { id: number; name: string; slug: string; price_cents: number; stock_quantity: number; category_ids: number[] }

const admin = <T = Product>(who: { bearer: Record<string, string> }, method: string, path: string, body?: unknown) =>
  callJson<T & Partial<ErrorBody>>(method, `/api/admin${path}`, body, who.bearer)

/** Customers buy `qty` units of the product (held and sold in its stock object). */
async function sell(productId: number, qty: number) {
  const id = `sale-${crypto.randomUUID()}`
  await stockOf(env, productId).reserve(productId, id, qty)
  expect(await stockOf(env, productId).commit(productId, id)).toMatchObject({ ok: true })
}

const auditOf = (productId: number) =>
  getDb(env).select().from(auditLog).where(and(eq(auditLog.targetType, 'product'), eq(auditLog.targetId, String(productId))))
const nameOf = async (productId: number) => (await getDb(env).select({ name: products.name }).from(products).where(eq(products.id, productId)).get())?.name
const catalogVersionInD1 = async () => (await getDb(env).select().from(catalogState).get())?.version ?? 0

describe('staff stock edits never put sold units back', () => {
  it('refuses a set whose expected figure is no longer on hand with a 409 naming the stock now, and saves nothing else either', async () => {
    const staff = await staffUser()
    const product = await insertProduct({ stockQuantity: 5 })
    const opened = await admin(staff, 'GET', `/products/${product.id}`)
    expect(opened.body.stock_quantity).toBe(5)
    await sell(product.id, 2)
    const auditBefore = (await auditOf(product.id)).length

    const stale = await admin(staff, 'PATCH', `/products/${product.id}`, { name: 'Renamed while selling', stock_quantity: 8, expected_stock_quantity: 5 })
    expect(stale.status).toBe(409)
    expect(stale.body.error?.code).toBe('stock_changed')
    expect(stale.body.error?.message).toContain('3 on hand now')
    expect(stale.body.error?.fields?.stock_quantity).toBeDefined()
    expect((await stockView(product.id)).onHand).toBe(3)
    expect(await nameOf(product.id)).toBe(product.name)
    expect(await auditOf(product.id)).toHaveLength(auditBefore)

    const fresh = await admin(staff, 'PATCH', `/products/${product.id}`, { stock_quantity: 8, expected_stock_quantity: 3 })
    expect(fresh.body.stock_quantity).toBe(8)
  })

  it('adds or removes units relatively, whatever sold meanwhile', async () => {
    const staff = await staffUser()
    const product = await insertProduct({ stockQuantity: 5 })
    await sell(product.id, 2)
    expect((await admin(staff, 'PATCH', `/products/${product.id}`, { stock_adjustment: 10 })).body.stock_quantity).toBe(13)
    expect((await admin(staff, 'PATCH', `/products/${product.id}`, { stock_adjustment: -4 })).body.stock_quantity).toBe(9)
    const negative = await admin(staff, 'PATCH', `/products/${product.id}`, { stock_adjustment: -10 })
    expect(negative.status).toBe(409)
    expect(negative.body.error?.code).toBe('stock_negative')
    expect(await d1Stock(product.id)).toBe(9)
  })

  it('refuses a blind set (no expected figure) and a set mixed with an adjustment with a 400 naming the field', async () => {
    const staff = await staffUser()
    const product = await insertProduct({ stockQuantity: 5 })
    const blind = await admin(staff, 'PATCH', `/products/${product.id}`, { stock_quantity: 7 })
    expect(blind.status).toBe(400)
    expect(blind.body.error?.fields?.expected_stock_quantity).toBeDefined()
    const both = await admin(staff, 'PATCH', `/products/${product.id}`, { stock_quantity: 7, expected_stock_quantity: 5, stock_adjustment: 1 })
    expect(both.status).toBe(400)
    expect((await stockView(product.id)).onHand).toBe(5)
  })

  it('keeps the units sold while the admin form was open when it is saved with the stock left as it was', async () => {
    const staff = await staffUser()
    const product = await insertProduct({ stockQuantity: 5, priceCents: 1000 })
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: staff.email, password: staff.password })
    const formPage = `/admin/products/${product.id}`
    const form = await (await browser.fetch(formPage)).text()
    expect(form).toContain('name="expected_stock_quantity" value="5"')
    await sell(product.id, 2)

    const fields = { name: product.name, slug: product.slug, price: '12.00', currency: 'USD', stock_quantity: '5', expected_stock_quantity: '5', is_active: 'on' }
    const saved = await browser.submit(formPage, formPage, fields)
    expect(saved.status).toBe(303)
    expect((await stockView(product.id)).onHand).toBe(3)
    expect(await d1Stock(product.id)).toBe(3)
    expect((await getJson<{ price_cents: number }>(`/api/products/${product.slug}`)).body.price_cents).toBe(1200)
  })

  it('shows the form again with a message and the stock as it is now when the stock typed was based on an old figure', async () => {
    const staff = await staffUser()
    const product = await insertProduct({ stockQuantity: 5 })
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: staff.email, password: staff.password })
    const formPage = `/admin/products/${product.id}`
    await sell(product.id, 2)

    const refused = await browser.submit(formPage, formPage, { name: 'Typed meanwhile', slug: product.slug, price: '10.00', currency: 'USD', stock_quantity: '9', expected_stock_quantity: '5', is_active: 'on' })
    expect(refused.status).toBe(409)
    const html = await refused.text()
    expect(html).toContain('3 on hand now')
    expect(html).toMatch(/name="stock_quantity"[^>]*value="3"|value="3"[^>]*name="stock_quantity"/)
    expect(html).toContain('name="expected_stock_quantity" value="3"')
    expect(html).toContain('value="Typed meanwhile"')
    expect((await stockView(product.id)).onHand).toBe(3)
    expect(await nameOf(product.id)).toBe(product.name)
  })
})

describe('a product change stands or falls as one', () => {
  it('saves nothing (no field, no audit entry, no new catalog version) when its stock part is refused', async () => {
    const staff = await staffUser()
    const product = await insertProduct({ stockQuantity: 5 })
    expect((await placeOrder(await shopper(), [{ product_id: product.id, quantity: 4 }])).status).toBe(201)
    const auditBefore = (await auditOf(product.id)).length
    const version = await catalogVersionInD1()
    const below = await admin(staff, 'PATCH', `/products/${product.id}`, { name: 'Never saved', price: '99.00', stock_quantity: 1, expected_stock_quantity: 5 })
    expect(below.status).toBe(409)
    expect(below.body.error?.code).toBe('stock_below_held')
    expect(await nameOf(product.id)).toBe(product.name)
    expect(await auditOf(product.id)).toHaveLength(auditBefore)
    expect(await catalogVersionInD1()).toBe(version)
  })

  it('writes the fields, the audit entry and a new catalog version together, and the shop shows the change at once', async () => {
    const staff = await staffUser()
    const product = await insertProduct({ stockQuantity: 5 })
    await getJson(`/api/products/${product.slug}`)
    const saved = await admin(staff, 'PATCH', `/products/${product.id}`, { name: 'Saved as one', stock_adjustment: 1 })
    expect(saved.status).toBe(200)
    const entries = await auditOf(product.id)
    expect(entries.at(-1)).toMatchObject({ action: 'product.update', after: expect.objectContaining({ name: 'Saved as one', stock_quantity: 6 }) })
    expect((await getJson<{ name: string; stock_quantity: number }>(`/api/products/${product.slug}`)).body).toMatchObject({ name: 'Saved as one', stock_quantity: 6 })
  })

  it('undoes the stock change when the D1 batch of the rest fails, keeping a sale made in between', async () => {
    const staff = await staffUser()
    const product = await insertProduct({ stockQuantity: 5 })
    await env.DB.prepare(
      `CREATE TRIGGER audit_fails_${product.id} BEFORE INSERT ON audit_log WHEN new.target_id = '${product.id}' BEGIN SELECT RAISE(ABORT, 'D1 is down'); END`,
    ).run()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const failed = await admin(staff, 'PATCH', `/products/${product.id}`, { name: 'Half written', stock_quantity: 9, expected_stock_quantity: 5 })
    await env.DB.prepare(`DROP TRIGGER audit_fails_${product.id}`).run()
    vi.restoreAllMocks()
    expect(failed.status).toBe(500)
    expect((await stockView(product.id)).onHand).toBe(5)
    expect(await d1Stock(product.id)).toBe(5)
    expect(await nameOf(product.id)).toBe(product.name)
    expect(await auditOf(product.id)).toHaveLength(0)
  })

  it('creates a product, its categories, its audit entry and the catalog version in one batch: a failure leaves no product behind', async () => {
    const staff = await staffUser()
    const category = await admin<{ id: number }>(staff, 'POST', '/categories', { name: `Batch ${crypto.randomUUID().slice(0, 6)}` })
    const name = `Atomic Vase ${crypto.randomUUID().slice(0, 6)}`
    const created = await admin(staff, 'POST', '/products', { name, price: '5', stock_quantity: 2, category_ids: [category.body.id] })
    expect(created.status).toBe(201)
    expect(created.body.category_ids).toEqual([category.body.id])
    expect(await auditOf(created.body.id)).toEqual([expect.objectContaining({ action: 'product.create', after: expect.objectContaining({ name, slug: created.body.slug }) })])

    await env.DB.prepare(`CREATE TRIGGER audit_create_fails BEFORE INSERT ON audit_log WHEN new.action = 'product.create' BEGIN SELECT RAISE(ABORT, 'D1 is down'); END`).run()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const lost = `Lost Vase ${crypto.randomUUID().slice(0, 6)}`
    const failed = await admin(staff, 'POST', '/products', { name: lost, price: '5', category_ids: [category.body.id] })
    await env.DB.prepare('DROP TRIGGER audit_create_fails').run()
    vi.restoreAllMocks()
    expect(failed.status).toBe(500)
    expect(await getDb(env).select().from(products).where(eq(products.name, lost))).toEqual([])
  })
})

describe('other catalog changes stand or fall with their audit entry', () => {
  it('keeps a category rename and an image change out of D1 when their audit entry cannot be written', async () => {
    const staff = await staffUser()
    const category = await admin<{ id: number; name: string }>(staff, 'POST', '/categories', { name: `Audited ${crypto.randomUUID().slice(0, 6)}` })
    const product = await insertProduct({ images: [`products/${crypto.randomUUID()}.png`] })
    const image = (await admin(staff, 'GET', `/products/${product.id}`)).body as unknown as { images: { id: number; alt_text: string }[] }
    await env.DB.prepare(`CREATE TRIGGER audit_all_fails BEFORE INSERT ON audit_log WHEN new.action IN ('category.update', 'product.image.alt') BEGIN SELECT RAISE(ABORT, 'D1 is down'); END`).run()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const renamed = await admin(staff, 'PATCH', `/categories/${category.body.id}`, { name: 'Never renamed' })
    const alt = await admin(staff, 'PATCH', `/products/${product.id}/images/${image.images[0]?.id}`, { alt_text: 'Never written' })
    await env.DB.prepare('DROP TRIGGER audit_all_fails').run()
    vi.restoreAllMocks()
    expect([renamed.status, alt.status]).toEqual([500, 500])
    expect((await getDb(env).select().from(categories).where(eq(categories.id, category.body.id)).get())?.name).toBe(category.body.name)
    expect(((await admin(staff, 'GET', `/products/${product.id}`)).body as unknown as { images: { alt_text: string }[] }).images[0]?.alt_text).toBe(image.images[0]?.alt_text)
  })
})

describe('writers racing for one slug', () => {
  it('creates 10 products of the same name at once, each with its own slug, and never a 500', async () => {
    const staff = await staffUser()
    const name = `Race Lamp ${crypto.randomUUID().slice(0, 6)}`
    const answers = await Promise.all(range(10).map(() => admin(staff, 'POST', '/products', { name, price: '9.99', stock_quantity: 1 })))
    expect(answers.map((a) => a.status)).toEqual(range(10).map(() => 201))
    expect(new Set(answers.map((a) => a.body.slug)).size).toBe(10)
  })

  it('creates 10 categories of the same name at once, each with its own slug', async () => {
    const staff = await staffUser()
    const name = `Race Shelf ${crypto.randomUUID().slice(0, 6)}`
    const answers = await Promise.all(range(10).map(() => admin<{ slug: string }>(staff, 'POST', '/categories', { name })))
    expect(answers.map((a) => a.status)).toEqual(range(10).map(() => 201))
    expect(new Set(answers.map((a) => a.body.slug)).size).toBe(10)
  })

  it('answers a clean 409 to the loser of two renames to one slug, for products and categories', async () => {
    const staff = await staffUser()
    const slug = `raced-slug-${crypto.randomUUID().slice(0, 6)}`
    const [a, b] = [await insertProduct(), await insertProduct()]
    const renames = await Promise.all([a, b].map((p) => admin(staff, 'PATCH', `/products/${p.id}`, { slug })))
    expect(renames.map((r) => r.status).sort()).toEqual([200, 409])
    const shelves = await Promise.all(range(2).map((i) => admin<{ id: number }>(staff, 'POST', '/categories', { name: `Shelf ${i} ${slug}` })))
    const moves = await Promise.all(shelves.map((s) => admin(staff, 'PATCH', `/categories/${s.body.id}`, { slug: `${slug}-shelf` })))
    expect(moves.map((r) => r.status).sort()).toEqual([200, 409])
    expect(await getDb(env).select().from(categories).where(eq(categories.slug, `${slug}-shelf`))).toHaveLength(1)
  })

  it('creates products of one name from several admin forms at once', async () => {
    const staff = await staffUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: staff.email, password: staff.password })
    const name = `Form Race ${crypto.randomUUID().slice(0, 6)}`
    const answers = await Promise.all(range(5).map(() => browser.submit('/admin/products/new', '/admin/products/new', { name, price: '3.00', currency: 'USD', stock_quantity: '1', is_active: 'on' })))
    expect(answers.map((a) => a.status)).toEqual(range(5).map(() => 303))
    expect(await getDb(env).select().from(products).where(eq(products.name, name))).toHaveLength(5)
  })
})
