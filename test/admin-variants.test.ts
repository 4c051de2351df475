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
import { auditLog, catalogState, productVariants } from '../src/db/schema'
import { stockOf } from '../src/stock/client'
import { insertProduct, staffUser } from './helpers'

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
