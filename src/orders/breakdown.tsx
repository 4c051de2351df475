/**
 * An order's money as it was stored when it was placed (issue 15): lines with their discount and tax,
 * the discounts by name, shipping by method, the tax lines, total and refunds. Read by the receipt, the
 * admin's order page and the order page; nothing here computes a total, it shows the stored one:
 *
 *   total = subtotal − discounts − shipping discount + shipping + tax (tax added only when prices exclude it)
 */
import { asc, eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { discountRedemptions, discounts as discountRules, orderItems, orders, orderTaxLines, payments, type DiscountKind, type OptionValue, type OrderStatus, type ShippingAddress } from '../db/schema'
import { TotalsSummary, type SummaryFigures } from '../checkout/summary'
import { countryName, regionName } from '../platform/countries'
import { formatMoney } from '../ui/money'

/** What `<OrderTotals>` shows: the stored columns of an order, in the API's snake_case. */
export interface OrderTotalsView {
  currency: string
  subtotal_cents: number
  /** The lines' discounts (not shipping's). */
  discount_cents: number
  /** Shipping before its discount, and the discount on it (a free-shipping code). */
  shipping_cents: number
  shipping_discount_cents: number
  tax_cents: number
  /** Prices included the tax: it is shown as "includes", not added. */
  tax_inclusive: boolean
  total_cents: number
  refunded_cents: number
  shipping_method_name: string | null
  tax_lines: { name: string; rate_bp: number; taxable_cents: number; amount_cents: number }[]
  /** The discounts applied, with what each took off (lines and shipping together). */
  discounts: { title: string; code: string | null; kind: DiscountKind; amount_cents: number }[]
}

export interface OrderBreakdownLine {
  product_id: number
  variant_id: number
  name: string
  sku: string | null
  variant_title: string
  option_values: OptionValue[]
  quantity: number
  unit_price_cents: number
  /** Unit price × quantity, before the line's discount. */
  line_total_cents: number
  discount_cents: number
  tax_cents: number
  tax_rate_bp: number
}

/** One order's breakdown: its totals, lines, who and where, for the receipt and the admin. */
export interface OrderBreakdown extends OrderTotalsView {
  id: string
  user_id: number
  status: OrderStatus
  created_at: string
  email: string | null
  shipping_address: ShippingAddress
  shipping_weight_grams: number
  lines: OrderBreakdownLine[]
}

/** The order's breakdown as stored (one D1 batch), or null when there is no such order. Who may see it is the caller's to check. */
export async function loadOrderBreakdown(env: Env, orderId: string): Promise<OrderBreakdown | null> {
  const db = getDb(env)
  const [[order], lines, taxLines, discounts, [payment]] = await db.batch([
    db.select().from(orders).where(eq(orders.id, orderId)),
    db.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.productId), asc(orderItems.variantId)),
    db.select().from(orderTaxLines).where(eq(orderTaxLines.orderId, orderId)).orderBy(asc(orderTaxLines.position)),
    db
      .select({ title: discountRedemptions.title, code: discountRedemptions.code, amountCents: discountRedemptions.amountCents, kind: discountRules.kind })
      .from(discountRedemptions)
      .innerJoin(discountRules, eq(discountRules.id, discountRedemptions.discountId))
      .where(eq(discountRedemptions.orderId, orderId))
      .orderBy(asc(discountRedemptions.discountId)),
    db.select({ refundedCents: payments.refundedCents }).from(payments).where(eq(payments.orderId, orderId)),
  ])
  if (!order) return null
  return {
    id: order.id,
    user_id: order.userId,
    status: order.status,
    created_at: new Date(order.createdAt).toISOString(),
    email: order.email,
    shipping_address: order.shippingAddress,
    shipping_weight_grams: order.shippingWeightGrams,
    currency: order.currency,
    subtotal_cents: order.subtotalCents,
    discount_cents: order.discountCents,
    shipping_cents: order.shippingCents,
    shipping_discount_cents: order.shippingDiscountCents,
    tax_cents: order.taxCents,
    tax_inclusive: order.taxInclusive,
    total_cents: order.totalCents,
    refunded_cents: payment?.refundedCents ?? 0,
    shipping_method_name: order.shippingMethodName,
    tax_lines: taxLines.map((t) => ({ name: t.name, rate_bp: t.rateBp, taxable_cents: t.taxableCents, amount_cents: t.amountCents })),
    discounts: discounts.map((d) => ({ title: d.title, code: d.code, kind: d.kind, amount_cents: d.amountCents })),
    lines: lines.map((line) => ({
      product_id: line.productId,
      variant_id: line.variantId,
      name: line.productName,
      sku: line.sku,
      variant_title: line.variantTitle,
      option_values: line.optionValues,
      quantity: line.quantity,
      unit_price_cents: line.priceAtPurchaseCents,
      line_total_cents: line.lineTotalCents,
      discount_cents: line.discountCents,
      tax_cents: line.taxCents,
      tax_rate_bp: line.taxRateBp,
    })),
  }
}

/** 725 → "7.25 %", 2000 → "20 %". */
export const percentText = (bp: number) => `${(bp / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })} %`

/** The address on one line, as the CSV and short listings show it: "Ada Lovelace, 12 St James Square, SW1Y 4JH London, United Kingdom". */
export const addressLine = (a: ShippingAddress) =>
  [a.name, a.line1, a.line2, `${a.postal_code} ${a.city}`, a.region ? regionName(a.country, a.region) : null, countryName(a.country)].filter(Boolean).join(', ')

/**
 * The stored columns as the figures of the one totals component (src/checkout/summary.tsx), the same the
 * cart, the checkout and the order page show: each discount on the goods by its code or title (a
 * free-shipping one shows on the shipping line), shipping by method, the tax lines.
 */
export function figuresOfTotals(order: OrderTotalsView): SummaryFigures {
  const goods = order.discounts.filter((d) => d.kind !== 'free_shipping' && d.amount_cents > 0).map((d) => ({ label: d.code ? `Code ${d.code}` : d.title, cents: d.amount_cents }))
  const named = goods.reduce((sum, d) => sum + d.cents, 0)
  // An order whose redemptions do not account for its discount to the cent shows the stored amount, unnamed.
  const discounts = named === order.discount_cents ? goods : order.discount_cents > 0 ? [{ label: 'Discount', cents: order.discount_cents }] : []
  const charged = order.shipping_method_name !== null || order.shipping_cents > 0
  return {
    currency: order.currency,
    subtotalCents: order.subtotal_cents,
    discounts,
    shipping: charged ? { label: order.shipping_method_name ?? 'Shipping', cents: order.shipping_cents, discountCents: order.shipping_discount_cents } : null,
    taxCents: order.tax_cents,
    taxInclusive: order.tax_inclusive,
    taxLines: order.tax_lines.length ? order.tax_lines.map((t) => ({ name: t.name, rateBp: t.rate_bp, amountCents: t.amount_cents })) : order.tax_cents > 0 ? [{ name: 'Tax', rateBp: 0, amountCents: order.tax_cents }] : [],
    totalCents: order.total_cents,
  }
}

/**
 * The order's money as stored: the totals component's rows (subtotal, discounts, shipping, tax, total),
 * then what was refunded and what stays paid. Every figure is a stored one; they add up because the order
 * was stored that way.
 * @example <OrderTotals order={await loadOrderBreakdown(env, id)} />
 */
export function OrderTotals({ order, caption = 'Order total' }: { order: OrderTotalsView; caption?: string }) {
  const money = (cents: number) => formatMoney(cents, order.currency)
  return (
    <div class="order-totals">
      <TotalsSummary figures={figuresOfTotals(order)} title={caption} />
      {order.refunded_cents > 0 && (
        <dl class="totals" aria-label="Refunds">
          <div class="totals-refunded">
            <dt>Refunded</dt>
            <dd>−{money(order.refunded_cents)}</dd>
          </div>
          <div>
            <dt>Paid after refunds</dt>
            <dd>{money(order.total_cents - order.refunded_cents)}</dd>
          </div>
        </dl>
      )}
    </div>
  )
}
