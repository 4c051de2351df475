/** Checkout (address, then the order with its stock held), order confirmation, history and detail pages. */
import { VariantLabel, variantText } from '../ui/variant-label'
import { TableHead } from '../ui/table-head'
import { Hono, type Context } from 'hono'
import { csrfProtection, csrfToken } from '../accounts/csrf'
import { signedInPage, userOf } from '../accounts/guard'
import { profileOf } from '../accounts/service'
import { cartOwner } from '../cart/owner'
import { getCart, mergeGuestCart } from '../cart/service'
import type { ShippingAddress as Address } from '../db/schema'
import type { AppEnv } from '../platform/env'
import { withQuery } from '../platform/query-string'
import { ApiError, type FieldErrors } from '../platform/errors'
import { cancelOwnOrder } from '../payments/cancel'
import { startCheckout } from '../payments/checkout'
import { redirectWithFlash, takeFlash } from '../ui/flash'
import { fieldErrors } from '../platform/validate'
import { randomToken } from '../platform/encoding'
import { htmlErrorHandler } from '../ui/error-page'
import { Field, Form, Notice } from '../ui/forms'
import { formText } from '../ui/form-input'
import { pageRenderer } from '../ui/renderer'
import { formatMoney } from '../ui/money'
import { CHECKOUT_KEY_PREFIX, CheckoutForm } from './schemas'
import { createOrder, listOrders, orderForViewer, type OrderView } from './service'

type Ctx = Context<AppEnv>

export const STATUS_LABELS: Record<OrderView['status'], string> = {
  pending_payment: 'Awaiting payment',
  paid: 'Paid',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
  expired: 'Expired (not paid in time)',
  refunded: 'Refunded',
}

const ADDRESS_KEYS = ['name', 'line1', 'line2', 'city', 'region', 'postal_code', 'country'] as const

/** Sends a stranger to sign in, and back here afterwards. */
function AddressFields({ address, errors }: { address?: Partial<Address> | null; errors?: FieldErrors }) {
  const name = (key: string) => `shipping_address.${key}`
  return (
    <>
      <Field name={name('name')} label="Recipient" value={address?.name} errors={errors} required autocomplete="shipping name" />
      <Field name={name('line1')} label="Address line 1" value={address?.line1} errors={errors} required autocomplete="shipping address-line1" />
      <Field name={name('line2')} label="Address line 2" value={address?.line2} errors={errors} autocomplete="shipping address-line2" />
      <div class="fieldset-grid">
        <Field name={name('city')} label="City" value={address?.city} errors={errors} required autocomplete="shipping address-level2" />
        <Field name={name('region')} label="Region or state" value={address?.region} errors={errors} autocomplete="shipping address-level1" />
        <Field name={name('postal_code')} label="Postal code" value={address?.postal_code} errors={errors} required autocomplete="shipping postal-code" />
        <Field name={name('country')} label="Country code" value={address?.country} errors={errors} required autocomplete="shipping country" hint="Two letters, e.g. FR, US." maxLength={2} />
      </div>
    </>
  )
}

/** An order's lines and total; staff pages link each line to its product's admin page. */
export function OrderLines({ order, productHref }: { order: OrderView; productHref?: (productId: number) => string }) {
  return (
    <table class="cart">
      <caption class="visually-hidden">Items in this order</caption>
      <TableHead columns={['Product', 'Price', 'Quantity', 'Total']} />
      <tbody>
        {order.items.map((item) => (
          <tr key={item.variant_id}>
            <td>
              {productHref ? <a href={productHref(item.product_id)}>{item.name}</a> : item.name}
              <VariantLabel title={item.variant_title} sku={item.sku} optionValues={item.option_values} />
            </td>
            <td>{formatMoney(item.price_at_purchase_cents, order.currency)}</td>
            <td>{item.quantity}</td>
            <td>{formatMoney(item.line_total_cents, order.currency)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={3}>
            Total
          </th>
          <td>
            <strong>{formatMoney(order.total_cents, order.currency)}</strong>
          </td>
        </tr>
      </tfoot>
    </table>
  )
}

async function checkoutPage(c: Ctx, { address, errors, message, status = 200 }: { address?: Partial<Address> | null; errors?: FieldErrors; message?: string; status?: 200 | 400 | 409 } = {}) {
  const user = userOf(c)
  const owner = await cartOwner(c)
  await mergeGuestCart(c.env, owner, user.id)
  const cart = await getCart(c.env, owner)
  const sellable = cart.items.filter((line) => !line.unavailable)
  if (sellable.length === 0) return c.redirect('/cart', 303)
  const prefill = address ?? (await profileOf(c.env, user.id)).default_shipping_address
  return c.render(
    <section class="checkout">
      <h1>Checkout</h1>
      {message && <Notice kind="error">{message}</Notice>}
      <ul class="checkout-lines">
        {sellable.map((line) => (
          <li key={line.variant_id}>
            {line.quantity} × {line.name}
            {variantText(line.variant_title, line.option_values) && ` (${line.variant_title}${line.sku ? `, SKU ${line.sku}` : ''})`} — {line.currency && line.line_total_cents !== null ? formatMoney(line.line_total_cents, line.currency) : ''}
          </li>
        ))}
      </ul>
      <p>
        Total: <strong>{cart.currency ? formatMoney(cart.subtotal_cents, cart.currency) : '—'}</strong> · <a href="/cart">Change the cart</a>
      </p>
      <Form action="/checkout" csrf={csrfToken(c)}>
        <h2>Shipping address</h2>
        {/* One order per checkout page, however often the button is pressed. */}
        <input type="hidden" name="checkout_token" value={randomToken()} />
        <AddressFields address={prefill} errors={errors} />
        <button type="submit">Place order and pay</button>
      </Form>
      <p class="hint">Your items are set aside for you while you pay.</p>
    </section>,
    { title: 'Checkout', status },
  )
}

const PAYMENT_LABELS: Record<OrderView['payment_status'], string> = {
  unpaid: 'Not paid yet',
  paid: 'Paid',
  partially_refunded: 'Partly refunded',
  refunded: 'Refunded',
  failed: 'Payment failed',
}

/** Where the money stands: paid, refunded amounts, a failed attempt, or a payment under review. */
function PaymentSummary({ order }: { order: OrderView }) {
  const money = (cents: number) => formatMoney(cents, order.currency)
  return (
    <>
      <p class={`payment payment-${order.payment_status}`}>
        Payment: <strong>{PAYMENT_LABELS[order.payment_status]}</strong>
        {order.payment_status === 'paid' && <> · {money(order.total_cents)}</>}
        {order.refunded_cents > 0 && (
          <>
            {' '}
            · {money(order.refunded_cents)} of {money(order.total_cents)} refunded
          </>
        )}
        {order.payment_status === 'failed' && order.status === 'pending_payment' && <> · you can try again</>}
      </p>
      {order.review_reason && (
        <Notice kind="info">
          Under review: our staff are checking this order before it goes further. <small>{order.review_reason}</small>
        </Notice>
      )}
    </>
  )
}

type PageNotice = { kind: 'success' | 'error' | 'info'; text: string }

function OrderDetail({ c, order, notice }: { c: Ctx; order: OrderView; notice?: PageNotice }) {
  const address = order.shipping_address
  return (
    <section class="order">
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      <h1>Order {order.id.slice(0, 8).toUpperCase()}</h1>
      <p>
        <span class={`status status-${order.status}`}>{STATUS_LABELS[order.status]}</span> · placed {new Date(order.created_at).toUTCString()}
      </p>
      <PaymentSummary order={order} />
      {order.status === 'pending_payment' && order.payment_status !== 'paid' && (
        <>
          <Form action={`/orders/${order.id}/pay`} csrf={csrfToken(c)} class="pay-form">
            <p>
              Pay {formatMoney(order.total_cents, order.currency)}
              {order.hold_expires_at && <> before {new Date(order.hold_expires_at).toUTCString()}</>} to keep your items.
            </p>
            <button type="submit">{order.payment_status === 'failed' ? 'Pay again' : 'Pay now'}</button>
          </Form>
          <p>
            <a href={`/orders/${order.id}/cancel`}>Cancel this order</a> (its items go back to your cart)
          </p>
        </>
      )}
      {(order.status === 'expired' || order.status === 'cancelled') && order.payment_status !== 'paid' && (
        <p class="hint">
          This order was not paid; its items went back to <a href="/cart">your cart</a>.
        </p>
      )}
      <OrderLines order={order} />
      <h2>Shipping to</h2>
      <address>
        {[address.name, address.line1, address.line2, `${address.postal_code} ${address.city}`, address.region, address.country].filter(Boolean).map((line) => (
          <span key={line}>
            {line}
            <br />
          </span>
        ))}
      </address>
      <p>
        <a href={`/orders/${order.id}/receipt`}>Printable receipt</a> · <a href="/orders">All your orders</a>
      </p>
    </section>
  )
}

/** What the order page says after placing, paying or declining (the payment may still be on its way: the webhook decides). */
function orderNotice(order: OrderView, query: Record<string, string>): PageNotice | undefined {
  if (query['placed']) return { kind: 'success', text: 'Order placed: your items are set aside while you pay.' }
  if (query['paid']) {
    return order.payment_status === 'paid' && order.status === 'paid'
      ? { kind: 'success', text: 'Thank you! Your payment is confirmed.' }
      : { kind: 'info', text: 'Thank you! We are waiting for the payment provider to confirm your payment.' }
  }
  if (query['declined']) {
    return order.status === 'pending_payment'
      ? { kind: 'error', text: `The payment was declined. Your items are still set aside${order.hold_expires_at ? ` until ${new Date(order.hold_expires_at).toUTCString()}` : ''}: you can pay again.` }
      : { kind: 'error', text: 'The payment was declined.' }
  }
  return undefined
}

/** Private pages: never stored by a cache, kept out of search engines. */
const privatePages = pageRenderer({ noStore: true, noindex: true })

export const checkoutPages = new Hono<AppEnv>()
  .use(privatePages)
  .use(csrfProtection())
  .use('*', signedInPage())
  .get('/', (c) => checkoutPage(c))
  .post('/', async (c) => {
    const form = await c.req.parseBody()
    const address = Object.fromEntries(ADDRESS_KEYS.map((key) => [key, formText(form, `shipping_address.${key}`)]))
    const token = formText(form, 'checkout_token')
    const parsed = CheckoutForm.safeParse({ shipping_address: address, ...(token && { checkout_token: token }) })
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error)
      const message = errors.checkout_token ? 'This checkout form is damaged or out of date: reload the page and try again.' : 'Please correct the address.'
      return checkoutPage(c, { address, errors, message, status: 400 })
    }
    try {
      const { checkout_token: checkoutToken, shipping_address: shippingAddress } = parsed.data
      const { order } = await createOrder(c.env, userOf(c).id, { from_cart: true, shipping_address: shippingAddress }, checkoutToken ? `${CHECKOUT_KEY_PREFIX}${checkoutToken}` : undefined)
      return c.redirect(`/orders/${order.id}?placed=1`, 303)
    } catch (err) {
      if (err instanceof ApiError && (err.status === 409 || err.status === 400)) {
        const short = Object.values(err.fields ?? {}).flat()
        return checkoutPage(c, { address, message: [err.message, ...short].join(' '), status: err.status as 400 | 409 })
      }
      throw err
    }
  })

export const orderPages = new Hono<AppEnv>()
  .use(privatePages)
  .use(csrfProtection())
  .use('*', signedInPage())
  .get('/', async (c) => {
    const page = Math.max(1, Math.min(10_000, Number(/^\d{1,5}$/.test(c.req.query('page') ?? '') ? c.req.query('page') : 1)))
    const history = await listOrders(c.env, userOf(c).id, { page, page_size: 20 })
    return c.render(
      <section>
        <h1>Your orders</h1>
        {history.items.length === 0 ? (
          <p class="empty">
            No orders yet. <a href="/products">Start shopping</a>.
          </p>
        ) : (
          <ul class="order-list">
            {history.items.map((order) => (
              <li key={order.id}>
                <a href={`/orders/${order.id}`}>Order {order.id.slice(0, 8).toUpperCase()}</a> · {new Date(order.created_at).toUTCString()} ·{' '}
                {formatMoney(order.total_cents, order.currency)} · <span class={`status status-${order.status}`}>{STATUS_LABELS[order.status]}</span>
                <small class="order-summary">{order.items.map((item) => `${item.quantity} × ${item.name}${variantText(item.variant_title, item.option_values) && ` (${item.variant_title})`}`).join(', ')}</small>
              </li>
            ))}
          </ul>
        )}
        <nav class="pager" aria-label="Pages">
          {history.prev && <a href={withQuery('/orders', { page: page - 1 })}>← Newer</a>}
          {history.next && <a href={withQuery('/orders', { page: page + 1 })}>Older →</a>}
        </nav>
      </section>,
      { title: 'Your orders' },
    )
  })
  .get('/:id', async (c) => {
    const order = await orderForViewer(c.env, userOf(c), c.req.param('id'))
    const notice = (await takeFlash(c)) ?? orderNotice(order, c.req.query())
    return c.render(<OrderDetail c={c} order={order} notice={notice} />, { title: `Order ${order.id.slice(0, 8).toUpperCase()}` })
  })
  // The "Pay now" form: to Stripe's hosted checkout (or the local test page offline). A failure to start
  // one (not payable any more, no payment provider) is shown on the order page, with its status.
  .post('/:id/pay', async (c) => {
    const user = userOf(c)
    try {
      const { url } = await startCheckout(c.env, user, c.req.param('id'), new URL(c.req.url).origin)
      return c.redirect(url, 303)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 404) throw err
      const order = await orderForViewer(c.env, user, c.req.param('id'))
      return c.render(<OrderDetail c={c} order={order} notice={{ kind: 'error', text: err.message }} />, { title: `Order ${order.id.slice(0, 8).toUpperCase()}`, status: err.status })
    }
  })

  // Cancelling asks first, on a page of its own (the order page links here); the form below does it.
  .get('/:id/cancel', async (c) => {
    const order = await orderForViewer(c.env, userOf(c), c.req.param('id'))
    const ref = order.id.slice(0, 8).toUpperCase()
    if (order.status !== 'pending_payment' || order.payment_status === 'paid') return redirectWithFlash(c, `/orders/${order.id}`, 'error', `Order ${ref} can no longer be cancelled here.`)
    return c.render(
      <section class="order confirm">
        <h1>Cancel order {ref}?</h1>
        <p>Nothing has been paid. The items set aside for you are released and go back to your cart, so that you can order them again later.</p>
        <Form action={`/orders/${order.id}/cancel`} csrf={csrfToken(c)}>
          <input type="hidden" name="confirm" value="yes" />
          <button type="submit" class="danger">
            Cancel the order
          </button>{' '}
          <a href={`/orders/${order.id}`}>Keep it</a>
        </Form>
      </section>,
      { title: `Cancel order ${ref}?` },
    )
  })
  .post('/:id/cancel', async (c) => {
    const orderId = c.req.param('id')
    const form = await c.req.parseBody()
    if (formText(form, 'confirm') !== 'yes') return c.redirect(`/orders/${orderId}/cancel`, 303)
    const ref = orderId.slice(0, 8).toUpperCase()
    try {
      const back = await cancelOwnOrder(c.env, userOf(c), orderId)
      const notes = [
        back.noLongerSold ? `${back.noLongerSold === 1 ? 'one product is' : `${back.noLongerSold} products are`} no longer sold (noted in the cart)` : '',
        back.leftOut ? `${back.leftOut === 1 ? 'one line' : `${back.leftOut} lines`} did not fit in the cart` : '',
      ].filter(Boolean)
      return redirectWithFlash(c, '/cart', 'success', `Order ${ref} is cancelled and its items are back in your cart${notes.length ? `; ${notes.join('; ')}` : ''}.`)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 404) throw err
      return redirectWithFlash(c, `/orders/${orderId}`, 'error', `Order ${ref} was not cancelled: ${err.message}.`)
    }
  })

checkoutPages.onError(htmlErrorHandler)
orderPages.onError(htmlErrorHandler)
