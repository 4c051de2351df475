/** What discounts gave away, for the admin's dashboard. */
import { and, eq, gte, isNull, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { discountRedemptions, orderEvents, orders } from '../db/schema'

/**
 * One statement for the dashboard's batch: what the live redemptions of orders paid since `since` (their
 * `paid` event, as sales count them) took off in `currency`, and how many such orders had a discount.
 */
export const discountsGivenStatement = (db: Db, since: number, currency: string) =>
  db
    .select({
      cents: sql<number>`coalesce(sum(${discountRedemptions.amountCents}), 0)`.as('discounts_given_cents'),
      orders: sql<number>`count(distinct ${discountRedemptions.orderId})`.as('discounted_orders'),
    })
    .from(discountRedemptions)
    .innerJoin(orders, eq(orders.id, discountRedemptions.orderId))
    .where(
      and(
        isNull(discountRedemptions.releasedAt),
        eq(orders.currency, currency),
        sql`exists (select 1 from ${orderEvents} where ${orderEvents.orderId} = ${orders.id} and ${orderEvents.toStatus} = 'paid' and ${gte(orderEvents.at, since)})`,
      ),
    )
