/**
 * Orders: placing one (./place.ts: every line held all or nothing in its product's stock object, priced
 * from what it answers, written in one D1 batch that checks D1 agrees), reading them, selling their stock when paid, and expiring them when their holds run out.
 */
import { and, asc, count, desc, eq, type SQL } from 'drizzle-orm'
import { linesBackToCart } from '../cart/returns'
import type { VariantLine } from '../cart/variants'
import { getDb, type Db } from '../db/client'
import {
  discountRedemptions,
  orderItems,
  orders,
  orderTaxLines,
  type Discount,
  type DiscountRedemption,
  type Order,
  type OrderItem,
  type OrderStatus,
  type OrderTaxLine,
  type Payment,
} from '../db/schema'
import { sha256Hex } from '../platform/encoding'
import type { CurrentUser } from '../platform/env'
import { ApiError, notFound } from '../platform/errors'
import { logError } from '../platform/logging'
import { linkedPageOf, pageWindow } from '../platform/pagination'
import { withQuery } from '../platform/query-string'
import { isOrderLinkKey } from './links'
import { claimKey, releaseKey } from './idempotency'
import type { OrderLineView, OrderPage, OrderView } from './responses'
import { placeOrder, type GuestPurchase } from './place'
import type { SignIn } from '../accounts/tokens'
import type { CreateOrderBody, OrderListQuery } from './schemas'
import { canTransition, illegalTransition, transition } from './status'
import { stockOf } from '../stock/client'
import { enqueueOutbox, orderOutboxInsert } from '../notifications/outbox'
import { releaseStatements } from '../discounts/service'

export type { OrderLineView, OrderPage, OrderView }
export type { GuestPurchase }

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

/** An order as the API shows it, for those that show it to its buyer by other ways (the order mails); null when there is none. */
export async function orderViewById(env: Env, orderId: string): Promise<OrderView | null> {
  const order = await findOrder(getDb(env), orderId)
  return order ? orderView(order) : null
}

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

/**
 * An order through its signed link (src/orders/links.ts), with the id of the account or guest row it is on;
 * a wrong key is the 404 an unknown order is.
 */
export async function orderByLink(env: Env, orderId: string, key: unknown): Promise<{ order: OrderView; ownerId: number }> {
  if (!(await isOrderLinkKey(env, orderId, key))) throw notFound('order')
  const order = await findOrder(getDb(env), orderId)
  if (!order) throw notFound('order')
  return { order: orderView(order), ownerId: order.userId }
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
export async function createOrder(
  env: Env,
  userId: number,
  body: CreateOrderBody,
  idempotencyKey?: string,
  guest?: GuestPurchase,
  /** The signed-in user's email (the request's): with an address in the body, no profile is read. */
  accountEmail?: string,
  /** A bearer token's sign-in, checked in the order's batch rather than read first (no Idempotency-Key only). */
  signIn?: SignIn,
): Promise<{ order: OrderView; created: boolean }> {
  if (idempotencyKey === undefined) return { order: await placeOrder(env, userId, body, crypto.randomUUID(), undefined, guest, accountEmail, signIn), created: true }

  const db = getDb(env)
  const exists = async (orderId: string) => (await orderStatus(db, orderId)) !== null
  const claim = await claimKey(env, userId, idempotencyKey, await sha256Hex(JSON.stringify(body)), exists)
  if (claim.kind === 'replay') {
    const order = await findOrder(db, claim.orderId)
    if (!order) throw new Error(`order ${claim.orderId} of an idempotency claim vanished`)
    return { order: orderView(order), created: false }
  }
  try {
    return { order: await placeOrder(env, userId, body, claim.orderId, idempotencyKey, guest, accountEmail), created: true }
  } catch (err) {
    await releaseKey(env, userId, idempotencyKey, claim.orderId).catch((releaseErr: unknown) =>
      logError('idempotency claim not given back', { order_id: claim.orderId, error: releaseErr }),
    )
    throw err
  }
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
  const [order, lines] = await Promise.all([db.select({ status: orders.status, userId: orders.userId, guestCheckout: orders.guestCheckout }).from(orders).where(eq(orders.id, orderId)).get(), stockLines(db, orderId)])
  let status = order?.status ?? null
  if (order && status === 'pending_payment') {
    try {
      // Its lines go back to the owner's cart in the batch that expires it: once, however often the expiry is delivered.
      // A guest's cart is their cookie's: an order placed as a guest gives nothing back to the owner row's cart.
      const back = order.guestCheckout ? { statements: [] } : await linesBackToCart(env, order.userId, lines)
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
