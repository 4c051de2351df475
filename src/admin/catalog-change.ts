/** One staff change of the catalog, written as one: its D1 statements, its audit entry and a new catalog version. */
import { sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { bumpCatalogVersionStatement, forgetCatalogVersion } from '../catalog/cache'
import { getDb } from '../db/client'
import type { CurrentUser } from '../platform/env'
import { conflict } from '../platform/errors'
import { enqueueEventDeliveries, webhookEventStatements } from '../webhooks/events'
import { auditStatement, type AuditInput } from './audit'

/**
 * Runs `statements` with the audit entry and the catalog version bump in one D1 batch (one transaction):
 * the change, its record and the shop's view of it stand or fall together. Then this isolate re-reads
 * the version, so the change shows at once here (within CATALOG_VERSION_TTL_MS elsewhere).
 */
export async function commitCatalogChange(env: Env, actor: CurrentUser, entry: AuditInput, statements: BatchItem<'sqlite'>[] = []): Promise<void> {
  const db = getDb(env)
  const hook = productUpdatedEvent(entry)
  await db.batch([auditStatement(db, actor, entry), ...statements, bumpCatalogVersionStatement(db), ...(hook ? webhookEventStatements(db, hook) : [])]).catch(refusedReference)
  forgetCatalogVersion()
  if (hook) await enqueueEventDeliveries(env, hook.sourceKey)
}

/**
 * The outbound webhook `product.updated` of a staff change of a product (its fields, stock, images, or its
 * deletion), recorded in the change's own batch (src/webhooks/events.ts): no event without its change.
 */
function productUpdatedEvent(entry: AuditInput) {
  if (entry.targetType !== 'product') return null
  const productId = Number(entry.targetId)
  const data = { product_id: productId, change: entry.action, deleted: entry.action === 'product.delete', ...(entry.action === 'product.update' && { product: entry.after ?? null }) }
  return { type: 'product.updated' as const, sourceKey: `product:${productId}:${crypto.randomUUID()}`, data, createdAt: Date.now() }
}

/**
 * The outbound webhook `product.updated` of a product staff created (`change: "product.create"`), for the
 * batch that inserts it: its id is read from its slug in that batch, so event and product stand or fall together.
 */
export function productCreatedEvent(slug: string, product: Record<string, unknown>) {
  const data = sql`json_object('product_id', (select id from products where slug = ${slug}), 'change', 'product.create', 'deleted', json('false'), 'product', json(${JSON.stringify(product)}))`
  return { type: 'product.updated' as const, sourceKey: `product:new:${crypto.randomUUID()}`, data, createdAt: Date.now() }
}

/**
 * A change checks what it refers to (a category, a parent, the product) before its batch, so a foreign key that fails
 * in the batch means that row was deleted in between by another staff member: a 409 to reload, not a 500.
 */
export function refusedReference(err: unknown): never {
  if (/FOREIGN KEY constraint failed/i.test(String(err))) throw conflict('What this change refers to (a category, its parent, the product) was deleted meanwhile: reload the page and try again')
  throw err
}
