/**
 * The demo store's discounts (issue 15): the code WELCOME10 (10 % off, once per customer) and an automatic
 * promotion (10 % off orders over $100). Each is added only when missing, so a re-seed keeps their uses.
 */
import { quote, runOnD1 } from './users'

export const DEMO_DISCOUNTS = [
  { code: 'WELCOME10', title: 'Welcome: 10% off', kind: 'percentage', value: 1000, minSubtotalCents: null, perCustomerLimit: 1 },
  { code: null, title: '10% off orders over $100', kind: 'percentage', value: 1000, minSubtotalCents: 10_000, perCustomerLimit: null },
] as const

const sqlValue = (value: string | number | null) => (value === null ? 'NULL' : typeof value === 'number' ? String(value) : quote(value))

/** Adds the demo discounts that are missing (a code by its code, a promotion by its title). */
export async function seedDemoDiscounts(db: D1Database) {
  await runOnD1(
    db,
    DEMO_DISCOUNTS.map((d) => {
      const missing = d.code === null ? `NOT EXISTS (SELECT 1 FROM discounts WHERE code IS NULL AND title = ${quote(d.title)})` : `NOT EXISTS (SELECT 1 FROM discounts WHERE code = ${quote(d.code)})`
      return `INSERT INTO discounts (code, title, kind, value, min_subtotal_cents, per_customer_limit)
        SELECT ${[d.code, d.title, d.kind, d.value, d.minSubtotalCents, d.perCustomerLimit].map(sqlValue).join(', ')} WHERE ${missing}`
    }),
  )
}
