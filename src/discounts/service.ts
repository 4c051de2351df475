/**
 * Discounts: which apply to a cart (a code the shopper entered, and automatic promotions), and their
 * redemptions, counted in the batch that places the order and given back when it ends unpaid.
 *
 * Limits hold under concurrency because they are checked by the database inside the order's own batch
 * (one D1 transaction), not only read beforehand: the CHECK on `discounts.times_used` and the triggers of
 * migrations/0016_discounts.sql refuse a redemption past the total limit, past the buyer's limit, or of a
 * discount switched off or out of its dates, and the order is not placed. `applicableDiscounts` reads the
 * same rules first so that the shopper sees the reason before paying; `redemptionRefusal` words the rare
 * race that only the batch catches.
 */
import { and, count, eq, inArray, isNull, or, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { getDb, type Db } from '../db/client'
import { categories, discountRedemptions, discounts, products, type Discount } from '../db/schema'
import type { DiscountRule } from '../checkout/types'
import { CONFIG_TRUST_MS, checkoutVersions, checkoutVersionsStatement, versionsOf } from '../checkout/config'
import { formatMoney } from '../ui/money'
import { readCode } from './codes'

export { readCode } from './codes'

/** Why a code does not apply, in words the shopper reads next to the code field. */
export type CodeRefusalReason = 'unknown' | 'inactive' | 'not_started' | 'expired' | 'used_up' | 'customer_limit' | 'min_subtotal' | 'not_eligible'
export interface CodeRefusal {
  reason: CodeRefusalReason
  message: string
}

export interface DiscountRequest {
  /** As typed by the shopper (normalised here: NFKC, case, spaces); null when none was entered. */
  code: string | null
  /** The buyer's lower-cased email when known (per-customer limits), else null. */
  customerKey: string | null
  lines: { productId: number; categoryIds: number[]; subtotalCents: number }[]
  /** The cart's subtotal before discounts: what a minimum subtotal is compared with. */
  subtotalCents: number
  now: number
  /** The cart's currency, for the amounts in messages ("spend $12.00 more"); USD when left out. */
  currency?: string
}

export interface ApplicableDiscounts {
  /** The entered code's rule when it applies. */
  code: DiscountRule | null
  /** Why the entered code does not apply (never silently ignored). */
  refusal: CodeRefusal | null
  /** Every automatic promotion that applies now; the totals formula picks among them (the stacking rule). */
  automatic: DiscountRule[]
  /** `checkout_state.discounts_version` of the rows this was decided from (an order's batch checks it is still that). */
  version: number
}

/** How many products or categories a "applies only to …" message names before "and N more". */
const NAMES_SHOWN = 5

const whenFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
/** A moment as the messages say it: "3 Dec 2026, 09:00 UTC". */
export const discountMoment = (epochMs: number) => `${whenFormat.format(epochMs)} UTC`

/** The rule the totals formula applies, from a discount's row. */
export const ruleOf = (row: Discount): DiscountRule => ({
  id: row.id,
  code: row.code,
  title: row.title,
  kind: row.kind,
  value: row.value,
  minSubtotalCents: row.minSubtotalCents,
  productIds: row.productIds,
  categoryIds: row.categoryIds,
})

/** Whether a discount covers a cart line: every product when it names none, else the named products and those in the named categories. */
export function eligibleLine(rule: Pick<DiscountRule, 'productIds' | 'categoryIds'>, line: { productId: number; categoryIds: number[] }): boolean {
  if (rule.productIds.length === 0 && rule.categoryIds.length === 0) return true
  return rule.productIds.includes(line.productId) || line.categoryIds.some((id) => rule.categoryIds.includes(id))
}

/** What a discount applies to, in words ("Harbor Tee, Wool Socks or products in Outerwear"), from the names found for its ids. */
function appliesTo(productNames: string[], productCount: number, categoryNames: string[], categoryCount: number): string {
  const list = (names: string[], total: number) => (total > names.length ? `${names.join(', ')} and ${total - names.length} more` : names.join(', '))
  const parts = [productCount > 0 ? list(productNames, productCount) : '', categoryCount > 0 ? `products in ${list(categoryNames, categoryCount)}` : ''].filter(Boolean)
  return parts.join(' or ') || 'some products'
}

interface CartFacts {
  request: DiscountRequest
  /** Live redemptions of each discount by this buyer. */
  usedByCustomer: Map<number, number>
}

/**
 * Why a discount does not apply to this cart now, or null when it does. The checks in the order a
 * shopper can act on them: switched off, dates, limits, then what the cart would have to change.
 */
function refusalOf(row: Discount, { request, usedByCustomer }: CartFacts, eligibility: () => string): CodeRefusal | null {
  const name = row.code ?? row.title
  const money = (cents: number) => formatMoney(cents, request.currency ?? 'USD')
  if (!row.isActive) return { reason: 'inactive', message: `The code ${name} is no longer active.` }
  if (row.startsAt !== null && row.startsAt > request.now) return { reason: 'not_started', message: `The code ${name} starts on ${discountMoment(row.startsAt)}.` }
  if (row.endsAt !== null && row.endsAt <= request.now) return { reason: 'expired', message: `The code ${name} expired on ${discountMoment(row.endsAt)}.` }
  if (row.usageLimit !== null && row.timesUsed >= row.usageLimit) return { reason: 'used_up', message: `The code ${name} has been used up: it was for the first ${row.usageLimit} orders.` }
  const used = usedByCustomer.get(row.id) ?? 0
  if (row.perCustomerLimit !== null && request.customerKey !== null && used >= row.perCustomerLimit) {
    const times = row.perCustomerLimit === 1 ? 'once' : `${row.perCustomerLimit} times`
    return { reason: 'customer_limit', message: `The code ${name} was already used by you: it can be used ${times} per customer.` }
  }
  if (row.minSubtotalCents !== null && request.subtotalCents < row.minSubtotalCents) {
    return { reason: 'min_subtotal', message: `The code ${name} needs a subtotal of ${money(row.minSubtotalCents)}: spend ${money(row.minSubtotalCents - request.subtotalCents)} more.` }
  }
  if (!request.lines.some((line) => eligibleLine(row, line))) return { reason: 'not_eligible', message: `The code ${name} applies only to ${eligibility()}, and none of them is in your cart.` }
  return null
}

/**
 * The entered code (its rule, or why it does not apply) and every automatic promotion that applies to
 * this cart now, in one D1 batch. A minimum subtotal is compared with the cart's subtotal before discounts.
 */
export async function applicableDiscounts(env: Env, request: DiscountRequest): Promise<ApplicableDiscounts> {
  const reading = request.code === null ? null : readCode(request.code)
  if (reading && !reading.ok) {
    // Nothing to look up for the code: the promotions alone (one batch all the same).
    const { automatic, version } = await applicableDiscounts(env, { ...request, code: null })
    return { code: null, refusal: { reason: 'unknown', message: reading.message }, automatic, version }
  }
  const code = reading?.ok ? reading.code : null
  const db = getDb(env)
  // '' matches no code: the statements are the same with or without one, so the batch has one shape.
  const codeKey = code ?? ''
  const idsOf = (column: 'product_ids' | 'category_ids') => sql`(select value from json_each((select ${sql.raw(column)} from ${discounts} where ${discounts.code} = ${codeKey})))`
  const [versions, codeRows, automaticRows, used, productNames, categoryNames] = await db.batch([
    checkoutVersionsStatement(db),
    db.select().from(discounts).where(eq(discounts.code, codeKey)),
    db.select().from(discounts).where(automaticNow(request.now)),
    db
      .select({ discountId: discountRedemptions.discountId, n: count() })
      .from(discountRedemptions)
      .where(
        and(
          eq(discountRedemptions.customerKey, request.customerKey ?? ''),
          isNull(discountRedemptions.releasedAt),
          // By discount first: the (discount_id, customer_key) index answers it without reading other buyers' rows.
          inArray(discountRedemptions.discountId, db.select({ id: discounts.id }).from(discounts).where(or(eq(discounts.code, codeKey), automaticNow(request.now)))),
        ),
      )
      .groupBy(discountRedemptions.discountId),
    db.select({ name: products.name }).from(products).where(sql`${products.id} in ${idsOf('product_ids')}`).orderBy(products.name).limit(NAMES_SHOWN),
    db.select({ name: categories.name }).from(categories).where(sql`${categories.id} in ${idsOf('category_ids')}`).orderBy(categories.name).limit(NAMES_SHOWN),
  ])
  const facts: CartFacts = { request, usedByCustomer: new Map(used.map((row) => [row.discountId, row.n])) }
  const automatic = automaticRows.filter((row) => refusalOf(row, facts, () => '') === null).map(ruleOf)
  const version = versionsOf(versions).discounts
  if (code === null) return { code: null, refusal: null, automatic, version }
  const row = codeRows[0]
  if (!row) return { code: null, refusal: { reason: 'unknown', message: `There is no discount code ${code}: check its spelling.` }, automatic, version }
  const eligibility = () =>
    appliesTo(
      productNames.map((p) => p.name),
      row.productIds.length,
      categoryNames.map((c) => c.name),
      row.categoryIds.length,
    )
  const refusal = refusalOf(row, facts, eligibility)
  return refusal ? { code: null, refusal, automatic, version } : { code: ruleOf(row), refusal: null, automatic, version }
}

/**
 * The automatic promotions switched on, as this isolate last read them, under `checkout_state.discounts_version`
 * (moved by triggers on any change to a discount but its use count): what tells a cart with no code that
 * there is nothing to look up. Dates and use counts are judged per cart; this only says who could apply.
 */
let automaticKept: { version: number; rows: Discount[]; readAt: number } | undefined

async function automaticPromotions(env: Env, options: { known?: number; trust?: boolean }): Promise<{ rows: Discount[]; version: number }> {
  if (options.trust && automaticKept && Date.now() - automaticKept.readAt < CONFIG_TRUST_MS) return automaticKept
  const known = options.known ?? (options.trust ? undefined : (await checkoutVersions(env)).discounts)
  if (automaticKept && known !== undefined && automaticKept.version === known) return automaticKept
  const db = getDb(env)
  const [versions, rows] = await db.batch([checkoutVersionsStatement(db), db.select().from(discounts).where(and(isNull(discounts.code), eq(discounts.isActive, true)))])
  const fresh = { version: versionsOf(versions).discounts, rows, readAt: Date.now() }
  if (!automaticKept || fresh.version >= automaticKept.version) automaticKept = fresh
  return fresh
}

/** Whether a promotion may apply at `now` as far as its dates say (its use count is the database's to judge). */
const withinDates = (row: Discount, now: number) => (row.startsAt === null || row.startsAt <= now) && (row.endsAt === null || row.endsAt > now)

/**
 * `applicableDiscounts`, without any D1 read when there is nothing to look up: no code entered (or one that
 * cannot be a code) and no automatic promotion within its dates. `known`/`trust` as for the checkout config
 * (src/checkout/config.ts): a quote passes the version it read, an order trusts a recent copy and its batch
 * checks the version.
 */
export async function discountsFor(env: Env, request: DiscountRequest, options: { known?: number; trust?: boolean } = {}): Promise<ApplicableDiscounts> {
  const reading = request.code === null ? null : readCode(request.code)
  if (reading === null || !reading.ok) {
    const promotions = await automaticPromotions(env, options)
    if (!promotions.rows.some((row) => withinDates(row, request.now))) {
      return { code: null, refusal: reading && !reading.ok ? { reason: 'unknown', message: reading.message } : null, automatic: [], version: promotions.version }
    }
  }
  return applicableDiscounts(env, request)
}

/** Automatic promotions that are on and within their dates and total limit at `now` (the rest is checked per cart). */
const automaticNow = (now: number) =>
  and(
    isNull(discounts.code),
    eq(discounts.isActive, true),
    or(isNull(discounts.startsAt), sql`${discounts.startsAt} <= ${now}`),
    or(isNull(discounts.endsAt), sql`${discounts.endsAt} > ${now}`),
    or(isNull(discounts.usageLimit), sql`${discounts.timesUsed} < ${discounts.usageLimit}`),
  )

/** A buyer as per-customer limits know them: the lower-cased email. */
export const customerKeyOf = (email: string) => email.trim().toLowerCase()

/**
 * The statements that count the order's discounts as used, for the batch that inserts the order: the
 * batch fails (and so places nothing) when a limit would be passed; `redemptionRefusal(err)` says which.
 * Each discount: its redemption row (the insert trigger refuses a discount switched off or out of its
 * dates, and a buyer at their limit), then `times_used + 1` (refused past the total limit).
 * Put them after the order's insert: the redemption refers to the order.
 */
export function redeemStatements(db: Db, orderId: string, customerKey: string, applied: { rule: DiscountRule; amountCents: number }[]): BatchItem<'sqlite'>[] {
  return applied.flatMap(({ rule, amountCents }) => [
    db.insert(discountRedemptions).values({ orderId, discountId: rule.id, code: rule.code, title: rule.title, customerKey: customerKeyOf(customerKey), amountCents }),
    db
      .update(discounts)
      .set({ timesUsed: sql`${discounts.timesUsed} + 1` })
      .where(eq(discounts.id, rule.id)),
  ])
}

const REFUSAL_REASONS = ['inactive', 'not_started', 'expired', 'used_up', 'customer_limit'] as const satisfies readonly CodeRefusalReason[]
type BatchRefusalReason = (typeof REFUSAL_REASONS)[number]

/** Every message of an error and of its causes (drizzle wraps D1's error, whose own message carries SQLite's). */
function messagesOf(err: unknown): string {
  const messages: string[] = []
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    messages.push(e instanceof Error ? e.message : String(e))
    e = e instanceof Error ? e.cause : undefined
  }
  return messages.join(' | ')
}

/** The reason a failed batch carries, when it failed on a discount's rule. */
function batchRefusalReason(err: unknown): BatchRefusalReason | null {
  const text = messagesOf(err)
  const raised = /discount_refused:(\w+)/.exec(text)?.[1]
  if (raised && (REFUSAL_REASONS as readonly string[]).includes(raised)) return raised as BatchRefusalReason
  // The CHECK itself, should the named trigger ever be missing (it runs first and says used_up).
  if (/CHECK constraint failed: discounts_usage_within_limit/i.test(text)) return 'used_up'
  return null
}

/**
 * The refusal a failed order batch carries when it failed on a discount limit, else null. With the
 * discounts that were applied, a single one is named; with several, the message says "a discount" (the
 * database does not say which) and the caller recomputes the cart, which names it.
 */
export function redemptionRefusal(err: unknown, applied: Pick<DiscountRule, 'code' | 'title'>[] = []): CodeRefusal | null {
  const reason = batchRefusalReason(err)
  if (!reason) return null
  const only = applied.length === 1 ? applied[0] : undefined
  const which = only ? (only.code ? `The code ${only.code}` : `The promotion “${only.title}”`) : 'A discount of this order'
  const messages: Record<BatchRefusalReason, string> = {
    inactive: `${which} was switched off just now.`,
    not_started: `${which} has not started yet.`,
    expired: `${which} expired just now.`,
    used_up: `${which} was used up by other orders just now.`,
    customer_limit: `${which} was already used by you.`,
  }
  return { reason, message: `${messages[reason]} Nothing was charged; check the new total.` }
}

/**
 * The statements that give the order's discount uses back (an unpaid order expired or cancelled), for the
 * batch that ends it. Idempotent: only redemptions not released yet count down, and are then marked.
 */
export function releaseStatements(db: Db, orderId: string, now = Date.now()): BatchItem<'sqlite'>[] {
  const live = and(eq(discountRedemptions.orderId, orderId), isNull(discountRedemptions.releasedAt))
  return [
    db
      .update(discounts)
      .set({ timesUsed: sql`${discounts.timesUsed} - 1` })
      .where(inArray(discounts.id, db.select({ id: discountRedemptions.discountId }).from(discountRedemptions).where(live))),
    db.update(discountRedemptions).set({ releasedAt: now }).where(live),
  ]
}

/**
 * The statements that count an expired order's discount uses again when it is paid after all (a late
 * payment that found its stock), for the batch that records the payment: the buyer paid the discounted
 * total, so the use is real. Never fails the payment: a discount used up meanwhile is left released (the
 * order keeps its price; the limit keeps its word). Run once, with the move to paid.
 */
export function reclaimStatements(db: Db, orderId: string): BatchItem<'sqlite'>[] {
  const released = and(eq(discountRedemptions.orderId, orderId), sql`${discountRedemptions.releasedAt} is not null`)
  const withRoom = db
    .select({ id: discounts.id })
    .from(discounts)
    .where(or(isNull(discounts.usageLimit), sql`${discounts.timesUsed} < ${discounts.usageLimit}`))
  return [
    db
      .update(discountRedemptions)
      .set({ releasedAt: null })
      .where(and(released, inArray(discountRedemptions.discountId, withRoom))),
    // The expiry released every redemption of the order: those live now are the ones just taken back.
    db
      .update(discounts)
      .set({ timesUsed: sql`${discounts.timesUsed} + 1` })
      .where(inArray(discounts.id, db.select({ id: discountRedemptions.discountId }).from(discountRedemptions).where(and(eq(discountRedemptions.orderId, orderId), isNull(discountRedemptions.releasedAt))))),
  ]
}
