/** Orders in the admin: the list with filters, CSV export and bulk shipping; an order with ship, deliver, refund and cancelling after a confirmation. */
import { variantText } from '../../ui/variant-label'
import { TableHead } from '../../ui/table-head'
import { Hono } from 'hono'
import { csrfToken } from '../../accounts/csrf'
import { userOf } from '../../accounts/guard'
import type { AppEnv } from '../../platform/env'
import { fieldErrors } from '../../platform/validate'
import { Field, Form, Notice } from '../../ui/forms'
import { formAll, formText, parseForm } from '../../ui/form-input'
import { formatMoney } from '../../ui/money'
import { redirectWithFlash } from '../../ui/flash'
import type { RefundView } from '../../payments/responses'
import { addOrderNote, OrderNoteBody, AdminOrderQuery, BulkShipBody, RefundBody, ShipBody, adminOrder, bulkShip, cancelByStaff, listAdminOrders, markDelivered, markShipped, refundByStaff } from '../orders'
import { ORDER_STATUSES, PAYMENT_STATUSES } from '../../db/schema'
import { STATUS_LABELS } from '../../orders/pages'
import { TotalsSummary, figuresOfOrder } from '../../checkout/summary'
import { countryName } from '../../platform/countries'
import type { ShippingAddress } from '../../db/schema'
import { Fragment } from 'preact'
import { loadOrderBreakdown } from '../../orders/breakdown'
import { randomToken } from '../../platform/encoding'
import { queryString, withQuery } from '../../platform/query-string'
import { PageHeader, Pager, When, failureOf, orderRef, plural, type Ctx } from './layout'
import { Chip, OrderChip, PAYMENT_LABELS, PaymentChip } from './chips'
import { dateStyleOf } from '../../ui/dates'

/** The list's filters as typed: those the query refuses are dropped and named, so the rest still apply. */
function ordersQueryOf(raw: Record<string, string>) {
  const cleaned: Record<string, string> = Object.fromEntries(Object.entries(raw).filter(([key, v]) => v !== '' && key in AdminOrderQuery.shape))
  const first = AdminOrderQuery.safeParse(cleaned)
  if (first.success) return { cleaned, query: first.data, problem: undefined }
  const faults = fieldErrors(first.error)
  const kept = Object.fromEntries(Object.entries(cleaned).filter(([key]) => !(key in faults)))
  const problem = `Some filters were left out: ${Object.entries(faults)
    .map(([key, v]) => `${FILTER_LABELS[key] ?? key} ${v.join(', ')}`)
    .join('; ')}.`
  return { cleaned: kept, query: AdminOrderQuery.parse(kept), problem }
}

const FILTER_LABELS: Record<string, string> = { status: 'status', payment_status: 'payment', from: '“from” date', to: '“to” date', email: 'customer email', q: 'search', page: 'page', page_size: 'page size' }

export const ordersPages = new Hono<AppEnv>()
  .get('/orders', async (c) => {
    const { cleaned, query: q, problem } = ordersQueryOf(c.req.query())
    const [list, style] = await Promise.all([listAdminOrders(c.env, q), dateStyleOf(c)])
    const { page: _page, ...rest } = cleaned
    const link = (page: number) => withQuery('/admin/orders', { ...rest, page })
    // "Select all" without script: the same page with every box ticked (`select=all`), and back.
    const selectAll = c.req.query('select') === 'all'
    const selectLink = withQuery('/admin/orders', { ...cleaned, select: selectAll ? undefined : 'all' })
    const shippable = list.items.filter((o) => o.status === 'paid').length
    const filtered = Object.keys(rest).length > 0
    return c.render(
      <>
        <PageHeader
          title="Orders"
          actions={
            <a class="button secondary" href={`/api/admin/orders.csv?${queryString(rest)}`}>
              Export CSV
            </a>
          }
        />
        {problem && <Notice kind="error">{problem}</Notice>}
        <form class="admin-filters" method="get" action="/admin/orders" role="search" aria-label="Search and filter orders">
          <div class="field wide">
            <label for="o-q">Search</label>
            <input id="o-q" name="q" type="search" value={q.q ?? ''} maxLength={200} placeholder="Order number, email or name" />
          </div>
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
                  {PAYMENT_LABELS[status]}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="o-from">Placed from</label>
            <input id="o-from" name="from" type="date" value={q.from ?? ''} />
          </div>
          <div class="field">
            <label for="o-to">Placed until</label>
            <input id="o-to" name="to" type="date" value={q.to ?? ''} />
          </div>
          {q.email && <input type="hidden" name="email" value={q.email} />}
          <button type="submit">Search</button>
          {filtered && <a href="/admin/orders">Clear</a>}
        </form>
        <Form action="/admin/orders/bulk-ship" csrf={csrfToken(c)} class="admin-bulk-form">
          {/* Back to this very list (its filters and page) afterwards. */}
          <input type="hidden" name="back" value={queryString(rest)} />
          <div class="admin-list-meta">
            <p class="count">
              {plural(list.total, 'order')}
              {q.email && ` of ${q.email}`}
              {q.q && ` matching “${q.q}”`}
            </p>
            {shippable > 0 && (
              <a href={selectLink} class="admin-pick-all">
                {selectAll ? 'Clear the selection' : `Select all ${plural(shippable, 'paid order')} on this page`}
              </a>
            )}
          </div>
          {list.items.length === 0 ? (
            <div class="admin-table-wrap admin-empty">
              <strong>{filtered ? 'No order matches these filters.' : 'No orders yet.'}</strong>
              {filtered ? (
                <a href="/admin/orders">Show every order</a>
              ) : (
                <span>
                  Orders appear here as soon as a customer checks out. <a href="/">Open the shop</a>
                </span>
              )}
            </div>
          ) : (
            <div class="admin-table-wrap">
              <table class="admin-list">
                <caption class="visually-hidden">Orders, newest first</caption>
                <TableHead columns={[{ hidden: 'Select' }, 'Order', 'Placed', 'Customer', { label: 'Items', class: 'num' }, { label: 'Total', class: 'num' }, 'Status', 'Payment']} />
                <tbody>
                  {list.items.map((o) => (
                    <tr key={o.id}>
                      <td class="pick">
                        {o.status === 'paid' && (
                          <label for={`pick-${o.id}`}>
                            <span class="visually-hidden">Select order {orderRef(o.id)}</span>
                            <input id={`pick-${o.id}`} type="checkbox" name="order_ids" value={o.id} checked={selectAll} />
                          </label>
                        )}
                      </td>
                      <td>
                        <a href={`/admin/orders/${o.id}`}>#{orderRef(o.id)}</a>
                        {o.review_reason && <Chip tone="bad">Needs review</Chip>}
                      </td>
                      <td data-label="Placed">
                        <When ms={Date.parse(o.created_at)} style={style} />
                      </td>
                      <td data-label="Customer">
                        {o.customer_name || o.customer_email}
                        {o.customer_name && <small>{o.customer_email}</small>}
                      </td>
                      <td class="num" data-label="Items">
                        {o.units}
                      </td>
                      <td class="num" data-label="Total">
                        {formatMoney(o.total_cents, o.currency)}
                      </td>
                      <td>
                        <OrderChip status={o.status} />
                      </td>
                      <td>
                        <PaymentChip status={o.payment_status} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {shippable > 0 && (
            <fieldset class="admin-bulk">
              <legend>Mark the selected paid orders shipped</legend>
              <div class="field">
                <label for="bulk-carrier">Carrier</label>
                <input id="bulk-carrier" name="carrier" maxLength={60} autoComplete="off" />
              </div>
              <button type="submit">Mark selected shipped</button>
            </fieldset>
          )}
        </Form>
        <Pager info={list} link={link} back="← Newer" on="Older →" />
      </>,
      { title: 'Orders', status: problem ? 400 : 200 },
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
  .post('/orders/:id/note', async (c) => {
    const orderId = c.req.param('id')
    const form = await c.req.parseBody()
    const text = formText(form, 'body')
    const body = OrderNoteBody.safeParse({ body: text })
    if (!body.success) return orderPage(c, orderId, 'The note was not added: write it first (at most 2,000 characters).', 400, { text, error: Object.values(fieldErrors(body.error)).flat().join('; ') })
    await addOrderNote(c.env, userOf(c), orderId, body.data)
    return redirectWithFlash(c, `/admin/orders/${orderId}#notes-heading`, 'success', `Note added to order ${orderRef(orderId)}.`)
  })
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

/** An address as it goes on a parcel: one line each, the country by its name. */
function AddressBlock({ address }: { address: ShippingAddress }) {
  const place = [address.city, address.region, address.postal_code].filter(Boolean).join(' ')
  return (
    <address class="admin-address">
      {[address.name, address.line1, address.line2, place, countryName(address.country), address.phone].filter(Boolean).join('\n')}
    </address>
  )
}

type TimelineEntry = { at: number; kind: 'status' | 'money' | 'note'; title: string; detail?: string | null }

const EVENT_TITLES: Partial<Record<string, string>> = {
  pending_payment: 'Order placed, awaiting payment',
  paid: 'Payment received',
  shipped: 'Marked shipped',
  delivered: 'Marked delivered',
  cancelled: 'Order cancelled',
  expired: 'Expired unpaid',
  refunded: 'Refunded in full',
}

async function orderPage(c: Ctx, orderId: string, message?: string, status: 200 | 400 | 404 | 409 | 413 | 415 = 200, noteDraft?: { text: string; error: string }) {
  const [order, breakdown, style] = await Promise.all([adminOrder(c.env, userOf(c), orderId), loadOrderBreakdown(c.env, orderId), dateStyleOf(c)])
  const csrf = csrfToken(c)
  const money = (cents: number) => formatMoney(cents, order.currency)
  const ref = orderRef(order.id)
  const refundedUnits = new Map<number, number>()
  for (const refund of order.refunds.filter((r) => r.status !== 'failed')) {
    for (const line of refund.lines) refundedUnits.set(line.variant_id, (refundedUnits.get(line.variant_id) ?? 0) + line.quantity)
  }
  const productName = lineNames(order.items)
  const images = new Map(order.item_images.map((image) => [image.variant_id, image.url]))
  const timeline: TimelineEntry[] = [
    ...order.history.map((event) => ({ at: Date.parse(event.at), kind: event.to === 'paid' || event.to === 'refunded' ? ('money' as const) : ('status' as const), title: EVENT_TITLES[event.to] ?? STATUS_LABELS[event.to], detail: event.note })),
    ...order.refunds.map((r) => ({
      at: Date.parse(r.created_at),
      kind: 'money' as const,
      title: `Refund of ${money(r.amount_cents)} ${r.status === 'succeeded' ? 'sent' : r.status === 'pending' ? 'pending at the payment provider' : 'failed'}`,
      detail: [r.reason, r.lines.length ? r.lines.map((line) => `${line.quantity} × ${productName.get(line.variant_id) ?? `product ${line.product_id}`}`).join(', ') : 'money only', r.restock && r.lines.length ? 'returned to stock' : null].filter(Boolean).join(' · '),
    })),
    ...order.notes.map((note) => ({ at: Date.parse(note.created_at), kind: 'note' as const, title: `Note by ${note.author_email}`, detail: note.body })),
  ].sort((x, y) => x.at - y.at)
  const refundable = order.payment_status !== 'unpaid' && order.payment_status !== 'failed' && order.payment_status !== 'refunded'
  const cancellable = order.status === 'pending_payment' || order.status === 'paid'
  return c.render(
    <>
      <PageHeader title={`Order #${ref}`} parent={{ href: '/admin/orders', label: 'Orders' }}>
        <p class="admin-order-meta">
          <OrderChip status={order.status} /> <PaymentChip status={order.payment_status} /> Placed <When ms={Date.parse(order.created_at)} style={style} />
          {order.refunded_cents > 0 && ` · ${money(order.refunded_cents)} refunded`}
        </p>
      </PageHeader>
      {message && <Notice kind="error">{message}</Notice>}
      {order.review_reason && <Notice kind="error">{`Needs review: ${order.review_reason}`}</Notice>}
      <div class="admin-toolbar" role="group" aria-label="Order actions">
        {order.status === 'paid' && (
          <Form action={`/admin/orders/${order.id}/ship`} csrf={csrf} class="admin-ship-form">
            <label for="ship-carrier" class="visually-hidden">
              Carrier
            </label>
            <input id="ship-carrier" name="carrier" required maxLength={60} placeholder="Carrier" />
            <label for="ship-tracking" class="visually-hidden">
              Tracking number
            </label>
            <input id="ship-tracking" name="tracking_number" maxLength={100} placeholder="Tracking number" />
            <button type="submit">Mark shipped</button>
          </Form>
        )}
        {order.status === 'shipped' && (
          <Form action={`/admin/orders/${order.id}/deliver`} csrf={csrf}>
            <button type="submit">Mark delivered</button>
          </Form>
        )}
        <a class="button secondary" href={`/orders/${order.id}/receipt`}>
          Printable receipt
        </a>
        <span class="spacer" />
        {cancellable && (
          <a class="button danger" href={`/admin/orders/${order.id}/cancel`}>
            Cancel order…
          </a>
        )}
      </div>
      <div class="admin-detail">
        <div>
          <section class="admin-card" aria-labelledby="items-heading">
            <h2 id="items-heading">Items</h2>
            <table class="admin-list no-pick">
              <caption class="visually-hidden">Items in this order</caption>
              <TableHead columns={['Product', 'SKU', { label: 'Quantity', class: 'num' }, { label: 'Price', class: 'num' }, { label: 'Total', class: 'num' }]} />
              <tbody>
                {order.items.map((item) => {
                  const variant = variantText(item.variant_title, item.option_values)
                  const refunded = refundedUnits.get(item.variant_id) ?? 0
                  const image = images.get(item.variant_id)
                  return (
                    <tr key={item.variant_id}>
                      <td>
                        <div class="admin-item">
                          {image ? <img class="admin-thumb" src={image} alt="" width={44} height={44} loading="lazy" /> : <span class="admin-thumb" aria-hidden="true" />}
                          <div>
                            {item.product_id > 0 ? <a href={`/admin/products/${item.product_id}`}>{item.name}</a> : item.name}
                            {variant && <small>{variant}</small>}
                            {refunded > 0 && <small class="low">{`${refunded} refunded`}</small>}
                          </div>
                        </div>
                      </td>
                      <td data-label="SKU">{item.sku ?? '—'}</td>
                      <td class="num" data-label="Quantity">
                        {item.quantity}
                      </td>
                      <td class="num" data-label="Price">
                        {money(item.price_at_purchase_cents)}
                      </td>
                      <td class="num" data-label="Total">
                        {money(item.line_total_cents)}
                        {item.discount_cents > 0 && <small>−{money(item.discount_cents)} discount</small>}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
            <TotalsSummary figures={figuresOfOrder(order)} title="Order totals" />
          </section>
          {refundable && (
            <section class="admin-card" aria-labelledby="refund-heading">
              <h2 id="refund-heading">Refund</h2>
              <Form action={`/admin/orders/${order.id}/refund`} csrf={csrf}>
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
                <div>
                  <button type="submit" class="danger">
                    Refund
                  </button>
                </div>
              </Form>
            </section>
          )}
          <section class="admin-card" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">Timeline</h2>
            <ol class="admin-timeline">
              {timeline.map((entry, i) => (
                <li key={i} class={`tl-${entry.kind}`}>
                  <When ms={entry.at} style={style} />
                  <strong>{entry.title}</strong>
                  {entry.detail && <p class={entry.kind === 'note' ? 'admin-note-text' : undefined}>{entry.detail}</p>}
                </li>
              ))}
            </ol>
          </section>
        </div>
        <div>
          <section class="admin-card" aria-labelledby="customer-heading">
            <h2 id="customer-heading">Customer</h2>
            {order.customer ? (
              <p>
                {order.customer.name && (
                  <>
                    <strong>{order.customer.name}</strong>
                    <br />
                  </>
                )}
                <a href={withQuery('/admin/orders', { email: order.customer.email })}>{order.customer.email}</a>
                <br />
                <small class="hint">The link lists every order of this customer.</small>
              </p>
            ) : (
              <p class="hint">No account</p>
            )}
            {order.email && order.email !== order.customer?.email && <p>Ordered as {order.email}</p>}
          </section>
          <section class="admin-card" aria-labelledby="address-heading">
            <h2 id="address-heading">Shipping address</h2>
            <AddressBlock address={order.shipping_address} />
            <p class="hint">
              {breakdown?.shipping_method_name ? `${breakdown.shipping_method_name}${breakdown.shipping_weight_grams > 0 ? `, priced on ${breakdown.shipping_weight_grams} g` : ''}` : 'No shipping method'}
            </p>
            {order.shipment && (
              <p>
                Shipped with {order.shipment.carrier}
                {order.shipment.tracking_number && ` (tracking ${order.shipment.tracking_number})`} on <When ms={Date.parse(order.shipment.shipped_at)} style={style} dateOnly />
                {order.shipment.delivered_at && (
                  <>
                    , delivered <When ms={Date.parse(order.shipment.delivered_at)} style={style} dateOnly />
                  </>
                )}
                .
              </p>
            )}
          </section>
          <section class="admin-card" aria-labelledby="payment-heading">
            <h2 id="payment-heading">Payment</h2>
            {order.payments.length === 0 ? (
              <p class="hint">No payment started yet.</p>
            ) : (
              <dl class="admin-dl">
                {order.payments.map((p, i) => (
                  <Fragment key={i}>
                    <dt>{p.provider === 'stripe' ? 'Stripe' : p.provider}</dt>
                    <dd>
                      {formatMoney(p.amount_cents, p.currency.toUpperCase())} · {p.status}
                    </dd>
                    {p.refunded_cents > 0 && (
                      <>
                        <dt>Refunded</dt>
                        <dd>{formatMoney(p.refunded_cents, p.currency.toUpperCase())}</dd>
                      </>
                    )}
                    <dt>Reference</dt>
                    <dd>
                      <small>{p.payment_intent_id ?? p.checkout_session_id ?? '—'}</small>
                    </dd>
                  </Fragment>
                ))}
              </dl>
            )}
          </section>
          <section class="admin-card" aria-labelledby="notes-heading">
            <h2 id="notes-heading">Notes</h2>
            {order.notes.length === 0 && <p class="hint">No notes yet. Notes are for staff only; the customer never sees them.</p>}
            <ul class="admin-rank">
              {order.notes.map((note) => (
                <li key={note.id}>
                  <div>
                    <p class="admin-note-text">{note.body}</p>
                    <small class="hint">
                      {note.author_email} · <When ms={Date.parse(note.created_at)} style={style} />
                    </small>
                  </div>
                </li>
              ))}
            </ul>
            <Form action={`/admin/orders/${order.id}/note`} csrf={csrf}>
              <div class={`field${noteDraft ? ' has-error' : ''}`}>
                <label for="note-body">Add a note</label>
                <textarea id="note-body" name="body" rows={3} maxLength={2000} required aria-invalid={noteDraft ? 'true' : undefined} aria-describedby={noteDraft ? 'note-body-error' : undefined}>
                  {noteDraft?.text ?? ''}
                </textarea>
                {noteDraft && (
                  <p id="note-body-error" class="field-error">
                    {noteDraft.error}
                  </p>
                )}
              </div>
              <button type="submit" class="secondary">
                Add note
              </button>
            </Form>
          </section>
        </div>
      </div>
    </>,
    { title: `Order #${ref}`, status },
  )
}
