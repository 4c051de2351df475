/**
 * Staff's options and variants (issue 14): the one writer (src/catalog/variant-write.ts), its admin API and
 * pages. Every save is all or nothing; stock goes through the product's stock object; bad input is a 400
 * naming the field with nothing written.
 */
import { env } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { readVariantSet, saveVariantSet, type VariantSetWrite, type VariantWrite } from '../src/catalog/variant-write'
import { getDb } from '../src/db/client'
import { auditLog, catalogState, productImages, products, productVariants } from '../src/db/schema'
import type { ErrorBody } from '../src/platform/errors'
import { stockOf } from '../src/stock/client'
import { onStockChanged, type StockChanged } from '../src/stock/signals'
import { BASE, Browser, callJson, insertProduct, registerUser, staffUser } from './helpers'

vi.setConfig({ testTimeout: 30_000 })

const actorOf = async () => {
  const staff = await staffUser()
  return { staff, actor: { id: staff.user.id, email: staff.email, name: staff.name, role: 'staff' as const, tokenVersion: 0 } }
}
const sku = () => `SKU-${crypto.randomUUID().slice(0, 8)}`
const variant = (optionValues: string[], fields: Partial<VariantWrite> = {}): VariantWrite => ({
  optionValues,
  sku: sku(),
  priceCents: 2500,
  compareAtCents: null,
  weightGrams: 200,
  imageId: null,
  isActive: true,
  ...fields,
})
const catalogVersion = async () => (await getDb(env).select().from(catalogState).get())?.version ?? 0
const auditOf = (productId: number) => getDb(env).select().from(auditLog).where(and(eq(auditLog.targetType, 'product'), eq(auditLog.targetId, String(productId))))
const d1Variant = (id: number) => getDb(env).select().from(productVariants).where(eq(productVariants.id, id)).get()

describe('saveVariantSet', () => {
  it('turns a product with its default variant into sizes: the default keeps its id and stock, new ones get theirs in the object and D1', async () => {
    const { actor } = await actorOf()
    const product = await insertProduct({ priceCents: 2500, stockQuantity: 4 })
    const before = await readVariantSet(env, product.id)
    const defaultId = before.variants[0]!.id
    const version = await catalogVersion()
    const set: VariantSetWrite = {
      options: [{ name: 'Size', values: ['S', 'M', 'L'] }],
      variants: [variant(['S'], { id: defaultId }), variant(['M'], { stock: { onHand: 7 } }), variant(['L'], { priceCents: 2900, stock: { onHand: 2 } })],
    }
    const saved = await saveVariantSet(env, actor, product.id, set)
    expect(saved.variants.map((v) => [v.title, v.stock_quantity, v.price_cents])).toEqual([
      ['S', 4, 2500],
      ['M', 7, 2500],
      ['L', 2, 2900],
    ])
    expect(saved.variants[0]!.id).toBe(defaultId)
    const large = saved.variants[2]!
    expect(await stockOf(env, product.id).available(product.id, large.id)).toBe(2)
    expect((await d1Variant(large.id))?.stockQuantity).toBe(2)
    expect(await catalogVersion()).toBeGreaterThan(version)
    expect((await auditOf(product.id)).map((a) => a.action)).toContain('product.variants.save')
  })
})

describe('saveVariantSet refusals', () => {
  it('refuses to delete a variant while an unpaid order holds it (409 variant_held), and deletes it once the hold is gone', async () => {
    const { actor } = await actorOf()
    const product = await insertProduct({ stockQuantity: 4 })
    const [first] = (await readVariantSet(env, product.id)).variants
    const saved = await saveVariantSet(env, actor, product.id, {
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [variant(['S'], { id: first!.id }), variant(['M'], { stock: { onHand: 3 } })],
    })
    const medium = saved.variants[1]!
    const hold = await stockOf(env, product.id).reserveLines(product.id, [{ variantId: medium.id, reservationId: `r-${crypto.randomUUID()}`, qty: 1 }])
    expect(hold.ok).toBe(true)
    const keepOnlySmall: VariantSetWrite = { options: [{ name: 'Size', values: ['S'] }], variants: [variant(['S'], { id: first!.id })] }
    await expect(saveVariantSet(env, actor, product.id, keepOnlySmall)).rejects.toMatchObject({ status: 409, code: 'variant_held' })
    expect((await readVariantSet(env, product.id)).variants).toHaveLength(2)
    // The refused save changed nothing in the object either: the hold is still there, and more can be held.
    expect(await stockOf(env, product.id).available(product.id, medium.id)).toBe(2)
    if (hold.ok) await stockOf(env, product.id).release(product.id, hold.holds[0]!.reservationId)
    const after = await saveVariantSet(env, actor, product.id, keepOnlySmall)
    expect(after.variants.map((v) => v.id)).toEqual([first!.id])
    expect(await d1Variant(medium.id)).toBeUndefined()
    // A deleted variant is never sold again, even by a reservation naming it.
    const late = await stockOf(env, product.id).reserveLines(product.id, [{ variantId: medium.id, reservationId: `r-${crypto.randomUUID()}`, qty: 1 }])
    expect(late).toMatchObject({ ok: false, reason: 'unknown_variant' })
  })
})

type VariantSet = Awaited<ReturnType<typeof readVariantSet>>
const api = <T = VariantSet>(who: { bearer: Record<string, string> }, method: string, path: string, body?: unknown) =>
  callJson<T & Partial<ErrorBody>>(method, `/api/admin/products${path}`, body, who.bearer)
const row = (option_values: string[], fields: Record<string, unknown> = {}) => ({ option_values, sku: sku(), price_cents: 2500, ...fields })

/** A product in sizes S and M (its default variant became S), with `stock` units of M. */
async function sized(staff: { bearer: Record<string, string> }, stock = 3) {
  const product = await insertProduct({ priceCents: 2500, stockQuantity: 4 })
  const [first] = (await api(staff, 'GET', `/${product.id}/variants`)).body.variants
  const saved = await api(staff, 'PUT', `/${product.id}/variants`, {
    options: [{ name: 'Size', values: ['S', 'M'] }],
    variants: [row(['S'], { id: first!.id }), row(['M'], { stock_quantity: stock })],
  })
  expect(saved.status).toBe(200)
  return { product, set: saved.body }
}

describe('the variants API', () => {
  it("reads a product's options and variants: one default variant for a product without options", async () => {
    const staff = await staffUser()
    const product = await insertProduct({ priceCents: 1500, stockQuantity: 6 })
    const { status, body } = await api(staff, 'GET', `/${product.id}/variants`)
    expect(status).toBe(200)
    expect(body).toMatchObject({ product_id: product.id, options: [], variants: [{ title: 'Default', option_values: [], price_cents: 1500, stock_quantity: 6, available: 6 }] })
  })

  it('is for staff only', async () => {
    const product = await insertProduct()
    const customer = await registerUser()
    expect((await api(customer, 'GET', `/${product.id}/variants`)).status).toBe(403)
    expect((await api({ bearer: {} }, 'PUT', `/${product.id}/variants`, { variants: [] })).status).toBe(401)
  })

  it('replaces the set: titles from the values, first stock of a new variant in the object and in D1, the product summing its variants', async () => {
    const staff = await staffUser()
    const version = await catalogVersion()
    const { product, set } = await sized(staff, 3)
    expect(set.options).toMatchObject([{ name: 'Size', values: [{ value: 'S' }, { value: 'M' }] }])
    expect(set.variants.map((v) => [v.title, v.option_values, v.stock_quantity])).toEqual([
      ['S', ['S'], 4],
      ['M', ['M'], 3],
    ])
    expect(await stockOf(env, product.id).available(product.id, set.variants[1]!.id)).toBe(3)
    const row = await getDb(env).select().from(products).where(eq(products.id, product.id)).get()
    expect(row?.stockQuantity).toBe(7)
    expect(await catalogVersion()).toBeGreaterThan(version)
    expect((await auditOf(product.id)).filter((a) => a.action === 'product.variants.save')).toHaveLength(1)
  })

  it('generates every combination of the options, keeping the variants there are', async () => {
    const staff = await staffUser()
    const { product, set } = await sized(staff)
    const withColour = await api(staff, 'PUT', `/${product.id}/variants`, {
      options: [
        { id: set.options[0]!.id, name: 'Size', values: ['S', 'M'] },
        { name: 'Colour', values: ['Navy', 'Red'] },
      ],
      variants: set.variants.map((v) => ({ id: v.id, option_values: [...v.option_values, 'Navy'], sku: v.sku, price_cents: v.price_cents })),
    })
    expect(withColour.status).toBe(200)
    const generated = await api(staff, 'POST', `/${product.id}/variants/generate`, { price_cents: 2700 })
    expect(generated.status).toBe(200)
    expect(generated.body.variants.map((v) => [v.title, v.price_cents, v.stock_quantity])).toEqual([
      ['S / Navy', 2500, 4],
      ['S / Red', 2700, 0],
      ['M / Navy', 2500, 3],
      ['M / Red', 2700, 0],
    ])
    expect(generated.body.variants[0]!.id).toBe(set.variants[0]!.id)
    expect((await auditOf(product.id)).map((a) => a.action)).toContain('product.variants.generate')
  })

  it('refuses to generate more than 100 combinations, naming the options, and saves nothing', async () => {
    const staff = await staffUser()
    const product = await insertProduct()
    const values = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`)
    const [first] = (await api(staff, 'GET', `/${product.id}/variants`)).body.variants
    const options = [
      { name: 'A', values: values(5, 'a') },
      { name: 'B', values: values(5, 'b') },
      { name: 'C', values: values(5, 'c') },
    ]
    expect((await api(staff, 'PUT', `/${product.id}/variants`, { options, variants: [row(['a0', 'b0', 'c0'], { id: first!.id })] })).status).toBe(200)
    const generated = await api(staff, 'POST', `/${product.id}/variants/generate`, {})
    expect(generated.status).toBe(400)
    expect(generated.body.error?.fields?.options?.[0]).toContain('125 combinations')
    expect((await api(staff, 'GET', `/${product.id}/variants`)).body.variants).toHaveLength(1)
  })

  it('bulk-edits the variants named: price, stock adjusted, weight, active flag', async () => {
    const staff = await staffUser()
    const { product, set } = await sized(staff, 3)
    const ids = set.variants.map((v) => v.id)
    const edited = await api(staff, 'POST', `/${product.id}/variants/bulk`, { variant_ids: ids, price_cents: 1999, stock_adjustment: 2, weight_grams: 300 })
    expect(edited.status).toBe(200)
    expect(edited.body.variants.map((v) => [v.price_cents, v.stock_quantity, v.weight_grams])).toEqual([
      [1999, 6, 300],
      [1999, 5, 300],
    ])
    expect(await stockOf(env, product.id).available(product.id, ids[1]!)).toBe(5)
    const off = await api(staff, 'POST', `/${product.id}/variants/bulk`, { variant_ids: [ids[1]], is_active: false })
    expect(off.body.variants.map((v) => v.is_active)).toEqual([true, false])
    const set2 = await api(staff, 'POST', `/${product.id}/variants/bulk`, { variant_ids: [ids[0]], stock_quantity: 10 })
    expect(set2.body.variants[0]!.stock_quantity).toBe(10)
  })

  it('refuses a bulk edit that would put a compare-at price at or below the price, naming the field and the variant', async () => {
    const staff = await staffUser()
    const { product, set } = await sized(staff)
    const ids = set.variants.map((v) => v.id)
    expect((await api(staff, 'POST', `/${product.id}/variants/bulk`, { variant_ids: ids, compare_at_cents: 3000 })).status).toBe(200)
    const audits = (await auditOf(product.id)).length
    const refused = await api(staff, 'POST', `/${product.id}/variants/bulk`, { variant_ids: [ids[1]], price_cents: 3000 })
    expect(refused.status).toBe(400)
    expect(refused.body.error?.fields?.compare_at_cents).toEqual(['M: above the price'])
    expect((await api(staff, 'GET', `/${product.id}/variants`)).body.variants[1]!.price_cents).toBe(2500)
    expect(await auditOf(product.id)).toHaveLength(audits)
    const stranger = await api(staff, 'POST', `/${product.id}/variants/bulk`, { variant_ids: [ids[0], 999_999_999], price_cents: 100 })
    expect(stranger.status).toBe(400)
    expect(stranger.body.error?.fields?.variant_ids).toBeDefined()
  })

  it('refuses stock below the units held, in a bulk edit, as a 409 changing nothing', async () => {
    const staff = await staffUser()
    const { product, set } = await sized(staff, 3)
    const medium = set.variants[1]!
    await stockOf(env, product.id).reserveLines(product.id, [{ variantId: medium.id, reservationId: `r-${crypto.randomUUID()}`, qty: 2 }])
    const refused = await api(staff, 'POST', `/${product.id}/variants/bulk`, { variant_ids: set.variants.map((v) => v.id), stock_adjustment: -2, price_cents: 100 })
    expect(refused.status).toBe(409)
    expect(refused.body.error?.code).toBe('stock_below_held')
    expect(refused.body.error?.fields?.stock_adjustment?.[0]).toContain('M:')
    const after = (await api(staff, 'GET', `/${product.id}/variants`)).body.variants
    expect(after.map((v) => [v.stock_quantity, v.price_cents])).toEqual([
      [4, 2500],
      [3, 2500],
    ])
  })

  it('saves stock of an existing variant as a compare-and-set: a figure that moved meanwhile is a 409 naming the field, and nothing is saved', async () => {
    const staff = await staffUser()
    const { product, set } = await sized(staff, 3)
    const [small, medium] = set.variants as [VariantSet['variants'][number], VariantSet['variants'][number]]
    const sale = `sale-${crypto.randomUUID()}`
    await stockOf(env, product.id).reserveLines(product.id, [{ variantId: medium.id, reservationId: sale, qty: 1 }])
    await stockOf(env, product.id).commit(product.id, sale)
    const body = (mediumStock: Record<string, number>) => ({
      options: [{ id: set.options[0]!.id, name: 'Size', values: ['S', 'M'] }],
      variants: [
        { id: small.id, option_values: ['S'], sku: small.sku, price_cents: 2600 },
        { id: medium.id, option_values: ['M'], sku: medium.sku, price_cents: 2500, ...mediumStock },
      ],
    })
    const stale = await api(staff, 'PUT', `/${product.id}/variants`, body({ stock_quantity: 9, expected_stock_quantity: 3 }))
    expect(stale.status).toBe(409)
    expect(stale.body.error?.code).toBe('stock_changed')
    expect(stale.body.error?.fields?.['variants.1.stock_quantity']?.[0]).toContain('2 on hand now')
    expect((await api(staff, 'GET', `/${product.id}/variants`)).body.variants.map((v) => [v.price_cents, v.stock_quantity])).toEqual([
      [2500, 4],
      [2500, 2],
    ])
    const fresh = await api(staff, 'PUT', `/${product.id}/variants`, body({ stock_quantity: 9, expected_stock_quantity: 2 }))
    expect(fresh.body.variants.map((v) => [v.price_cents, v.stock_quantity])).toEqual([
      [2600, 4],
      [2500, 9],
    ])
    expect((await d1Variant(medium.id))?.stockQuantity).toBe(9)
    const blind = await api(staff, 'PUT', `/${product.id}/variants`, body({ stock_quantity: 1 }))
    expect(blind.status).toBe(400)
    expect(blind.body.error?.fields?.['variants.1.expected_stock_quantity']).toBeDefined()
  })

  it('reorders the variants, and refuses an order that leaves one out', async () => {
    const staff = await staffUser()
    const { product, set } = await sized(staff)
    const ids = set.variants.map((v) => v.id)
    const reordered = await api(staff, 'PUT', `/${product.id}/variants/order`, { variant_ids: [...ids].reverse() })
    expect(reordered.body.variants.map((v) => v.title)).toEqual(['M', 'S'])
    const partial = await api(staff, 'PUT', `/${product.id}/variants/order`, { variant_ids: [ids[0]] })
    expect(partial.status).toBe(400)
    expect(partial.body.error?.fields?.variant_ids).toBeDefined()
  })

  it('deactivates one variant, keeping its stock', async () => {
    const staff = await staffUser()
    const { product, set } = await sized(staff, 3)
    const off = await api(staff, 'POST', `/${product.id}/variants/${set.variants[1]!.id}/deactivate`)
    expect(off.status).toBe(200)
    expect(off.body.variants[1]).toMatchObject({ is_active: false, stock_quantity: 3 })
    expect((await api(staff, 'POST', `/${product.id}/variants/999999999/deactivate`)).status).toBe(404)
  })

  it('deletes variants, never one held for an unpaid order, never the last one', async () => {
    const staff = await staffUser()
    const { product, set } = await sized(staff, 3)
    const medium = set.variants[1]!
    const hold = `r-${crypto.randomUUID()}`
    await stockOf(env, product.id).reserveLines(product.id, [{ variantId: medium.id, reservationId: hold, qty: 1 }])
    const held = await api(staff, 'POST', `/${product.id}/variants/delete`, { variant_ids: [medium.id] })
    expect(held.status).toBe(409)
    expect(held.body.error?.code).toBe('variant_held')
    expect(held.body.error?.message).toContain('M is held')
    await stockOf(env, product.id).release(product.id, hold)
    const deleted = await api(staff, 'POST', `/${product.id}/variants/delete`, { variant_ids: [medium.id] })
    expect(deleted.body.variants.map((v) => v.title)).toEqual(['S'])
    expect((await getDb(env).select().from(products).where(eq(products.id, product.id)).get())?.stockQuantity).toBe(4)
    const last = await api(staff, 'POST', `/${product.id}/variants/delete`, { variant_ids: [set.variants[0]!.id] })
    expect(last.status).toBe(400)
  })

  it('never deletes a variant with sales a refund may still put back in stock (409 variant_sold): it can be deactivated', async () => {
    const staff = await staffUser()
    const { product, set } = await sized(staff, 3)
    const medium = set.variants[1]!
    const sale = `sale-${crypto.randomUUID()}`
    await stockOf(env, product.id).reserveLines(product.id, [{ variantId: medium.id, reservationId: sale, qty: 1 }])
    await stockOf(env, product.id).commit(product.id, sale)
    const refused = await api(staff, 'POST', `/${product.id}/variants/delete`, { variant_ids: [medium.id] })
    expect(refused.status).toBe(409)
    expect(refused.body.error?.code).toBe('variant_sold')
    expect(refused.body.error?.message).toContain('deactivate instead')
    expect((await api(staff, 'GET', `/${product.id}/variants`)).body.variants).toHaveLength(2)
    // The sale can still be given back to the variant's stock.
    expect(await stockOf(env, product.id).restock(product.id, sale)).toMatchObject({ ok: true, qty: 1 })
    expect(await stockOf(env, product.id).available(product.id, medium.id)).toBe(3)
  })
})

describe('bad variant input: a 400 naming the field, nothing written', () => {
  /** Sends `body` as the product's set and checks it is refused naming `field`, with the set and the audit log as they were. */
  async function refused(body: (ctx: { firstId: number; imageOfOther: number; takenSku: string }) => unknown, field: string) {
    const staff = await staffUser()
    const other = await insertProduct({ images: [`products/${crypto.randomUUID()}.png`] })
    const takenSku = sku()
    const otherSet = (await api(staff, 'GET', `/${other.id}/variants`)).body
    await getDb(env).update(productVariants).set({ sku: takenSku }).where(eq(productVariants.id, otherSet.variants[0]!.id))
    const [image] = await getDb(env).select().from(productImages).where(eq(productImages.productId, other.id))
    const product = await insertProduct()
    const before = (await api(staff, 'GET', `/${product.id}/variants`)).body
    const audits = (await auditOf(product.id)).length
    const answer = await api(staff, 'PUT', `/${product.id}/variants`, body({ firstId: before.variants[0]!.id, imageOfOther: image!.id, takenSku }))
    expect(answer.status).toBe(400)
    expect(answer.body.error?.code).toBe('validation_failed')
    expect(Object.keys(answer.body.error?.fields ?? {})).toContain(field)
    expect((await api(staff, 'GET', `/${product.id}/variants`)).body).toEqual(before)
    expect(await auditOf(product.id)).toHaveLength(audits)
  }
  const size = { name: 'Size', values: ['S', 'M'] }

  it('a SKU twice in the set', () =>
    refused(({ firstId }) => ({ options: [size], variants: [row(['S'], { id: firstId, sku: 'DUP-1' }), row(['M'], { sku: 'DUP-1' })] }), 'variants.1.sku'))
  it("another product's SKU", () => refused(({ firstId, takenSku }) => ({ options: [size], variants: [row(['S'], { id: firstId, sku: takenSku })] }), 'variants.0.sku'))
  it('a variant without a value for an option', () => refused(({ firstId }) => ({ options: [size], variants: [row([], { id: firstId })] }), 'variants.0.option_values'))
  it('a value that is not one of the option', () => refused(({ firstId }) => ({ options: [size], variants: [row(['XL'], { id: firstId })] }), 'variants.0.option_values.0'))
  it('the same combination twice', () => refused(({ firstId }) => ({ options: [size], variants: [row(['S'], { id: firstId }), row(['S'])] }), 'variants.1.option_values'))
  it('more than 100 variants', () =>
    refused(
      ({ firstId }) => ({
        options: [{ name: 'N', values: Array.from({ length: 101 }, (_, i) => `n${i}`).slice(0, 100) }, { name: 'P', values: ['a', 'b'] }],
        variants: Array.from({ length: 101 }, (_, i) => row([`n${i % 100}`, i < 100 ? 'a' : 'b'], i === 0 ? { id: firstId } : {})),
      }),
      'variants',
    ))
  it('more than 3 options', () =>
    refused(
      ({ firstId }) => ({ options: ['A', 'B', 'C', 'D'].map((name) => ({ name, values: ['x'] })), variants: [row(['x', 'x', 'x', 'x'], { id: firstId })] }),
      'options',
    ))
  it('negative money', () => refused(({ firstId }) => ({ variants: [row([], { id: firstId, price_cents: -1 })] }), 'variants.0.price_cents'))
  it('fractional money', () => refused(({ firstId }) => ({ variants: [row([], { id: firstId, price_cents: 12.5 })] }), 'variants.0.price_cents'))
  it('a compare-at price not above the price', () => refused(({ firstId }) => ({ variants: [row([], { id: firstId, compare_at_cents: 2500 })] }), 'variants.0.compare_at_cents'))
  it("an image of another product's gallery", () => refused(({ firstId, imageOfOther }) => ({ variants: [row([], { id: firstId, image_id: imageOfOther })] }), 'variants.0.image_id'))
  it('a variant id of another product', () => refused(({ imageOfOther }) => ({ variants: [row([], { id: 999_999_000 + imageOfOther })] }), 'variants.0.id'))
})

/** A signed-in staff browser. */
async function staffBrowser() {
  const user = await staffUser()
  const browser = new Browser()
  expect((await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })).status).toBe(303)
  return { user, browser }
}

/** Posts a form of the product page (fields may repeat), with its CSRF token. */
async function post(browser: Browser, productId: number, action: string, fields: [string, string][]) {
  const body = new URLSearchParams([...fields, ['_csrf', await browser.csrfFrom(`/admin/products/${productId}`)]])
  return browser.fetch(action, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } })
}

/** Follows a form's redirect to the page it lands on. */
async function landing(browser: Browser, answer: Response) {
  expect(answer.status).toBe(303)
  const location = answer.headers.get('Location') ?? ''
  return { location, html: await (await browser.fetch(location)).text() }
}

/** The grid form's fields as the page shows them for `set`, with `changes` applied by field name. */
function gridFields(set: VariantSet, changes: Record<string, string> = {}, extra: [string, string][] = []): [string, string][] {
  const fields: [string, string][] = set.variants.flatMap((v, i) => {
    const at = `variants.${i}`
    const row: Record<string, string> = {
      [`${at}.id`]: String(v.id),
      [`${at}.expected_stock_quantity`]: String(v.stock_quantity),
      [`${at}.sku`]: v.sku ?? '',
      [`${at}.price`]: (v.price_cents / 100).toFixed(2),
      [`${at}.compare_at`]: v.compare_at_cents === null ? '' : (v.compare_at_cents / 100).toFixed(2),
      [`${at}.stock_quantity`]: String(v.stock_quantity),
      [`${at}.weight_grams`]: String(v.weight_grams),
      [`${at}.image_id`]: String(v.image_id ?? ''),
      [`${at}.position`]: String(i + 1),
      ...(v.is_active && { [`${at}.is_active`]: 'on' }),
    }
    return Object.entries({ ...row, ...Object.fromEntries(Object.entries(changes).filter(([k]) => k.startsWith(`${at}.`))) })
  })
  return [...fields, ...extra]
}

const setOf = async (productId: number) => readVariantSet(env, productId)

describe('the options and variants editor (admin pages)', () => {
  it('adds an option (the default variant becomes its first value, stock kept), generates the rest, and shows them in the grid', async () => {
    const { browser } = await staffBrowser()
    const product = await insertProduct({ name: `Harbor Tee ${crypto.randomUUID().slice(0, 6)}`, priceCents: 2500, stockQuantity: 4 })
    const added = await landing(browser, await post(browser, product.id, `/admin/products/${product.id}/options`, [['name', 'Size'], ['values', 'S, M, L']]))
    expect(added.location).toBe(`/admin/products/${product.id}#variants`)
    expect(added.html).toContain('Option &quot;Size&quot; added')
    expect((await setOf(product.id)).variants.map((v) => [v.title, v.stock_quantity])).toEqual([['S', 4]])
    const generated = await landing(browser, await post(browser, product.id, `/admin/products/${product.id}/variants/generate`, [['price', '27.50']]))
    expect(generated.html).toContain('2 variants generated.')
    expect(generated.html).toContain('name="variants.2.sku"')
    expect((await setOf(product.id)).variants.map((v) => [v.title, v.price_cents])).toEqual([
      ['S', 2500],
      ['M', 2750],
      ['L', 2750],
    ])
    // Several variants: the product form shows the price they make and points to the grid.
    expect(generated.html).toContain('From $25.00')
    expect(generated.html).toContain('Set prices and stock per variant in the variant grid')
  })

  it('saves the grid as one form: SKUs, prices, stock (through the stock object), order', async () => {
    const { browser, user } = await staffBrowser()
    const { product } = await sized(user, 3)
    const set = await setOf(product.id)
    const skuS = sku()
    const saved = await landing(
      browser,
      await post(browser, product.id, `/admin/products/${product.id}/variants`, gridFields(set, { 'variants.0.sku': skuS, 'variants.0.price': '19.99', 'variants.1.stock_quantity': '8', 'variants.0.position': '5' }, [['intent', 'save']])),
    )
    expect(saved.html).toContain('Variants saved.')
    const after = await setOf(product.id)
    expect(after.variants.map((v) => [v.title, v.sku, v.price_cents, v.stock_quantity])).toEqual([
      ['M', set.variants[1]!.sku, 2500, 8],
      ['S', skuS, 1999, 4],
    ])
    expect(await stockOf(env, product.id).available(product.id, set.variants[1]!.id)).toBe(8)
  })

  it('shows a refused grid again with each error at its field and what was typed kept, having saved nothing', async () => {
    const { browser, user } = await staffBrowser()
    const { product } = await sized(user)
    const set = await setOf(product.id)
    const audits = (await auditOf(product.id)).length
    const answer = await post(browser, product.id, `/admin/products/${product.id}/variants`, gridFields(set, { 'variants.0.sku': 'SAME-SKU', 'variants.1.sku': 'SAME-SKU', 'variants.0.price': '12.345' }, [['intent', 'save']]))
    expect(answer.status).toBe(400)
    const html = await answer.text()
    expect(html).toMatch(/id="f-variants-0-price-error">[^<]*two decimals/)
    expect(html).toContain('value="12.345"')
    const duplicate = await post(browser, product.id, `/admin/products/${product.id}/variants`, gridFields(set, { 'variants.0.sku': 'SAME-SKU', 'variants.1.sku': 'SAME-SKU' }, [['intent', 'save']]))
    expect(duplicate.status).toBe(400)
    expect(await duplicate.text()).toMatch(/id="f-variants-1-sku-error">the same SKU as S</)
    expect(await setOf(product.id)).toEqual(set)
    expect(await auditOf(product.id)).toHaveLength(audits)
  })

  it('refuses a grid whose stock moved since it was opened, showing the stock now in that row', async () => {
    const { browser, user } = await staffBrowser()
    const { product } = await sized(user, 3)
    const set = await setOf(product.id)
    const sale = `sale-${crypto.randomUUID()}`
    await stockOf(env, product.id).reserveLines(product.id, [{ variantId: set.variants[1]!.id, reservationId: sale, qty: 1 }])
    await stockOf(env, product.id).commit(product.id, sale)
    const answer = await post(browser, product.id, `/admin/products/${product.id}/variants`, gridFields(set, { 'variants.1.stock_quantity': '9' }, [['intent', 'save']]))
    expect(answer.status).toBe(409)
    const html = await answer.text()
    expect(html).toContain('2 on hand now')
    expect(html).toContain('name="variants.1.stock_quantity" value="2"')
    expect((await setOf(product.id)).variants[1]!.stock_quantity).toBe(2)
  })

  it('applies bulk actions to the ticked rows: price, stock ±N, deactivate, and delete only once confirmed', async () => {
    const { browser, user } = await staffBrowser()
    const { product } = await sized(user, 3)
    const set = await setOf(product.id)
    const [small, medium] = set.variants as [VariantSet['variants'][number], VariantSet['variants'][number]]
    const bulk = (intent: string, extra: [string, string][]) => post(browser, product.id, `/admin/products/${product.id}/variants`, [...gridFields(set), ['intent', intent], ...extra])
    expect((await landing(browser, await bulk('price', [['selected', String(small.id)], ['selected', String(medium.id)], ['bulk_price', '30']]))).html).toContain('Price set for 2 variants.')
    expect((await landing(browser, await bulk('stock', [['selected', String(medium.id)], ['bulk_stock', '-2']]))).html).toContain('Stock adjusted for 1 variant.')
    expect((await landing(browser, await bulk('deactivate', [['selected', String(small.id)]]))).html).toContain('Deactivated for 1 variant.')
    expect((await setOf(product.id)).variants.map((v) => [v.price_cents, v.stock_quantity, v.is_active])).toEqual([
      [3000, 4, false],
      [3000, 1, true],
    ])
    const unconfirmed = await bulk('delete', [['selected', String(medium.id)]])
    expect(unconfirmed.status).toBe(400)
    expect(await unconfirmed.text()).toContain('tick this to confirm the deletion')
    const none = await bulk('price', [['bulk_price', '30']])
    expect(none.status).toBe(400)
    expect(await none.text()).toContain('tick at least one variant')
    expect((await landing(browser, await bulk('delete', [['selected', String(medium.id)], ['confirm_delete', 'yes']]))).html).toContain('1 variant deleted.')
    expect((await setOf(product.id)).variants.map((v) => v.id)).toEqual([small.id])
  })

  it('renames an option and changes its values (a value taken away deletes its variants), and refuses a removal that would make twins', async () => {
    const { browser, user } = await staffBrowser()
    const { product } = await sized(user)
    const set = await setOf(product.id)
    const option = set.options[0]!
    const renamed = await landing(browser, await post(browser, product.id, `/admin/products/${product.id}/options/${option.id}`, [['name', 'Fit'], ['values', 'M, S, XL']]))
    expect(renamed.html).toContain('Option &quot;Fit&quot; saved.')
    const after = await setOf(product.id)
    expect(after.options).toMatchObject([{ id: option.id, name: 'Fit', values: [{ value: 'M' }, { value: 'S' }, { value: 'XL' }] }])
    expect(after.variants).toHaveLength(2)
    const twins = await post(browser, product.id, `/admin/products/${product.id}/options/${option.id}/remove`, [])
    expect(twins.status).toBe(400)
    expect(await twins.text()).toContain('some variants would be the same combination')
    const narrowed = await landing(browser, await post(browser, product.id, `/admin/products/${product.id}/options/${option.id}`, [['name', 'Fit'], ['values', 'S']]))
    expect(narrowed.html).toContain('saved')
    expect((await setOf(product.id)).variants.map((v) => v.title)).toEqual(['S'])
    const removed = await landing(browser, await post(browser, product.id, `/admin/products/${product.id}/options/${option.id}/remove`, []))
    expect(removed.html).toContain('Option removed.')
    expect((await setOf(product.id)).variants.map((v) => [v.title, v.id])).toEqual([['Default', set.variants[0]!.id]])
  })

  it('keeps the product form from setting a price or stock that would fight the variants', async () => {
    const { browser, user } = await staffBrowser()
    const { product } = await sized(user, 3)
    const page = await (await browser.fetch(`/admin/products/${product.id}`)).text()
    expect(page).not.toContain('id="field-price"')
    const saved = await landing(browser, await browser.submit(`/admin/products/${product.id}`, `/admin/products/${product.id}`, { name: 'Renamed tee', price: '1', currency: 'USD', stock_quantity: '99', is_active: 'on' }))
    expect(saved.html).toContain('Product &quot;Renamed tee&quot; saved.')
    const row = await getDb(env).select().from(products).where(eq(products.id, product.id)).get()
    expect([row?.name, row?.priceCents, row?.stockQuantity]).toEqual(['Renamed tee', 2500, 7])
    const patched = await callJson<ErrorBody>('PATCH', `/api/admin/products/${product.id}`, { price: '1.00' }, user.bearer)
    expect(patched.status).toBe(400)
    expect(patched.body.error.fields?.price?.[0]).toContain('lowest variant price')
  })
})

describe('low stock on the dashboard', () => {
  it('lists each variant running low as "Product — Navy / M (SKU …)" linking to its editor; a product without options as before', async () => {
    const { browser, user } = await staffBrowser()
    const tee = await insertProduct({ name: `!Harbor Tee ${crypto.randomUUID().slice(0, 6)}`, stockQuantity: 0 })
    const [first] = (await api(user, 'GET', `/${tee.id}/variants`)).body.variants
    const navyM = sku()
    await api(user, 'PUT', `/${tee.id}/variants`, {
      options: [{ name: 'Colour', values: ['Navy'] }, { name: 'Size', values: ['M', 'L'] }],
      variants: [row(['Navy', 'M'], { id: first!.id, sku: navyM }), row(['Navy', 'L'], { stock_quantity: 50 })],
    })
    const mug = await insertProduct({ name: `!Plain Mug ${crypto.randomUUID().slice(0, 6)}`, stockQuantity: 0 })
    const html = await (await browser.fetch('/admin')).text()
    expect(html).toContain(`<a href="/admin/products/${tee.id}#variants">${tee.name} — Navy / M</a><small> SKU ${navyM}</small><span class="num low">sold out</span>`)
    expect(html).not.toContain('Navy / L')
    expect(html).toContain(`<a href="/admin/products/${mug.id}">${mug.name}</a>`)
  })
})

describe('the stock object and the variants staff make and delete', () => {
  it('counts a variant made after the object loaded in the "stock changed" figure from its first write-through', async () => {
    const { actor } = await actorOf()
    const product = await insertProduct({ stockQuantity: 4 })
    const [first] = (await readVariantSet(env, product.id)).variants
    // The object loads now, knowing the one variant there is.
    expect(await stockOf(env, product.id).available(product.id)).toBe(4)
    const heard: StockChanged[] = []
    const stop = onStockChanged((_db, change) => {
      if (change.productId === product.id) heard.push(change)
      return null
    })
    try {
      const saved = await saveVariantSet(env, actor, product.id, {
        options: [{ name: 'Size', values: ['S', 'M'] }],
        variants: [variant(['S'], { id: first!.id }), variant(['M'], { stock: { onHand: 6 } })],
      })
      const hold = `r-${crypto.randomUUID()}`
      await stockOf(env, product.id).reserveLines(product.id, [{ variantId: first!.id, reservationId: hold, qty: 1 }])
      expect(saved.variants[1]!.stock_quantity).toBe(6)
    } finally {
      stop()
    }
    // Every figure handed to the catalog is the product's: both variants, the new one included.
    expect(heard.map((h) => [h.onHand, h.available])).toEqual([
      [10, 10],
      [10, 9],
    ])
  })
})
