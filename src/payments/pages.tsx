/**
 * The local test payment page: in development without STRIPE_SECRET_KEY it stands in for Stripe's
 * hosted checkout. "Pay" and "Decline" build the event Stripe would send, sign it with the webhook secret
 * and post it to the same webhook handler, so an offline purchase runs the code a real one runs. In
 * any other environment the page does not exist (404).
 */
import { variantText } from '../ui/variant-label'
import { Hono, type Context } from 'hono'
import { csrfProtection, csrfToken } from '../accounts/csrf'
import { userOf } from '../accounts/guard'
import { isOrderLinkKey } from '../orders/links'
import { signedInPageUnlessKeyed } from '../orders/link-pages'
import { STATUS_LABELS } from '../orders/pages'
import type { AppEnv } from '../platform/env'
import { notFound } from '../platform/errors'
import { htmlErrorHandler } from '../ui/error-page'
import { Form, Notice } from '../ui/forms'
import { pageRenderer } from '../ui/renderer'
import { formatMoney } from '../ui/money'
import { localPaymentsAllowed, webhookSecret } from './config'
import { localCheckoutEvent } from './local'
import { LocalPaymentForm } from './schemas'
import { localCheckoutFor } from './checkout'
import { signStripePayload } from './stripe'
import { webhooksRoute } from './webhook'

type Ctx = Context<AppEnv>

/** Posts a signed event to the webhook route, as Stripe would; throws unless it is accepted. */
async function deliver(c: Ctx, event: object): Promise<void> {
  const secret = webhookSecret(c.env)
  if (!secret) throw new Error('no webhook secret to sign the local event with')
  const payload = JSON.stringify(event)
  const signature = await signStripePayload(payload, secret)
  const answer = await webhooksRoute.request('/stripe', { method: 'POST', body: payload, headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature } }, c.env)
  if (answer.status !== 200) throw new Error(`the webhook refused the local event: ${answer.status} ${await answer.text()}`)
}

/** Who pays on the test page: the signed-in user, or whoever holds the order's signed link. */
function payer(c: Ctx) {
  const key = c.req.query('key')
  return key === undefined ? userOf(c) : { mayPay: (orderId: string) => isOrderLinkKey(c.env, orderId, key) }
}

const keyQuery = (c: Ctx) => {
  const key = c.req.query('key')
  return key === undefined ? '' : `?key=${encodeURIComponent(key)}`
}

export const paymentPages = new Hono<AppEnv>()
  // First, so that every environment but development answers 404 to everyone, signed in or not.
  .use('/test/*', async (c, next) => {
    if (!localPaymentsAllowed(c.env)) throw notFound('page')
    await next()
  })
  .use(pageRenderer({ noStore: true, noindex: true }))
  .use(csrfProtection())
  // A guest comes with the order's signed link (`?key=`), which the session's order must match.
  .use('*', signedInPageUnlessKeyed())
  .get('/test/:sessionId', async (c) => {
    const { payment, order } = await localCheckoutFor(c.env, payer(c), c.req.param('sessionId'))
    const open = payment.status === 'open' && order.status === 'pending_payment'
    const action = `/payments/test/${payment.checkoutSessionId}${keyQuery(c)}`
    return c.render(
      <section class="test-payment">
        <h1>Test payment</h1>
        <Notice kind="info">This store has no payment provider configured: this page stands in for one. No money moves.</Notice>
        <p>
          Order {order.id.slice(0, 8).toUpperCase()} · <strong>{formatMoney(payment.amountCents, payment.currency)}</strong> ·{' '}
          <span class={`status status-${order.status}`}>{STATUS_LABELS[order.status]}</span>
        </p>
        <ul>
          {order.items.map((item) => (
            <li key={item.variantId}>
              {item.quantity} × {item.productName}
              {variantText(item.variantTitle, item.optionValues) && ` (${item.variantTitle})`} — {formatMoney(item.lineTotalCents, order.currency)}
            </li>
          ))}
        </ul>
        {open ? (
          <div class="test-payment-actions">
            <Form action={action} csrf={csrfToken(c)}>
              <input type="hidden" name="outcome" value="pay" />
              <button type="submit">Pay {formatMoney(payment.amountCents, payment.currency)}</button>
            </Form>
            <Form action={action} csrf={csrfToken(c)}>
              <input type="hidden" name="outcome" value="decline" />
              <button type="submit" class="secondary">
                Decline
              </button>
            </Form>
          </div>
        ) : (
          <p>This payment session is over.</p>
        )}
        <p>
          <a href={`/orders/${order.id}${keyQuery(c)}`}>Back to the order</a>
        </p>
      </section>,
      { title: 'Test payment' },
    )
  })
  .post('/test/:sessionId', async (c) => {
    const { payment, order } = await localCheckoutFor(c.env, payer(c), c.req.param('sessionId'))
    const form = LocalPaymentForm.safeParse(await c.req.parseBody())
    // Like Stripe's page: a session that is over (declined, expired, paid) takes nothing more.
    if (!form.success || payment.status !== 'open' || order.status !== 'pending_payment') return c.redirect(`/payments/test/${payment.checkoutSessionId}${keyQuery(c)}`, 303)
    await deliver(c, localCheckoutEvent(payment, form.data.outcome))
    const key = c.req.query('key')
    const back = key === undefined ? '' : `&key=${encodeURIComponent(key)}`
    return c.redirect(form.data.outcome === 'pay' ? `/orders/${order.id}?paid=1${back}` : `/orders/${order.id}?declined=1${back}`, 303)
  })

paymentPages.onError(htmlErrorHandler)
