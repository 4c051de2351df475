/** Checkout: a session for an order awaiting payment (Stripe's hosted page, or the local test page offline), paying again, and the local session the test page shows. */
import { and, eq } from 'drizzle-orm'
import { getDb, type Db } from '../db/client'
import { payments, type Payment, type PaymentProvider } from '../db/schema'
import { extendOrderHolds } from '../orders/service'
import type { CurrentUser } from '../platform/env'
import { ApiError, conflict, notFound } from '../platform/errors'
import { formatMoney } from '../ui/money'
import { checkoutProvider } from './config'
import { localSessionId } from './local'
import { loadOrder, moneyIn, paymentOf, type LoadedOrder } from './order-payment'
import { providerFailure } from './provider'
import type { CheckoutStart } from './responses'
import { Stripe, stripeClient } from './stripe'

/** How long a checkout session accepts payment. Stripe allows 30 minutes to 24 hours. */
export const CHECKOUT_TTL_MS = 35 * 60 * 1000
/**
 * A chosen expiry is sent to Stripe again (same parameters, same idempotency key, same session) only while
 * it is at least this far ahead: Stripe refuses an expires_at less than 30 minutes away.
 */
const CHECKOUT_MIN_AHEAD_MS = 31 * 60 * 1000
/** The stock holds outlive the session by this much, so a payment made in its last second still finds its stock when the webhook lands. */
const HOLD_GRACE_MS = 10 * 60 * 1000
/** Checkout sessions one order may have (paying again after a decline or an abandoned session makes another). */
const CHECKOUT_ATTEMPTS_MAX = 10

export type { CheckoutStart }

/**
 * Starts paying for an order awaiting payment and answers where to send the shopper. Owner only (404 for
 * anyone else); 409 unless the order awaits payment; 503 outside development without a Stripe key.
 *
 * The session's expiry is chosen once and stored before Stripe is asked, and the order id is the
 * idempotency key: a double click, or a retry after a lost answer, sends the same parameters and gets the
 * same session. Every stock hold is pushed past that expiry first, so the stock outlives the session.
 */
export async function startCheckout(env: Env, viewer: CurrentUser, orderId: string, origin: string): Promise<CheckoutStart> {
  const db = getDb(env)
  const order = await loadOrder(db, orderId)
  if (!order || order.userId !== viewer.id) throw notFound('order')
  if (order.status !== 'pending_payment') throw new ApiError(409, 'not_payable', `This order is ${order.status.replace('_', ' ')}: there is nothing to pay`)
  if (moneyIn(order)) throw new ApiError(409, 'not_payable', 'A payment for this order was received and is being checked')
  const provider = checkoutProvider(env)

  const claim = await claimCheckout(env, db, order, provider)
  if (claim.status === 'open' && claim.checkoutUrl) return { url: claim.checkoutUrl }
  const expiresAt = claim.checkoutExpiresAt ?? 0
  const held = await extendOrderHolds(env, orderId, expiresAt + HOLD_GRACE_MS)
  if (!held.ok) throw new ApiError(409, 'hold_expired', 'The items of this order are no longer set aside; please order again')

  const session = claim.provider === 'stripe' ? await stripeSession(env, order, claim, origin) : { id: localSessionId(), url: null }
  const url = session.url ?? `${origin}/payments/test/${session.id}`
  // Of two concurrent starts the first to write wins; both answer its session.
  await db
    .update(payments)
    .set({ status: 'open', checkoutSessionId: session.id, checkoutUrl: url, updatedAt: Date.now() })
    .where(and(eq(payments.orderId, orderId), eq(payments.status, 'creating')))
  const opened = await paymentOf(db, orderId)
  if (!opened?.checkoutUrl) throw new Error(`checkout of order ${orderId} has no session after creating one`)
  return { url: opened.checkoutUrl }
}

/**
 * The order's payment row, claimed for a new session with an expiry far enough ahead, or already open.
 * A claim whose expiry has come too close (a create that failed a while ago), and a session that ended
 * unpaid (declined, abandoned), get a new expiry and the next attempt number, so the next request to
 * Stripe has its own idempotency key (order id + attempt) and makes a fresh session.
 */
async function claimCheckout(env: Env, db: Db, order: LoadedOrder, provider: PaymentProvider): Promise<Payment> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = Date.now()
    const row =
      (await paymentOf(db, order.id)) ??
      (await db
        .insert(payments)
        .values({ orderId: order.id, provider, checkoutExpiresAt: now + CHECKOUT_TTL_MS, amountCents: order.totalCents, currency: order.currency })
        .onConflictDoNothing()
        .returning()
        .get())
    if (!row) continue // inserted by a concurrent start meanwhile: read it
    if (row.status === 'open' && (row.checkoutExpiresAt ?? 0) > now) return row
    if (row.status === 'complete') throw new ApiError(409, 'not_payable', 'This order can no longer be paid')
    if (row.status === 'creating' && (row.checkoutExpiresAt ?? 0) >= now + CHECKOUT_MIN_AHEAD_MS && row.provider === provider) return row
    // A session that failed (declined), expired (abandoned) or whose time ran out: a fresh one, under the
    // next attempt number, so that Stripe gets a new idempotency key (the old one would answer the old session).
    const fresh = row.status !== 'creating'
    if (fresh && row.checkoutAttempt + 1 >= CHECKOUT_ATTEMPTS_MAX) throw new ApiError(409, 'too_many_attempts', 'This order was tried too many times: please order again')
    if (row.status === 'open' && row.provider === 'stripe' && row.checkoutSessionId) await endTimedOutSession(env, row.checkoutSessionId)
    const renewed = await db
      .update(payments)
      .set({ provider, status: 'creating', checkoutExpiresAt: now + CHECKOUT_TTL_MS, checkoutAttempt: row.checkoutAttempt + 1, updatedAt: now, ...(fresh && { checkoutSessionId: null, checkoutUrl: null }) })
      .where(and(eq(payments.orderId, order.id), eq(payments.status, row.status), eq(payments.checkoutAttempt, row.checkoutAttempt)))
      .returning()
      .get()
    if (renewed) return renewed
  }
  throw conflict('Checkout is being started for this order already; try again')
}

/**
 * A Stripe session whose time ran out before Stripe told us how it ended: it is expired at Stripe before a
 * fresh one replaces it, so that the two can never both take a payment (a double charge). Stripe refuses
 * to expire a session that completed meanwhile (paid in its last second, its event still on the way):
 * then there is nothing to pay again, and the shopper is told the payment is being recorded (409).
 */
async function endTimedOutSession(env: Env, sessionId: string): Promise<void> {
  const stripe = stripeClient(env)
  try {
    await stripe.checkout.sessions.expire(sessionId)
    return
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) throw providerFailure(err)
  }
  const session = await stripe.checkout.sessions.retrieve(sessionId).catch((err: unknown) => {
    throw providerFailure(err)
  })
  if (session.status === 'complete') {
    throw new ApiError(409, 'payment_in_progress', 'A payment for this order was made and is being recorded: check the order again in a minute')
  }
}

type StripeLine = Stripe.Checkout.SessionCreateParams.LineItem

/**
 * The Stripe lines of an order, which always add up to exactly its total (Stripe's amount_total is what
 * the webhook checks): one line per order line, named with its variant ("Harbor Tee — Navy / M"); a
 * discounted line as one line of its net amount ("Harbor Tee × 3"); the shipping after its discount as
 * "Shipping — Method"; the tax as its own line when prices exclude it. Should they ever not add up, the
 * order is one line of its total instead, so that Stripe asks for exactly what the order says.
 */
export function stripeLineItems(order: Pick<LoadedOrder, 'id' | 'currency' | 'items' | 'totalCents' | 'shippingCents' | 'shippingDiscountCents' | 'shippingMethodName' | 'taxCents' | 'taxInclusive'>): StripeLine[] {
  const currency = order.currency.toLowerCase()
  const reference = `Order ${order.id.slice(0, 8).toUpperCase()}`
  const lineName = (item: (typeof order.items)[number]) => `${item.productName}${item.optionValues.length ? ` — ${item.variantTitle}` : ''}`.slice(0, 240)
  const line = (name: string, unitAmount: number, quantity: number, description?: string): StripeLine => ({
    quantity,
    price_data: { currency, unit_amount: unitAmount, product_data: { name, ...(description && { description }) } },
  })
  // A line discounted to nothing is left out: it adds nothing, and Stripe shows what is paid for.
  const items = order.items.flatMap((item) => {
    const description = `${reference}${item.sku ? ` · SKU ${item.sku}` : ''}`
    const net = item.lineTotalCents - item.discountCents
    if (net === 0 && item.lineTotalCents > 0) return []
    return item.discountCents > 0
      ? [line(`${lineName(item)} × ${item.quantity}`, net, 1, `${description} · ${formatMoney(item.discountCents, order.currency)} discount included`)]
      : [line(lineName(item), item.priceAtPurchaseCents, item.quantity, description)]
  })
  const shipping = order.shippingCents - order.shippingDiscountCents
  if (shipping > 0) items.push(line(`Shipping — ${order.shippingMethodName ?? 'Shipping'}`.slice(0, 250), shipping, 1, reference))
  if (!order.taxInclusive && order.taxCents > 0) items.push(line('Tax', order.taxCents, 1, reference))
  const sum = items.reduce((total, item) => total + (item.price_data?.unit_amount ?? 0) * (item.quantity ?? 1), 0)
  if (items.length > 0 && sum === order.totalCents) return items
  const summary = order.items.map((item) => `${item.quantity} × ${lineName(item)}`).join(', ').slice(0, 300) || reference
  return [line(reference, order.totalCents, 1, summary)]
}

/** Creates (or, with the same key, finds again) the Stripe Checkout session of a claimed checkout. */
async function stripeSession(env: Env, order: LoadedOrder, claim: Payment, origin: string): Promise<{ id: string; url: string | null }> {
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: 'payment',
    line_items: stripeLineItems(order),
    client_reference_id: order.id,
    metadata: { order_id: order.id },
    payment_intent_data: { metadata: { order_id: order.id } },
    expires_at: Math.floor((claim.checkoutExpiresAt ?? 0) / 1000),
    success_url: `${origin}/orders/${order.id}?paid=1`,
    cancel_url: `${origin}/orders/${order.id}`,
  }
  const idempotencyKey = claim.checkoutAttempt === 0 ? order.id : `${order.id}:${claim.checkoutAttempt}`
  try {
    const session = await stripeClient(env).checkout.sessions.create(params, { idempotencyKey })
    return { id: session.id, url: session.url }
  } catch (err) {
    throw providerFailure(err)
  }
}

/** The local session a signed-in shopper may pay on the test page: theirs, and local. 404 otherwise. */
export async function localCheckoutFor(env: Env, viewer: CurrentUser, sessionId: string) {
  const db = getDb(env)
  const payment = await db.select().from(payments).where(eq(payments.checkoutSessionId, sessionId)).get()
  const order = payment && payment.provider === 'local' ? await loadOrder(db, payment.orderId) : undefined
  if (!payment?.checkoutSessionId || !order || order.userId !== viewer.id) throw notFound('payment session')
  return { payment: { ...payment, checkoutSessionId: payment.checkoutSessionId }, order }
}
