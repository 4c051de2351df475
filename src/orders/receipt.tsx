/**
 * `/orders/:id/receipt`: a printable receipt of an order for its buyer and for staff — the store, the
 * buyer, each line (variant, SKU, quantity, unit price, discount, line total) and the stored totals
 * (src/orders/breakdown.tsx). No script: the browser's Print keeps a copy; print CSS drops the site's frame.
 */
import { Hono } from 'hono'
import { userOf } from '../accounts/guard'
import { signedInPageUnlessKeyed } from './link-pages'
import { isOrderLinkKey } from './links'
import { storeIdentity, StoreIdentityMissing } from '../notifications/store-identity'
import { AddressLines } from '../accounts/address-pages'
import { dateStyleOf, type DateStyle } from '../ui/dates'
import { trackingOf, type Tracking } from './customer-actions'
import type { AppEnv, CurrentUser } from '../platform/env'
import { notFound } from '../platform/errors'
import { htmlErrorHandler } from '../ui/error-page'
import { SITE_NAME } from '../ui/layout'
import { formatMoney } from '../ui/money'
import { pageRenderer } from '../ui/renderer'
import { variantText } from '../ui/variant-label'
import { loadOrderBreakdown, OrderTotals, percentText, type OrderBreakdown } from './breakdown'
import { DateTime, STATUS_LABELS, TrackingLine } from './pages'

/** Who issues the receipt: the store's name and postal address as configured (STORE_NAME, STORE_ADDRESS). */
export function receiptIssuer(env: Env): { name: string; address: string[] } {
  try {
    const { name, address } = storeIdentity(env)
    return { name, address }
  } catch (err) {
    if (!(err instanceof StoreIdentityMissing)) throw err
    // The receipt needs no STORE_URL (mail does): show what is set.
    return { name: env.STORE_NAME?.trim() || SITE_NAME, address: (env.STORE_ADDRESS ?? '').split(/\n|\\n/).map((line) => line.trim()).filter(Boolean) }
  }
}

/** The order's breakdown for its owner or staff; anyone else gets the 404 an unknown id gets. */
export async function receiptFor(env: Env, viewer: CurrentUser, orderId: string): Promise<OrderBreakdown> {
  const order = await loadOrderBreakdown(env, orderId)
  if (!order || (order.user_id !== viewer.id && viewer.role !== 'staff' && viewer.role !== 'admin')) throw notFound('order')
  return order
}

/** The receipt itself, for any route that has decided the viewer may see it (the guests' signed link too). */
export function Receipt({ order, store, backHref, style, tracking }: { order: OrderBreakdown; store: { name: string; address: string[] }; backHref: string; style: DateStyle; tracking?: Tracking | undefined }) {
  const money = (cents: number) => formatMoney(cents, order.currency)
  const ref = order.id.slice(0, 8).toUpperCase()
  const a = order.shipping_address
  return (
    <article class="receipt">
      <p class="no-print">
        <a href={backHref}>← Back to the order</a> · Use your browser&rsquo;s Print to keep a copy.
      </p>
      <header class="receipt-head">
        <div>
          <h1>Receipt</h1>
          <p>
            Order <strong>{ref}</strong> · placed <DateTime ms={Date.parse(order.created_at)} style={style} /> · {STATUS_LABELS[order.status]}
          </p>
        </div>
        <address class="receipt-store">
          <strong>{store.name}</strong>
          {store.address.map((line) => (
            <span key={line}>
              <br />
              {line}
            </span>
          ))}
        </address>
      </header>
      <div class="receipt-parties">
        <section>
          <h2>Buyer</h2>
          <p>{order.email ?? a.name}</p>
        </section>
        <section>
          <h2>Shipped to</h2>
          <AddressLines address={a} withPhone={false} />
          {order.shipping_method_name && (
            <p>
              {order.shipping_method_name}
              {order.shipping_weight_grams > 0 && ` · ${(order.shipping_weight_grams / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 })} kg`}
            </p>
          )}
          {tracking && <TrackingLine tracking={tracking} style={style} />}
        </section>
      </div>
      {/* Focusable: on a phone it scrolls sideways, and a keyboard must reach it. */}
      <table class="receipt-lines labelled-rows" tabIndex={0}>
        <caption class="visually-hidden">Items</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">SKU</th>
            <th scope="col">Qty</th>
            <th scope="col">Unit price</th>
            <th scope="col">Discount</th>
            <th scope="col">Line total after discount</th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((line) => {
            const variant = variantText(line.variant_title, line.option_values)
            return (
              <tr key={line.variant_id}>
                <td data-label="Item">
                  {line.name}
                  {variant && <small class="variant-label"> {variant}</small>}
                  {line.tax_rate_bp > 0 && <small class="hint"> {`${order.tax_inclusive ? 'incl.' : 'tax'} ${percentText(line.tax_rate_bp)}: ${money(line.tax_cents)}`}</small>}
                </td>
                <td data-label="SKU">{line.sku ?? '—'}</td>
                <td data-label="Qty">{line.quantity}</td>
                <td data-label="Unit price">{money(line.unit_price_cents)}</td>
                <td data-label="Discount">{line.discount_cents > 0 ? `−${money(line.discount_cents)}` : '—'}</td>
                <td data-label="Line total">{money(line.line_total_cents - line.discount_cents)}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
      <OrderTotals order={order} caption={`Totals of order ${ref}`} />
    </article>
  )
}

export const receiptPages = new Hono<AppEnv>()
  // Mounted at /orders beside the order pages: its middleware stays on its own path. An order's signed
  // link (`?key=`, a guest's way in) opens its receipt too; a wrong key is the 404 an unknown order is.
  .use('/:id/receipt', pageRenderer({ noStore: true, noindex: true }), signedInPageUnlessKeyed())
  .get('/:id/receipt', async (c) => {
    const orderId = c.req.param('id')
    const key = c.req.query('key')
    if (key !== undefined) {
      const order = (await isOrderLinkKey(c.env, orderId, key)) ? await loadOrderBreakdown(c.env, orderId) : null
      if (!order) throw notFound('order')
      const [style, tracking] = await Promise.all([dateStyleOf(c), trackingOf(c.env, [order.id])])
      return c.render(<Receipt order={order} store={receiptIssuer(c.env)} backHref={`/orders/${order.id}?key=${encodeURIComponent(key)}`} style={style} tracking={tracking.get(order.id)} />, { title: `Receipt ${order.id.slice(0, 8).toUpperCase()}` })
    }
    const viewer = userOf(c)
    const order = await receiptFor(c.env, viewer, orderId)
    const staff = viewer.role === 'staff' || viewer.role === 'admin'
    const backHref = staff && order.user_id !== viewer.id ? `/admin/orders/${order.id}` : `/orders/${order.id}`
    const [style, tracking] = await Promise.all([dateStyleOf(c), trackingOf(c.env, [order.id])])
    return c.render(<Receipt order={order} store={receiptIssuer(c.env)} backHref={backHref} style={style} tracking={tracking.get(order.id)} />, { title: `Receipt ${order.id.slice(0, 8).toUpperCase()}` })
  })

receiptPages.onError(htmlErrorHandler)
