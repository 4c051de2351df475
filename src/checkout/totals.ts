/**
 * The one totals formula (issue 15), pure: no I/O, every amount an integer of cents.
 *
 *   total = subtotal − discount + (shipping − shipping discount) + (tax, only when prices exclude it)
 *
 * Order of application (README "Checkout totals"):
 * 1. subtotal = Σ unit price × quantity;
 * 2. the entered code (percentage or fixed) comes off its eligible lines;
 * 3. then the single best automatic promotion for the shopper (the one that takes off the most, its
 *    eligible lines counted after the code; ties to the older promotion) — at most one code plus one promotion;
 * 4. shipping is priced on the cart's weight or its subtotal after discounts, and is free at or above
 *    the method's `freeAboveCents` (after discounts); a free-shipping discount takes the rest off as the
 *    shipping discount;
 * 5. tax per line on its amount after its discount share, rounded half-up per line (and on shipping after
 *    its discount when the zone taxes shipping, at the destination's standard rate).
 * A discount is allocated to its eligible lines in proportion to what they cost, by largest remainder, so
 * that the shares sum exactly to the discount and no line goes below 0.
 */
import type { CheckoutConfig, Destination, DiscountRule, MethodRule, TaxClass, TaxRateRule, ZoneRule } from './types'

/** A line of the cart or the order, as priced from D1 now. */
export interface TotalsLine {
  variantId: number
  productId: number
  categoryIds: number[]
  quantity: number
  unitPriceCents: number
  weightGrams: number
  taxClass: TaxClass
}

export interface TotalsInput {
  lines: TotalsLine[]
  /** Null while the shopper has not said where to (the cart before an estimate country): no shipping, no tax. */
  destination: Destination | null
  shippingMethodId: number | null
  discounts: { code: DiscountRule | null; automatic: DiscountRule[] }
  config: CheckoutConfig
}

export interface LineTotals {
  variantId: number
  productId: number
  quantity: number
  subtotalCents: number
  /** The line's share of the order's discounts (code and promotion). */
  discountCents: number
  /** subtotal − discount: what the line costs, tax included when prices include it. */
  netCents: number
  taxCents: number
  taxRateBp: number
}

/** The tax of one rate (by name and rate), shipping's included. */
export interface TaxLine {
  name: string
  rateBp: number
  taxableCents: number
  amountCents: number
}

/** A discount as applied, with what it took off (goods and shipping): what its redemption records. */
export interface AppliedDiscount {
  rule: DiscountRule
  amountCents: number
}

/** A shipping method that can carry this cart to this destination, priced (before any free-shipping discount). */
export interface MethodQuote {
  id: number
  zoneId: number
  name: string
  estimate: string
  priceCents: number
  /** Free because the subtotal reached the method's threshold. */
  freeAbove: boolean
}

/** Why the cart cannot be ordered as asked; the checkout says so in words (`problemMessage`). */
export type TotalsProblem =
  | { code: 'destination_required' }
  | { code: 'no_zone'; country: string; region: string }
  | { code: 'no_method'; country: string }
  | { code: 'method_required' }
  | { code: 'method_unavailable'; methodId: number }

export interface Totals {
  subtotalCents: number
  discountCents: number
  shippingCents: number
  shippingDiscountCents: number
  taxCents: number
  totalCents: number
  taxInclusive: boolean
  weightGrams: number
  lines: LineTotals[]
  taxLines: TaxLine[]
  discounts: AppliedDiscount[]
  /** The methods for the destination and cart, in the zone's order; empty when no zone covers it (or none is configured). */
  methods: MethodQuote[]
  /** The chosen method, when it is valid here. */
  method: MethodQuote | null
  zone: { id: number; name: string } | null
  /** Whether this store charges shipping at all (it has a zone). */
  shippingRequired: boolean
  problems: TotalsProblem[]
}

const BP = 10_000

/** a × b / c rounded half-up, for non-negative integers; exact in BigInt (cents × basis points may pass 2^53). */
const mulDivHalfUp = (a: number, b: number, c: number) => Number((2n * BigInt(a) * BigInt(b) + BigInt(c)) / (2n * BigInt(c)))

/**
 * `amount` split over `weights` in proportion, by largest remainder (ties to the earlier index): the shares
 * sum to `amount` exactly, and none passes its weight while `amount` ≤ Σ weights.
 */
export function allocate(amount: number, weights: number[]): number[] {
  const total = weights.reduce((sum, w) => sum + w, 0)
  if (total === 0 || amount === 0) return weights.map(() => 0)
  const whole = BigInt(amount)
  const of = BigInt(total)
  const shares = weights.map((w) => Number((whole * BigInt(w)) / of))
  const remainders = weights.map((w, i) => ({ i, rest: (whole * BigInt(w)) % of }))
  let left = amount - shares.reduce((sum, s) => sum + s, 0)
  remainders.sort((a, b) => (a.rest === b.rest ? a.i - b.i : a.rest > b.rest ? -1 : 1))
  for (const { i } of remainders) {
    if (left === 0) break
    shares[i] = (shares[i] ?? 0) + 1
    left--
  }
  return shares
}

const isEligible = (rule: DiscountRule, line: TotalsLine) =>
  (rule.productIds.length === 0 && rule.categoryIds.length === 0) || rule.productIds.includes(line.productId) || line.categoryIds.some((id) => rule.categoryIds.includes(id))

/** A percentage or fixed discount's shares of the lines' remaining amounts (free shipping takes nothing off the lines). */
function goodsShares(rule: DiscountRule, lines: TotalsLine[], remaining: number[]): number[] {
  if (rule.kind === 'free_shipping') return lines.map(() => 0)
  const weights = lines.map((line, i) => (isEligible(rule, line) ? (remaining[i] ?? 0) : 0))
  const base = weights.reduce((sum, w) => sum + w, 0)
  const amount = rule.kind === 'percentage' ? mulDivHalfUp(base, Math.min(rule.value, BP), BP) : Math.min(rule.value, base)
  return allocate(amount, weights)
}

/** The zone for a destination: its region's area first, then the whole country's. */
function zoneFor(zones: ZoneRule[], destination: Destination): ZoneRule | null {
  const region = destination.region.toUpperCase()
  const country = destination.country.toUpperCase()
  const covers = (r: string) => zones.find((zone) => zone.areas.some((area) => area.country === country && area.region === r))
  return (region ? covers(region) : undefined) ?? covers('') ?? null
}

/** A method's price for this cart, or null when the cart is outside every band. */
function methodPrice(method: MethodRule, weightGrams: number, subtotalCents: number): { priceCents: number; freeAbove: boolean } | null {
  let price: number | null
  if (method.rateKind === 'flat') price = method.flatCents
  else {
    const measure = method.rateKind === 'weight' ? weightGrams : subtotalCents
    const band = method.bands.find((b) => measure >= b.min && (b.max === null || measure < b.max))
    price = band ? band.price_cents : null
  }
  if (price === null) return null
  if (method.freeAboveCents !== null && subtotalCents >= method.freeAboveCents) return { priceCents: 0, freeAbove: price > 0 }
  return { priceCents: price, freeAbove: false }
}

/** The rate for a destination and class: its region's first, then the whole country's. */
function taxRateFor(rates: TaxRateRule[], destination: Destination, taxClass: TaxClass): TaxRateRule | null {
  const country = destination.country.toUpperCase()
  const region = destination.region.toUpperCase()
  const find = (r: string) => rates.find((rate) => rate.country === country && rate.region === r && rate.taxClass === taxClass)
  return (region ? find(region) : undefined) ?? find('') ?? null
}

const taxOn = (netCents: number, rateBp: number, inclusive: boolean) => (rateBp === 0 ? 0 : mulDivHalfUp(netCents, rateBp, inclusive ? BP + rateBp : BP))

/** The breakdown with the code and (at most) one given promotion. */
function evaluate(input: TotalsInput, promotion: DiscountRule | null): Totals & { promotionCents: number } {
  const { lines, destination, config } = input
  const code = input.discounts.code
  const inclusive = config.pricesIncludeTax
  const subtotals = lines.map((line) => line.unitPriceCents * line.quantity)
  const subtotalCents = subtotals.reduce((sum, s) => sum + s, 0)
  const weightGrams = lines.reduce((sum, line) => sum + line.weightGrams * line.quantity, 0)

  const codeShares = code ? goodsShares(code, lines, subtotals) : lines.map(() => 0)
  const afterCode = subtotals.map((s, i) => s - (codeShares[i] ?? 0))
  const promoShares = promotion ? goodsShares(promotion, lines, afterCode) : lines.map(() => 0)
  const lineDiscounts = lines.map((_, i) => (codeShares[i] ?? 0) + (promoShares[i] ?? 0))
  const discountCents = lineDiscounts.reduce((sum, d) => sum + d, 0)
  const discountedSubtotal = subtotalCents - discountCents

  // Shipping
  const problems: TotalsProblem[] = []
  const shippingRequired = config.zones.length > 0
  const zone = shippingRequired && destination ? zoneFor(config.zones, destination) : null
  const methods: MethodQuote[] = []
  if (zone) {
    const ordered = [...zone.methods].sort((a, b) => a.position - b.position || a.id - b.id)
    for (const method of ordered) {
      const price = methodPrice(method, weightGrams, discountedSubtotal)
      if (price) methods.push({ id: method.id, zoneId: zone.id, name: method.name, estimate: method.estimate, ...price })
    }
  }
  let method: MethodQuote | null = null
  if (shippingRequired) {
    if (!destination) problems.push({ code: 'destination_required' })
    else if (!zone) problems.push({ code: 'no_zone', country: destination.country.toUpperCase(), region: destination.region.toUpperCase() })
    else if (methods.length === 0) problems.push({ code: 'no_method', country: destination.country.toUpperCase() })
    else if (input.shippingMethodId === null) problems.push({ code: 'method_required' })
    else {
      method = methods.find((m) => m.id === input.shippingMethodId) ?? null
      if (!method) problems.push({ code: 'method_unavailable', methodId: input.shippingMethodId })
    }
  }
  const shippingCents = method?.priceCents ?? 0
  const freeShipping = code?.kind === 'free_shipping' || promotion?.kind === 'free_shipping'
  const shippingDiscountCents = freeShipping ? shippingCents : 0

  // Tax
  const lineTotals: LineTotals[] = lines.map((line, i) => {
    const net = (subtotals[i] ?? 0) - (lineDiscounts[i] ?? 0)
    const rate = destination ? taxRateFor(config.taxRates, destination, line.taxClass) : null
    const rateBp = rate?.rateBp ?? 0
    return {
      variantId: line.variantId,
      productId: line.productId,
      quantity: line.quantity,
      subtotalCents: subtotals[i] ?? 0,
      discountCents: lineDiscounts[i] ?? 0,
      netCents: net,
      taxCents: taxOn(net, rateBp, inclusive),
      taxRateBp: rateBp,
    }
  })
  const groups = new Map<string, TaxLine>()
  const addTax = (rate: TaxRateRule, taxable: number, amount: number) => {
    const key = `${rate.name}\u0000${rate.rateBp}`
    const group = groups.get(key) ?? { name: rate.name, rateBp: rate.rateBp, taxableCents: 0, amountCents: 0 }
    group.taxableCents += taxable
    group.amountCents += amount
    groups.set(key, group)
  }
  lines.forEach((line, i) => {
    const rate = destination ? taxRateFor(config.taxRates, destination, line.taxClass) : null
    const totals = lineTotals[i]
    if (rate && rate.rateBp > 0 && totals) addTax(rate, totals.netCents, totals.taxCents)
  })
  let shippingTax = 0
  const shippingNet = shippingCents - shippingDiscountCents
  if (zone?.shippingTaxable && destination && shippingNet > 0) {
    const rate = taxRateFor(config.taxRates, destination, 'standard')
    if (rate && rate.rateBp > 0) {
      shippingTax = taxOn(shippingNet, rate.rateBp, inclusive)
      addTax(rate, shippingNet, shippingTax)
    }
  }
  const taxCents = lineTotals.reduce((sum, line) => sum + line.taxCents, 0) + shippingTax

  const codeCents = codeShares.reduce((sum, s) => sum + s, 0) + (code?.kind === 'free_shipping' ? shippingDiscountCents : 0)
  const promotionCents = promoShares.reduce((sum, s) => sum + s, 0) + (promotion?.kind === 'free_shipping' && code?.kind !== 'free_shipping' ? shippingDiscountCents : 0)
  const applied: AppliedDiscount[] = []
  if (code) applied.push({ rule: code, amountCents: codeCents })
  if (promotion && promotionCents > 0) applied.push({ rule: promotion, amountCents: promotionCents })

  return {
    subtotalCents,
    discountCents,
    shippingCents,
    shippingDiscountCents,
    taxCents,
    totalCents: subtotalCents - discountCents + (shippingCents - shippingDiscountCents) + (inclusive ? 0 : taxCents),
    taxInclusive: inclusive,
    weightGrams,
    lines: lineTotals,
    taxLines: [...groups.values()],
    discounts: applied,
    methods,
    method,
    zone: zone ? { id: zone.id, name: zone.name } : null,
    shippingRequired,
    problems,
    promotionCents,
  }
}

/**
 * The breakdown of a cart or an order: subtotal, discounts (allocated to lines), shipping, tax (per line
 * and per rate), total, the methods that can ship it, and the problems that keep it from being ordered.
 * @example computeTotals({ lines, destination: { country: 'US', region: 'CA' }, shippingMethodId: 3, discounts: { code, automatic }, config })
 */
export function computeTotals(input: TotalsInput): Totals {
  let best = evaluate(input, null)
  // A free-shipping code leaves a free-shipping promotion nothing to take: it counts for 0 and is not chosen.
  const candidates = [...input.discounts.automatic].sort((a, b) => a.id - b.id)
  for (const promotion of candidates) {
    const option = evaluate(input, promotion)
    if (option.promotionCents > best.promotionCents) best = option
  }
  const { promotionCents: _, ...totals } = best
  return totals
}

/** A problem in the words the checkout shows (the country named as given). */
export function problemMessage(problem: TotalsProblem): string {
  switch (problem.code) {
    case 'destination_required':
      return 'Give a shipping address to see the shipping methods.'
    case 'no_zone':
      return `We do not ship to ${problem.region ? `${problem.region}, ` : ''}${problem.country}.`
    case 'no_method':
      return `None of our shipping methods to ${problem.country} can carry this cart (too heavy or outside their price bands).`
    case 'method_required':
      return 'Choose a shipping method.'
    case 'method_unavailable':
      return 'The chosen shipping method does not ship this cart to this address: choose another.'
  }
}
