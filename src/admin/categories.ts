/** Staff's category tree: create, rename, move (never under itself), delete when empty. */
import { and, count, eq, or, sql } from 'drizzle-orm'
import { bumpCatalogVersionStatement, forgetCatalogVersion } from '../catalog/cache'
import { getDb, type Db } from '../db/client'
import { auditLog, categories, productCategories, type Category } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import { ApiError, conflict, notFound } from '../platform/errors'
import { withUniqueSlug } from '../platform/slug'
import { startsWith } from '../platform/text-match'
import { auditStatement } from './audit'
import { commitCatalogChange, refusedReference } from './catalog-change'
import type { z } from 'zod'
import type { AdminCategory } from './responses'
import type { AdminCategoryBody, AdminCategoryPatch } from './schemas'

const view = (c: Category): AdminCategory => ({ id: c.id, name: c.name, slug: c.slug, parent_id: c.parentId, position: c.position })

async function categoryOf(db: Db, id: number): Promise<Category> {
  const row = await db.query.categories.findFirst({ where: eq(categories.id, id) })
  if (!row) throw notFound('category')
  return row
}

/** The categories whose slug is `base` or `base-…`, for uniqueSlug. */
const categorySlugOwners = (db: Db) => (base: string) =>
  db.select({ slug: categories.slug, id: categories.id }).from(categories).where(or(eq(categories.slug, base), startsWith(categories.slug, `${base}-`)))

const underItself = () => new ApiError(400, 'validation_failed', 'A category cannot move under itself', { parent_id: ['is this category or one below it'] })

/** `parentId` and every category above it, as SQL (`union` rather than `union all`: it ends even on a cycle). */
const ancestorsOf = (parentId: number) =>
  sql`with recursive up(id) as (select ${parentId} union select c.parent_id from ${categories} c join up on c.id = up.id where c.parent_id is not null) select id from up`

/** Refuses a parent that does not exist, or that is the category itself or below it (a cycle). */
async function checkParent(db: Db, parentId: number | null, id?: number) {
  if (parentId === null) return
  let cursor: number | null = parentId
  for (let depth = 0; cursor !== null && depth < 100; depth++) {
    if (cursor === id) throw underItself()
    const row: Category | undefined = await db.query.categories.findFirst({ where: eq(categories.id, cursor) })
    if (!row) throw new ApiError(400, 'validation_failed', 'Unknown parent category', { parent_id: ['does not exist'] })
    cursor = row.parentId
  }
}

/** Creates a category: the row, its audit entry and the catalog version in one D1 batch; a slug lost to a concurrent create is retried. */
export async function createCategory(env: Env, actor: CurrentUser, body: z.infer<typeof AdminCategoryBody>) {
  const db = getDb(env)
  await checkParent(db, body.parent_id)
  const row = await withUniqueSlug({ name: body.name, asked: body.slug, fallback: 'category' }, categorySlugOwners(db), 'categories', async (slug) => {
    const fields = { name: body.name, slug, parentId: body.parent_id, position: body.position }
    const [[created]] = await db.batch([
      db.insert(categories).values(fields).returning(),
      auditStatement(db, actor, { action: 'category.create', targetType: 'category', targetId: sql`(select cast(id as text) from categories where slug = ${slug})`, after: { name: fields.name, slug, parent_id: fields.parentId, position: fields.position } }),
      bumpCatalogVersionStatement(db),
    ]).catch(refusedReference)
    if (!created) throw new Error('category insert returned nothing')
    return created
  })
  forgetCatalogVersion()
  return view(row)
}

/** Renames, moves or re-slugs a category: the change, its audit entry and the catalog version in one D1 batch. */
export async function updateCategory(env: Env, actor: CurrentUser, id: number, patch: z.infer<typeof AdminCategoryPatch>) {
  const db = getDb(env)
  const before = await categoryOf(db, id)
  if (patch.parent_id !== undefined) await checkParent(db, patch.parent_id, id)
  const save = async (slug: string | undefined) => {
    const fields = {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(slug !== undefined && { slug }),
      ...(patch.parent_id !== undefined && { parentId: patch.parent_id }),
      ...(patch.position !== undefined && { position: patch.position }),
    }
    const after = view({ ...before, ...fields })
    // The cycle check above read the tree before this write: two moves at once (A under B, B under A)
    // would both pass it. So a move checks again in its own statement, and one that would close a cycle
    // writes a NULL position, which NOT NULL refuses: the whole batch (audit entry, version) undoes itself.
    const position = patch.parent_id == null ? fields.position : sql`case when ${id} not in (${ancestorsOf(patch.parent_id)}) then ${fields.position ?? categories.position} end`
    await commitCatalogChange(env, actor, { action: 'category.update', targetType: 'category', targetId: String(id), before: view(before), after }, [
      ...(Object.keys(fields).length ? [db.update(categories).set({ ...fields, ...(position !== undefined && { position }) }).where(eq(categories.id, id))] : []),
    ])
  }
  try {
    if (patch.slug !== undefined) await withUniqueSlug({ name: patch.name ?? before.name, asked: patch.slug, selfId: id, fallback: 'category' }, categorySlugOwners(db), 'categories', save)
    else await save(undefined)
  } catch (err) {
    if (/NOT NULL constraint failed: categories\.position/i.test(String(err))) throw underItself()
    throw err
  }
  return view(await categoryOf(db, id))
}

/** Deletes a category that has neither sub-categories nor products (409 naming what is left). */
export async function deleteCategory(env: Env, actor: CurrentUser, id: number) {
  const db = getDb(env)
  const before = await categoryOf(db, id)
  const [[children], [linked]] = await db.batch([
    db.select({ n: count() }).from(categories).where(eq(categories.parentId, id)),
    db.select({ n: count() }).from(productCategories).where(eq(productCategories.categoryId, id)),
  ])
  if ((children?.n ?? 0) > 0 || (linked?.n ?? 0) > 0) {
    throw conflict(`The category still has ${children?.n ?? 0} sub-categories and ${linked?.n ?? 0} products: move them first`)
  }
  // The counts above were read before this write: a sub-category or a product added meanwhile would make
  // the delete fail on the foreign key (a 500) or silently drop the product's link (cascade). So the
  // delete checks again in its own statement, and one that did not apply fails the whole batch.
  const empty = and(
    eq(categories.id, id),
    sql`not exists (select 1 from ${categories} c where c.parent_id = ${id})`,
    sql`not exists (select 1 from ${productCategories} pc where pc.category_id = ${id})`,
  )
  try {
    await commitCatalogChange(env, actor, { action: 'category.delete', targetType: 'category', targetId: String(id), before: view(before) }, [
      db.delete(categories).where(empty),
      failUnlessChanged(db),
    ])
  } catch (err) {
    if (/NOT NULL constraint failed: audit_log/i.test(String(err))) throw conflict('Sub-categories or products were added to this category meanwhile: move them first')
    throw err
  }
}

/** For a batch: fails it as a whole (NOT NULL) unless the statement just before it changed a row. */
const failUnlessChanged = (db: Db) => db.insert(auditLog).select(sql`select null, null, null, null, null, null, null, null, null where changes() = 0`)

export const listCategories = async (env: Env) => (await getDb(env).select().from(categories).orderBy(categories.position, categories.name)).map(view)
