/**
 * Amounts typed by people ("12", "12.5", "12.50") to integer cents and back, by string arithmetic:
 * no float ever touches a price. `DecimalPrice` is the one schema of a typed amount: the admin's product
 * prices, its refund amounts and the shop's price filter.
 */
import { z } from 'zod'

/** "12", "12.5", "12.50" → 1250; anything else (negative, three decimals, "1e3", "", over 9,999,999.99) → null. */
function decimalToCents(text: string): number | null {
  const match = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(text.trim())
  if (!match) return null
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
}

/** 1250 → "12.50", 1200 → "12" (the form a person would type back). */
export const centsToDecimal = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`.replace(/\.00$/, '')

const AMOUNT_MESSAGE = 'must be an amount like 12 or 12.50 (at most two decimals)'

const toCents = (minCents: number) => (text: string, ctx: z.RefinementCtx) => {
  const cents = decimalToCents(text)
  if (cents === null) {
    ctx.addIssue({ code: 'custom', message: AMOUNT_MESSAGE })
    return z.NEVER
  }
  if (cents < minCents) {
    ctx.addIssue({ code: 'custom', message: `must be at least ${centsToDecimal(minCents)}` })
    return z.NEVER
  }
  return cents
}

/**
 * An amount typed in the currency ("19.99") as exact integer cents (1999).
 * @example z.strictObject({ price: DecimalPrice })          // "12.50" → 1250
 * @example z.strictObject({ amount: decimalPrice({ minCents: 1 }) })
 */
export const decimalPrice = ({ minCents = 0 }: { minCents?: number } = {}) => z.string().transform(toCents(minCents))

/** An amount that may be left out or blank (a form's empty field): undefined, or exact cents. */
export const optionalDecimalPrice = ({ minCents = 0 }: { minCents?: number } = {}) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => (text === undefined || text.trim() === '' ? undefined : toCents(minCents)(text, ctx)))

/** A price as a person types it, zero or more. */
export const DecimalPrice = decimalPrice()
