/**
 * Amounts typed by people ("12", "12.5", "12.50") to integer cents and back, by string arithmetic:
 * no float ever touches a price.
 */

/** "12", "12.5", "12.50" → 1250; anything else (negative, three decimals, "1e3", "") → null. */
export function decimalToCents(text: string): number | null {
  const match = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(text.trim())
  if (!match) return null
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
}

/** 1250 → "12.50", 1200 → "12" (the form a person would type back). */
export const centsToDecimal = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`.replace(/\.00$/, '')
