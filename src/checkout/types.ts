/**
 * The contract between checkout's parts (issue 15): the rules loaded from D1 (`loadCheckoutConfig`,
 * src/checkout/config.ts), the discounts that apply (src/discounts), and the one totals formula
 * (`computeTotals`, src/checkout/totals.ts) that the cart, the checkout, the order, Stripe, the receipt,
 * the admin and the CSV all read:
 *
 *   total = Σ(line price × qty) − discounts + shipping + tax (tax added only when prices exclude it)
 *
 * in integer cents. Rates are basis points (2000 = 20 %). Money never comes from KV.
 */
import type { DiscountKind, ShippingRateBand, ShippingRateKind, TaxClass } from '../db/schema'

export type { DiscountKind, ShippingRateBand, ShippingRateKind, TaxClass }

/** A shipping method of a zone, as the totals formula prices it. */
export interface MethodRule {
  id: number
  zoneId: number
  name: string
  estimate: string
  rateKind: ShippingRateKind
  flatCents: number
  bands: ShippingRateBand[]
  freeAboveCents: number | null
  position: number
}

/** A zone: its areas (`region` '' for a whole country; a region's area wins over its country's) and its active methods. */
export interface ZoneRule {
  id: number
  name: string
  shippingTaxable: boolean
  areas: { country: string; region: string }[]
  methods: MethodRule[]
}

/** A tax rate for a destination and class (`region` '' for the whole country; a region's rate wins). */
export interface TaxRateRule {
  country: string
  region: string
  taxClass: TaxClass
  rateBp: number
  name: string
}

/** Everything the totals formula needs to know about the store, loaded from D1. */
export interface CheckoutConfig {
  pricesIncludeTax: boolean
  zones: ZoneRule[]
  taxRates: TaxRateRule[]
}

/**
 * A discount that applies to this cart (src/discounts decides which: dates, limits, minimum subtotal,
 * eligibility by product or category). `value`: basis points for a percentage, cents for a fixed amount,
 * 0 for free shipping. Empty `productIds` and `categoryIds` mean every product.
 */
export interface DiscountRule {
  id: number
  /** Null for an automatic promotion. */
  code: string | null
  title: string
  kind: DiscountKind
  value: number
  minSubtotalCents: number | null
  productIds: number[]
  categoryIds: number[]
}

/** A destination as the formula reads it: ISO 3166-1 alpha-2 country, ISO 3166-2 region code without the country (or ''). */
export interface Destination {
  country: string
  region: string
}
