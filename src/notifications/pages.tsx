/**
 * `/notifications`: the pages a mail's reader or a shopper reach without an account's forms.
 * - `POST /notifications/back-in-stock`: the BackInStockForm of a sold-out product page. It sits on cached,
 *   anonymous pages that cannot carry a per-visitor token, so (like add-to-cart) the Origin /
 *   Sec-Fetch-Site check guards it; it is rate limited per client address and per email.
 * - `GET /notifications/unsubscribe?email=…&sig=…`: the link of marketing mails asks to confirm;
 *   `POST` (the confirmation, or a mail client's one-click List-Unsubscribe-Post) opts the address out.
 *   The signature is the authority (nobody can unsubscribe another address), and the change is harmless,
 *   so no CSRF token is asked: a mail client's one-click request carries none.
 */
import { Hono, type Context } from 'hono'
import { csrf as originCheck } from 'hono/csrf'
import { FORM_MAX_BYTES } from '../accounts/csrf'
import { RateLimited } from '../accounts/rate-limit'
import { limitBody } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { ApiError } from '../platform/errors'
import { htmlErrorHandler } from '../ui/error-page'
import { readForm, formText } from '../ui/form-input'
import { Notice } from '../ui/forms'
import { pageRenderer } from '../ui/renderer'
import { BackInStockBody, requestBackInStock } from './back-in-stock'
import { setMarketingOptOut, verifyUnsubscribe } from './marketing'

type Ctx = Context<AppEnv>

function UnsubscribeForm({ email, sig }: { email: string; sig: string }) {
  return (
    <form method="post" action={`/notifications/unsubscribe?${new URLSearchParams({ email, sig })}`}>
      <button type="submit">Unsubscribe {email}</button>
    </form>
  )
}

async function signedAddress(c: Ctx): Promise<{ email: string; sig: string } | null> {
  const email = (c.req.query('email') ?? '').trim().toLowerCase()
  const sig = c.req.query('sig') ?? ''
  if (!email || email.length > 254 || !(await verifyUnsubscribe(c.env, email, sig))) return null
  return { email, sig }
}

const badLink = (c: Ctx) =>
  c.render(<Notice kind="error">This unsubscribe link is not valid (it may be cut short). Open it again from the email, or change your choice on your account page.</Notice>, { title: 'Unsubscribe', status: 400 })

export const notificationPages = new Hono<AppEnv>()
  .use(pageRenderer({ noStore: true, noindex: true }))
  .post('/back-in-stock', limitBody(FORM_MAX_BYTES, 'The form'), originCheck(), async (c) => {
    const form = await readForm(c)
    const variant = formText(form, 'variant_id')
    const body = BackInStockBody.safeParse({
      email: formText(form, 'email'),
      product_id: formText(form, 'product_id'),
      ...(variant && { variant_id: variant }),
    })
    if (!body.success) return c.render(<Notice kind="error">Please give a valid email address, then try again from the product's page.</Notice>, { title: 'Email me when it’s back', status: 400 })
    try {
      const { answer, productName } = await requestBackInStock(c.env, body.data, c.req.raw.headers)
      const text =
        answer === 'in_stock'
          ? `Good news: ${productName} is in stock right now.`
          : answer === 'already_subscribed'
            ? `You are already on the list for ${productName}: we will email ${body.data.email} once, when it is back.`
            : `Thank you: we will email ${body.data.email} once, when ${productName} is back in stock.`
      return c.render(<Notice kind={answer === 'subscribed' || answer === 'already_subscribed' ? 'success' : 'info'}>{text}</Notice>, { title: 'Email me when it’s back' })
    } catch (err) {
      if (err instanceof RateLimited) {
        c.header('Retry-After', String(err.retryAfterSeconds))
        return c.render(<Notice kind="error">{err.message}</Notice>, { title: 'Email me when it’s back', status: 429 })
      }
      if (err instanceof ApiError && err.status === 404) return c.render(<Notice kind="error">This product is not for sale any more.</Notice>, { title: 'Email me when it’s back', status: 404 })
      throw err
    }
  })
  .get('/unsubscribe', async (c) => {
    const signed = await signedAddress(c)
    if (!signed) return badLink(c)
    return c.render(
      <>
        <h1>Unsubscribe</h1>
        <p>Stop welcome and back-in-stock emails to {signed.email}? Mail about your orders and your account keeps coming.</p>
        <UnsubscribeForm {...signed} />
      </>,
      { title: 'Unsubscribe' },
    )
  })
  .post('/unsubscribe', limitBody(FORM_MAX_BYTES, 'The form'), async (c) => {
    const signed = await signedAddress(c)
    if (!signed) return badLink(c)
    await setMarketingOptOut(c.env, signed.email, true)
    return c.render(<Notice kind="success">{signed.email} will get no more marketing email from us. Order and account mail keeps coming.</Notice>, { title: 'Unsubscribed' })
  })

notificationPages.onError(htmlErrorHandler)
