/**
 * "Link your past orders" (`/account/orders/claim`): the page the mail of a registration whose email a
 * guest bought with links to (src/accounts/guests.ts). It asks first (a mail scanner that opens the link
 * changes nothing); the form moves the guest's orders to the signed-in account, if the link was mailed to
 * that account's email.
 */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { htmlErrorHandler } from '../ui/error-page'
import { redirectWithFlash } from '../ui/flash'
import { Form, Notice } from '../ui/forms'
import { formFailure, formText, readForm } from '../ui/form-input'
import { pageRenderer, shopLayout, type PageLayout } from '../ui/renderer'
import { csrfProtection, csrfToken } from './csrf'
import { currentUser, userOf } from './guard'
import { claimableOrders, claimGuestOrders } from './guests'

type Ctx = Context<AppEnv>

const accountLayout: PageLayout = (c, content, props) => shopLayout(c, <section class="account">{content}</section>, props)

const guestOf = (text: string | undefined) => (/^\d{1,15}$/.test(text ?? '') ? Number(text) : Number.NaN)
const ordersWord = (n: number) => (n === 1 ? 'one past order' : `${n} past orders`)

function ClaimProblem({ message }: { message: string }) {
  return (
    <>
      <h1>Link your past orders</h1>
      <Notice kind="error">{message}</Notice>
      <p>
        <a href="/orders">Your orders</a>
      </p>
    </>
  )
}

export const claimPages = new Hono<AppEnv>()
  .use(pageRenderer({ noStore: true, noindex: true, layout: accountLayout }))
  .use(csrfProtection())
  // Strangers sign in first and come back to this very link (its query included).
  .use('*', async (c, next) => {
    if (await currentUser(c)) return next()
    const here = new URL(c.req.url)
    return c.redirect(`/account/sign-in?next=${encodeURIComponent(`${here.pathname}${here.search}`)}`, 303)
  })
  .get('/', async (c: Ctx) => {
    const guest = guestOf(c.req.query('guest'))
    const token = c.req.query('token') ?? ''
    try {
      const waiting = await claimableOrders(c.env, userOf(c), guest, token)
      if (waiting === 0) return c.render(<ClaimProblem message="There is nothing left to link: these orders are in your account already, or there were none." />, { title: 'Link your past orders' })
      return c.render(
        <>
          <h1>Link your past orders</h1>
          <p>
            You placed {ordersWord(waiting)} as a guest with <strong>{userOf(c).email}</strong>. Link {waiting === 1 ? 'it' : 'them'} to this account to see {waiting === 1 ? 'it' : 'them'} with your other orders.
          </p>
          <Form action="/account/orders/claim" csrf={csrfToken(c)}>
            <input type="hidden" name="guest" value={String(guest)} />
            <input type="hidden" name="token" value={token} />
            <button type="submit">Link {ordersWord(waiting)}</button>
          </Form>
        </>,
        { title: 'Link your past orders' },
      )
    } catch (err) {
      const failure = formFailure(err, [400] as const)
      if (!failure) throw err
      return c.render(<ClaimProblem message={failure.message} />, { title: 'Link your past orders', status: 400 })
    }
  })
  .post('/', async (c) => {
    const form = await readForm(c)
    try {
      const moved = await claimGuestOrders(c.env, userOf(c), guestOf(formText(form, 'guest')), formText(form, 'token'))
      return redirectWithFlash(c, '/orders', moved ? 'success' : 'info', moved ? `Linked ${ordersWord(moved)} to your account.` : 'There was nothing left to link: these orders are in your account already.')
    } catch (err) {
      const failure = formFailure(err, [400] as const)
      if (!failure) throw err
      return c.render(<ClaimProblem message={failure.message} />, { title: 'Link your past orders', status: 400 })
    }
  })

claimPages.onError(htmlErrorHandler)
