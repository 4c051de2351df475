/**
 * A quote: lines priced from D1 (never a cache), the store's rules, the discounts that apply, and the one
 * formula. The cart's estimate, the checkout's breakdown, `POST /api/checkout/quote` and the order itself
 * all come from here, so they cannot disagree.
 */
import type { VariantForSale } from '../cart/variants'
import { applicableDiscounts, type CodeRefusal } from '../discounts/service'
import { loadCheckoutConfig } from './config'
import type { QuoteView } from './responses'
import { computeTotals, problemMessage, type Totals, type TotalsLine } from './totals'
import type { CheckoutConfig, Destination } from './types'

export type { QuoteView }

export interface QuoteRequest {
  lines: { variant: VariantForSale; quantity: number }[]
  destination: Destination | null
  shippingMethodId: number | null
  /** As typed by the shopper; blank counts as none. */
  code: string | null
  /** The buyer's lower-cased email when known (per-customer limits). */
  customerKey: string | null
  /** With no method chosen, price the cheapest one that ships there (an estimate, a checkout before its choice). */
  cheapestUnlessChosen?: boolean
}

export interface Quote {
  totals: Totals
  refusal: CodeRefusal | null
  code: string | null
  currency: string | null
  destination: Destination | null
  config: CheckoutConfig
}

/** The destination the formula reads from an address: the country upper-cased, the region when it is a subdivision code ("CA"), else the whole country. */
export function destinationOf(address: { country: string; region?: string | null | undefined }): Destination {
  const region = (address.region ?? '').trim().toUpperCase()
  return { country: address.country.trim().toUpperCase(), region: /^[A-Z0-9]{1,3}$/.test(region) ? region : '' }
}

const totalsLineOf = ({ variant, quantity }: { variant: VariantForSale; quantity: number }): TotalsLine => ({
  variantId: variant.variantId,
  productId: variant.productId,
  categoryIds: variant.categoryIds,
  quantity,
  unitPriceCents: variant.priceCents,
  weightGrams: variant.weightGrams,
  taxClass: variant.taxClass,
})

/** The breakdown of these lines to this destination: the config and the discounts read in parallel. */
export async function quote(env: Env, request: QuoteRequest, now = Date.now()): Promise<Quote> {
  const code = request.code?.trim() ? request.code.trim() : null
  const lines = request.lines.map(totalsLineOf)
  const subtotalCents = lines.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0)
  const [config, discounts] = await Promise.all([
    loadCheckoutConfig(env),
    applicableDiscounts(env, {
      code,
      customerKey: request.customerKey,
      lines: lines.map((line) => ({ productId: line.productId, categoryIds: line.categoryIds, subtotalCents: line.unitPriceCents * line.quantity })),
      subtotalCents,
      now,
      currency: request.lines[0]?.variant.currency ?? 'USD',
    }),
  ])
  const totalsWith = (shippingMethodId: number | null) => computeTotals({ lines, destination: request.destination, shippingMethodId, discounts: { code: discounts.code, automatic: discounts.automatic }, config })
  let totals = totalsWith(request.shippingMethodId)
  // The formula is pure: the cheapest method is priced again from what was read, not read twice.
  if (request.cheapestUnlessChosen && request.shippingMethodId === null) {
    const cheapest = cheapestMethodId(totals)
    if (cheapest !== null) totals = totalsWith(cheapest)
  }
  const refusal = code && !discounts.code ? (discounts.refusal ?? { reason: 'unknown', message: `The code ${code} does not apply to this cart.` }) : null
  return { totals, refusal, code, currency: request.lines[0]?.variant.currency ?? null, destination: request.destination, config }
}

/** The cheapest method's id for a destination (the cart's estimate before the shopper chooses), or null. */
function cheapestMethodId(totals: Totals): number | null {
  const [cheapest] = [...totals.methods].sort((a, b) => a.priceCents - b.priceCents || a.id - b.id)
  return cheapest?.id ?? null
}

/** A quote as the API answers it. */
export function quoteView(q: Quote): QuoteView {
  const t = q.totals
  const method = (m: Totals['methods'][number]) => ({ id: m.id, name: m.name, estimate: m.estimate, price_cents: m.priceCents, free_above: m.freeAbove })
  return {
    currency: q.currency,
    subtotal_cents: t.subtotalCents,
    discount_cents: t.discountCents,
    shipping_cents: t.shippingCents,
    shipping_discount_cents: t.shippingDiscountCents,
    tax_cents: t.taxCents,
    tax_inclusive: t.taxInclusive,
    total_cents: t.totalCents,
    weight_grams: t.weightGrams,
    lines: t.lines.map((l) => ({
      variant_id: l.variantId,
      product_id: l.productId,
      quantity: l.quantity,
      subtotal_cents: l.subtotalCents,
      discount_cents: l.discountCents,
      net_cents: l.netCents,
      tax_cents: l.taxCents,
      tax_rate_bp: l.taxRateBp,
    })),
    tax_lines: t.taxLines.map((tl) => ({ name: tl.name, rate_bp: tl.rateBp, taxable_cents: tl.taxableCents, amount_cents: tl.amountCents })),
    discounts: t.discounts.map((d) => ({ id: d.rule.id, code: d.rule.code, title: d.rule.title, kind: d.rule.kind, amount_cents: d.amountCents })),
    destination: q.destination,
    shipping_required: t.shippingRequired,
    zone: t.zone,
    shipping_method: t.method ? method(t.method) : null,
    shipping_methods: t.methods.map(method),
    problems: t.problems.map((p) => ({ code: p.code, message: problemMessage(p) })),
    discount_code: q.code,
    code_refusal: q.refusal,
  }
}
