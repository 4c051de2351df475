/**
 * The sales dashboard's numbers, straight from D1 aggregates: sales are orders' totals on the day they
 * were paid (their `paid` event), net of refunds on the day they succeeded. Days and months are the
 * store's (store settings' time zone), so "today" ends at the store's midnight.
 */
import { and, asc, count, desc, eq, lte, sql } from 'drizzle-orm'
import { getDb, type Db } from '../db/client'
import { orders, productOptions, products, productVariants } from '../db/schema'
import { loadStoreSettings } from '../platform/store-settings'
import type { DailySales, Dashboard } from './responses'
import { discountsGivenStatement } from '../discounts/reports'
import { productThumbnails } from './thumbnails'
import { wallClock, zonedDay, zonedMidnight } from './zoned-time'

export type { DailySales, Dashboard }

export const DASHBOARD_PERIODS = ['7d', '30d', '90d', '12m'] as const
export type DashboardPeriod = (typeof DASHBOARD_PERIODS)[number]
export const PERIOD_LABELS: Record<DashboardPeriod, string> = { '7d': 'Last 7 days', '30d': 'Last 30 days', '90d': 'Last 90 days', '12m': 'Last 12 months' }

interface Bucket {
  label: string
  start: number
  end: number
}

/** The period's days (or months), oldest first, the current one included, each from the store's midnight to the next. */
export function bucketsOf(period: DashboardPeriod, now: number, timeZone: string): Bucket[] {
  const today = wallClock(now, timeZone)
  if (period === '12m') {
    return Array.from({ length: 12 }, (_, i) => {
      const start = zonedMidnight(today.year, today.month - 11 + i, 1, timeZone)
      return { label: zonedDay(start, timeZone).slice(0, 7), start, end: zonedMidnight(today.year, today.month - 10 + i, 1, timeZone) }
    })
  }
  const days = Number(period.slice(0, -1))
  return Array.from({ length: days }, (_, i) => {
    const start = zonedMidnight(today.year, today.month, today.day - days + 1 + i, timeZone)
    return { label: zonedDay(start, timeZone), start, end: zonedMidnight(today.year, today.month, today.day - days + 2 + i, timeZone) }
  })
}

/**
 * Gross sales and refunds per bucket in `currency`: the buckets go to D1 as one JSON parameter (json_each),
 * so a year of days is one statement with one bound value whatever the number of buckets.
 */
async function salesIn(db: Db, buckets: Bucket[], currency: string) {
  const ranges = JSON.stringify(buckets.map((b) => [b.start, b.end]))
  const [paid, refunded] = await Promise.all([
    db.all<{ bucket: number; cents: number; orders: number }>(sql`
      select b.key as bucket, sum(o.total_cents) as cents, count(distinct o.id) as orders
      from json_each(${ranges}) b
      join order_events e on e.to_status = 'paid' and e.at >= json_extract(b.value, '$[0]') and e.at < json_extract(b.value, '$[1]')
      join orders o on o.id = e.order_id and o.currency = ${currency}
      group by b.key`),
    db.all<{ bucket: number; cents: number }>(sql`
      select b.key as bucket, sum(r.amount_cents) as cents
      from json_each(${ranges}) b
      join refunds r on r.status = 'succeeded' and r.updated_at >= json_extract(b.value, '$[0]') and r.updated_at < json_extract(b.value, '$[1]')
      join orders o on o.id = r.order_id and o.currency = ${currency}
      group by b.key`),
  ])
  const gross = new Map(paid.map((row) => [Number(row.bucket), Number(row.cents)]))
  const paidOrders = paid.reduce((sum, row) => sum + Number(row.orders), 0)
  const back = new Map(refunded.map((row) => [Number(row.bucket), Number(row.cents)]))
  const series = buckets.map((b, i) => {
    const grossCents = gross.get(i) ?? 0
    const refundedCents = back.get(i) ?? 0
    return { label: b.label, start: new Date(b.start).toISOString(), gross_cents: grossCents, refunded_cents: refundedCents, net_cents: grossCents - refundedCents }
  })
  return { series, paidOrders }
}

/** The best sellers of the period by units (orders paid in it), with what they brought after discounts. */
async function topProducts(env: Env, db: Db, from: number, to: number, currency: string) {
  const rows = await db.all<{ product_id: number; name: string; units: number; cents: number; current: string | null }>(sql`
    select oi.product_id as product_id, max(oi.product_name) as name, sum(oi.quantity) as units, sum(oi.line_total_cents - oi.discount_cents) as cents,
      (select p.name from products p where p.id = oi.product_id) as current
    from order_items oi join orders o on o.id = oi.order_id
    where o.currency = ${currency}
      and exists (select 1 from order_events e where e.order_id = o.id and e.to_status = 'paid' and e.at >= ${from} and e.at < ${to})
    group by oi.product_id order by units desc, cents desc limit 5`)
  const images = await productThumbnails(env, rows.map((row) => Number(row.product_id)))
  return rows.map((row) => ({
    product_id: Number(row.product_id),
    name: row.current ?? row.name,
    exists: row.current !== null,
    units: Number(row.units),
    net_cents: Number(row.cents),
    image_url: images.get(Number(row.product_id)) ?? null,
  }))
}

/** The period's sales in `currency`, the last 30 days', the counts to act on, the best sellers, low stock and recent orders. */
export async function dashboard(env: Env, currency = 'USD', period: DashboardPeriod = '30d', now = Date.now()): Promise<Dashboard> {
  const db = getDb(env)
  const settings = await loadStoreSettings(env)
  const threshold = settings.lowStockThreshold
  const buckets = bucketsOf(period, now, settings.timeZone)
  const month = period === '30d' ? buckets : bucketsOf('30d', now, settings.timeZone)
  const from = (buckets[0] as Bucket).start
  const to = (buckets.at(-1) as Bucket).end
  const available = sql<number>`(${productVariants.stockQuantity} - ${productVariants.stockHeld})`
  const [sales, last30, top, [[pending], [toShip], low, recent, [given], oldestToShip]] = await Promise.all([
    salesIn(db, buckets, currency),
    period === '30d' ? null : salesIn(db, month, currency),
    topProducts(env, db, from, to, currency),
    db.batch([
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
        .where(and(eq(products.isActive, true), eq(productVariants.isActive, true), lte(available, threshold)))
        .orderBy(asc(available), asc(products.name), asc(productVariants.position))
        .limit(10),
      db.select().from(orders).orderBy(desc(orders.createdAt), desc(orders.id)).limit(10),
      discountsGivenStatement(db, (month[0] as Bucket).start, currency),
      db.select().from(orders).where(eq(orders.status, 'paid')).orderBy(asc(orders.createdAt), asc(orders.id)).limit(5),
    ]),
  ])
  const days = (last30 ?? sales).series.map(({ label, start: _start, ...sums }) => ({ day: label, ...sums }))
  const net = (last: number) => days.slice(-last).reduce((sum, d) => sum + d.net_cents, 0)
  const summary = (o: typeof orders.$inferSelect) => ({ id: o.id, status: o.status, total_cents: o.totalCents, currency: o.currency, created_at: new Date(o.createdAt).toISOString() })
  return {
    currency,
    time_zone: settings.timeZone,
    period,
    series: sales.series,
    net_period_cents: sales.series.reduce((sum, b) => sum + b.net_cents, 0),
    paid_orders_period: sales.paidOrders,
    top_products: top,
    days,
    net_today_cents: net(1),
    net_7_days_cents: net(7),
    net_30_days_cents: net(30),
    pending_payment: pending?.n ?? 0,
    to_ship: toShip?.n ?? 0,
    to_ship_oldest: oldestToShip.map(summary),
    discounts_given_cents: Number(given?.cents ?? 0),
    discounted_orders: Number(given?.orders ?? 0),
    low_stock_threshold: threshold,
    low_stock: low.map(({ has_options, title, ...row }) => ({ ...row, variant_title: has_options ? title : null })),
    recent_orders: recent.map(summary),
  }
}
