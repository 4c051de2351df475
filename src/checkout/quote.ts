/**
 * A quote: the lines as the caller read them (the cart from D1, an order from its stock objects' copy that
 * its batch checks), the store's rules, the discounts that apply, and the one formula. The cart's estimate, the checkout's breakdown, `POST /api/checkout/quote` and the order itself
 * all come from here, so they cannot disagree.
 */
import type { VariantForSale } from '../cart/variants'
import { discountsFor, type CodeRefusal } from '../discounts/service'
import { checkoutVersions, loadCheckoutConfig, type CheckoutVersions } from './config'
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
  /** The versions of the rules and discounts it was computed under (an order's batch checks they still hold). */
  versions: CheckoutVersions
}

/**
 * How fresh the rules must be: `versions` the caller read in its own batch (the cart), or `trust` for an
 * order (this isolate's recent copy, checked by its batch); with neither the versions are read first.
 */
export interface QuoteFreshness {
  versions?: CheckoutVersions
  trust?: boolean
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

/**
 * The breakdown of these lines to this destination: the config and the discounts from this isolate's copy
 * when their versions say it is current (read in parallel otherwise; discounts only when a code is given or
 * an automatic promotion is on).
 */
export async function quote(env: Env, request: QuoteRequest, now = Date.now(), freshness: QuoteFreshness = {}): Promise<Quote> {
  const code = request.code?.trim() ? request.code.trim() : null
  const lines = request.lines.map(totalsLineOf)
  const subtotalCents = lines.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0)
  const discountRequest = {
    code,
    customerKey: request.customerKey,
    lines: lines.map((line) => ({ productId: line.productId, categoryIds: line.categoryIds, subtotalCents: line.unitPriceCents * line.quantity })),
    subtotalCents,
    now,
    currency: request.lines[0]?.variant.currency ?? 'USD',
  }
  // An entered code is always looked up (with the promotions, one batch): no need to wait for the versions.
  const looked = code !== null ? discountsFor(env, discountRequest) : null
  const known = freshness.versions ?? (freshness.trust ? undefined : await checkoutVersions(env))
  const options = (pick: keyof CheckoutVersions) => (known ? { known: known[pick] } : { trust: true })
  const [{ config, version: configVersion }, discounts] = await Promise.all([loadCheckoutConfig(env, options('config')), looked ?? discountsFor(env, discountRequest, options('discounts'))])
  const totalsWith = (shippingMethodId: number | null) => computeTotals({ lines, destination: request.destination, shippingMethodId, discounts: { code: discounts.code, automatic: discounts.automatic }, config })
  let totals = totalsWith(request.shippingMethodId)
  // The formula is pure: the cheapest method is priced again from what was read, not read twice.
  if (request.cheapestUnlessChosen && request.shippingMethodId === null) {
    const cheapest = cheapestMethodId(totals)
    if (cheapest !== null) totals = totalsWith(cheapest)
  }
  const refusal = code && !discounts.code ? (discounts.refusal ?? { reason: 'unknown', message: `The code ${code} does not apply to this cart.` }) : null
  return { totals, refusal, code, currency: request.lines[0]?.variant.currency ?? null, destination: request.destination, config, versions: { config: configVersion, discounts: discounts.version } }
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
