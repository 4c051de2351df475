/**
 * Integer minor units to a display string in the currency's own format.
 * @example formatMoney(129900, 'USD') // "$1,299.00"
 */
export function formatMoney(cents: number, currency: string, locale = 'en-US'): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency })
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2
  return format.format(cents / 10 ** digits)
}
