/**
 * Staff's discounts: codes and automatic promotions, listed with their uses so far, created, changed,
 * deactivated, and deleted only while no order ever used them (their orders keep what they took off).
 * Every change is one D1 batch with its audit entry.
 */
import { and, count, desc, eq, inArray, or, sql } from 'drizzle-orm'
import { auditStatement } from '../admin/audit'
import { getDb, type Db } from '../db/client'
import { categories, discountRedemptions, discounts, products, type Discount, type DiscountKind, type NewDiscount } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import { conflict, notFound, validationFailed, type FieldErrors } from '../platform/errors'
import { centsToDecimal } from '../platform/money'
import { pageOf, pageWindow } from '../platform/pagination'
import { containsText } from '../platform/text-match'
import { readCode } from './codes'
import type { AdminDiscount, AdminDiscountPage } from './responses'
import type { AdminDiscountBody, AdminDiscountPatch, AdminDiscountQuery } from './schemas'
import { discountStatus, statusIs } from './status'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** 1250 basis points → "12.5". */
export const percentText = (bp: number) => centsToDecimal(bp).replace(/(\.\d)0$/, '$1')

const redemptionCount = sql<number>`(select count(*) from ${discountRedemptions} where ${discountRedemptions.discountId} = ${discounts.id})`.as('redemption_count')

export function discountView(row: Discount, redemptions: number, now = Date.now()): AdminDiscount {
  return {
    id: row.id,
    code: row.code,
    automatic: row.code === null,
    title: row.title,
    kind: row.kind,
    value: row.value,
    percent_off: row.kind === 'percentage' ? percentText(row.value) : null,
    amount_off_cents: row.kind === 'fixed' ? row.value : null,
    min_subtotal_cents: row.minSubtotalCents,
    product_ids: row.productIds,
    category_ids: row.categoryIds,
    starts_at: iso(row.startsAt),
    ends_at: iso(row.endsAt),
    usage_limit: row.usageLimit,
    per_customer_limit: row.perCustomerLimit,
    times_used: row.timesUsed,
    redemptions,
    is_active: row.isActive,
    status: discountStatus(row, now),
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  }
}

/** What the audit log keeps of a discount. */
const audited = (d: Omit<NewDiscount, 'id' | 'createdAt' | 'updatedAt' | 'timesUsed'>) => ({
  code: d.code ?? null,
  title: d.title,
  kind: d.kind,
  value: d.value ?? 0,
  min_subtotal_cents: d.minSubtotalCents ?? null,
  product_ids: d.productIds ?? [],
  category_ids: d.categoryIds ?? [],
  starts_at: iso(d.startsAt ?? null),
  ends_at: iso(d.endsAt ?? null),
  usage_limit: d.usageLimit ?? null,
  per_customer_limit: d.perCustomerLimit ?? null,
  is_active: d.isActive ?? true,
})

async function discountWithCount(db: Db, id: number): Promise<{ row: Discount; redemptions: number }> {
  const found = await db.select({ row: discounts, redemptions: redemptionCount }).from(discounts).where(eq(discounts.id, id)).get()
  if (!found) throw notFound('discount')
  return { row: found.row, redemptions: Number(found.redemptions) }
}

export async function getDiscount(env: Env, id: number): Promise<AdminDiscount> {
  const { row, redemptions } = await discountWithCount(getDb(env), id)
  return discountView(row, redemptions)
}

/** Discounts, newest first, by part of their code or title and by status. */
export async function listDiscounts(env: Env, query: AdminDiscountQuery, now = Date.now()): Promise<AdminDiscountPage> {
  const db = getDb(env)
  const where = and(query.q ? or(containsText(discounts.code, query.q), containsText(discounts.title, query.q)) : undefined, query.status ? statusIs(query.status, now) : undefined)
  const { limit, offset } = pageWindow(query)
  const [rows, [counted]] = await db.batch([
    db.select({ row: discounts, redemptions: redemptionCount }).from(discounts).where(where).orderBy(desc(discounts.id)).limit(limit).offset(offset),
    db.select({ n: count() }).from(discounts).where(where),
  ])
  return pageOf(
    rows.map(({ row, redemptions }) => discountView(row, Number(redemptions), now)),
    query,
    counted?.n ?? 0,
  )
}

const PERCENT = /^(\d{1,3})(?:\.(\d{1,2}))?$/
const AMOUNT = /^(\d{1,7})(?:\.(\d{1,2}))?$/

/** The typed value in the discount's unit (basis points, cents, 0), or the words of what is wrong with it. */
function valueOf(kind: DiscountKind, typed: string | undefined): { ok: true; value: number } | { ok: false; message: string } {
  const text = typed?.trim() ?? ''
  if (kind === 'free_shipping') return text === '' || Number(text) === 0 ? { ok: true, value: 0 } : { ok: false, message: 'must be left empty for free shipping' }
  if (text === '') return { ok: false, message: kind === 'percentage' ? 'is required: the percentage off, like 10 or 12.5' : 'is required: the amount off, like 5 or 5.00' }
  const match = (kind === 'percentage' ? PERCENT : AMOUNT).exec(text)
  const units = match ? Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0')) : null
  if (kind === 'percentage') return units !== null && units >= 1 && units <= 10_000 ? { ok: true, value: units } : { ok: false, message: 'must be a percentage above 0 and at most 100, with at most two decimals (12.5)' }
  return units !== null && units >= 1 ? { ok: true, value: units } : { ok: false, message: 'must be an amount above 0 like 5 or 5.00 (at most two decimals)' }
}

const uniqueIds = (ids: number[]) => [...new Set(ids)]
const MAX_PRODUCTS = 100

/**
 * The row a body or patch makes of `before` (null for a new discount), with every fault named by its
 * field: the code's form, the value by kind, a title for an automatic promotion, products (by id or
 * slug) and categories that exist, an end after the start, a limit not below the uses so far.
 */
async function resolve(db: Db, before: Discount | null, input: AdminDiscountPatch): Promise<Omit<NewDiscount, 'id' | 'createdAt' | 'timesUsed'>> {
  const faults: FieldErrors = {}
  const fault = (field: string, message: string) => (faults[field] = [...(faults[field] ?? []), message])

  let code = before?.code ?? null
  if (input.code !== undefined) {
    if (input.code === null || input.code.trim() === '') code = null
    else {
      const reading = readCode(input.code)
      if (reading.ok) code = reading.code
      else fault('code', reading.message)
    }
  }
  const kind = input.kind ?? before?.kind ?? 'percentage'
  let value = before?.value ?? 0
  if (input.value !== undefined || input.kind !== undefined || before === null) {
    const typed = input.value ?? (before && input.kind === before.kind ? (before.kind === 'percentage' ? percentText(before.value) : centsToDecimal(before.value)) : undefined)
    const read = valueOf(kind, typed)
    if (read.ok) value = read.value
    else fault('value', read.message)
  }
  const title = input.title?.trim() || (input.title === undefined ? before?.title : undefined) || code
  if (!title) fault('title', 'is required for an automatic promotion: shoppers read it in their cart')

  const startsAt = input.starts_at === undefined ? (before?.startsAt ?? null) : input.starts_at === null ? null : Date.parse(input.starts_at)
  const endsAt = input.ends_at === undefined ? (before?.endsAt ?? null) : input.ends_at === null ? null : Date.parse(input.ends_at)
  if (startsAt !== null && endsAt !== null && endsAt <= startsAt) fault('ends_at', 'must be after the start')

  const usageLimit = input.usage_limit === undefined ? (before?.usageLimit ?? null) : input.usage_limit
  if (before && usageLimit !== null && usageLimit < before.timesUsed) fault('usage_limit', `cannot be below the ${before.timesUsed} uses so far`)

  let productIds = before?.productIds ?? []
  if (input.product_ids !== undefined || input.product_slugs !== undefined) {
    const ids = uniqueIds(input.product_ids ?? [])
    const slugs = [...new Set(input.product_slugs ?? [])]
    const [byId, bySlug] = await db.batch([
      db.select({ id: products.id }).from(products).where(inArray(products.id, ids.length ? ids : [0])),
      db.select({ id: products.id, slug: products.slug }).from(products).where(inArray(products.slug, slugs.length ? slugs : [''])),
    ])
    const known = new Set(byId.map((p) => p.id))
    const missing = ids.filter((id) => !known.has(id))
    if (missing.length) fault('product_ids', `no product has the id ${missing.join(', ')}`)
    const foundSlugs = new Set(bySlug.map((p) => p.slug))
    const unknownSlugs = slugs.filter((slug) => !foundSlugs.has(slug))
    if (unknownSlugs.length) fault('product_slugs', `no product has the slug ${unknownSlugs.join(', ')}`)
    productIds = uniqueIds([...ids, ...bySlug.map((p) => p.id)])
    // Read back with one IN (…) of these ids: D1 binds at most 100 parameters a statement.
    if (productIds.length > MAX_PRODUCTS) fault('product_ids', `names ${productIds.length} products: at most ${MAX_PRODUCTS} (use categories for more)`)
  }
  let categoryIds = before?.categoryIds ?? []
  if (input.category_ids !== undefined) {
    const ids = uniqueIds(input.category_ids)
    const found = ids.length ? await db.select({ id: categories.id }).from(categories).where(inArray(categories.id, ids)) : []
    const known = new Set(found.map((c) => c.id))
    const missing = ids.filter((id) => !known.has(id))
    if (missing.length) fault('category_ids', `no category has the id ${missing.join(', ')}`)
    categoryIds = ids
  }
  if (Object.keys(faults).length) throw validationFailed(faults)
  return {
    code,
    title: title as string,
    kind,
    value,
    minSubtotalCents: input.min_subtotal === undefined ? (before?.minSubtotalCents ?? null) : input.min_subtotal,
    productIds,
    categoryIds,
    startsAt,
    endsAt,
    usageLimit,
    perCustomerLimit: input.per_customer_limit === undefined ? (before?.perCustomerLimit ?? null) : input.per_customer_limit,
    isActive: input.is_active ?? before?.isActive ?? true,
    updatedAt: Date.now(),
  }
}

/** A code taken by another discount: a 409 that names it. */
function codeTaken(err: unknown, code: string | null | undefined): never {
  if (code && /UNIQUE constraint failed: discounts\.code/i.test(causes(err))) throw conflict(`The code ${code} is already used by another discount`, { code: [`${code} is taken`] })
  throw err
}
const causes = (err: unknown): string => (err instanceof Error ? `${err.message} ${causes(err.cause)}` : '')

export async function createDiscount(env: Env, actor: CurrentUser, body: AdminDiscountBody): Promise<AdminDiscount> {
  const db = getDb(env)
  const fields = await resolve(db, null, body)
  const [[row]] = await db
    .batch([
      db.insert(discounts).values(fields).returning(),
      auditStatement(db, actor, { action: 'discount.create', targetType: 'discount', targetId: sql`(select cast(max(id) as text) from ${discounts})`, after: audited(fields) }),
    ])
    .catch((err: unknown) => codeTaken(err, fields.code))
  if (!row) throw new Error('discount insert returned nothing')
  return discountView(row, 0)
}

export async function updateDiscount(env: Env, actor: CurrentUser, id: number, patch: AdminDiscountPatch): Promise<AdminDiscount> {
  const db = getDb(env)
  const { row: before } = await discountWithCount(db, id)
  const fields = await resolve(db, before, patch)
  await db
    .batch([
      db.update(discounts).set(fields).where(eq(discounts.id, id)),
      auditStatement(db, actor, { action: 'discount.update', targetType: 'discount', targetId: String(id), before: audited(before), after: audited(fields) }),
    ])
    .catch((err: unknown) => {
      // The limit check above read times_used before this write: orders placed meanwhile may have passed the new limit.
      if (/discounts_usage_within_limit/i.test(causes(err))) throw validationFailed({ usage_limit: ['cannot be below the uses so far (orders were placed just now)'] })
      return codeTaken(err, fields.code)
    })
  return getDiscount(env, id)
}

/** Switches a discount off: no new order gets it; orders placed with it keep it. */
export async function deactivateDiscount(env: Env, actor: CurrentUser, id: number): Promise<AdminDiscount> {
  const db = getDb(env)
  const { row: before } = await discountWithCount(db, id)
  if (before.isActive) {
    await db.batch([
      db.update(discounts).set({ isActive: false, updatedAt: Date.now() }).where(eq(discounts.id, id)),
      auditStatement(db, actor, { action: 'discount.deactivate', targetType: 'discount', targetId: String(id), before: { is_active: true }, after: { is_active: false } }),
    ])
  }
  return getDiscount(env, id)
}

/** Ids per IN (…): D1 binds at most 100 parameters a statement, and each of these statements binds a few more. */
const IDS_PER_STATEMENT = 90

/** Switches several discounts off in one batch (the index's bulk action); answers how many were on. */
export async function deactivateDiscounts(env: Env, actor: CurrentUser, ids: number[]): Promise<number> {
  const db = getDb(env)
  const chunks = (list: number[]) => Array.from({ length: Math.ceil(list.length / IDS_PER_STATEMENT) }, (_, i) => list.slice(i * IDS_PER_STATEMENT, (i + 1) * IDS_PER_STATEMENT))
  const wanted = chunks(uniqueIds(ids))
  const [firstRead, ...moreReads] = wanted.map((chunk) => db.select({ id: discounts.id }).from(discounts).where(and(inArray(discounts.id, chunk), eq(discounts.isActive, true))))
  if (!firstRead) return 0
  const on = (await db.batch([firstRead, ...moreReads])).flat().map((row) => row.id)
  const now = Date.now()
  const [first, ...rest] = [
    ...chunks(on).map((chunk) => db.update(discounts).set({ isActive: false, updatedAt: now }).where(inArray(discounts.id, chunk))),
    ...on.map((id) => auditStatement(db, actor, { action: 'discount.deactivate', targetType: 'discount', targetId: String(id), before: { is_active: true }, after: { is_active: false } })),
  ]
  if (!first) return 0
  await db.batch([first, ...rest])
  return on.length
}

/** Deletes a discount no order ever used (409 otherwise: deactivate it instead). */
export async function deleteDiscount(env: Env, actor: CurrentUser, id: number): Promise<void> {
  const db = getDb(env)
  const { row: before, redemptions } = await discountWithCount(db, id)
  const name = before.code ?? `“${before.title}”`
  const used = () => conflict(`${name} was used on ${redemptions || 'some'} order${redemptions === 1 ? '' : 's'}: deactivate it instead (those orders keep their discount)`)
  if (redemptions > 0) throw used()
  // An order placed between the count and the delete makes the delete fail on its foreign key, the audit entry with it.
  await db
    .batch([db.delete(discounts).where(eq(discounts.id, id)), auditStatement(db, actor, { action: 'discount.delete', targetType: 'discount', targetId: String(id), before: audited(before) })])
    .catch((err: unknown) => {
      if (/FOREIGN KEY constraint failed/i.test(causes(err))) throw used()
      throw err
    })
}

/** The names of what a discount applies to, for its page ("Harbor Tee", "Outerwear"), in one batch. */
export async function eligibilityNames(env: Env, d: Pick<AdminDiscount, 'product_ids' | 'category_ids'>): Promise<{ products: string[]; categories: string[] }> {
  const db = getDb(env)
  const [productRows, categoryRows] = await db.batch([
    db.select({ name: products.name }).from(products).where(inArray(products.id, d.product_ids.length ? d.product_ids : [0])).orderBy(products.name),
    db.select({ name: categories.name }).from(categories).where(inArray(categories.id, d.category_ids.length ? d.category_ids : [0])).orderBy(categories.name),
  ])
  return { products: productRows.map((p) => p.name), categories: categoryRows.map((c) => c.name) }
}
