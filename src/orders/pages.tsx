/** Checkout (address, then the order with its stock held), order confirmation, history and detail pages. */
import { VariantLabel, variantText } from '../ui/variant-label'
import { TableHead } from '../ui/table-head'
import { Hono, type Context } from 'hono'
import { csrfProtection, csrfToken } from '../accounts/csrf'
import { currentUser, userOf } from '../accounts/guard'
import { OrderLinkNotice, signedInPageUnlessKeyed } from './link-pages'
import { AddressFieldset, addressFromForm, type AddressFormValues } from '../accounts/address-fields'
import { shippableCountries, type Choice } from '../accounts/address-options'
import { ADDRESSES_MAX } from '../accounts/address-schemas'
import { addressOf, asShippingAddress, listAddresses, saveAddressFromOrder } from '../accounts/addresses'
import { buyerForEmail } from '../accounts/guests'
import { RateLimited } from '../accounts/rate-limit'
import { Email } from '../accounts/schemas'
import { cartOwner } from '../cart/owner'
import { getCart, mergeGuestCart, setGuestCheckoutEmail } from '../cart/service'
import type { AppEnv } from '../platform/env'
import { withQuery } from '../platform/query-string'
import { ApiError, type FieldErrors } from '../platform/errors'
import { cancelOwnOrder } from '../payments/cancel'
import { startCheckout } from '../payments/checkout'
import { redirectWithFlash, takeFlash } from '../ui/flash'
import { fieldErrors } from '../platform/validate'
import { randomToken } from '../platform/encoding'
import { htmlErrorHandler } from '../ui/error-page'
import { Form, Notice } from '../ui/forms'
import { formFailure, formText } from '../ui/form-input'
import { checkoutBuyer, GuestContact, GuestGate, initialChoice, SavedAddressPicker, type CheckoutBuyer } from './guest-checkout'
import { countGuestCheckout } from './guest-routes'
import { orderLinkPath } from './links'
import { pageRenderer } from '../ui/renderer'
import { formatMoney } from '../ui/money'
import { CHECKOUT_KEY_PREFIX, CheckoutForm } from './schemas'
import { createOrder, listOrders, orderByLink, orderForViewer, type OrderView } from './service'

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

/** The checkout's address fields: the shared fieldset (src/accounts/address-fields.tsx) under `shipping_address.`. */
function AddressFields({ address, errors, countries, required = true }: { address?: AddressFormValues | null; errors?: FieldErrors; countries: Choice[]; required?: boolean }) {
  return <AddressFieldset values={address} errors={errors} countries={countries} prefix="shipping_address." required={required} />
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

type CheckoutStatus = 200 | 400 | 404 | 409 | 429

async function checkoutPage(
  c: Ctx,
  buyer: CheckoutBuyer,
  { address, chosen, errors, message, status = 200 }: { address?: AddressFormValues | null; chosen?: string; errors?: FieldErrors; message?: string; status?: CheckoutStatus } = {},
) {
  const owner = await cartOwner(c)
  if (buyer.kind === 'user') await mergeGuestCart(c.env, owner, buyer.user.id)
  const cart = await getCart(c.env, owner)
  const sellable = cart.items.filter((line) => !line.unavailable)
  if (sellable.length === 0) return c.redirect('/cart', 303)
  // A guest gives their email first ("Continue as guest"), or signs in.
  if (buyer.kind === 'guest' && !buyer.email) return c.render(<GuestGate c={c} />, { title: 'Checkout', status })
  const saved = buyer.kind === 'user' ? await listAddresses(c.env, buyer.user.id) : []
  const choice = initialChoice(saved, chosen)
  const prefill = address ?? (buyer.kind === 'user' ? { name: buyer.user.name } : null)
  const countries = await shippableCountries(c.env)
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
      {buyer.kind === 'guest' && buyer.email && <GuestContact email={buyer.email} />}
      <Form action="/checkout" csrf={csrfToken(c)}>
        <h2>Shipping address</h2>
        {/* One order per checkout page, however often the button is pressed. */}
        <input type="hidden" name="checkout_token" value={randomToken()} />
        <SavedAddressPicker saved={saved} chosen={choice} />
        <div class="new-address">
          {saved.length > 0 && <h3>A new address</h3>}
          {/* Not `required` beside saved addresses: the browser would ask for them even when a saved one is chosen (the server checks the one used). */}
          <AddressFields address={prefill} errors={errors} countries={countries} required={saved.length === 0} />
          {buyer.kind === 'user' && (
            <label class="check">
              <input type="checkbox" name="save_address" value="on" /> Save to my address book
            </label>
          )}
        </div>
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

/** How the page was reached through the order's signed link (a guest, or anyone the link was given to): what it may do differs. */
type LinkAccess = { key: string; url: string }

function OrderDetail({ c, order, notice, link }: { c: Ctx; order: OrderView; notice?: PageNotice; link?: LinkAccess }) {
  const address = order.shipping_address
  const keyQuery = link ? `?key=${encodeURIComponent(link.key)}` : ''
  return (
    <section class="order">
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      {link && <OrderLinkNotice url={link.url} />}
      <h1>Order {order.id.slice(0, 8).toUpperCase()}</h1>
      <p>
        <span class={`status status-${order.status}`}>{STATUS_LABELS[order.status]}</span> · placed {new Date(order.created_at).toUTCString()}
      </p>
      <PaymentSummary order={order} />
      {order.status === 'pending_payment' && order.payment_status !== 'paid' && (
        <>
          <Form action={`/orders/${order.id}/pay${keyQuery}`} csrf={csrfToken(c)} class="pay-form">
            <p>
              Pay {formatMoney(order.total_cents, order.currency)}
              {order.hold_expires_at && <> before {new Date(order.hold_expires_at).toUTCString()}</>} to keep your items.
            </p>
            <button type="submit">{order.payment_status === 'failed' ? 'Pay again' : 'Pay now'}</button>
          </Form>
          {!link && (
            <p>
              <a href={`/orders/${order.id}/cancel`}>Cancel this order</a> (its items go back to your cart)
            </p>
          )}
        </>
      )}
      {(order.status === 'expired' || order.status === 'cancelled') && order.payment_status !== 'paid' && (
        <p class="hint">{link ? 'This order was not paid; the items set aside for it were released.' : <>This order was not paid; its items went back to <a href="/cart">your cart</a>.</>}</p>
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
      {!link && (
        <p>
          <a href="/orders">All your orders</a>
        </p>
      )}
    </section>
  )
}

/** What the order page says after placing, paying or declining (the payment may still be on its way: the webhook decides). */
function orderNotice(order: OrderView, query: Record<string, string>): PageNotice | undefined {
  if (query['placed']) {
    const notSaved =
      query['address'] === 'full'
        ? ` The new address was not saved: your address book holds ${ADDRESSES_MAX} already.`
        : query['address'] === 'invalid'
          ? ' The new address was not saved to your address book: open the book to add it with its region.'
          : ''
    return { kind: 'success', text: `Order placed: your items are set aside while you pay.${notSaved}` }
  }
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

/**
 * The order of this page: through its signed link when the address has a `key` (a wrong key is the 404
 * an unknown order is; the owner signed in gets their own page), else as the signed-in user's. Every page
 * of one order that a link may open (the order, paying it, its receipt) reads the order through this.
 */
export async function orderAccess(c: Ctx, orderId: string): Promise<{ order: OrderView; link?: LinkAccess & { ownerId: number } }> {
  const key = c.req.query('key')
  if (key === undefined) return { order: await orderForViewer(c.env, userOf(c), orderId) }
  const { order, ownerId } = await orderByLink(c.env, orderId, key)
  if ((await currentUser(c))?.id === ownerId) return { order }
  return { order, link: { key, ownerId, url: `${new URL(c.req.url).origin}/orders/${encodeURIComponent(order.id)}?key=${encodeURIComponent(key)}` } }
}

/** Private pages: never stored by a cache, kept out of search engines. */
const privatePages = pageRenderer({ noStore: true, noindex: true })

/** The failures the checkout shows on itself (the rest go to the error page). */
const CHECKOUT_FAILURES = [400, 404, 409, 429] as const

export const checkoutPages = new Hono<AppEnv>()
  .use(privatePages)
  .use(csrfProtection())
  // "Continue as guest": the email is kept on the guest's cart; GET is where "Change" leads.
  .get('/guest', async (c) => {
    const buyer = await checkoutBuyer(c)
    if (buyer?.kind !== 'guest') return c.redirect(buyer ? '/checkout' : '/cart', 303)
    return c.render(<GuestGate c={c} email={buyer.email} />, { title: 'Checkout' })
  })
  .post('/guest', async (c) => {
    const buyer = await checkoutBuyer(c)
    if (buyer?.kind !== 'guest') return c.redirect(buyer ? '/checkout' : '/cart', 303)
    const email = Email.safeParse(formText(await c.req.parseBody(), 'email'))
    if (!email.success) {
      const errors = { email: fieldErrors(email.error)['_'] ?? ['must be an email address'] }
      return c.render(<GuestGate c={c} email={formText(await c.req.parseBody(), 'email')} errors={errors} message="Please enter your email address." />, { title: 'Checkout', status: 400 })
    }
    await setGuestCheckoutEmail(c.env, buyer.cartId, email.data)
    return c.redirect('/checkout', 303)
  })
  .get('/', async (c) => {
    const buyer = await checkoutBuyer(c)
    return buyer ? checkoutPage(c, buyer) : c.redirect('/cart', 303)
  })
  .post('/', async (c) => {
    const buyer = await checkoutBuyer(c)
    if (!buyer || (buyer.kind === 'guest' && !buyer.email)) return c.redirect(buyer ? '/checkout' : '/cart', 303)
    const form = await c.req.parseBody()
    const chosen = formText(form, 'address_id') || 'new'
    const fields = addressFromForm(form, 'shipping_address.')
    const address = { ...fields, phone: fields.phone || undefined }
    const token = formText(form, 'checkout_token')
    try {
      // A saved address of the signed-in shopper (another account's id is the 404 an unknown one is), or the fields.
      const savedAddress = buyer.kind === 'user' && /^\d{1,15}$/.test(chosen) ? asShippingAddress(await addressOf(c.env, buyer.user.id, Number(chosen))) : null
      const parsed = CheckoutForm.safeParse({ shipping_address: savedAddress ?? address, ...(token && { checkout_token: token }) })
      if (!parsed.success) {
        const errors = fieldErrors(parsed.error)
        const message = errors.checkout_token ? 'This checkout form is damaged or out of date: reload the page and try again.' : 'Please correct the address.'
        return checkoutPage(c, buyer, { address, chosen, errors, message, status: 400 })
      }
      const { checkout_token: checkoutToken, shipping_address: shippingAddress } = parsed.data
      const key = checkoutToken ? `${CHECKOUT_KEY_PREFIX}${checkoutToken}` : undefined
      if (buyer.kind === 'guest' && buyer.email) {
        await countGuestCheckout(c.env, buyer.email, c.req.raw.headers)
        const { userId } = await buyerForEmail(c.env, buyer.email)
        const { order } = await createOrder(c.env, userId, { from_cart: true, shipping_address: shippingAddress }, key, { email: buyer.email, guestCartId: buyer.cartId })
        return c.redirect(`${await orderLinkPath(c.env, order.id)}&placed=1`, 303)
      }
      const user = userOf(c)
      const { order } = await createOrder(c.env, user.id, { from_cart: true, shipping_address: shippingAddress }, key)
      const kept = savedAddress === null && formText(form, 'save_address') === 'on' ? await saveAddressFromOrder(c.env, user.id, shippingAddress) : 'saved'
      return c.redirect(`/orders/${order.id}?placed=1${kept === 'saved' ? '' : `&address=${kept}`}`, 303)
    } catch (err) {
      const failure = formFailure(err, CHECKOUT_FAILURES)
      if (!failure) throw err
      if (err instanceof RateLimited) c.header('Retry-After', String(err.retryAfterSeconds))
      const short = Object.values(failure.fields).flat()
      const message = failure.status === 404 && failure.message === 'address not found' ? 'That address is not in your address book: choose another.' : [failure.message, ...short].join(' ')
      return checkoutPage(c, buyer, { address, chosen, message, status: failure.status })
    }
  })

export const orderPages = new Hono<AppEnv>()
  .use(privatePages)
  .use(csrfProtection())
  // An order's signed link (`?key=`) opens its page, payment and receipt without a sign-in (orderAccess).
  .use('*', signedInPageUnlessKeyed())
  .get('/', async (c) => {
    const page = Math.max(1, Math.min(10_000, Number(/^\d{1,5}$/.test(c.req.query('page') ?? '') ? c.req.query('page') : 1)))
    const history = await listOrders(c.env, userOf(c).id, { page, page_size: 20 })
    const flash = await takeFlash(c)
    return c.render(
      <section>
        <h1>Your orders</h1>
        {flash && <Notice kind={flash.kind}>{flash.text}</Notice>}
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
    const { order, link } = await orderAccess(c, c.req.param('id'))
    const notice = (await takeFlash(c)) ?? orderNotice(order, c.req.query())
    return c.render(<OrderDetail c={c} order={order} notice={notice} link={link} />, { title: `Order ${order.id.slice(0, 8).toUpperCase()}` })
  })
  // The "Pay now" form: to Stripe's hosted checkout (or the local test page offline). A failure to start
  // one (not payable any more, no payment provider) is shown on the order page, with its status.
  .post('/:id/pay', async (c) => {
    const { order: before, link } = await orderAccess(c, c.req.param('id'))
    try {
      const origin = new URL(c.req.url).origin
      const { url } = await startCheckout(c.env, link ? { id: link.ownerId } : userOf(c), before.id, origin, link?.key)
      // The local test page (development) is opened by the same link.
      return c.redirect(link && url.startsWith(`${origin}/payments/test/`) ? `${url}?key=${encodeURIComponent(link.key)}` : url, 303)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 404) throw err
      const { order } = await orderAccess(c, before.id)
      return c.render(<OrderDetail c={c} order={order} notice={{ kind: 'error', text: err.message }} link={link} />, { title: `Order ${order.id.slice(0, 8).toUpperCase()}`, status: err.status })
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
