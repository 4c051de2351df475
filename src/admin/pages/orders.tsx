/** Orders in the admin: the list with filters, CSV export and bulk shipping; an order with ship, deliver, refund and cancelling after a confirmation. */
import { variantText } from '../../ui/variant-label'
import { TableHead } from '../../ui/table-head'
import { Hono } from 'hono'
import { csrfToken } from '../../accounts/csrf'
import { userOf } from '../../accounts/guard'
import type { AppEnv } from '../../platform/env'
import { ApiError } from '../../platform/errors'
import { fieldErrors } from '../../platform/validate'
import { Field, Form, Notice } from '../../ui/forms'
import { formAll, formText, parseForm } from '../../ui/form-input'
import { formatMoney } from '../../ui/money'
import { redirectWithFlash } from '../../ui/flash'
import type { RefundView } from '../../payments/responses'
import { AdminOrderQuery, BulkShipBody, RefundBody, ShipBody, adminOrder, bulkShip, cancelByStaff, listAdminOrders, markDelivered, markShipped, refundByStaff } from '../orders'
import { ORDER_STATUSES, PAYMENT_STATUSES } from '../../db/schema'
import { OrderLines, STATUS_LABELS } from '../../orders/pages'
import { loadOrderBreakdown } from '../../orders/breakdown'
import { randomToken } from '../../platform/encoding'
import { queryString, withQuery } from '../../platform/query-string'
import { Pager, failureOf, orderRef, plural, type Ctx } from './layout'

export const ordersPages = new Hono<AppEnv>()
  .get('/orders', async (c) => {
    const cleaned = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''))
    const query = AdminOrderQuery.safeParse(cleaned)
    if (!query.success) throw new ApiError(400, 'validation_failed', `Please check the filters: ${Object.entries(fieldErrors(query.error)).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ')}`)
    const list = await listAdminOrders(c.env, query.data)
    const { page: _page, ...rest } = cleaned
    const link = (page: number) => withQuery('/admin/orders', { ...rest, page })
    const q = query.data
    return c.render(
      <section class="admin">
        <h1>Orders</h1>
        <form class="admin-filters" method="get" action="/admin/orders" aria-label="Filter orders">
          <div class="field">
            <label for="o-status">Status</label>
            <select id="o-status" name="status">
              <option value="">Any</option>
              {ORDER_STATUSES.map((status) => (
                <option key={status} value={status} selected={q.status === status}>
                  {STATUS_LABELS[status]}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="o-payment">Payment</label>
            <select id="o-payment" name="payment_status">
              <option value="">Any</option>
              {PAYMENT_STATUSES.map((status) => (
                <option key={status} value={status} selected={q.payment_status === status}>
                  {status.replace('_', ' ')}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="o-from">From</label>
            <input id="o-from" name="from" type="date" value={q.from ?? ''} />
          </div>
          <div class="field">
            <label for="o-to">To</label>
            <input id="o-to" name="to" type="date" value={q.to ?? ''} />
          </div>
          <div class="field">
            <label for="o-email">Customer email</label>
            <input id="o-email" name="email" type="email" value={q.email ?? ''} />
          </div>
          <button type="submit">Filter</button>
          <a href={`/api/admin/orders.csv?${queryString(rest)}`}>Export CSV</a>
        </form>
        <Form action="/admin/orders/bulk-ship" csrf={csrfToken(c)} class="bulk-form">
          {/* Back to this very list (its filters and page) afterwards. */}
          <input type="hidden" name="back" value={queryString(cleaned)} />
          <p class="count">{list.total} orders</p>
          <table class="cart admin-table">
            <TableHead columns={[{ hidden: 'Select' }, 'Order', 'Placed (UTC)', 'Customer', 'Total', 'Status', 'Payment']} />
            <tbody>
              {list.items.map((o) => (
                <tr key={o.id}>
                  <td>
                    {o.status === 'paid' && (
                      <>
                        <label for={`pick-${o.id}`} class="visually-hidden">
                          Select order {o.id.slice(0, 8)}
                        </label>
                        <input id={`pick-${o.id}`} type="checkbox" name="order_ids" value={o.id} />
                      </>
                    )}
                  </td>
                  <td>
                    <a href={`/admin/orders/${o.id}`}>{o.id.slice(0, 8).toUpperCase()}</a>
                    {o.review_reason && <small class="stock-out"> needs review</small>}
                  </td>
                  <td>{o.created_at.slice(0, 16).replace('T', ' ')}</td>
                  <td>{o.customer_email}</td>
                  <td>{formatMoney(o.total_cents, o.currency)}</td>
                  <td>
                    <span class={`status status-${o.status}`}>{STATUS_LABELS[o.status]}</span>
                  </td>
                  <td>{o.payment_status.replace('_', ' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="category-row">
            <label for="bulk-carrier">Carrier for the selected paid orders</label>
            <input id="bulk-carrier" name="carrier" maxLength={60} />
            <button type="submit">Mark selected shipped</button>
          </div>
        </Form>
        <Pager info={list} link={link} back="← Newer" on="Older →" />
      </section>,
      { title: 'Orders' },
    )
  })
  .post('/orders/bulk-ship', async (c) => {
    const form = await c.req.parseBody({ all: true })
    const back = ordersListPath(formText(form, 'back'))
    const body = BulkShipBody.safeParse({ order_ids: formAll(form, 'order_ids'), carrier: formText(form, 'carrier') })
    if (!body.success) {
      const problems = fieldErrors(body.error)
      const what = [problems.order_ids && 'tick at least one paid order', problems.carrier && 'name the carrier'].filter(Boolean).join(' and ')
      return redirectWithFlash(c, back, 'error', `Nothing was shipped: ${what || 'check the form'}.`)
    }
    const result = await bulkShip(c.env, userOf(c), body.data)
    const shipped = result.shipped.length ? `Marked shipped with ${body.data.carrier}: ${plural(result.shipped.length, 'order')} (${result.shipped.map(orderRef).join(', ')}).` : 'No order was shipped.'
    const refused = result.refused.length ? ` Not shipped: ${result.refused.map((r) => `${orderRef(r.order_id)} (${r.reason})`).join('; ')}.` : ''
    return redirectWithFlash(c, back, result.refused.length ? (result.shipped.length ? 'info' : 'error') : 'success', `${shipped}${refused}`)
  })
  .get('/orders/:id', async (c) => orderPage(c, c.req.param('id')))
  // Cancelling asks first, on a page of its own: the order page only links here.
  .get('/orders/:id/cancel', async (c) => cancelConfirmPage(c, c.req.param('id')))
  .post('/orders/:id/:action{ship|deliver|cancel|refund}', async (c) => {
    const orderId = c.req.param('id')
    const action = c.req.param('action')
    const form = await c.req.parseBody({ all: true })
    const ref = orderRef(orderId)
    if (action === 'cancel' && formText(form, 'confirm') !== 'yes') return c.redirect(`/admin/orders/${orderId}/cancel`, 303)
    try {
      let done = ''
      if (action === 'ship') {
        const body = parseForm(ShipBody, { carrier: formText(form, 'carrier'), tracking_number: formText(form, 'tracking_number') })
        await markShipped(c.env, userOf(c), orderId, body)
        done = `Order ${ref} marked shipped with ${body.carrier}${body.tracking_number ? ` (tracking ${body.tracking_number})` : ''}.`
      }
      if (action === 'deliver') {
        await markDelivered(c.env, userOf(c), orderId)
        done = `Order ${ref} marked delivered.`
      }
      if (action === 'cancel') {
        const cancelled = await cancelByStaff(c.env, userOf(c), orderId)
        done = cancelled.refund
          ? `Order ${ref} cancelled: ${refundSummary(cancelled.refund, cancelled.currency, (await adminOrder(c.env, userOf(c), orderId)).items)}`
          : `Order ${ref} cancelled: its stock is released${cancelled.back && cancelled.back.returned ? ` and ${plural(cancelled.back.returned, 'line')} went back to the customer's cart` : ''}.`
      }
      if (action === 'refund') {
        const order = await adminOrder(c.env, userOf(c), orderId)
        // One field per order line, by its variant: `qty.<variant id>`.
        const unitsOf = (variantId: number) => formText(form, `qty.${variantId}`).trim()
        const lines = order.items.map((item) => ({ variant_id: item.variant_id, quantity: Number(/^\d{1,4}$/.test(unitsOf(item.variant_id)) ? unitsOf(item.variant_id) : 0) }))
        const refund = await refundByStaff(
          c.env,
          userOf(c),
          orderId,
          parseForm(RefundBody, {
            amount: formText(form, 'amount'),
            lines: lines.filter((line) => line.quantity > 0),
            restock: formText(form, 'restock') === 'on',
            reason: formText(form, 'reason'),
            refund_id: formText(form, 'refund_id') || undefined,
          }),
        )
        done = refundSummary(refund, order.currency, order.items)
      }
      return redirectWithFlash(c, `/admin/orders/${orderId}`, 'success', done)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      const detail = Object.entries(failure.fields).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ')
      return orderPage(c, orderId, `${failure.message}${detail ? ` (${detail.replace(/^lines\.\d+ /, '').replace(/; lines\.\d+ /g, '; ')})` : ''}`, failure.status)
    }
  })

/** The orders list to go back to: the filters the form came from, if they are a valid list query, else the first page. */
function ordersListPath(back: string): string {
  const params = Object.fromEntries(new URLSearchParams(back))
  const parsed = AdminOrderQuery.safeParse(Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '')))
  if (!parsed.success) return '/admin/orders'
  return withQuery('/admin/orders', Object.fromEntries(Object.entries(params).filter(([k]) => k in AdminOrderQuery.shape)))
}

type LineNames = { variant_id: number; name: string; variant_title: string; option_values: readonly unknown[] }[]
/** Variant id → the line's name as staff read it: "Harbor Tee (Navy / M)", or the product's name for a default variant. */
const lineNames = (items: LineNames) =>
  new Map(items.map((item) => [item.variant_id, `${item.name}${variantText(item.variant_title, item.option_values) && ` (${item.variant_title})`}`]))

/** What a refund did, in words: the money, the units it was for, and what went back to stock. */
function refundSummary(refund: RefundView, currency: string, items: LineNames = []): string {
  const money = formatMoney(refund.amount_cents, currency)
  const names = lineNames(items)
  const what = refund.lines.length ? ` for ${refund.lines.map((line) => `${line.quantity} × ${names.get(line.variant_id) ?? `product ${line.product_id}`}`).join(', ')}` : ''
  const sent = refund.status === 'succeeded' ? `${money} refunded${what}` : refund.status === 'pending' ? `${money} refund${what} sent; the payment provider has not confirmed it yet` : `the refund of ${money} failed`
  const stock = !refund.restock ? 'nothing returned to stock' : refund.restocked_units > 0 ? `${plural(refund.restocked_units, 'unit')} returned to stock` : 'no unit returned to stock (none of them had been sold)'
  return `${sent[0]?.toUpperCase()}${sent.slice(1)}; ${stock}.`
}

async function cancelConfirmPage(c: Ctx, orderId: string) {
  const order = await adminOrder(c.env, userOf(c), orderId)
  const ref = orderRef(order.id)
  const paid = order.status === 'paid'
  if (order.status !== 'pending_payment' && !paid) return redirectWithFlash(c, `/admin/orders/${order.id}`, 'error', `Order ${ref} is ${STATUS_LABELS[order.status].toLowerCase()}: it can no longer be cancelled.`)
  const units = order.items.reduce((sum, item) => sum + item.quantity, 0)
  return c.render(
    <section class="admin confirm">
      <h1>Cancel order {ref}?</h1>
      <p>
        {paid
          ? `The payment is refunded in full (${formatMoney(order.total_cents - order.refunded_cents, order.currency)}) and ${plural(units, 'unit')} go back to stock. This cannot be undone.`
          : `The ${plural(units, 'unit')} set aside for it are released and its lines go back to ${order.customer?.email ?? 'the customer'}'s cart.`}
      </p>
      <Form action={`/admin/orders/${order.id}/cancel`} csrf={csrfToken(c)} class="danger-zone">
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" class="danger">
          {paid ? 'Cancel and refund' : 'Cancel the order'}
        </button>{' '}
        <a href={`/admin/orders/${order.id}`}>Keep the order</a>
      </Form>
    </section>,
    { title: `Cancel order ${ref}?` },
  )
}

async function orderPage(c: Ctx, orderId: string, message?: string, status: 200 | 400 | 404 | 409 | 413 | 415 = 200) {
  const order = await adminOrder(c.env, userOf(c), orderId)
  const breakdown = await loadOrderBreakdown(c.env, orderId)
  const csrf = csrfToken(c)
  const money = (cents: number) => formatMoney(cents, order.currency)
  const refundedUnits = new Map<number, number>()
  for (const refund of order.refunds.filter((r) => r.status !== 'failed')) {
    for (const line of refund.lines) refundedUnits.set(line.variant_id, (refundedUnits.get(line.variant_id) ?? 0) + line.quantity)
  }
  const productName = lineNames(order.items)
  return c.render(
    <section class="admin">
      <h1>Order {order.id.slice(0, 8).toUpperCase()}</h1>
      {message && <Notice kind="error">{message}</Notice>}
      {order.review_reason && <Notice kind="error">{`Needs review: ${order.review_reason}`}</Notice>}
      <p>
        <span class={`status status-${order.status}`}>{STATUS_LABELS[order.status]}</span> · payment {order.payment_status.replace('_', ' ')}
        {order.refunded_cents > 0 && ` (${money(order.refunded_cents)} refunded)`} · {order.customer?.email} · placed {order.created_at.slice(0, 16).replace('T', ' ')} UTC
      </p>
      <OrderLines order={order} productHref={(productId) => `/admin/products/${productId}`} />
      {breakdown && (
        <section class="card-section" aria-labelledby="totals-heading">
          <h2 id="totals-heading">Shipping and receipt</h2>
          <p>
            {breakdown.email && <>Buyer {breakdown.email} · </>}
            {breakdown.shipping_method_name ? `Shipped by ${breakdown.shipping_method_name}${breakdown.shipping_weight_grams > 0 ? ` (priced on ${breakdown.shipping_weight_grams} g)` : ''}` : 'No shipping method'} ·{' '}
            <a href={`/orders/${order.id}/receipt`}>Printable receipt</a>
          </p>
        </section>
      )}
      {order.shipment && (
        <p>
          Shipped with {order.shipment.carrier} {order.shipment.tracking_number && `(${order.shipment.tracking_number})`} on {order.shipment.shipped_at.slice(0, 10)}
          {order.shipment.delivered_at && `, delivered ${order.shipment.delivered_at.slice(0, 10)}`}.
        </p>
      )}
      <div class="fieldset-grid">
        {order.status === 'paid' && (
          <Form action={`/admin/orders/${order.id}/ship`} csrf={csrf}>
            <h2>Mark shipped</h2>
            <Field name="carrier" label="Carrier" required maxLength={60} />
            <Field name="tracking_number" label="Tracking number" maxLength={100} />
            <button type="submit">Mark shipped</button>
          </Form>
        )}
        {order.status === 'shipped' && (
          <Form action={`/admin/orders/${order.id}/deliver`} csrf={csrf}>
            <h2>Delivered?</h2>
            <button type="submit">Mark delivered</button>
          </Form>
        )}
        {(order.status === 'pending_payment' || order.status === 'paid') && (
          <section class="danger-zone" aria-labelledby="cancel-heading">
            <h2 id="cancel-heading">Cancel</h2>
            <p class="hint">{order.status === 'paid' ? 'Refunds the payment in full and returns the stock.' : "Releases the stock held for it; its lines go back to the customer's cart."}</p>
            <a class="button danger" href={`/admin/orders/${order.id}/cancel`}>
              Cancel order…
            </a>
          </section>
        )}
        {order.payment_status !== 'unpaid' && order.payment_status !== 'failed' && order.payment_status !== 'refunded' && (
          <Form action={`/admin/orders/${order.id}/refund`} csrf={csrf}>
            <h2>Refund</h2>
            <input type="hidden" name="refund_id" value={randomToken()} />
            <fieldset>
              <legend>Units to refund</legend>
              {order.items.map((item) => {
                const left = item.quantity - (refundedUnits.get(item.variant_id) ?? 0)
                const variant = variantText(item.variant_title, item.option_values)
                return (
                  <div class="field" key={item.variant_id}>
                    <label for={`qty-${item.variant_id}`}>
                      {item.name}
                      {variant && ` — ${variant}${item.sku ? ` (SKU ${item.sku})` : ''}`} ({left} of {item.quantity} left to refund, {money(item.price_at_purchase_cents)} each)
                    </label>
                    <input id={`qty-${item.variant_id}`} name={`qty.${item.variant_id}`} type="number" inputMode="numeric" min={0} max={left} value="0" class="narrow" disabled={left === 0} />
                  </div>
                )
              })}
            </fieldset>
            <Field name="amount" label="Amount" hint={`Leave empty for the price of the units chosen, or, with none chosen, for everything left (${money(order.total_cents - order.refunded_cents)}). Lower it for a goodwill refund; an amount with no units refunds money only.`} />
            <Field name="reason" label="Reason" required maxLength={500} />
            <label class="check">
              <input type="checkbox" name="restock" value="on" /> Return the chosen units to stock
            </label>
            <button type="submit">Refund</button>
          </Form>
        )}
      </div>
      <h2>History</h2>
      <ol>
        {order.history.map((event, i) => (
          <li key={i}>
            {event.at.slice(0, 19).replace('T', ' ')}: {event.from ?? 'new'} → {event.to}
            {event.note && ` (${event.note})`}
          </li>
        ))}
      </ol>
      {order.refunds.length > 0 && (
        <>
          <h2>Refunds</h2>
          <ul>
            {order.refunds.map((r) => (
              <li key={r.id}>
                {money(r.amount_cents)} · {r.status} · {r.reason}
                {r.lines.length > 0 && ` · ${r.lines.map((line) => `${line.quantity} × ${productName.get(line.variant_id) ?? line.product_id}`).join(', ')}`}
                {r.restock && r.lines.length > 0 && ' · returned to stock'}
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Payments</h2>
      <ul>
        {order.payments.map((p, i) => (
          <li key={i}>
            {p.provider} · {p.status} · {formatMoney(p.amount_cents, p.currency.toUpperCase())} · {p.payment_intent_id ?? p.checkout_session_id}
          </li>
        ))}
      </ul>
    </section>,
    { title: `Order ${order.id.slice(0, 8).toUpperCase()}`, status },
  )
}
