/**
 * An order's money as it was stored when it was placed (issue 15): lines with their discount and tax,
 * the discounts by name, shipping by method, the tax lines, total and refunds. Read by the receipt, the
 * admin's order page and the order page; nothing here computes a total, it shows the stored one:
 *
 *   total = subtotal − discounts − shipping discount + shipping + tax (tax added only when prices exclude it)
 */
import { asc, eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { discountRedemptions, orderItems, orders, orderTaxLines, payments, type OptionValue, type OrderStatus, type ShippingAddress } from '../db/schema'
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
  discounts: { title: string; code: string | null; amount_cents: number }[]
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
    db.select().from(discountRedemptions).where(eq(discountRedemptions.orderId, orderId)).orderBy(asc(discountRedemptions.createdAt), asc(discountRedemptions.discountId)),
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
    discounts: discounts.map((d) => ({ title: d.title, code: d.code, amount_cents: d.amountCents })),
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

/** A tax line's label: "VAT 20 %". */
export const taxLineLabel = (line: { name: string; rate_bp: number }) => `${line.name} ${percentText(line.rate_bp)}`

/** The address on one line, as the CSV and short listings show it: "Ada Lovelace, 12 St James Square, SW1Y 4JH London, United Kingdom". */
export const addressLine = (a: ShippingAddress) =>
  [a.name, a.line1, a.line2, `${a.postal_code} ${a.city}`, a.region ? regionName(a.country, a.region) : null, countryName(a.country)].filter(Boolean).join(', ')

/**
 * The discount rows: each discount applied, by name and code, when the stored redemptions account for
 * the order's discounts to the cent; otherwise (an order whose redemptions are not there) the two stored
 * amounts, so that the rows always add up to the total shown.
 */
export function discountRows(order: OrderTotalsView): { label: string; amount_cents: number }[] {
  const stored = order.discount_cents + order.shipping_discount_cents
  const named = order.discounts.reduce((sum, d) => sum + d.amount_cents, 0)
  if (order.discounts.length && named === stored) return order.discounts.map((d) => ({ label: d.code ? `${d.title} (${d.code})` : d.title, amount_cents: d.amount_cents }))
  return [
    ...(order.discount_cents > 0 ? [{ label: 'Discount', amount_cents: order.discount_cents }] : []),
    ...(order.shipping_discount_cents > 0 ? [{ label: 'Shipping discount', amount_cents: order.shipping_discount_cents }] : []),
  ]
}

/**
 * The order's money, row by row, as a definition list: subtotal, each discount, shipping (method), the
 * tax lines (added, or "includes" under the total when prices included tax), total, and refunds. Every
 * row is a stored figure; they add up because the order was stored that way.
 * @example <OrderTotals order={await loadOrderBreakdown(env, id)} />
 */
export function OrderTotals({ order, caption = 'Order total' }: { order: OrderTotalsView; caption?: string }) {
  const money = (cents: number) => formatMoney(cents, order.currency)
  const taxLines = order.tax_lines.length ? order.tax_lines.map((line) => ({ label: taxLineLabel(line), amount_cents: line.amount_cents })) : order.tax_cents > 0 ? [{ label: 'Tax', amount_cents: order.tax_cents }] : []
  const shippingLabel = `Shipping${order.shipping_method_name ? ` (${order.shipping_method_name})` : ''}`
  return (
    <table class="order-totals">
      <caption class="visually-hidden">{caption}</caption>
      <tbody>
        <tr>
          <th scope="row">Subtotal</th>
          <td>{money(order.subtotal_cents)}</td>
        </tr>
        {discountRows(order).map((row, i) => (
          <tr key={`d${i}`} class="discount">
            <th scope="row">{row.label}</th>
            <td>−{money(row.amount_cents)}</td>
          </tr>
        ))}
        {(order.shipping_method_name !== null || order.shipping_cents > 0) && (
          <tr>
            <th scope="row">{shippingLabel}</th>
            <td>{order.shipping_cents === 0 ? 'Free' : money(order.shipping_cents)}</td>
          </tr>
        )}
        {!order.tax_inclusive &&
          taxLines.map((line, i) => (
            <tr key={`t${i}`}>
              <th scope="row">{line.label}</th>
              <td>{money(line.amount_cents)}</td>
            </tr>
          ))}
        <tr class="total">
          <th scope="row">Total</th>
          <td>
            <strong>{money(order.total_cents)}</strong>
          </td>
        </tr>
        {order.tax_inclusive &&
          taxLines.map((line, i) => (
            <tr key={`i${i}`} class="includes">
              <th scope="row">Includes {line.label}</th>
              <td>{money(line.amount_cents)}</td>
            </tr>
          ))}
        {order.refunded_cents > 0 && (
          <>
            <tr class="refunded">
              <th scope="row">Refunded</th>
              <td>−{money(order.refunded_cents)}</td>
            </tr>
            <tr>
              <th scope="row">Paid after refunds</th>
              <td>{money(order.total_cents - order.refunded_cents)}</td>
            </tr>
          </>
        )}
      </tbody>
    </table>
  )
}
