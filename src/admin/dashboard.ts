/**
 * The sales dashboard's numbers, straight from D1 aggregates: sales are orders' totals on the day they
 * were paid (their `paid` event), net of refunds on the day they succeeded; days are UTC.
 */
import { and, asc, count, desc, eq, gte, lte, sql } from 'drizzle-orm'
import { getDb } from '../db/client'
import { orderEvents, orders, productOptions, products, productVariants, refunds } from '../db/schema'
import type { DailySales, Dashboard } from './responses'
import { LOW_STOCK_THRESHOLD } from './schemas'
import { discountsGivenStatement } from '../discounts/reports'

const DAY_MS = 24 * 60 * 60 * 1000

export type { DailySales, Dashboard }

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** The last 30 UTC days (today included) in `currency`, the counts to act on, low stock and recent orders. */
export async function dashboard(env: Env, currency = 'USD', now = Date.now()): Promise<Dashboard> {
  const db = getDb(env)
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate())
  const since = today - 29 * DAY_MS
  const paidDay = sql<string>`date(${orderEvents.at} / 1000, 'unixepoch')`
  const refundDay = sql<string>`date(${refunds.updatedAt} / 1000, 'unixepoch')`
  const available = sql<number>`(${productVariants.stockQuantity} - ${productVariants.stockHeld})`
  const [paid, refunded, [pending], [toShip], low, recent, [given]] = await db.batch([
    db
      .select({ day: paidDay, cents: sql<number>`sum(${orders.totalCents})` })
      .from(orderEvents)
      .innerJoin(orders, eq(orders.id, orderEvents.orderId))
      .where(and(eq(orderEvents.toStatus, 'paid'), gte(orderEvents.at, since), eq(orders.currency, currency)))
      .groupBy(paidDay),
    db
      .select({ day: refundDay, cents: sql<number>`sum(${refunds.amountCents})` })
      .from(refunds)
      .innerJoin(orders, eq(orders.id, refunds.orderId))
      .where(and(eq(refunds.status, 'succeeded'), gte(refunds.updatedAt, since), eq(orders.currency, currency)))
      .groupBy(refundDay),
    db.select({ n: count() }).from(orders).where(eq(orders.status, 'pending_payment')),
    db.select({ n: count() }).from(orders).where(eq(orders.status, 'paid')),
    // Per variant: what can still be sold (on hand minus held) of each active variant of an active product.
    db
      // D1 answers rows keyed by column name: two columns named alike (id, stock_quantity) would collapse into one, hence the aliases.
      .select({
        id: sql<number>`${products.id}`.as('low_product_id'),
        name: products.name,
        variant_id: sql<number>`${productVariants.id}`.as('low_variant_id'),
        title: productVariants.title,
        sku: productVariants.sku,
        stock_quantity: sql<number>`${productVariants.stockQuantity}`.as('low_on_hand'),
        available: sql<number>`${available}`.as('low_available'),
        has_options: sql<number>`EXISTS (SELECT 1 FROM ${productOptions} WHERE ${productOptions.productId} = ${products.id})`.as('low_has_options'),
      })
      .from(productVariants)
      .innerJoin(products, eq(products.id, productVariants.productId))
      .where(and(eq(products.isActive, true), eq(productVariants.isActive, true), lte(available, LOW_STOCK_THRESHOLD)))
      .orderBy(asc(available), asc(products.name), asc(productVariants.position))
      .limit(10),
    db.select().from(orders).orderBy(desc(orders.createdAt), desc(orders.id)).limit(10),
    discountsGivenStatement(db, since, currency),
  ])
  const gross = new Map(paid.map((row) => [row.day, Number(row.cents)]))
  const back = new Map(refunded.map((row) => [row.day, Number(row.cents)]))
  const days = Array.from({ length: 30 }, (_, i) => {
    const day = dayOf(since + i * DAY_MS)
    const grossCents = gross.get(day) ?? 0
    const refundedCents = back.get(day) ?? 0
    return { day, gross_cents: grossCents, refunded_cents: refundedCents, net_cents: grossCents - refundedCents }
  })
  const net = (last: number) => days.slice(-last).reduce((sum, d) => sum + d.net_cents, 0)
  return {
    currency,
    days,
    net_today_cents: net(1),
    net_7_days_cents: net(7),
    net_30_days_cents: net(30),
    pending_payment: pending?.n ?? 0,
    to_ship: toShip?.n ?? 0,
    discounts_given_cents: Number(given?.cents ?? 0),
    discounted_orders: Number(given?.orders ?? 0),
    low_stock: low.map(({ has_options, title, ...row }) => ({ ...row, variant_title: has_options ? title : null })),
    recent_orders: recent.map((o) => ({ id: o.id, status: o.status, total_cents: o.totalCents, currency: o.currency, created_at: new Date(o.createdAt).toISOString() })),
  }
}
