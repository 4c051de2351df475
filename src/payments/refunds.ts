/**
 * Staff refunds, line by line: `refundOrder`, the one way staff refund; what is left to refund of an order
 * (money, and units per line), the plan of one refund (its lines and amount), the claim that writes it
 * before the provider is asked, and the return of exactly its units to the stock objects.
 *
 * The claim is one D1 batch of conditional inserts: the refund row only if its amount fits in what is
 * left of the payment, each line only if its units fit in what is left of the order line, both counted
 * in the statement itself. Two concurrent refunds therefore cannot both pass: the second batch fails as
 * a whole and claims nothing. A refund the provider refuses is marked `failed`, which gives its claim
 * back (failed refunds count for nothing).
 */
import { and, eq, ne, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { getDb, type Db } from '../db/client'
import { refundItems, refunds, type OrderItem, type Payment, type Refund, type RefundItem } from '../db/schema'
import { stockOf } from '../stock/client'
import { ApiError, conflict, notFound, validationFailed, type FieldErrors } from '../platform/errors'
import { fieldErrors } from '../platform/validate'
import { handleStripeEvent } from './events'
import { localRefundEvent } from './local'
import { loadOrder, moneyIn, refundOf } from './order-payment'
import { refundAtProvider } from './provider'
import type { RefundView } from './responses'
import { RefundOptions } from './schemas'

/** An order line (by its variant) and units of it, as a refund plans and claims them. */
export interface RefundLine {
  productId: number
  variantId: number
  quantity: number
}

/** A line as asked: by its variant, or by its product when the order has exactly one line of that product. */
export type AskedRefundLine = { variantId?: number | undefined; productId?: number | undefined; quantity: number }

/** What an order still has to refund: cents of the payment, and units per order line (variant id). */
export interface Refundable {
  cents: number
  units: Map<number, number>
}

export interface RefundPlan {
  amountCents: number
  lines: RefundLine[]
}

type PlannedItem = Pick<OrderItem, 'productId' | 'variantId' | 'quantity' | 'priceAtPurchaseCents' | 'productName' | 'variantTitle' | 'optionValues'> &
  Partial<Pick<OrderItem, 'lineTotalCents' | 'discountCents' | 'taxCents'>>

/**
 * What `units` more units of a line refund, `done` of them refunded before: the line's share of what was
 * paid for it (its amount after its discount, plus its tax when prices excluded tax), spread over its units
 * by cumulative rounding (half-up), so that refunding every unit, in any steps, returns exactly the line's share.
 */
export function lineRefundCents(item: PlannedItem, done: number, units: number, taxInclusive: boolean): number {
  const paid = (item.lineTotalCents ?? item.priceAtPurchaseCents * item.quantity) - (item.discountCents ?? 0) + (taxInclusive ? 0 : (item.taxCents ?? 0))
  const upTo = (n: number) => Math.floor((2 * paid * n + item.quantity) / (2 * item.quantity))
  return upTo(done + units) - upTo(done)
}

/** Stripe forgets an idempotency key after 24 hours: a refund not known to have reached Stripe by then is not retried blindly. */
const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000

export type { RefundView }

/**
 * The one refund function for staff (the admin's refund and cancel call it). A refund names order lines
 * and units (`lines`), an amount, both, or neither (everything left); see `planRefund`. It is claimed in
 * D1 first (`claimRefund`: two concurrent refunds cannot exceed what was paid, nor a line its quantity),
 * then sent through the order's provider with our refund id as Stripe's idempotency key: the same
 * `refundId` again refunds once. A provider that refuses gives the claim back (`failed`). Once the
 * provider took it, `restock` returns exactly the refund's units to stock, once per line whatever the
 * retries. Offline, the local provider confirms at once through the same event handler (charge.refunded).
 */
export async function refundOrder(env: Env, orderId: string, options: RefundOptions): Promise<RefundView> {
  const parsed = RefundOptions.safeParse(options)
  if (!parsed.success) throw validationFailed(fieldErrors(parsed.error))
  const { amountCents, restock, reason, lines, refundId = crypto.randomUUID() } = parsed.data
  const db = getDb(env)
  const order = await loadOrder(db, orderId)
  if (!order) throw notFound('order')
  const payment = order.payment
  if (!payment || !moneyIn(order)) throw conflict('This order has no payment to refund')

  let refund = await refundOf(db, refundId)
  if (refund && refund.orderId !== orderId) throw conflict('This refund id belongs to another order')
  if (!refund) {
    const plan = planRefund(order.items, await refundable(db, payment, order.items), { amountCents, lines, restock }, order)
    try {
      await db.batch(claimRefund(db, { id: refundId, orderId, restock, reason }, plan))
    } catch (err) {
      // The same refund id claimed at the same moment is this refund; a refused constraint otherwise means
      // another refund of the order took what this one asked for (the claim inserted a NULL, see claimRefund).
      if (!(await refundOf(db, refundId))) throw /constraint/i.test(String(err)) ? claimLostToAnother() : err
    }
    refund = await refundOf(db, refundId)
    if (!refund) throw new Error(`refund ${refundId} missing right after its claim`)
  }

  if (refund.status === 'pending' && !refund.providerRefundId) {
    if (Date.now() - refund.createdAt > IDEMPOTENCY_KEY_TTL_MS) {
      throw conflict('This refund was started more than 24 hours ago and its outcome is unknown: check the payment provider before refunding again')
    }
    const sent = await refundAtProvider(env, payment, refund)
    await db.update(refunds).set({ providerRefundId: sent.id, status: sent.status, updatedAt: Date.now() }).where(eq(refunds.id, refund.id))
    refund = { ...refund, providerRefundId: sent.id, status: sent.status }
  }
  if (payment.provider === 'local' && refund.status === 'succeeded') {
    // Offline nobody sends charge.refunded: the local provider does, to the same handler, with the running
    // total of the refunds that went through (so two at once add up). A retry sends it again: a duplicate is a no-op.
    const [total] = await db
      .select({ cents: sql<number>`coalesce(sum(${refunds.amountCents}), 0)` })
      .from(refunds)
      .where(and(eq(refunds.orderId, orderId), eq(refunds.status, 'succeeded')))
    await handleStripeEvent(env, localRefundEvent(payment, refund.id, Number(total?.cents ?? refund.amountCents)))
  }
  const items = await refundLines(db, refund.id)
  const reservations = new Map(order.items.map((item) => [item.variantId, item.reservationId]))
  const restocked = refund.restock && refund.status !== 'failed' ? await restockRefund(env, refund.id, orderId, items, reservations) : 0
  const done = await refundOf(db, refund.id)
  return refundView(done ?? refund, items, restocked)
}

const refundView = (refund: Refund, items: RefundItem[] = [], restocked = 0): RefundView => ({
  id: refund.id,
  order_id: refund.orderId,
  amount_cents: refund.amountCents,
  restock: refund.restock,
  reason: refund.reason,
  status: refund.status,
  provider_refund_id: refund.providerRefundId,
  lines: items.map((item) => ({ variant_id: item.variantId, product_id: item.productId, quantity: item.quantity })),
  restocked_units: restocked,
})

/**
 * What is left to refund. Money: what was received, less the larger of (the provider's running total plus
 * our refunds still on their way to it) and (all our refunds that did not fail): a refund confirmed by the
 * provider's answer but not yet by its charge.refunded event is counted either way. "On their way" is a
 * claim the provider has not answered yet (no provider refund id): one it answered `pending` is in its
 * running total already (Stripe counts a pending refund in `amount_refunded`), and counting it twice would
 * leave the rest of the payment unrefundable.
 */
export async function refundable(db: Db, payment: Payment, items: Pick<OrderItem, 'variantId' | 'quantity'>[]): Promise<Refundable> {
  const [[money], refundedUnits] = await db.batch([
    db
      .select({
        ours: sql<number>`coalesce(sum(${refunds.amountCents}), 0)`,
        pending: sql<number>`coalesce(sum(case when ${refunds.status} = 'pending' and ${refunds.providerRefundId} is null then ${refunds.amountCents} else 0 end), 0)`,
      })
      .from(refunds)
      .where(and(eq(refunds.orderId, payment.orderId), ne(refunds.status, 'failed'))),
    db
      .select({ variantId: refundItems.variantId, quantity: sql<number>`sum(${refundItems.quantity})` })
      .from(refundItems)
      .innerJoin(refunds, eq(refunds.id, refundItems.refundId))
      .where(and(eq(refundItems.orderId, payment.orderId), ne(refunds.status, 'failed')))
      .groupBy(refundItems.variantId),
  ])
  const received = payment.receivedCents ?? payment.amountCents
  const gone = Math.max(payment.refundedCents + Number(money?.pending ?? 0), Number(money?.ours ?? 0))
  const done = new Map(refundedUnits.map((row) => [row.variantId, Number(row.quantity)]))
  return { cents: received - gone, units: new Map(items.map((item) => [item.variantId, item.quantity - (done.get(item.variantId) ?? 0)])) }
}

/**
 * The lines and amount of a refund, or a 400 naming what does not fit. Lines named: the amount defaults to
 * what their units were paid (`lineRefundCents`: after the line's discount, with its tax when prices
 * excluded it; never more than is left of the payment) and may only be lowered (goodwill). An amount
 * alone is a refund of money only (nothing to restock). Neither: everything that is left.
 */
export function planRefund(
  items: PlannedItem[],
  left: Refundable,
  asked: { amountCents?: number; lines?: AskedRefundLine[]; restock: boolean },
  order: { taxInclusive: boolean } = { taxInclusive: false },
): RefundPlan {
  if (left.cents < 1) throw conflict('This payment is refunded in full already')
  const errors: FieldErrors = {}
  const byVariant = new Map(items.map((item) => [item.variantId, item]))
  const seen = new Set<number>()
  const wanted: RefundLine[] = []
  for (const line of (asked.lines ?? []).filter((l) => l.quantity > 0)) {
    // A line named by its product (`lines.<product id>`) stands for the order's one line of it.
    const key = line.variantId !== undefined ? `lines.variant:${line.variantId}` : `lines.${line.productId}`
    const ofProduct = line.variantId === undefined ? items.filter((item) => item.productId === line.productId) : []
    if (ofProduct.length > 1) {
      throw new ApiError(400, 'variant_required', `This order has ${ofProduct.length} lines of product ${line.productId}: name each by its variant_id`, {
        [key]: [`${ofProduct[0]?.productName}: ${ofProduct.length} variants on this order (${ofProduct.map((item) => item.variantTitle).join(', ')}); name the variant`],
      })
    }
    const item = line.variantId !== undefined ? byVariant.get(line.variantId) : ofProduct[0]
    const name = item && item.optionValues.length ? `${item.productName} (${item.variantTitle})` : item?.productName
    if (!item) errors[key] = ['is not a line of this order']
    else if (seen.has(item.variantId)) errors[key] = ['is named twice']
    else if (line.quantity > (left.units.get(item.variantId) ?? 0)) {
      const rest = left.units.get(item.variantId) ?? 0
      errors[key] = [rest === 0 ? `${name}: every unit is refunded already` : `${name}: at most ${rest} of ${item.quantity} left to refund`]
    }
    if (item) {
      seen.add(item.variantId)
      wanted.push({ productId: item.productId, variantId: item.variantId, quantity: line.quantity })
    }
  }
  if (Object.keys(errors).length) throw validationFailed(errors)

  let lines = wanted
  let amount: number
  if (wanted.length === 0 && asked.amountCents === undefined) {
    lines = items.flatMap((item) => {
      const quantity = left.units.get(item.variantId) ?? 0
      return quantity > 0 ? [{ productId: item.productId, variantId: item.variantId, quantity }] : []
    })
    amount = left.cents
  } else if (wanted.length === 0) {
    if (asked.restock) throw validationFailed({ restock: ['choose the lines and units to return to stock: an amount alone returns nothing'] })
    amount = asked.amountCents ?? 0
  } else {
    const linesCents = wanted.reduce((sum, line) => {
      const item = byVariant.get(line.variantId)
      return item ? sum + lineRefundCents(item, item.quantity - (left.units.get(item.variantId) ?? 0), line.quantity, order.taxInclusive) : sum
    }, 0)
    if (asked.amountCents !== undefined && asked.amountCents > linesCents) throw validationFailed({ amountCents: [`must be at most ${linesCents}, what the chosen units were paid (after discount, with their tax)`] })
    amount = asked.amountCents ?? Math.min(linesCents, left.cents)
  }
  if (amount > left.cents) throw validationFailed({ amountCents: [`must be at most ${left.cents}, what is left of the payment`] })
  if (amount < 1) throw validationFailed({ amountCents: ['must be at least 1 cent'] })
  return { amountCents: amount, lines }
}

/**
 * The claim of a refund, for one batch: the refund row, inserted only while its amount fits in what is
 * left of the payment (counted as `refundable` counts it), and its lines, each only while its units fit
 * in what is left of the order line. A claim that does not fit inserts a NULL where NULL is refused, so
 * the batch fails as a whole.
 */
export function claimRefund(db: Db, refund: { id: string; orderId: string; restock: boolean; reason: string }, plan: RefundPlan): [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] {
  const { id, orderId } = refund
  const fits = sql`${plan.amountCents} <= coalesce(p.received_cents, p.amount_cents) - max(
      p.refunded_cents + (select coalesce(sum(amount_cents), 0) from refunds where order_id = ${orderId} and status = 'pending' and provider_refund_id is null),
      (select coalesce(sum(amount_cents), 0) from refunds where order_id = ${orderId} and status <> 'failed'))`
  const now = Date.now()
  // insert … select with every column of the table, in its order (drizzle's rule for a raw select).
  const row = db.insert(refunds).select(sql`select case when ${fits} then ${id} end, ${orderId}, null, ${plan.amountCents}, ${refund.restock ? 1 : 0}, ${refund.reason}, 'pending', ${now}, ${now}
    from payments p where p.order_id = ${orderId}`)
  const lines = plan.lines.map((line) =>
    db.insert(refundItems).select(sql`select ${id}, ${orderId}, oi.product_id, oi.variant_id, case when ${line.quantity} + (
        select coalesce(sum(ri.quantity), 0) from refund_items ri join refunds r on r.id = ri.refund_id
        where ri.order_id = ${orderId} and ri.variant_id = ${line.variantId} and r.status <> 'failed' and ri.refund_id <> ${id}
      ) <= oi.quantity then ${line.quantity} end
      from order_items oi where oi.order_id = ${orderId} and oi.variant_id = ${line.variantId}`),
  )
  return [row, ...lines]
}

/** The 409 of a claim that lost to another refund of the same order made at the same moment. */
const claimLostToAnother = () =>
  new ApiError(409, 'refund_conflict', 'Another refund of this order was made at the same moment, so what is left to refund changed: reload the order and try again')

const refundLines = (db: Db, refundId: string): Promise<RefundItem[]> => db.select().from(refundItems).where(eq(refundItems.refundId, refundId))

/**
 * Returns exactly the refund's units to their stock objects, each line once whatever the retries (the
 * return id is the refund's and the line's); a line never sold returns nothing. Answers the units
 * returned in all. Only the refunded variant's units move: the reservation is the line's.
 */
async function restockRefund(env: Env, refundId: string, orderId: string, lines: RefundItem[], reservations: Map<number, string>): Promise<number> {
  const returned = await Promise.all(
    lines.map(async (line) => {
      const reservationId = reservations.get(line.variantId)
      if (!reservationId) return 0
      // Lines ordered before variants kept their reservation by product, and their return id with it.
      const returnId = reservationId === `${orderId}:${line.productId}` ? `refund:${refundId}:${line.productId}` : `refund:${refundId}:variant:${line.variantId}`
      const result = await stockOf(env, line.productId).returnUnits(line.productId, reservationId, returnId, line.quantity)
      return result.ok ? result.qty : 0
    }),
  )
  return returned.reduce((sum, units) => sum + units, 0)
}
