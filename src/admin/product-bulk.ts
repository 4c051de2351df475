/**
 * The same change to many products at once (the products list's bulk bar, POST /api/admin/products/bulk):
 * activate, deactivate, move to one category, or delete. Each product goes through the one-product write
 * (updateProduct / deleteProduct: its own batch with its audit entry, catalog version and webhook event),
 * so a bulk change is exactly the sum of single ones; a product that cannot be changed is named with why.
 */
import { inArray } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../db/client'
import { categories, products } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import { ApiError, validationFailed } from '../platform/errors'
import { deleteProduct, updateProduct } from './products'
import type { BulkProductsResult } from './responses'

export const BULK_PRODUCT_ACTIONS = ['activate', 'deactivate', 'move', 'delete'] as const

export const BulkProductsBody = z
  .strictObject({
    product_ids: z.array(z.int().min(1)).min(1, 'choose at least one product').max(100, 'at most 100 products at once'),
    action: z.enum(BULK_PRODUCT_ACTIONS, 'choose what to do: activate, deactivate, move or delete'),
    category_id: z.int().min(1).optional().describe('With `move`: the one category the products are in afterwards'),
  })
  .superRefine((body, ctx) => {
    if (body.action === 'move' && body.category_id === undefined) ctx.addIssue({ code: 'custom', path: ['category_id'], message: 'is required to move products: choose the category' })
  })
export type BulkProductsBody = z.infer<typeof BulkProductsBody>

export async function bulkProducts(env: Env, actor: CurrentUser, body: BulkProductsBody): Promise<BulkProductsResult> {
  const db = getDb(env)
  const ids = [...new Set(body.product_ids)]
  if (body.action === 'move') {
    const [category] = await db.select({ id: categories.id }).from(categories).where(inArray(categories.id, [body.category_id as number]))
    if (!category) throw validationFailed({ category_id: ['is no category (deleted meanwhile?)'] })
  }
  const names = new Map((await db.select({ id: products.id, name: products.name }).from(products).where(inArray(products.id, ids))).map((p) => [p.id, p.name]))
  const done: { id: number; name: string }[] = []
  const refused: { id: number; name: string | null; reason: string }[] = []
  for (const id of ids) {
    const name = names.get(id)
    if (name === undefined) {
      refused.push({ id, name: null, reason: 'no such product' })
      continue
    }
    try {
      if (body.action === 'delete') await deleteProduct(env, actor, id)
      else if (body.action === 'move') await updateProduct(env, actor, id, { category_ids: [body.category_id as number] })
      else await updateProduct(env, actor, id, { is_active: body.action === 'activate' })
      done.push({ id, name })
    } catch (err) {
      if (!(err instanceof ApiError)) throw err
      refused.push({ id, name, reason: err.message })
    }
  }
  return { action: body.action, done, refused }
}
