/**
 * Orders: placing one (prices from D1 at that moment, every line held all or nothing in its product's
 * stock object), reading them, selling their stock when paid, and expiring them when their holds run out.
 */
import { and, asc, count, desc, eq, type SQL } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { profileOf } from '../accounts/service'
import { linesBackToCart } from '../cart/returns'
import { orderableCartLines, removeOrderedLines } from '../cart/service'
import { resolveVariantIds, variantsByIds, type VariantForSale, type VariantLine } from '../cart/variants'
import { destinationOf, quote, quoteView, type Quote } from '../checkout/quote'
import { problemMessage } from '../checkout/totals'
import { redeemStatements, redemptionRefusal, type CodeRefusal } from '../discounts/service'
import { chunkRows, getDb, type Db } from '../db/client'
import {
  discountRedemptions,
  orderEvents,
  orderItems,
  orders,
  orderTaxLines,
  type Discount,
  type DiscountRedemption,
  type OptionValue,
  type Order,
  type OrderItem,
  type OrderStatus,
  type OrderTaxLine,
  type Payment,
} from '../db/schema'
import { sha256Hex } from '../platform/encoding'
import type { CurrentUser } from '../platform/env'
import { ApiError, badRequest, notFound, validationFailed, type FieldErrors } from '../platform/errors'
import { logError, logEvent } from '../platform/logging'
import { linkedPageOf, pageWindow } from '../platform/pagination'
import { withQuery } from '../platform/query-string'
import { claimGuard, claimKey, claimLost, holdsClaim, releaseKey } from './idempotency'
import type { OrderLineView, OrderPage, OrderView } from './responses'
import type { CreateOrderBody, OrderListQuery } from './schemas'
import { canTransition, illegalTransition, transition } from './status'
import { HOLD_TTL_MS_DEFAULT, stockOf } from '../stock/client'
import { enqueueOutbox, orderOutboxInsert } from '../notifications/outbox'
import { releaseStatements } from '../discounts/service'

export type { OrderLineView, OrderPage, OrderView }

/** A line about to be ordered: what was asked (a variant), priced from D1 now, as it is at this moment. */
interface PricedLine extends VariantLine {
  /** How errors name the line: `variant:<id>`, or `product:<id>` when it was asked for by its product. */
  ref: string
  name: string
  sku: string | null
  title: string
  optionValues: OptionValue[]
  priceCents: number
  currency: string
  reservationId: string
  /** The variant as read now: what the totals formula prices (weight, tax class, categories). */
  variant: VariantForSale
}

/** A line as asked: a variant, or a product standing for its one variant; `ref` names it in errors. */
type RequestedLine = { ref: string; variantId: number | null; quantity: number }

/** The reservation of an order's line in its product's stock object: one per line (variant), derived from the order id. */
const reservationIdOf = (orderId: string, variantId: number) => `${orderId}:${variantId}`

/** The hold's lifetime from the HOLD_TTL_MS setting (wrangler.toml), 15 minutes if it is unset or not a positive integer. */
function holdTtlMs(env: Env): number {
  const ttl = Number(env.HOLD_TTL_MS)
  return Number.isSafeInteger(ttl) && ttl > 0 ? ttl : HOLD_TTL_MS_DEFAULT
}

const iso = (epochMs: number) => new Date(epochMs).toISOString()
const itemsInOrder = { orderBy: [asc(orderItems.productId), asc(orderItems.variantId)] }
const withLines = {
  items: itemsInOrder,
  payment: { columns: { refundedCents: true } },
  taxLines: { orderBy: [asc(orderTaxLines.position)] as SQL[] },
  discounts: { orderBy: [asc(discountRedemptions.discountId)] as SQL[], with: { discount: { columns: { kind: true } } } },
} as const
const isIllegalTransition = (err: unknown) => err instanceof ApiError && err.code === 'illegal_transition'

type LoadedOrder = Order & { items: OrderItem[]; payment: Pick<Payment, 'refundedCents'> | null; taxLines: OrderTaxLine[]; discounts: (DiscountRedemption & { discount: Pick<Discount, 'kind'> })[] }

function orderView(order: LoadedOrder): OrderView {
  return {
    id: order.id,
    status: order.status,
    currency: order.currency,
    email: order.email,
    subtotal_cents: order.subtotalCents,
    discount_cents: order.discountCents,
    shipping: {
      method_id: order.shippingMethodId,
      method: order.shippingMethodName,
      cents: order.shippingCents,
      discount_cents: order.shippingDiscountCents,
      weight_grams: order.shippingWeightGrams,
    },
    tax_cents: order.taxCents,
    tax_inclusive: order.taxInclusive,
    tax_lines: order.taxLines.map((line) => ({ name: line.name, rate_bp: line.rateBp, taxable_cents: line.taxableCents, amount_cents: line.amountCents })),
    discounts: order.discounts.map((d) => ({ id: d.discountId, code: d.code, title: d.title, kind: d.discount.kind, amount_cents: d.amountCents })),
    total_cents: order.totalCents,
    items: order.items.map((item) => ({
      variant_id: item.variantId,
      product_id: item.productId,
      name: item.productName,
      sku: item.sku,
      variant_title: item.variantTitle,
      option_values: item.optionValues,
      quantity: item.quantity,
      price_at_purchase_cents: item.priceAtPurchaseCents,
      line_total_cents: item.lineTotalCents,
      discount_cents: item.discountCents,
      tax_cents: item.taxCents,
      tax_rate_bp: item.taxRateBp,
    })),
    shipping_address: order.shippingAddress,
    created_at: iso(order.createdAt),
    updated_at: iso(order.updatedAt),
    hold_expires_at: order.status === 'pending_payment' ? iso(order.holdExpiresAt) : null,
    payment_status: order.paymentStatus,
    refunded_cents: order.payment?.refundedCents ?? 0,
    review_reason: order.reviewReason,
  }
}

const findOrder = (db: Db, orderId: string) => db.query.orders.findFirst({ where: eq(orders.id, orderId), with: withLines })

async function orderStatus(db: Db, orderId: string): Promise<OrderStatus | null> {
  const row = await db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)).get()
  return row?.status ?? null
}

/** An order's line as its product's stock object knows it: a variant's units under the line's reservation id. */
export type StockLine = VariantLine & { reservationId: string }

/** The order's lines as the stock objects know them. */
const stockLines = (db: Db, orderId: string): Promise<StockLine[]> =>
  db
    .select({ productId: orderItems.productId, variantId: orderItems.variantId, quantity: orderItems.quantity, reservationId: orderItems.reservationId })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId))
    .orderBy(asc(orderItems.productId), asc(orderItems.variantId))

/** An order as its owner, or staff and admins, see it; anyone else gets the 404 an unknown id gets, so ids cannot be probed. */
export async function orderForViewer(env: Env, viewer: CurrentUser, orderId: string): Promise<OrderView> {
  const order = await findOrder(getDb(env), orderId)
  const mayView = order && (order.userId === viewer.id || viewer.role === 'staff' || viewer.role === 'admin')
  if (!order || !mayView) throw notFound('order')
  return orderView(order)
}

/** A page of the user's orders, newest first, each with its lines (one statement for the page, one for the count). */
export async function listOrders(env: Env, userId: number, { page, page_size: pageSize }: OrderListQuery): Promise<OrderPage> {
  const db = getDb(env)
  const mine = eq(orders.userId, userId)
  const [rows, counted] = await db.batch([
    db.query.orders.findMany({
      where: mine,
      orderBy: [desc(orders.createdAt), desc(orders.id)],
      ...pageWindow({ page, page_size: pageSize }),
      with: withLines,
    }),
    db.select({ total: count() }).from(orders).where(mine),
  ])
  return linkedPageOf(rows.map(orderView), { page, page_size: pageSize }, counted[0]?.total ?? 0, (to) => withQuery('/api/orders', { page: to, page_size: pageSize }))
}

/**
 * Places an order for the user. With an Idempotency-Key, a repeat of the same request (even a concurrent
 * one) answers the order the first one made, `created: false`; the same key with another body is a 422.
 */
export async function createOrder(env: Env, userId: number, body: CreateOrderBody, idempotencyKey?: string): Promise<{ order: OrderView; created: boolean }> {
  if (idempotencyKey === undefined) return { order: await placeOrder(env, userId, body, crypto.randomUUID()), created: true }

  const db = getDb(env)
  const exists = async (orderId: string) => (await orderStatus(db, orderId)) !== null
  const claim = await claimKey(env, userId, idempotencyKey, await sha256Hex(JSON.stringify(body)), exists)
  if (claim.kind === 'replay') {
    const order = await findOrder(db, claim.orderId)
    if (!order) throw new Error(`order ${claim.orderId} of an idempotency claim vanished`)
    return { order: orderView(order), created: false }
  }
  try {
    return { order: await placeOrder(env, userId, body, claim.orderId, idempotencyKey), created: true }
  } catch (err) {
    await releaseKey(env, userId, idempotencyKey, claim.orderId).catch((releaseErr: unknown) =>
      logError('idempotency claim not given back', { order_id: claim.orderId, error: releaseErr }),
    )
    throw err
  }
}

/**
 * The lines to order: the body's (a product named for its one variant resolved to it, 400
 * `variant_required` for a product with several), or the sellable lines of the user's cart (with the cart to take them from).
 */
async function requestedLines(env: Env, userId: number, body: CreateOrderBody): Promise<{ cartId: number | null; lines: RequestedLine[] }> {
  if (body.items) {
    const items = body.items
    const ids = await resolveVariantIds(getDb(env), items, (i) => `items.${i}.variant_id`)
    const lines = items.map((line, i) => ({
      ref: line.variant_id !== undefined ? `variant:${line.variant_id}` : `product:${line.product_id}`,
      variantId: ids[i] ?? null,
      quantity: line.quantity,
    }))
    // A product named for its one variant and that variant named as well: the same variant twice.
    const first = new Map<number, number>()
    const twice: FieldErrors = {}
    lines.forEach((line, i) => {
      if (line.variantId === null) return
      const earlier = first.get(line.variantId)
      if (earlier !== undefined) twice[`items.${i}.variant_id`] = [`the same variant as line ${earlier}: give each variant one line`]
      else first.set(line.variantId, i)
    })
    if (Object.keys(twice).length) throw validationFailed(twice)
    return { cartId: null, lines }
  }
  const cart = await orderableCartLines(env, userId)
  if (!cart?.lines.length) throw new ApiError(400, 'cart_empty', 'The cart holds nothing that can be ordered')
  return { cartId: cart.cartId, lines: cart.lines.map((line) => ({ ref: `variant:${line.variantId}`, variantId: line.variantId, quantity: line.quantity })) }
}

/**
 * Prices the lines from D1 now, per variant (never from a cache); 404 for variants or products that do
 * not exist or are not for sale (an inactive variant of an active product included), 400 for mixed currencies.
 */
async function priceLines(db: Db, orderId: string, requested: RequestedLine[]): Promise<PricedLine[]> {
  const found = await variantsByIds(
    db,
    requested.flatMap((line) => (line.variantId === null ? [] : [line.variantId])),
  )
  const missing = requested.filter((line) => line.variantId === null || !found.get(line.variantId)?.isActive)
  if (missing.length) {
    const fields: FieldErrors = Object.fromEntries(missing.map((line) => [line.ref, [line.ref.startsWith('variant') ? 'is not a variant for sale' : 'is not a product for sale']]))
    throw new ApiError(404, 'not_found', `${missing.map((line) => line.ref.replace(':', ' ')).join(', ')} not found`, fields)
  }
  const lines = requested.map((line): PricedLine => {
    const variant = line.variantId === null ? undefined : found.get(line.variantId)
    if (!variant) throw new Error('unreachable: variant checked above')
    return {
      ref: line.ref,
      productId: variant.productId,
      variantId: variant.variantId,
      quantity: line.quantity,
      name: variant.name,
      sku: variant.sku,
      title: variant.title,
      optionValues: variant.optionValues,
      priceCents: variant.priceCents,
      currency: variant.currency,
      reservationId: reservationIdOf(orderId, variant.variantId),
      variant,
    }
  })
  const currencies = [...new Set(lines.map((line) => line.currency))]
  if (currencies.length > 1) throw badRequest(`All lines of an order must share one currency, not ${currencies.join(' and ')}`)
  return lines
}

/** Releases every line's reservation, held or not: an id never seen is remembered as released, so a reserve still in flight cannot hold afterwards. */
async function releaseAll(env: Env, lines: Pick<PricedLine, 'productId' | 'reservationId'>[]): Promise<void> {
  const results = await Promise.allSettled(lines.map((line) => stockOf(env, line.productId).release(line.productId, line.reservationId)))
  for (const result of results) {
    // The hold ends at its deadline anyway; until then it only keeps units out of sale.
    if (result.status === 'rejected') logError('hold release failed', { error: result.reason })
  }
}

/** The lines grouped by product, in order: each product's lines go to its stock object in one call. */
function byProduct<T extends { productId: number }>(lines: T[]): [number, T[]][] {
  const groups = new Map<number, T[]>()
  for (const line of lines) groups.set(line.productId, [...(groups.get(line.productId) ?? []), line])
  return [...groups]
}

/**
 * Holds every line, all or nothing: the lines of one product (its variants) in ONE `reserveLines` call of
 * its stock object (one transaction: all of them or none), the products in parallel; if one product
 * cannot hold its lines, every line is released and the answer is a 409 naming the short lines.
 * Resolves to when the first hold runs out.
 */
async function holdAll(env: Env, orderId: string, lines: PricedLine[]): Promise<number> {
  const ttlMs = holdTtlMs(env)
  const groups = byProduct(lines)
  const results = await Promise.allSettled(
    groups.map(([productId, group]) =>
      stockOf(env, productId).reserveLines(
        productId,
        group.map((line) => ({ variantId: line.variantId, reservationId: line.reservationId, qty: line.quantity })),
        ttlMs,
        orderId,
      ),
    ),
  )
  const expiries: number[] = []
  const short: FieldErrors = {}
  let failure: unknown = null
  results.forEach((result, g) => {
    const group = groups[g]?.[1] ?? []
    if (result.status === 'rejected') {
      failure ??= result.reason
      return
    }
    const answer = result.value
    if (answer.ok) {
      expiries.push(...answer.holds.map((hold) => hold.expiresAt))
      return
    }
    const availableOf = (line: PricedLine) =>
      answer.reason === 'insufficient' ? (answer.short.find((s) => s.variantId === line.variantId)?.available ?? null) : answer.reason === 'finished' ? null : 0
    for (const line of group) {
      const available = availableOf(line)
      if (answer.reason === 'finished') short[line.ref] = ['is no longer held for this order: order again']
      else if (available !== null) short[line.ref] = [`requested ${line.quantity}, available ${available}`]
    }
  })
  if (failure === null && expiries.length === lines.length) return Math.min(...expiries)

  await releaseAll(env, lines)
  if (failure !== null) throw failure
  const named = lines.filter((line) => short[line.ref]).map((line) => (line.title !== 'Default' ? `${line.name} (${line.title})` : `product ${line.productId}`))
  throw new ApiError(409, 'insufficient_stock', `Not enough stock for ${named.join(', ')}`, short)
}

/** What the order is refused for when the quote says it cannot ship as asked (the country named). */
function shippingRefusal(q: Quote): ApiError | null {
  const problem = q.totals.problems[0]
  if (!problem) return null
  const message = problemMessage(problem)
  switch (problem.code) {
    case 'no_zone':
      return new ApiError(400, 'unshippable_country', message, { 'shipping_address.country': [message] })
    case 'no_method':
      return new ApiError(400, 'no_shipping_method', message, { shipping_method_id: [message] })
    case 'method_required':
      return new ApiError(400, 'shipping_method_required', `${message} Ask for a quote (POST /api/checkout/quote) to see the methods for this address.`, { shipping_method_id: [message] })
    case 'method_unavailable':
    case 'destination_required':
      return new ApiError(400, 'shipping_method_unavailable', message, { shipping_method_id: [message] })
  }
}

/** An entered code that does not apply: never ignored. Used up is a 409 (it may have been fine a moment ago), the rest a 400. */
function codeRefused(refusal: CodeRefusal): ApiError {
  const status = refusal.reason === 'used_up' || refusal.reason === 'customer_limit' ? 409 : 400
  return new ApiError(status, 'discount_code_refused', refusal.message, { discount_code: [refusal.message] }, { reason: refusal.reason })
}

/** The quote of an order about to be placed, or the error that keeps it from being placed (nothing is held yet). */
async function orderQuote(env: Env, lines: PricedLine[], body: CreateOrderBody, shippingAddress: { country: string; region?: string | null }, customerKey: string): Promise<Quote> {
  const q = await quote(env, {
    lines: lines.map((line) => ({ variant: line.variant, quantity: line.quantity })),
    destination: destinationOf(shippingAddress),
    shippingMethodId: body.shipping_method_id ?? null,
    code: body.discount_code ?? null,
    customerKey,
  })
  const refused = shippingRefusal(q)
  if (refused) throw refused
  if (q.refusal) throw codeRefused(q.refusal)
  if (body.expected_total_cents !== undefined && body.expected_total_cents !== q.totals.totalCents) {
    const money = (cents: number) => `${(cents / 100).toFixed(2)} ${q.currency ?? ''}`.trim()
    throw new ApiError(409, 'total_changed', `The total changed from ${money(body.expected_total_cents)} to ${money(q.totals.totalCents)}: check the new breakdown and order again`, undefined, {
      quote: quoteView(q),
    })
  }
  return q
}

async function placeOrder(env: Env, userId: number, body: CreateOrderBody, orderId: string, idempotencyKey?: string): Promise<OrderView> {
  const db = getDb(env)
  const { cartId, lines: requested } = await requestedLines(env, userId, body)
  const profile = await profileOf(env, userId)
  const shippingAddress = body.shipping_address ?? profile.default_shipping_address
  if (!shippingAddress) throw validationFailed({ shipping_address: ['is required: none was given and the profile has no default address'] })
  const lines = await priceLines(db, orderId, requested)
  const email = profile.email.toLowerCase()
  const q = await orderQuote(env, lines, body, shippingAddress, email)
  const totals = q.totals
  const byVariant = new Map(totals.lines.map((line) => [line.variantId, line]))

  const holdExpiresAt = await holdAll(env, orderId, lines)
  const statements: [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] = [
    db.insert(orders).values({
      id: idempotencyKey === undefined ? orderId : claimGuard(env, userId, idempotencyKey, orderId),
      userId,
      email,
      currency: lines[0]?.currency ?? 'USD',
      subtotalCents: totals.subtotalCents,
      discountCents: totals.discountCents,
      shippingCents: totals.shippingCents,
      shippingDiscountCents: totals.shippingDiscountCents,
      taxCents: totals.taxCents,
      taxInclusive: totals.taxInclusive,
      shippingMethodId: totals.method?.id ?? null,
      shippingMethodName: totals.method?.name ?? null,
      shippingWeightGrams: totals.weightGrams,
      totalCents: totals.totalCents,
      shippingAddress,
      holdExpiresAt,
    }),
    // A parameter per column of a line: a few lines fill D1's 100 per statement, so they are split.
    ...chunkRows(
      lines.map((line) => ({
        orderId,
        productId: line.productId,
        variantId: line.variantId,
        productName: line.name,
        sku: line.sku,
        variantTitle: line.title,
        optionValues: line.optionValues,
        priceAtPurchaseCents: line.priceCents,
        quantity: line.quantity,
        lineTotalCents: line.priceCents * line.quantity,
        reservationId: line.reservationId,
        discountCents: byVariant.get(line.variantId)?.discountCents ?? 0,
        taxCents: byVariant.get(line.variantId)?.taxCents ?? 0,
        taxRateBp: byVariant.get(line.variantId)?.taxRateBp ?? 0,
      })),
      0,
      orderItems,
    ).map((rows) => db.insert(orderItems).values(rows)),
    ...chunkRows(totals.taxLines.map((line, position) => ({ orderId, position, name: line.name, rateBp: line.rateBp, taxableCents: line.taxableCents, amountCents: line.amountCents })), 0, orderTaxLines).map(
      (rows) => db.insert(orderTaxLines).values(rows),
    ),
    // A discount's use is counted in the batch that places the order: past its limit the batch fails whole.
    ...redeemStatements(db, orderId, email, totals.discounts),
    db.insert(orderEvents).values({ orderId, toStatus: 'pending_payment', note: cartId === null ? 'placed' : 'placed from the cart' }),
  ]
  // The cart gives up its lines in the same batch that makes the order: both happen or neither.
  if (cartId !== null) statements.push(removeOrderedLines(env, cartId, lines.map((line) => line.variantId)))
  const placed = orderOutboxInsert(db, 'order.created', orderId)
  statements.push(placed.statement)
  try {
    await db.batch(statements)
  } catch (err) {
    await releaseAll(env, lines)
    if (idempotencyKey !== undefined && !(await holdsClaim(env, userId, idempotencyKey, orderId))) throw claimLost()
    const refusal = redemptionRefusal(err, totals.discounts.map((applied) => applied.rule))
    if (refusal) throw codeRefused(refusal)
    throw err
  }
  await enqueueOutbox(env, [placed.id])
  // Only here: an idempotent replay answers the first order without placing one.
  logEvent(env, 'order.created', { order_id: orderId, user_id: userId, lines: lines.length, total_cents: totals.totalCents, currency: lines[0]?.currency })
  const order = await findOrder(db, orderId)
  if (!order) throw new Error(`order ${orderId} missing right after its insert`)
  return orderView(order)
}

export type CommitOrderResult =
  | { ok: true; status: 'paid' }
  | { ok: false; reason: 'not_held'; lines: StockLine[] }

/** The order's lines as its products' stock objects know them (product, quantity, reservation id). */
export const orderStockLines = (env: Env, orderId: string) => stockLines(getDb(env), orderId)

/**
 * Sells every line's held units (stock objects and D1's stock_quantity drop) without touching the order's
 * status: the caller writes that (payments does, in the batch that records the webhook event). Safe to
 * repeat. Lines whose hold already ended are answered as `not_held` and left as they are.
 */
export async function sellHeldStock(
  env: Env,
  orderId: string,
  /** The order's lines, when the caller has them already (a loaded order's items). */
  known?: readonly StockLine[],
): Promise<{ ok: true; lines: StockLine[] } | { ok: false; reason: 'not_held'; lines: StockLine[] }> {
  const lines = known ? [...known] : await stockLines(getDb(env), orderId)
  const sales = await Promise.all(lines.map((line) => stockOf(env, line.productId).commit(line.productId, line.reservationId)))
  const notHeld = lines.filter((_, i) => !sales[i]?.ok)
  return notHeld.length ? { ok: false, reason: 'not_held', lines: notHeld } : { ok: true, lines }
}

/**
 * Sells every line's held units and moves the order pending_payment → paid. Safe to repeat. A line whose
 * hold already ended (expired or released; every line of an expired order) is answered as `not_held` and
 * the order stays as it is: the caller decides (`take` the units from the stock object if they are there,
 * or refund). 409 `illegal_transition` for an order that can no longer be paid (cancelled, refunded,
 * shipped…). Payments uses `sellHeldStock` and writes the move itself, with the event that caused it.
 */
export async function commitOrderStock(env: Env, orderId: string): Promise<CommitOrderResult> {
  const db = getDb(env)
  const status = await orderStatus(db, orderId)
  if (!status) throw notFound('order')
  if (status !== 'paid' && !canTransition(status, 'paid')) throw illegalTransition(status, 'paid')
  const sold = await sellHeldStock(env, orderId)
  if (!sold.ok) return sold
  if (status !== 'paid') {
    try {
      await transition(env, orderId, 'paid', { from: status, note: 'stock committed' })
    } catch (err) {
      // A concurrent commit of the same order got there first.
      if (!isIllegalTransition(err) || (await orderStatus(db, orderId)) !== 'paid') throw err
    }
  }
  return { ok: true, status: 'paid' }
}

/**
 * Pushes the deadline of every hold of an order awaiting payment to `untilMs` (never earlier), and
 * hold_expires_at with it: a checkout session must not outlive the stock it sells. `not_held` when a
 * hold already ended (the order is expiring); nothing is undone then, the holds simply run to their end.
 */
export async function extendOrderHolds(env: Env, orderId: string, untilMs: number): Promise<{ ok: true; holdExpiresAt: number } | { ok: false; reason: 'not_held' }> {
  const db = getDb(env)
  const lines = await stockLines(db, orderId)
  const results = await Promise.all(lines.map((line) => stockOf(env, line.productId).extend(line.productId, line.reservationId, untilMs)))
  const deadlines = results.flatMap((result) => (result.ok ? [result.expiresAt] : []))
  if (lines.length === 0 || deadlines.length !== lines.length) return { ok: false, reason: 'not_held' }
  const holdExpiresAt = Math.min(...deadlines)
  await db
    .update(orders)
    .set({ holdExpiresAt, updatedAt: Date.now() })
    .where(and(eq(orders.id, orderId), eq(orders.status, 'pending_payment')))
  return { ok: true, holdExpiresAt }
}

/**
 * An order whose hold ran out: if it still awaits payment it becomes `expired` (its lines back in the
 * owner's cart, in the same batch), and once expired the holds of its other lines are released. Idempotent (the stock alarm delivers at least once); an order
 * that was paid meanwhile, or never written, is left alone.
 */
export async function expireOrder(env: Env, orderId: string, endedReservations: ReadonlySet<string> = new Set()): Promise<void> {
  const db = getDb(env)
  const [order, lines] = await Promise.all([db.select({ status: orders.status, userId: orders.userId }).from(orders).where(eq(orders.id, orderId)).get(), stockLines(db, orderId)])
  let status = order?.status ?? null
  if (order && status === 'pending_payment') {
    try {
      // Its lines go back to the owner's cart in the batch that expires it: once, however often the expiry is delivered.
      const back = await linesBackToCart(env, order.userId, lines)
      const expired = orderOutboxInsert(db, 'order.expired', orderId)
      // Its discount uses are given back in the same batch (src/discounts): once, with the expiry.
      const discountUses = releaseStatements(db, orderId)
      status = (await transition(env, orderId, 'expired', { from: 'pending_payment', note: 'stock hold ran out', alsoWrite: [...back.statements, ...discountUses, expired.statement] })).to
      await enqueueOutbox(env, [expired.id])
    } catch (err) {
      if (!isIllegalTransition(err)) throw err
      status = await orderStatus(db, orderId)
    }
  }
  if (status !== 'expired') return
  const others = lines.filter((line) => !endedReservations.has(line.reservationId))
  const results = await Promise.all(others.map((line) => stockOf(env, line.productId).release(line.productId, line.reservationId)))
  results.forEach((result, i) => {
    if (!result.ok && result.reason === 'committed') {
      logError('expired order has a sold line', { order_id: orderId, product_id: others[i]?.productId, variant_id: others[i]?.variantId })
    }
  })
}
