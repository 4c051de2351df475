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
import { cartForQuote, mergeGuestCart, setGuestCheckoutEmail } from '../cart/service'
import { destinationOf, quote, quoteView, type QuoteView } from '../checkout/quote'
import { figuresOfOrder, figuresOfQuote, TotalsSummary } from '../checkout/summary'
import type { AppEnv } from '../platform/env'
import { withQuery } from '../platform/query-string'
import { ApiError, type FieldErrors } from '../platform/errors'
import type { CartReturn } from '../cart/returns'
import { AddressLines } from '../accounts/address-pages'
import { dateStyleOf, formatDateTime, type DateStyle } from '../ui/dates'
import { cancelMyOrder, cancelOrderByLink, customerMayCancel, orderRefOf, reorder, trackingOf, type Tracking } from './customer-actions'
import { startCheckout } from '../payments/checkout'
import { redirectWithFlash, takeFlash } from '../ui/flash'
import { fieldErrors } from '../platform/validate'
import { randomToken } from '../platform/encoding'
import { htmlErrorHandler } from '../ui/error-page'
import { Field, Form, Notice } from '../ui/forms'
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

/** An order's lines and every total (subtotal, discounts, shipping, tax per rate, total); staff pages link each line to its product's admin page. */
export function OrderLines({ order, productHref }: { order: OrderView; productHref?: (productId: number) => string }) {
  const money = (cents: number) => formatMoney(cents, order.currency)
  return (
    <>
      <table class="cart order-lines labelled-rows">
        <caption class="visually-hidden">Items in this order</caption>
        <TableHead columns={['Product', 'Price', 'Quantity', 'Total']} />
        <tbody>
          {order.items.map((item) => (
            <tr key={item.variant_id}>
              <td data-label="Product">
                {productHref ? <a href={productHref(item.product_id)}>{item.name}</a> : item.name}
                <VariantLabel title={item.variant_title} sku={item.sku} optionValues={item.option_values} />
              </td>
              <td data-label="Price">{money(item.price_at_purchase_cents)}</td>
              <td data-label="Quantity">{item.quantity}</td>
              <td data-label="Total">
                {money(item.line_total_cents)}
                {item.discount_cents > 0 && <small class="line-discount">−{money(item.discount_cents)} discount</small>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <TotalsSummary figures={figuresOfOrder(order)} title="Order totals" />
    </>
  )
}

/** What the checkout form carries from one render to the next: the address, the method, the code. */
type CheckoutStatus = 200 | 400 | 404 | 409 | 429

/** What the checkout form carries from one render to the next: the address (typed, or a saved one chosen), the method, the code. */
interface CheckoutState {
  address?: AddressFormValues | null
  chosen?: string
  methodId?: number | null
  code?: string | null
  errors?: FieldErrors
  message?: string
  status?: CheckoutStatus
}

/** The figures a checkout page showed, carried by its form, so that a different total can say what changed. */
const SHOWN_KEYS = ['subtotal', 'discount', 'shipping', 'tax'] as const
type Shown = Record<(typeof SHOWN_KEYS)[number], number>
const shownOf = (q: QuoteView): Shown => ({ subtotal: q.subtotal_cents, discount: q.discount_cents + q.shipping_discount_cents, shipping: q.shipping_cents, tax: q.tax_cents })

/** "The total changed from $17.87 to $21.09 because prices in your cart changed." */
function totalChangedMessage(before: Partial<Shown> & { total: number }, now: QuoteView, currency: string): string {
  const after = shownOf(now)
  const reasons = [
    before.subtotal !== undefined && before.subtotal !== after.subtotal && 'prices in your cart changed',
    before.discount !== undefined && before.discount !== after.discount && 'the discount changed',
    before.shipping !== undefined && before.shipping !== after.shipping && 'the shipping changed (address or method)',
    before.tax !== undefined && before.tax !== after.tax && 'the tax for this address changed',
  ].filter(Boolean)
  return `The total changed from ${formatMoney(before.total, currency)} to ${formatMoney(now.total_cents, currency)} because ${reasons.join(' and ') || 'the order changed'}. Check the new total below and place the order again.`
}

/** Step 2: the methods that ship this cart to this address, with their prices and estimates, as radio buttons. */
function ShippingMethods({ q, chosen, currency }: { q: QuoteView; chosen: number | null; currency: string }) {
  if (!q.shipping_required) return <p class="hint">Shipping is free: there is no method to choose.</p>
  const blocking = q.problems.find((p) => p.code === 'no_zone' || p.code === 'no_method' || p.code === 'destination_required')
  if (blocking) return <p class="field-error">{blocking.message}</p>
  const unavailable = q.problems.find((p) => p.code === 'method_unavailable')
  return (
    <>
      {unavailable && <p class="field-error">{unavailable.message}</p>}
      <ul class="method-list">
        {q.shipping_methods.map((m) => (
          <li key={m.id}>
            <input type="radio" id={`method-${m.id}`} name="shipping_method_id" value={String(m.id)} checked={m.id === chosen} required />
            <label for={`method-${m.id}`}>
              <span class="method-name">{m.name}</span>
              <span class="method-price">{m.price_cents === 0 ? 'Free' : formatMoney(m.price_cents, currency)}</span>
              {m.estimate && <small class="hint">{m.estimate}</small>}
            </label>
          </li>
        ))}
      </ul>
    </>
  )
}

/**
 * The checkout, in steps on one page (no script): 1. the address, 2. the shipping method and a discount
 * code, 3. the review with every total. "Update totals" recomputes them for what was entered; "Place order
 * and pay" places the order for exactly the total shown (the form carries it: a different total now
 * comes back here saying why).
 */
async function checkoutPage(c: Ctx, buyer: CheckoutBuyer, state: CheckoutState = {}) {
  const owner = await cartOwner(c)
  if (buyer.kind === 'user') await mergeGuestCart(c.env, owner, buyer.user.id)
  const cart = await cartForQuote(c.env, owner)
  if (cart.lines.length === 0) return c.redirect('/cart', 303)
  // A guest gives their email first ("Continue as guest"), or signs in.
  if (buyer.kind === 'guest' && !buyer.email) return c.render(<GuestGate c={c} />, { title: 'Checkout', status: state.status ?? 200 })
  const currency = cart.lines[0]?.variant.currency ?? 'USD'
  const saved = buyer.kind === 'user' ? await listAddresses(c.env, buyer.user.id) : []
  const choice = initialChoice(saved, state.chosen)
  const prefill = state.address ?? (buyer.kind === 'user' ? { name: buyer.user.name } : null)
  const countries = await shippableCountries(c.env)
  // The totals are for the saved address chosen, else the address typed, else the cart's estimate.
  const to = saved.find((a) => String(a.id) === choice) ?? prefill
  const country = (to?.country ?? '').trim().toUpperCase()
  const destination = /^[A-Z]{2}$/.test(country)
    ? destinationOf({ country, region: to?.region ?? '' })
    : cart.fields.estimateCountry
      ? { country: cart.fields.estimateCountry, region: cart.fields.estimateRegion ?? '' }
      : null
  const code = state.code !== undefined ? state.code : cart.fields.discountCode
  const customerKey = buyer.kind === 'user' ? buyer.user.email.toLowerCase() : (buyer.email ?? null)
  // Before a choice, the cheapest method is picked, so that the total shown is the whole total.
  const q = await quote(c.env, { lines: cart.lines, destination, shippingMethodId: state.methodId ?? null, code, customerKey, cheapestUnlessChosen: true })
  const view = quoteView(q)
  const chosen = view.shipping_method?.id ?? null
  const shown = shownOf(view)
  const byVariant = new Map(view.lines.map((line) => [line.variant_id, line]))
  const errors: FieldErrors = { ...state.errors, ...(view.code_refusal && { discount_code: [view.code_refusal.message] }) }
  // The total is promised only once it is whole: a destination known (its shipping and tax in it), nothing wrong.
  const orderable = view.destination !== null && view.problems.length === 0 && !view.code_refusal
  return c.render(
    <section class="checkout">
      <h1>Checkout</h1>
      {state.message && <Notice kind="error">{state.message}</Notice>}
      {buyer.kind === 'guest' && buyer.email && <GuestContact email={buyer.email} />}
      {/* The order's total in sight from the first step (folded on phones, open on wider screens by CSS). */}
      <details class="checkout-summary">
        <summary>
          Order summary · <strong>{formatMoney(view.total_cents, currency)}</strong>
        </summary>
        <TotalsSummary figures={figuresOfQuote(view, currency)} title="Order summary" />
      </details>
      <Form action="/checkout" csrf={csrfToken(c)} class="form checkout-form">
        {/* One order per checkout page, however often the button is pressed. */}
        <input type="hidden" name="checkout_token" value={randomToken()} />
        {orderable && <input type="hidden" name="expected_total_cents" value={String(view.total_cents)} />}
        {SHOWN_KEYS.map((key) => (
          <input key={key} type="hidden" name={`shown_${key}`} value={String(shown[key])} />
        ))}
        <fieldset class="checkout-step checkout-address">
          <legend>1. Shipping address</legend>
          <SavedAddressPicker saved={saved} chosen={choice} />
          <div class="new-address">
            {saved.length > 0 && <h3>A new address</h3>}
            {/* Not `required` beside saved addresses: the browser would ask for them even when a saved one is chosen (the server checks the one used). */}
            <AddressFields address={prefill} errors={state.errors} countries={countries} required={saved.length === 0} />
            {buyer.kind === 'user' && (
              <label class="check">
                <input type="checkbox" name="save_address" value="on" /> Save to my address book
              </label>
            )}
          </div>
        </fieldset>
        <fieldset class="checkout-step checkout-shipping">
          <legend>2. Shipping method</legend>
          <ShippingMethods q={view} chosen={chosen} currency={currency} />
          <Field name="discount_code" label="Discount code (optional)" value={code ?? ''} errors={errors} maxLength={64} autocomplete="off" />
          <button type="submit" name="step" value="update" class="secondary">
            Update totals
          </button>
        </fieldset>
        <section class="checkout-step checkout-review" aria-labelledby="review-title">
          <h2 id="review-title">3. Review</h2>
          <ul class="checkout-lines">
            {cart.lines.map(({ variant, quantity }) => {
              const line = byVariant.get(variant.variantId)
              return (
                <li key={variant.variantId}>
                  {quantity} × {variant.name}
                  {variantText(variant.title, variant.optionValues) && ` (${variant.title}${variant.sku ? `, SKU ${variant.sku}` : ''})`} — {formatMoney(variant.priceCents * quantity, currency)}
                  {line && line.discount_cents > 0 && (
                    <small class="line-discount">
                      {' '}
                      −{formatMoney(line.discount_cents, currency)} = {formatMoney(line.net_cents, currency)}
                    </small>
                  )}
                </li>
              )
            })}
          </ul>
          <TotalsSummary figures={figuresOfQuote(view, currency)} title="Order totals" />
          <p>
            <a href="/cart">Change the cart</a>
          </p>
        </section>
        <button type="submit" name="step" value="place">
          Place order and pay
        </button>
      </Form>
      <p class="hint">Your items are set aside for you while you pay.</p>
    </section>,
    { title: 'Checkout', status: state.status ?? 200 },
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

/** A shipped order's parcel: the carrier, the number, the carrier's tracking page when we know it. */
export function TrackingLine({ tracking, style }: { tracking: Tracking; style: DateStyle }) {
  return (
    <p class="tracking">
      Shipped <DateTime ms={tracking.shippedAt} style={style} /> with <strong>{tracking.carrier}</strong>
      {tracking.trackingNumber && (
        <>
          {' · tracking number '}
          <span class="tracking-number">{tracking.trackingNumber}</span>
        </>
      )}
      {tracking.url && (
        <>
          {' · '}
          <a href={tracking.url} rel="noopener noreferrer" target="_blank">
            Track the parcel<span class="visually-hidden"> at {tracking.carrier} (opens in a new tab)</span>
          </a>
        </>
      )}
      {tracking.deliveredAt !== null && (
        <>
          {' · delivered '}
          <DateTime ms={tracking.deliveredAt} style={style} />
        </>
      )}
    </p>
  )
}

/** A date and time as the shopper reads it, with its machine copy. */
export const DateTime = ({ ms, style }: { ms: number; style: DateStyle }) => <time datetime={new Date(ms).toISOString()}>{formatDateTime(ms, style)}</time>

interface OrderDetailProps {
  c: Ctx
  order: OrderView
  style: DateStyle
  tracking?: Tracking | undefined
  notice?: PageNotice | undefined
  link?: LinkAccess | undefined
}

function OrderDetail({ c, order, style, tracking, notice, link }: OrderDetailProps) {
  const keyQuery = link ? `?key=${encodeURIComponent(link.key)}` : ''
  const ref = orderRefOf(order.id)
  return (
    <section class="order">
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      {link && <OrderLinkNotice url={link.url} />}
      <h1>Order {ref}</h1>
      <p>
        <span class={`status status-${order.status}`}>{STATUS_LABELS[order.status]}</span> · placed <DateTime ms={Date.parse(order.created_at)} style={style} />
      </p>
      <PaymentSummary order={order} />
      {tracking && <TrackingLine tracking={tracking} style={style} />}
      {customerMayCancel(order) && (
        <>
          <Form action={`/orders/${order.id}/pay${keyQuery}`} csrf={csrfToken(c)} class="pay-form">
            <p>
              Pay {formatMoney(order.total_cents, order.currency)}
              {order.hold_expires_at && (
                <>
                  {' '}
                  before <DateTime ms={Date.parse(order.hold_expires_at)} style={style} />
                </>
              )}{' '}
              to keep your items.
            </p>
            <button type="submit">{order.payment_status === 'failed' ? 'Pay again' : 'Pay now'}</button>
          </Form>
          <p>
            <a href={`/orders/${order.id}/cancel${keyQuery}`}>Cancel this order</a>
            {link ? ' (nothing has been paid; the items set aside for it are released)' : ' (its items go back to your cart)'}
          </p>
        </>
      )}
      {(order.status === 'expired' || order.status === 'cancelled') && order.payment_status !== 'paid' && (
        <p class="hint">{link ? 'This order was not paid; the items set aside for it were released.' : <>This order was not paid; its items went back to <a href="/cart">your cart</a>.</>}</p>
      )}
      <OrderLines order={order} />
      {!link && !customerMayCancel(order) && (
        <Form action={`/orders/${order.id}/reorder`} csrf={csrfToken(c)} class="inline-form reorder-form">
          <button type="submit" class="secondary">
            Order these again
          </button>{' '}
          <small class="hint">Puts what is still sold into your cart, as many as we have in stock.</small>
        </Form>
      )}
      <h2>Shipping to</h2>
      <AddressLines address={order.shipping_address} withPhone={false} />
      <p>
        <a href={`/orders/${order.id}/receipt${keyQuery}`}>Printable receipt</a>
        {!link && (
          <>
            {' · '}
            <a href="/orders">All your orders</a>
          </>
        )}
      </p>
    </section>
  )
}

/** What the order page says after placing, paying or declining (the payment may still be on its way: the webhook decides). */
function orderNotice(order: OrderView, query: Record<string, string>, style: DateStyle): PageNotice | undefined {
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
      ? { kind: 'error', text: `The payment was declined. Your items are still set aside${order.hold_expires_at ? ` until ${formatDateTime(Date.parse(order.hold_expires_at), style)}` : ''}: you can pay again.` }
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
    const methodText = formText(form, 'shipping_method_id').trim()
    const code = formText(form, 'discount_code').trim()
    const expected = formText(form, 'expected_total_cents').trim()
    const state = { address, chosen, methodId: /^\d{1,15}$/.test(methodText) ? Number(methodText) : null, code: code || null }
    // "Update totals": the same page, computed for what was entered.
    if (formText(form, 'step') === 'update') return checkoutPage(c, buyer, state)
    try {
      // A saved address of the signed-in shopper (another account's id is the 404 an unknown one is), or the fields.
      const savedAddress = buyer.kind === 'user' && /^\d{1,15}$/.test(chosen) ? asShippingAddress(await addressOf(c.env, buyer.user.id, Number(chosen))) : null
      const parsed = CheckoutForm.safeParse({
        shipping_address: savedAddress ?? address,
        ...(token && { checkout_token: token }),
        ...(methodText && { shipping_method_id: methodText }),
        ...(code && { discount_code: code }),
        ...(expected && { expected_total_cents: expected }),
      })
      if (!parsed.success) {
        const errors = fieldErrors(parsed.error)
        const message = errors.checkout_token || errors.expected_total_cents ? 'This checkout form is damaged or out of date: reload the page and try again.' : 'Please correct the address.'
        return checkoutPage(c, buyer, { ...state, errors, message, status: 400 })
      }
      const { checkout_token: checkoutToken, shipping_address: shippingAddress, shipping_method_id, discount_code, expected_total_cents } = parsed.data
      const key = checkoutToken ? `${CHECKOUT_KEY_PREFIX}${checkoutToken}` : undefined
      const body = { from_cart: true as const, shipping_address: shippingAddress, shipping_method_id, discount_code, expected_total_cents }
      if (buyer.kind === 'guest' && buyer.email) {
        await countGuestCheckout(c.env, buyer.email, c.req.raw.headers)
        const { userId } = await buyerForEmail(c.env, buyer.email)
        const { order } = await createOrder(c.env, userId, body, key, { email: buyer.email, guestCartId: buyer.cartId })
        return c.redirect(`${await orderLinkPath(c.env, order.id)}&placed=1`, 303)
      }
      const user = userOf(c)
      const { order } = await createOrder(c.env, user.id, body, key, undefined, user.email)
      const kept = savedAddress === null && formText(form, 'save_address') === 'on' ? await saveAddressFromOrder(c.env, user.id, shippingAddress) : 'saved'
      return c.redirect(`/orders/${order.id}?placed=1${kept === 'saved' ? '' : `&address=${kept}`}`, 303)
    } catch (err) {
      if (err instanceof ApiError && err.code === 'total_changed' && expected) {
        const now = err.details?.['quote'] as QuoteView
        const before = Object.fromEntries(SHOWN_KEYS.flatMap((key) => (/^\d{1,15}$/.test(formText(form, `shown_${key}`)) ? [[key, Number(formText(form, `shown_${key}`))]] : [])))
        const message = totalChangedMessage({ ...before, total: Number(expected) }, now, now.currency ?? 'USD')
        return checkoutPage(c, buyer, { ...state, message, status: 409 })
      }
      if (err instanceof ApiError && err.code === 'shipping_method_required') {
        return checkoutPage(c, buyer, { ...state, message: 'Choose a shipping method below, then place the order.', status: 400 })
      }
      const failure = formFailure(err, CHECKOUT_FAILURES)
      if (!failure) throw err
      if (err instanceof RateLimited) c.header('Retry-After', String(err.retryAfterSeconds))
      const short = Object.entries(failure.fields)
        .filter(([field]) => field !== 'discount_code' && field !== 'shipping_method_id')
        .flatMap(([, messages]) => messages)
      const message = failure.status === 404 && failure.message === 'address not found' ? 'That address is not in your address book: choose another.' : [failure.message, ...short].join(' ')
      return checkoutPage(c, buyer, { ...state, errors: failure.fields, message, status: failure.status })
    }
  })

/** The order page's parcel line, if shipped. */
const trackingFor = async (env: Env, orderId: string) => (await trackingOf(env, [orderId])).get(orderId)

/** "Order 8ACA3F68 is cancelled and its items are back in your cart; one product is no longer sold (noted in the cart)." */
function cancelledMessage(ref: string, back: CartReturn, link: boolean): string {
  if (link) return `Order ${ref} is cancelled: nothing was charged, and the items set aside for it are released.`
  const notes = [
    back.noLongerSold ? `${back.noLongerSold === 1 ? 'one product is' : `${back.noLongerSold} products are`} no longer sold (noted in the cart)` : '',
    back.leftOut ? `${back.leftOut === 1 ? 'one line' : `${back.leftOut} lines`} did not fit in the cart` : '',
  ].filter(Boolean)
  return `Order ${ref} is cancelled and its items are back in your cart${notes.length ? `; ${notes.join('; ')}` : ''}.`
}

export const orderPages = new Hono<AppEnv>()
  .use(privatePages)
  .use(csrfProtection())
  // An order's signed link (`?key=`) opens its page, payment and receipt without a sign-in (orderAccess).
  .use('*', signedInPageUnlessKeyed())
  .get('/', async (c) => {
    const page = Math.max(1, Math.min(10_000, Number(/^\d{1,5}$/.test(c.req.query('page') ?? '') ? c.req.query('page') : 1)))
    const [history, style, flash] = await Promise.all([listOrders(c.env, userOf(c).id, { page, page_size: 20 }), dateStyleOf(c), takeFlash(c)])
    const tracking = await trackingOf(c.env, history.items.map((order) => order.id))
    return c.render(
      <section class="orders">
        <h1>Your orders</h1>
        {flash && <Notice kind={flash.kind}>{flash.text}</Notice>}
        {history.items.length === 0 ? (
          <p class="empty">
            No orders yet. <a href="/products">Start shopping</a>.
          </p>
        ) : (
          <table class="order-list labelled-rows">
            <caption class="visually-hidden">Your orders, newest first</caption>
            <TableHead columns={['Order', 'Placed', 'Items', 'Total', 'Status']} />
            <tbody>
              {history.items.map((order) => {
                const parcel = tracking.get(order.id)
                return (
                  <tr key={order.id}>
                    <td data-label="Order">
                      <a href={`/orders/${order.id}`}>Order {orderRefOf(order.id)}</a>
                    </td>
                    <td data-label="Placed">
                      <DateTime ms={Date.parse(order.created_at)} style={style} />
                    </td>
                    <td data-label="Items" class="order-summary">
                      {order.items.map((item) => `${item.quantity} × ${item.name}${variantText(item.variant_title, item.option_values) ? ` (${variantText(item.variant_title, item.option_values)})` : ''}`).join(', ')}
                    </td>
                    <td data-label="Total">{formatMoney(order.total_cents, order.currency)}</td>
                    <td data-label="Status">
                      <span class={`status status-${order.status}`}>{STATUS_LABELS[order.status]}</span>
                      {parcel && (
                        <small class="tracking">
                          {parcel.carrier}
                          {parcel.trackingNumber && ` ${parcel.trackingNumber}`}
                          {parcel.url && (
                            <>
                              {' · '}
                              <a href={parcel.url} rel="noopener noreferrer" target="_blank">
                                Track<span class="visually-hidden"> order {orderRefOf(order.id)} at {parcel.carrier} (opens in a new tab)</span>
                              </a>
                            </>
                          )}
                        </small>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
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
    const [style, tracking, flash] = await Promise.all([dateStyleOf(c), trackingFor(c.env, order.id), takeFlash(c)])
    const notice = flash ?? orderNotice(order, c.req.query(), style)
    return c.render(<OrderDetail c={c} order={order} style={style} tracking={tracking} notice={notice} link={link} />, { title: `Order ${orderRefOf(order.id)}` })
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
      const [style, tracking] = await Promise.all([dateStyleOf(c), trackingFor(c.env, order.id)])
      return c.render(<OrderDetail c={c} order={order} style={style} tracking={tracking} notice={{ kind: 'error', text: err.message }} link={link} />, { title: `Order ${orderRefOf(order.id)}`, status: err.status })
    }
  })

  // Cancelling asks first, on a page of its own (the order page links here); the form below does it. The
  // order's signed link (a guest) may cancel too: the key travels in the form's address.
  .get('/:id/cancel', async (c) => {
    const { order, link } = await orderAccess(c, c.req.param('id'))
    const ref = orderRefOf(order.id)
    const keyQuery = link ? `?key=${encodeURIComponent(link.key)}` : ''
    if (!customerMayCancel(order)) {
      const why = order.payment_status === 'paid' ? `Order ${ref} is paid, so it can no longer be cancelled here: contact us to stop or return it.` : `Order ${ref} can no longer be cancelled.`
      return redirectWithFlash(c, `/orders/${order.id}${keyQuery}`, 'error', why)
    }
    return c.render(
      <section class="order confirm">
        <h1>Cancel order {ref}?</h1>
        <p>{link ? 'Nothing has been paid. The items set aside for you are released.' : 'Nothing has been paid. The items set aside for you are released and go back to your cart, so that you can order them again later.'}</p>
        <Form action={`/orders/${order.id}/cancel${keyQuery}`} csrf={csrfToken(c)}>
          <input type="hidden" name="confirm" value="yes" />
          <button type="submit" class="danger">
            Cancel the order
          </button>{' '}
          <a href={`/orders/${order.id}${keyQuery}`}>Keep it</a>
        </Form>
      </section>,
      { title: `Cancel order ${ref}?` },
    )
  })
  .post('/:id/cancel', async (c) => {
    const orderId = c.req.param('id')
    const key = c.req.query('key')
    const keyQuery = key !== undefined ? `?key=${encodeURIComponent(key)}` : ''
    const form = await c.req.parseBody()
    if (formText(form, 'confirm') !== 'yes') return c.redirect(`/orders/${orderId}/cancel${keyQuery}`, 303)
    const ref = orderRefOf(orderId)
    try {
      const { link } = await orderAccess(c, orderId)
      const back = link ? await cancelOrderByLink(c.env, orderId, link.key) : await cancelMyOrder(c.env, userOf(c), orderId)
      return redirectWithFlash(c, link ? `/orders/${orderId}${keyQuery}` : '/cart', 'success', cancelledMessage(ref, back, Boolean(link)))
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 404) throw err
      return redirectWithFlash(c, `/orders/${orderId}${keyQuery}`, 'error', `Order ${ref} was not cancelled: ${err.message}.`)
    }
  })
  // "Order these again": the lines still sold go into the cart; the cart says what was added and what not.
  .post('/:id/reorder', async (c) => {
    const result = await reorder(c.env, userOf(c), c.req.param('id'))
    return redirectWithFlash(c, result.added.length ? '/cart' : `/orders/${c.req.param('id')}`, result.added.length ? (result.not_added.length ? 'info' : 'success') : 'error', result.message)
  })

checkoutPages.onError(htmlErrorHandler)
orderPages.onError(htmlErrorHandler)
