/** Notifications that failed or died, with their error and attempts, and "Replay"; and the dev mailbox (development only). */
import { Hono } from 'hono'
import { csrfToken } from '../../accounts/csrf'
import type { AppEnv } from '../../platform/env'
import { isDevelopment } from '../../platform/env'
import { ApiError } from '../../platform/errors'
import { Form } from '../../ui/forms'
import { redirectWithFlash } from '../../ui/flash'
import { TableHead } from '../../ui/table-head'
import { AdminOutboxQuery, devMail, listDevMail, listTroubledOutbox, OutboxIdParam, replayOutbox } from '../../notifications/admin'
import { When, failureOf } from './layout'
import { dateStyleOf } from '../../ui/dates'

/** A dev mail's HTML, shown as its own document: no script, no request anywhere, nothing it can reach. */
const MAIL_HTML_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


export const outboxPages = new Hono<AppEnv>()
  .get('/outbox', async (c) => {
    const query = AdminOutboxQuery.safeParse(Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== '')))
    if (!query.success) throw new ApiError(400, 'validation_failed', 'Choose failed or dead.')
    const items = await listTroubledOutbox(c.env, query.data)
    const csrf = csrfToken(c)
    const style = await dateStyleOf(c)
    return c.render(
      <section class="admin">
        <h1>Notifications</h1>
        <p>
          Mails and integration events that could not be delivered. <strong>Failed</strong> ones are still retried with growing delays; <strong>dead</strong> ones were
          given up on after the last retry. Replay sends one again once its cause is fixed.
        </p>
        <form class="admin-filters" method="get" action="/admin/outbox" aria-label="Filter notifications">
          <div class="field">
            <label for="n-state">State</label>
            <select id="n-state" name="state">
              <option value="">Failed and dead</option>
              <option value="failed" selected={query.data.state === 'failed'}>
                Failed
              </option>
              <option value="dead" selected={query.data.state === 'dead'}>
                Dead
              </option>
            </select>
          </div>
          <button type="submit">Filter</button>
        </form>
        {items.length === 0 ? (
          <p>Nothing is waiting: every notification was delivered.</p>
        ) : (
          <table class="cart admin-table">
            <TableHead columns={['Event', 'To', 'State', 'Attempts', 'Last error', 'Written', { hidden: 'Action' }]} />
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>{item.type}</td>
                  <td>{item.recipient ?? '—'}</td>
                  <td>{item.state}</td>
                  <td>{item.attempts}</td>
                  <td>{item.last_error ?? '—'}</td>
                  <td><When ms={Date.parse(item.created_at)} style={style} /></td>
                  <td>
                    <Form action={`/admin/outbox/${item.id}/replay`} csrf={csrf} class="inline-form">
                      <button type="submit" class="secondary">
                        Replay<span class="visually-hidden"> {item.type} to {item.recipient ?? 'no one'}</span>
                      </button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {isDevelopment(c.env) && (
          <p>
            <a href="/admin/mailbox">Dev mailbox</a>: the mails this development store kept instead of sending.
          </p>
        )}
      </section>,
      { title: 'Notifications' },
    )
  })
  .post('/outbox/:outboxId/replay', async (c) => {
    const param = OutboxIdParam.safeParse(c.req.param())
    if (!param.success) return redirectWithFlash(c, '/admin/outbox', 'error', 'Nothing was replayed: there is no such notification.')
    try {
      const replayed = await replayOutbox(c.env, param.data.outboxId)
      return redirectWithFlash(c, '/admin/outbox', 'success', `The ${replayed.type} notification${replayed.recipient ? ` to ${replayed.recipient}` : ''} is on its way again.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return redirectWithFlash(c, '/admin/outbox', 'error', `Nothing was replayed: ${failure.message}.`)
    }
  })
  .get('/mailbox', async (c) => {
    const mails = await listDevMail(c.env)
    const style = await dateStyleOf(c)
    return c.render(
      <section class="admin">
        <h1>Dev mailbox</h1>
        <p>Development only: every mail the store sent, kept here instead of going out (no MAIL_API_KEY is set).</p>
        {mails.length === 0 ? (
          <p>No mail yet. Register, place an order or ask for a password reset, and its mail shows up here.</p>
        ) : (
          <table class="cart admin-table">
            <TableHead columns={['Subject', 'To', 'Sent', 'Views']} />
            <tbody>
              {mails.map((mail) => (
                <tr key={mail.id}>
                  <td>
                    <a href={`/admin/mailbox/${mail.id}`}>{mail.subject}</a>
                  </td>
                  <td>{mail.recipient}</td>
                  <td><When ms={mail.createdAt} style={style} /></td>
                  <td>
                    <a href={`/admin/mailbox/${mail.id}/html`}>HTML</a> · <a href={`/admin/mailbox/${mail.id}/text`}>Text</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>,
      { title: 'Dev mailbox' },
    )
  })
  .get('/mailbox/:mailId', async (c) => {
    const mail = await devMail(c.env, c.req.param('mailId'))
    const style = await dateStyleOf(c)
    return c.render(
      <section class="admin">
        <p>
          <a href="/admin/mailbox">← Dev mailbox</a>
        </p>
        <h1>{mail.subject}</h1>
        <p>
          To {mail.recipient}, <When ms={mail.createdAt} style={style} /> · <a href={`/admin/mailbox/${mail.id}/html`}>Open the HTML part</a>
        </p>
        <iframe title={`The HTML part of “${mail.subject}”`} src={`/admin/mailbox/${mail.id}/html`} sandbox="" class="mail-frame" />
        <h2>Plain text</h2>
        <pre class="mail-text">{mail.text}</pre>
      </section>,
      { title: mail.subject },
    )
  })
  .get('/mailbox/:mailId/html', async (c) => {
    const mail = await devMail(c.env, c.req.param('mailId'))
    // Framed by the mail's own page above: the global `frame-ancestors 'none'` is relaxed to this origin here only.
    c.header('Content-Security-Policy', MAIL_HTML_POLICY)
    c.header('X-Frame-Options', 'SAMEORIGIN')
    c.header('Cache-Control', 'no-store')
    return c.html(mail.html)
  })
  .get('/mailbox/:mailId/text', async (c) => {
    const mail = await devMail(c.env, c.req.param('mailId'))
    c.header('Cache-Control', 'no-store')
    return c.text(mail.text)
  })
