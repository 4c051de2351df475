/** A discount's status as staff see it, from its switch, dates and uses at a moment. */
import { and, eq, gt, isNotNull, isNull, lte, not, or, sql, type SQL } from 'drizzle-orm'
import { discounts, type Discount } from '../db/schema'

export const DISCOUNT_STATUSES = ['active', 'scheduled', 'expired', 'used_up', 'inactive'] as const
export type DiscountStatus = (typeof DISCOUNT_STATUSES)[number]

export const STATUS_LABELS: Record<DiscountStatus, string> = { active: 'Active', scheduled: 'Scheduled', expired: 'Expired', used_up: 'Used up', inactive: 'Inactive' }

/** Switched off first, then over, then not begun, then used up; else active. */
export function discountStatus(row: Pick<Discount, 'isActive' | 'startsAt' | 'endsAt' | 'usageLimit' | 'timesUsed'>, now: number): DiscountStatus {
  if (!row.isActive) return 'inactive'
  if (row.endsAt !== null && row.endsAt <= now) return 'expired'
  if (row.startsAt !== null && row.startsAt > now) return 'scheduled'
  if (row.usageLimit !== null && row.timesUsed >= row.usageLimit) return 'used_up'
  return 'active'
}

/** The same decision as SQL, for the list's status filter. */
export function statusIs(status: DiscountStatus, now: number): SQL | undefined {
  const ended = and(isNotNull(discounts.endsAt), lte(discounts.endsAt, now))
  const notBegun = and(isNotNull(discounts.startsAt), gt(discounts.startsAt, now))
  const usedUp = and(isNotNull(discounts.usageLimit), sql`${discounts.timesUsed} >= ${discounts.usageLimit}`)
  const on = eq(discounts.isActive, true)
  const notEnded = or(isNull(discounts.endsAt), gt(discounts.endsAt, now))
  const begun = or(isNull(discounts.startsAt), lte(discounts.startsAt, now))
  switch (status) {
    case 'inactive':
      return eq(discounts.isActive, false)
    case 'expired':
      return and(on, ended)
    case 'scheduled':
      return and(on, notEnded, notBegun)
    case 'used_up':
      return and(on, notEnded, begun, usedUp)
    case 'active':
      return and(on, notEnded, begun, not(usedUp ?? sql`0`))
  }
}
