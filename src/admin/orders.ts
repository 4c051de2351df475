/**
 * Staff's orders: the filtered list (and its CSV), one order with its payments, refunds and history,
 * and the actions, each checked by the order state machine (src/orders/status.ts) and written to the
 * audit log. Money moves only through the payments module's cancel and refund functions.
 */
import { and, asc, count, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm'
import { containsText, startsWith } from '../platform/text-match'
import { lineThumbnails } from './thumbnails'
import { zonedDayStart, zonedMidnight } from './zoned-time'
import { loadStoreSettings } from '../platform/store-settings'
import { z } from 'zod'
import { getDb } from '../db/client'
import { discountRedemptions, ORDER_STATUSES, orderEvents, orderItems, orderNotes, orders, payments, PAYMENT_STATUSES, refunds, shipments, users } from '../db/schema'
import { addressLine } from '../orders/breakdown'
import { orderForViewer } from '../orders/service'
import { illegalTransition, transition } from '../orders/status'
import type { CartReturn } from '../cart/returns'
import type { RefundView } from '../payments/responses'
import { cancelOrder } from '../payments/cancel'
import { refundOrder } from '../payments/refunds'
import { lineRef } from '../cart/schemas'
import type { CurrentUser } from '../platform/env'
import { ApiError, notFound } from '../platform/errors'
import { optionalDecimalPrice } from '../platform/money'
import { pageOf, pageWindow } from '../platform/pagination'
import { wholeNumber } from '../platform/params'
import { audit, auditStatement } from './audit'
import { enqueueOutbox, orderOutboxInsert } from '../notifications/outbox'
import type { AdminOrder, AdminOrderPage, BulkShipResult } from './responses'

const DAY = /^\d{4}-\d{2}-\d{2}$/
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`)

export const AdminOrderQuery = z.strictObject({
  status: z.enum(ORDER_STATUSES).optional(),
  payment_status: z.enum(PAYMENT_STATUSES).optional(),
  from: z.string().regex(DAY, 'must be a date like 2026-11-25').refine((d) => !Number.isNaN(dayStart(d)), 'must be a real date').optional(),
  to: z.string().regex(DAY, 'must be a date like 2026-11-25').refine((d) => !Number.isNaN(dayStart(d)), 'must be a real date').optional(),
  email: z.string().trim().toLowerCase().max(254).optional(),
  q: z.string().trim().max(200).optional().describe("An order id or its short reference (8ACA3F68), part of the buyer's email, or part of the customer's or the addressee's name"),
  page: wholeNumber(1, 10_000).default(1),
  page_size: wholeNumber(1, 200).default(50),
})
export type AdminOrderQuery = z.infer<typeof AdminOrderQuery>

export const ShipBody = z.strictObject({
  carrier: z.string().trim().min(1, 'is required').max(60),
  tracking_number: z.string().trim().max(100).optional().transform((t) => t || null),
})
export const BulkShipBody = z.strictObject({
  order_ids: z.array(z.string().min(1).max(64)).min(1, 'choose at least one order').max(100),
  carrier: z.string().trim().min(1, 'is required').max(60),
})
export const RefundBody = z.strictObject({
  /** Decimal amount ("12.50"); the rest of the payment when omitted. */
  amount: optionalDecimalPrice({ minCents: 1 }),
  /** The order lines and units refunded; the amount defaults to their price. Without lines, `amount` alone refunds money only. */
  lines: z
    .array(
      z
        .strictObject({
          variant_id: z.int().min(1).optional().describe('The order line, by its variant'),
          product_id: z.int().min(1).optional().describe('Only when the order has exactly one line of this product (400 variant_required otherwise)'),
          quantity: z.int().min(0).max(1_000),
        })
        .superRefine((line, ctx) => lineRef(line, ctx)),
    )
    .max(100)
    .optional(),
  /** Return exactly the units of `lines` to stock. */
  restock: z.boolean().default(false),
  reason: z.string().trim().min(1, 'is required').max(500),
  /** The form's token, so that a double submit refunds once. */
  refund_id: z.string().regex(/^[A-Za-z0-9_:-]{1,200}$/).optional(),
})

/** The list's conditions; `from` and `to` are whole days in the store's time zone (`to` included). */
function filters(query: AdminOrderQuery, timeZone: string): SQL | undefined {
  const nextDay = (day: string) => {
    const [y, m, d] = day.split('-').map(Number) as [number, number, number]
    return zonedMidnight(y, m, d + 1, timeZone)
  }
  return and(
    query.status ? eq(orders.status, query.status) : undefined,
    query.payment_status ? eq(orders.paymentStatus, query.payment_status) : undefined,
    query.from ? gte(orders.createdAt, zonedDayStart(query.from, timeZone)) : undefined,
    query.to ? lt(orders.createdAt, nextDay(query.to)) : undefined,
    query.email ? eq(users.email, query.email) : undefined,
    query.q ? searchOrders(query.q) : undefined,
  )
}

/**
 * The orders search box: an id or its short reference (the first 8 characters, as staff and customers
 * see it), or a fragment of the buyer's email, the account's email or name, or the addressee's name.
 * instr() and ranges, never LIKE: D1 refuses a LIKE pattern over 50 bytes, and nothing here needs escaping.
 */
function searchOrders(text: string): SQL | undefined {
  const idPrefix = /^#?[0-9a-f-]{4,36}$/i.test(text) ? startsWith(orders.id, text.replace(/^#/, '').toLowerCase()) : undefined
  return or(
    idPrefix,
    containsText(users.email, text),
    containsText(sql`coalesce(${orders.email}, '')`, text),
    containsText(users.name, text),
    containsText(sql`coalesce(json_extract(${orders.shippingAddress}, '$.name'), '')`, text),
  )
}

const listFields = {
  id: orders.id,
  status: orders.status,
  paymentStatus: orders.paymentStatus,
  reviewReason: orders.reviewReason,
  currency: orders.currency,
  totalCents: orders.totalCents,
  createdAt: orders.createdAt,
  email: users.email,
  customerName: users.name,
  addressee: sql<string | null>`json_extract(${orders.shippingAddress}, '$.name')`.as('addressee'),
  units: sql<number>`(select coalesce(sum(${orderItems.quantity}), 0) from ${orderItems} where ${orderItems.orderId} = ${orders.id})`.as('units'),
}

export async function listAdminOrders(env: Env, query: AdminOrderQuery): Promise<AdminOrderPage> {
  const db = getDb(env)
  const where = filters(query, (await loadStoreSettings(env)).timeZone)
  const slice = pageWindow(query)
  const [rows, [counted]] = await db.batch([
    db
      .select(listFields)
      .from(orders)
      .innerJoin(users, eq(users.id, orders.userId))
      .where(where)
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(slice.limit)
      .offset(slice.offset),
    db.select({ total: count() }).from(orders).innerJoin(users, eq(users.id, orders.userId)).where(where),
  ])
  const items = rows.map((r) => ({ id: r.id, status: r.status, payment_status: r.paymentStatus, review_reason: r.reviewReason, currency: r.currency, total_cents: r.totalCents, customer_email: r.email, customer_name: r.addressee || r.customerName, units: Number(r.units), created_at: new Date(r.createdAt).toISOString() }))
  return pageOf(items, query, counted?.total ?? 0)
}

/** A CSV cell: quoted when it must be, and never read as a formula by a spreadsheet. */
const cell = (value: string | number | null) => {
  let text = value === null ? '' : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/**
 * The filtered list as CSV (every page, at most 10,000 orders), amounts as decimals of their currency:
 * the stored breakdown (subtotal, discount = the lines' and shipping's, shipping before its discount, tax,
 * total, refunded), so that subtotal − discount + shipping + tax (unless tax_inclusive) = total on every row.
 */
export async function ordersCsv(env: Env, query: AdminOrderQuery): Promise<string> {
  // Each order's lines in one cell, by variant as bought: "2 × Harbor Tee (Navy / M, SKU TEE-NVY-M); 1 × Mug".
  const items = sql<string | null>`(select group_concat(line, '; ') from (
      select ${orderItems.quantity} || ' × ' || ${orderItems.productName} || case when ${orderItems.optionValues} <> '[]'
        then ' (' || ${orderItems.variantTitle} || coalesce(', SKU ' || ${orderItems.sku}, '') || ')' else coalesce(' (SKU ' || ${orderItems.sku} || ')', '') end as line
      from ${orderItems} where ${orderItems.orderId} = ${orders.id} order by ${orderItems.productId}, ${orderItems.variantId}))`
  // The discounts applied, by code or title with what each took off: "WELCOME10 8.00; 10% off orders over $100 12.00".
  const applied = sql<string | null>`(select group_concat(coalesce(${discountRedemptions.code}, ${discountRedemptions.title}) || ' ' || printf('%.2f', ${discountRedemptions.amountCents} / 100.0), '; ')
      from ${discountRedemptions} where ${discountRedemptions.orderId} = ${orders.id} and ${discountRedemptions.releasedAt} is null)`
  const rows = await getDb(env)
    .select({
      ...listFields,
      items,
      applied,
      buyerEmail: orders.email,
      subtotalCents: orders.subtotalCents,
      discountCents: orders.discountCents,
      shippingCents: orders.shippingCents,
      shippingDiscountCents: orders.shippingDiscountCents,
      taxCents: orders.taxCents,
      taxInclusive: orders.taxInclusive,
      shippingMethodName: orders.shippingMethodName,
      shippingAddress: orders.shippingAddress,
      refundedCents: sql<number>`coalesce(${payments.refundedCents}, 0)`,
    })
    .from(orders)
    .innerJoin(users, eq(users.id, orders.userId))
    .leftJoin(payments, eq(payments.orderId, orders.id))
    .where(filters(query, (await loadStoreSettings(env)).timeZone))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(10_000)
  const header = ['order_id', 'created_at', 'email', 'customer_email', 'status', 'payment_status', 'currency', 'subtotal', 'discount', 'shipping', 'tax', 'tax_inclusive', 'total', 'refunded', 'shipping_method', 'address', 'review_reason', 'items', 'discounts_applied']
  const amount = (cents: number) => (cents / 100).toFixed(2)
  const lines = rows.map((r) =>
    [
      r.id,
      new Date(r.createdAt).toISOString(),
      r.buyerEmail ?? r.email,
      r.email,
      r.status,
      r.paymentStatus,
      r.currency,
      amount(r.subtotalCents),
      amount(r.discountCents + r.shippingDiscountCents),
      amount(r.shippingCents),
      amount(r.taxCents),
      r.taxInclusive ? 'yes' : 'no',
      amount(r.totalCents),
      amount(r.refundedCents),
      r.shippingMethodName,
      addressLine(r.shippingAddress),
      r.reviewReason,
      r.items,
      r.applied,
    ]
      .map(cell)
      .join(','),
  )
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`
}

/** One order as staff see it: the customer's view plus who ordered, payments, refunds, history and shipment. */
export async function adminOrder(env: Env, viewer: CurrentUser, orderId: string): Promise<AdminOrder> {
  const order = await orderForViewer(env, viewer, orderId)
  const db = getDb(env)
  const [[owner], paid, refunded, history, [shipment], notes] = await db.batch([
    db.select({ email: users.email, name: users.name, id: users.id }).from(users).innerJoin(orders, eq(orders.userId, users.id)).where(eq(orders.id, orderId)),
    db.select().from(payments).where(eq(payments.orderId, orderId)),
    db.query.refunds.findMany({ where: eq(refunds.orderId, orderId), orderBy: [asc(refunds.createdAt)], with: { items: true } }),
    db.select().from(orderEvents).where(eq(orderEvents.orderId, orderId)).orderBy(asc(orderEvents.id)),
    db.select().from(shipments).where(eq(shipments.orderId, orderId)),
    db.select().from(orderNotes).where(eq(orderNotes.orderId, orderId)).orderBy(asc(orderNotes.createdAt), asc(orderNotes.id)),
  ])
  const images = await lineThumbnails(env, order.items)
  return {
    ...order,
    customer: owner ?? null,
    payments: paid.map((p) => ({ provider: p.provider, status: p.status, amount_cents: p.amountCents, currency: p.currency, checkout_session_id: p.checkoutSessionId, payment_intent_id: p.paymentIntentId, refunded_cents: p.refundedCents })),
    refunds: refunded.map((r) => ({
      id: r.id,
      amount_cents: r.amountCents,
      restock: r.restock,
      reason: r.reason,
      status: r.status,
      created_at: new Date(r.createdAt).toISOString(),
      lines: r.items.map((item) => ({ variant_id: item.variantId, product_id: item.productId, quantity: item.quantity })),
    })),
    history: history.map((e) => ({ from: e.fromStatus, to: e.toStatus, at: new Date(e.at).toISOString(), note: e.note })),
    notes: notes.map((n) => ({ id: n.id, author_email: n.authorEmail, body: n.body, created_at: new Date(n.createdAt).toISOString() })),
    item_images: images,
    shipment: shipment ? { carrier: shipment.carrier, tracking_number: shipment.trackingNumber, shipped_at: new Date(shipment.shippedAt).toISOString(), delivered_at: shipment.deliveredAt ? new Date(shipment.deliveredAt).toISOString() : null } : null,
  }
}
export type { AdminOrder }

export const OrderNoteBody = z.strictObject({ body: z.string().trim().min(1, 'is required: write the note').max(2000, 'must be at most 2,000 characters') })

/** Adds staff's internal note to an order: the note and its audit entry in one batch. */
export async function addOrderNote(env: Env, actor: CurrentUser, orderId: string, body: z.infer<typeof OrderNoteBody>) {
  const db = getDb(env)
  const order = await db.select({ id: orders.id }).from(orders).where(eq(orders.id, orderId)).get()
  if (!order) throw notFound('order')
  const [[note]] = await db.batch([
    db.insert(orderNotes).values({ orderId, authorId: actor.id, authorEmail: actor.email, body: body.body }).returning(),
    auditStatement(db, actor, { action: 'order.note', targetType: 'order', targetId: orderId, after: { body: body.body } }),
  ])
  if (!note) throw new Error('order note insert returned nothing')
  return { id: note.id, author_email: note.authorEmail, body: note.body, created_at: new Date(note.createdAt).toISOString() }
}

/**
 * paid → shipped, with the carrier and tracking number kept for the customer. The status, its event, the
 * shipment and the audit entry are one D1 batch: all of them or none.
 */
export async function markShipped(env: Env, actor: CurrentUser, orderId: string, body: z.infer<typeof ShipBody>) {
  const at = Date.now()
  const shipment = { carrier: body.carrier, trackingNumber: body.tracking_number, shippedAt: at, deliveredAt: null }
  const shipped = orderOutboxInsert(getDb(env), 'order.shipped', orderId, { shipment: { carrier: body.carrier, tracking_number: body.tracking_number } })
  await transition(env, orderId, 'shipped', {
    from: 'paid',
    note: `${body.carrier}${body.tracking_number ? ` ${body.tracking_number}` : ''} by ${actor.email}`,
    alsoWrite: [
      getDb(env).insert(shipments).values({ orderId, ...shipment }).onConflictDoUpdate({ target: shipments.orderId, set: shipment }),
      auditStatement(getDb(env), actor, { action: 'order.ship', targetType: 'order', targetId: orderId, before: { status: 'paid' }, after: { status: 'shipped', ...body } }),
      shipped.statement,
    ],
  })
  await enqueueOutbox(env, [shipped.id])
}

/** shipped → delivered: the status, its event, the shipment's date and the audit entry in one batch. */
export async function markDelivered(env: Env, actor: CurrentUser, orderId: string) {
  const delivered = orderOutboxInsert(getDb(env), 'order.delivered', orderId)
  await transition(env, orderId, 'delivered', {
    from: 'shipped',
    note: `by ${actor.email}`,
    alsoWrite: [
      getDb(env).update(shipments).set({ deliveredAt: Date.now() }).where(eq(shipments.orderId, orderId)),
      auditStatement(getDb(env), actor, { action: 'order.deliver', targetType: 'order', targetId: orderId, before: { status: 'shipped' }, after: { status: 'delivered' } }),
      delivered.statement,
    ],
  })
  await enqueueOutbox(env, [delivered.id])
}

/**
 * Cancels an order: one awaiting payment has its holds released; a paid one (not yet shipped) is
 * refunded in full with its stock returned, and ends `refunded`. Anything else is an illegal transition.
 */
export async function cancelByStaff(env: Env, actor: CurrentUser, orderId: string): Promise<{ currency: string; refund?: RefundView; back?: CartReturn }> {
  const order = await getDb(env).select({ status: orders.status, currency: orders.currency }).from(orders).where(eq(orders.id, orderId)).get()
  if (!order) throw notFound('order')
  let done: { currency: string; refund?: RefundView; back?: CartReturn }
  if (order.status === 'pending_payment') done = { currency: order.currency, back: await cancelOrder(env, orderId, { note: `cancelled by ${actor.email}` }) }
  else if (order.status === 'paid') done = { currency: order.currency, refund: await refundOrder(env, orderId, { restock: true, reason: `order cancelled by ${actor.email}`, refundId: `cancel:${orderId}` }) }
  else throw illegalTransition(order.status, 'cancelled')
  await audit(env, actor, { action: 'order.cancel', targetType: 'order', targetId: orderId, before: { status: order.status } })
  return done
}

export async function refundByStaff(env: Env, actor: CurrentUser, orderId: string, body: z.infer<typeof RefundBody>) {
  const refund = await refundOrder(env, orderId, {
    amountCents: body.amount,
    lines: body.lines?.map((line) => ({ variantId: line.variant_id, productId: line.product_id, quantity: line.quantity })),
    restock: body.restock,
    reason: body.reason,
    refundId: body.refund_id,
  })
  await audit(env, actor, { action: 'order.refund', targetType: 'order', targetId: orderId, after: refund })
  return refund
}

/** Marks many paid orders shipped with one carrier; each is checked on its own and the refusals are named. */
export async function bulkShip(env: Env, actor: CurrentUser, body: z.infer<typeof BulkShipBody>): Promise<BulkShipResult> {
  const ids = [...new Set(body.order_ids)]
  const found = new Set((await getDb(env).select({ id: orders.id }).from(orders).where(inArray(orders.id, ids))).map((o) => o.id))
  const shipped: string[] = []
  const refused: { order_id: string; reason: string }[] = []
  for (const id of ids) {
    if (!found.has(id)) {
      refused.push({ order_id: id, reason: 'order not found' })
      continue
    }
    try {
      await markShipped(env, actor, id, { carrier: body.carrier, tracking_number: null })
      shipped.push(id)
    } catch (err) {
      if (!(err instanceof ApiError)) throw err
      refused.push({ order_id: id, reason: err.message })
    }
  }
  return { shipped, refused }
}
