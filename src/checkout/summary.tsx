/** The totals as every page shows them (cart estimate, checkout review, order page): one component, so they read alike everywhere. */
import type { OrderView } from '../orders/responses'
import { formatMoney } from '../ui/money'
import type { QuoteView } from './responses'

/** The figures of a breakdown, from a quote or from a placed order. */
export interface SummaryFigures {
  currency: string
  subtotalCents: number
  discounts: { label: string; cents: number }[]
  /** Null while shipping is not known yet (no destination) or not charged by this store. */
  shipping: { label: string; cents: number; discountCents: number } | null
  taxCents: number
  taxInclusive: boolean
  taxLines: { name: string; rateBp: number; amountCents: number }[]
  totalCents: number
}

const percent = (bp: number) => `${(bp / 100).toLocaleString('en-US', { maximumFractionDigits: 3 })} %`
const discountLabel = (d: { code: string | null; title: string }) => (d.code ? `Code ${d.code}` : d.title)

type ShownDiscount = { code: string | null; title: string; kind: string; amount_cents: number }

/** The discounts on the goods, each named (a free-shipping one is shown on the shipping line instead). */
function goodsDiscounts(discounts: ShownDiscount[], totalCents: number) {
  const goods = discounts.map((d) => ({ label: discountLabel(d), cents: d.kind === 'free_shipping' ? 0 : d.amount_cents })).filter((d) => d.cents > 0)
  return goods.length === 0 && totalCents > 0 ? [{ label: 'Discount', cents: totalCents }] : goods
}

export function figuresOfQuote(q: QuoteView, currency: string): SummaryFigures {
  return {
    currency,
    subtotalCents: q.subtotal_cents,
    discounts: goodsDiscounts(q.discounts, q.discount_cents),
    shipping: q.shipping_method ? { label: q.shipping_method.name, cents: q.shipping_cents, discountCents: q.shipping_discount_cents } : null,
    taxCents: q.tax_cents,
    taxInclusive: q.tax_inclusive,
    taxLines: q.tax_lines.map((t) => ({ name: t.name, rateBp: t.rate_bp, amountCents: t.amount_cents })),
    totalCents: q.total_cents,
  }
}

export function figuresOfOrder(order: OrderView): SummaryFigures {
  return {
    currency: order.currency,
    subtotalCents: order.subtotal_cents,
    discounts: goodsDiscounts(order.discounts, order.discount_cents),
    shipping: order.shipping.method ? { label: order.shipping.method, cents: order.shipping.cents, discountCents: order.shipping.discount_cents } : null,
    taxCents: order.tax_cents,
    taxInclusive: order.tax_inclusive,
    taxLines: order.tax_lines.map((t) => ({ name: t.name, rateBp: t.rate_bp, amountCents: t.amount_cents })),
    totalCents: order.total_cents,
  }
}

/**
 * Subtotal, each discount, shipping (its method; "Free" when it costs nothing), the tax (added, or what
 * the prices include, per rate) and the total, as a description list.
 */
export function TotalsSummary({ figures, estimate = false, title }: { figures: SummaryFigures; estimate?: boolean; title?: string }) {
  const money = (cents: number) => formatMoney(cents, figures.currency)
  const shippingNet = figures.shipping ? figures.shipping.cents - figures.shipping.discountCents : 0
  return (
    <dl class="totals" aria-label={title ?? 'Totals'}>
      <div>
        <dt>Subtotal</dt>
        <dd>{money(figures.subtotalCents)}</dd>
      </div>
      {figures.discounts.map((d) => (
        <div key={d.label} class="totals-discount">
          <dt>{d.label}</dt>
          <dd>−{money(d.cents)}</dd>
        </div>
      ))}
      {figures.shipping && (
        <div>
          <dt>
            Shipping{estimate ? ' (estimate)' : ''} · {figures.shipping.label}
          </dt>
          <dd>
            {shippingNet === 0 ? 'Free' : money(shippingNet)}
            {figures.shipping.discountCents > 0 && figures.shipping.cents > 0 && <s class="was"> {money(figures.shipping.cents)}</s>}
          </dd>
        </div>
      )}
      {!figures.taxInclusive &&
        figures.taxLines.map((t) => (
          <div key={`${t.name}-${t.rateBp}`}>
            <dt>
              {t.name} ({percent(t.rateBp)})
            </dt>
            <dd>{money(t.amountCents)}</dd>
          </div>
        ))}
      <div class="totals-total">
        <dt>Total</dt>
        <dd>
          <strong>{money(figures.totalCents)}</strong>
        </dd>
      </div>
      {figures.taxInclusive &&
        figures.taxLines.map((t) => (
          <div key={`${t.name}-${t.rateBp}`} class="totals-included">
            <dt>
              Includes {t.name} ({percent(t.rateBp)})
            </dt>
            <dd>{money(t.amountCents)}</dd>
          </div>
        ))}
    </dl>
  )
}
