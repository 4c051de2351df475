/**
 * `/admin/webhooks`: outbound webhook endpoints (admins only): the list and a new endpoint, one endpoint's
 * page (edit, rotate the secret, send a test event, delete, the delivery log with a resend per delivery).
 * A secret is shown on the page that answers its creation or rotation, never again (not in a redirect or
 * a flash cookie). Mounted by the admin's pages, behind their role guard and CSRF check.
 */
import { Hono } from 'hono'
import { csrfToken } from '../accounts/csrf'
import { userOf } from '../accounts/guard'
import { WEBHOOK_EVENT_TYPES } from '../db/schema'
import type { AppEnv } from '../platform/env'
import { ApiError, forbidden, type FieldErrors } from '../platform/errors'
import { wholeNumber } from '../platform/params'
import { withQuery } from '../platform/query-string'
import { dateStyleOf, formatDateTime, type DateStyle } from '../ui/dates'
import { redirectWithFlash } from '../ui/flash'
import { formAll, formFailure, formText, parseForm, type FormBody } from '../ui/form-input'
import { Field, Form, Notice } from '../ui/forms'
import { TableHead } from '../ui/table-head'
import type { Context } from 'hono'
import { createEndpoint, deleteEndpoint, getEndpoint, listDeliveries, listEndpoints, resendEndpointDelivery, rotateSecret, sendTestEvent, updateEndpoint } from './endpoints'
import type { WebhookEndpointView } from './responses'
import { DeliveryQuery, WebhookEndpointBody, WebhookEndpointPatch } from './schemas'
import { RETRY_DELAYS_MS } from './schedule'

type Ctx = Context<AppEnv>
const failureOf = (err: unknown) => formFailure(err, [400, 404, 409])

const pathId = (c: Ctx, name: string) => {
  const parsed = wholeNumber(1, Number.MAX_SAFE_INTEGER).safeParse(c.req.param(name))
  if (!parsed.success) throw new ApiError(404, 'not_found', 'Not found')
  return parsed.data
}

/** The form's fields as the API's body: the same schema validates both. */
const endpointFromForm = (form: FormBody) => ({
  url: formText(form, 'url'),
  description: formText(form, 'description'),
  event_types: formAll(form, 'event_types'),
  is_active: formText(form, 'is_active') === 'on',
})

/** A moment as staff read it: their locale, the store's time zone (store settings). */
const whenIn = (style: DateStyle) => (iso: string | null) => (iso ? formatDateTime(Date.parse(iso), style) : '—')

interface FormState {
  message?: string
  fields?: FieldErrors
  values?: { url: string; description: string; event_types: string[]; is_active: boolean }
}

function EndpointFields({ values, errors }: { values?: FormState['values']; errors?: FieldErrors }) {
  const chosen = new Set(values?.event_types ?? [])
  return (
    <>
      <Field name="url" label="URL" required maxLength={2048} value={values?.url} errors={errors} hint="https only; not a private, loopback or link-local address." />
      <Field name="description" label="Description" maxLength={200} value={values?.description} errors={errors} hint="Optional: what this endpoint feeds (ERP, fulfilment…)." />
      <fieldset class={`field${errors?.event_types ? ' has-error' : ''}`}>
        <legend>Events</legend>
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <label key={type} class="check">
            <input type="checkbox" name="event_types" value={type} checked={chosen.has(type)} /> {type}
          </label>
        ))}
        {errors?.event_types && <p class="field-error">{errors.event_types.join('; ')}</p>}
      </fieldset>
      <label class="check">
        <input type="checkbox" name="is_active" checked={values?.is_active ?? true} /> Active
      </label>
    </>
  )
}

/** The one time a secret is shown. */
function SecretOnce({ secret }: { secret: string }) {
  return (
    <div class="card">
      <Notice kind="info">Copy this signing secret now: it is shown only this once.</Notice>
      <p>
        <label for="webhook-secret">Signing secret</label>
        <input id="webhook-secret" readOnly value={secret} />
      </p>
    </div>
  )
}

async function listPage(c: Ctx, state: FormState = {}, status: 200 | 400 | 404 | 409 = 200) {
  const [endpoints, style] = await Promise.all([listEndpoints(c.env), dateStyleOf(c)])
  const when = whenIn(style)
  const csrf = csrfToken(c)
  return c.render(
    <section class="admin">
      <h1>Webhooks</h1>
      <p>Endpoints of your integrations receive signed events. See the README, “Outbound webhooks”, for how to verify them.</p>
      {state.message && <Notice kind="error">{state.message}</Notice>}
      {endpoints.length === 0 ? (
        <p>No endpoints yet: add the URL of your integration below.</p>
      ) : (
        <table class="cart admin-table">
          <TableHead columns={['URL', 'Events', 'Status']} />
          <tbody>
            {endpoints.map((e) => (
              <tr key={e.id}>
                <td>
                  <a href={`/admin/webhooks/${e.id}`}>{e.url}</a>
                  {e.description && <small> {e.description}</small>}
                </td>
                <td>{e.event_types.join(', ')}</td>
                <td>{e.is_active ? (e.failing_since ? `Failing since ${when(e.failing_since)}` : 'Active') : e.disabled_at ? 'Disabled after failures' : 'Off'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Form action="/admin/webhooks" csrf={csrf}>
        <h2>Add endpoint</h2>
        <EndpointFields values={state.values} errors={state.fields} />
        <button type="submit">Add endpoint</button>
      </Form>
    </section>,
    { title: 'Webhooks', status },
  )
}

async function endpointPage(c: Ctx, endpoint: WebhookEndpointView, extra: { secret?: string; state?: FormState; status?: 200 | 201 | 400 | 404 | 409 } = {}) {
  const query = DeliveryQuery.safeParse(Object.fromEntries(Object.entries(c.req.query()).filter(([k, v]) => k === 'page' && v !== '')))
  const page = query.success ? query.data : { page: 1, page_size: 50 }
  const [deliveries, style] = await Promise.all([listDeliveries(c.env, endpoint.id, { page: page.page, page_size: 50 }), dateStyleOf(c)])
  const when = whenIn(style)
  const csrf = csrfToken(c)
  const base = `/admin/webhooks/${endpoint.id}`
  const values = extra.state?.values ?? { url: endpoint.url, description: endpoint.description, event_types: endpoint.event_types, is_active: endpoint.is_active }
  return c.render(
    <section class="admin">
      <p>
        <a href="/admin/webhooks">← Webhooks</a>
      </p>
      <h1>{endpoint.url}</h1>
      {!endpoint.is_active && endpoint.disabled_at && (
        <Notice kind="error">{`Disabled on ${when(endpoint.disabled_at)}: ${endpoint.disabled_reason ?? 'its deliveries kept failing'} Fix the receiver, then turn the endpoint back on below.`}</Notice>
      )}
      {endpoint.is_active && endpoint.failing_since && <Notice kind="info">{`No delivery has succeeded since ${when(endpoint.failing_since)}. After 3 days of failures the endpoint is disabled.`}</Notice>}
      {extra.secret && <SecretOnce secret={extra.secret} />}
      {extra.state?.message && <Notice kind="error">{extra.state.message}</Notice>}
      <Form action={base} csrf={csrf}>
        <h2>Settings</h2>
        <EndpointFields values={values} errors={extra.state?.fields} />
        <button type="submit">Save</button>
      </Form>
      <div class="card">
        <h2>Signing secret</h2>
        <p>{endpoint.previous_secret_expires_at ? `The previous secret also signs until ${when(endpoint.previous_secret_expires_at)}.` : 'Rotating makes a new secret; the current one keeps signing for 24 hours so that you can switch over.'}</p>
        <Form action={`${base}/rotate`} csrf={csrf} class="inline-form">
          <button type="submit" class="secondary">Rotate secret</button>
        </Form>
        <Form action={`${base}/test`} csrf={csrf} class="inline-form">
          <button type="submit" class="secondary">Send test event</button>
        </Form>
      </div>
      <h2>Deliveries</h2>
      <p>{`A failed delivery is tried again after ${RETRY_DELAYS_MS.map((ms) => (ms < 3_600_000 ? `${ms / 60_000} min` : `${ms / 3_600_000} h`)).join(', ')}, then every 12 h, for up to 3 days after the event.`}</p>
      {deliveries.items.length === 0 ? (
        <p>No deliveries yet. Send a test event to see one.</p>
      ) : (
        <table class="cart admin-table">
          <TableHead columns={['Event', 'Status', 'Response', 'Duration', 'Attempts', 'Next retry', { hidden: 'Actions' }]} />
          <tbody>
            {deliveries.items.map((d) => (
              <tr key={d.id}>
                <td>
                  {d.event_type}
                  <small> {d.event_id}</small>
                </td>
                <td>{d.status}</td>
                <td>{d.response_code ?? d.error ?? '—'}</td>
                <td>{d.duration_ms === null ? '—' : `${d.duration_ms} ms`}</td>
                <td>
                  {d.attempt_log.length === 0 ? (
                    d.attempts
                  ) : (
                    <details class="attempt-log">
                      <summary>
                        {d.attempts}
                        <span class="visually-hidden"> attempts of delivery {d.id}</span>
                      </summary>
                      <ol>
                        {d.attempt_log.map((a) => (
                          <li key={a.attempt}>
                            {`${when(a.at)}: ${a.succeeded ? 'delivered' : 'failed'}, ${a.response_code !== null ? `HTTP ${a.response_code}` : (a.error ?? 'no answer')}, ${a.duration_ms} ms`}
                          </li>
                        ))}
                      </ol>
                    </details>
                  )}
                </td>
                <td>{when(d.next_attempt_at)}</td>
                <td>
                  <Form action={`${base}/deliveries/${d.id}/resend`} csrf={csrf} class="inline-form">
                    <button type="submit" class="link-button">
                      Resend<span class="visually-hidden"> delivery {d.id}</span>
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {deliveries.total_pages > 1 && (
        <nav class="pager" aria-label="Pages">
          {deliveries.page > 1 && <a href={withQuery(base, { page: deliveries.page - 1 })}>← Newer</a>}
          <span>{`Page ${deliveries.page} of ${deliveries.total_pages}`}</span>
          {deliveries.page < deliveries.total_pages && <a href={withQuery(base, { page: deliveries.page + 1 })}>Older →</a>}
        </nav>
      )}
      <div class="card danger-zone">
        <h2>Delete endpoint</h2>
        <Form action={`${base}/delete`} csrf={csrf}>
          <label class="check">
            <input type="checkbox" name="confirm" required /> Delete this endpoint and its delivery log
          </label>
          <button type="submit" class="danger">Delete endpoint</button>
        </Form>
      </div>
    </section>,
    { title: 'Webhook endpoint', status: extra.status ?? 200 },
  )
}

export const webhooksPages = new Hono<AppEnv>()
  .use('/webhooks/*', async (c, next) => {
    if (userOf(c).role !== 'admin') throw forbidden('Webhooks are for admins only.')
    await next()
  })
  .use('/webhooks', async (c, next) => {
    if (userOf(c).role !== 'admin') throw forbidden('Webhooks are for admins only.')
    await next()
  })
  .get('/webhooks', (c) => listPage(c))
  .post('/webhooks', async (c) => {
    const form = await c.req.parseBody({ all: true })
    const values = endpointFromForm(form)
    try {
      const created = await createEndpoint(c.env, userOf(c), parseForm(WebhookEndpointBody, values))
      // Answered here, not redirected: the secret must not travel through a URL or a cookie.
      return endpointPage(c, created.endpoint, { secret: created.secret, status: 201 })
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return listPage(c, { message: failure.message, fields: failure.fields, values }, failure.status)
    }
  })
  .get('/webhooks/:id', async (c) => endpointPage(c, await getEndpoint(c.env, pathId(c, 'id'))))
  .post('/webhooks/:id', async (c) => {
    const id = pathId(c, 'id')
    const form = await c.req.parseBody({ all: true })
    const values = endpointFromForm(form)
    try {
      await updateEndpoint(c.env, userOf(c), id, parseForm(WebhookEndpointPatch, values))
      return redirectWithFlash(c, `/admin/webhooks/${id}`, 'success', 'Endpoint saved.')
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return endpointPage(c, await getEndpoint(c.env, id), { state: { message: failure.message, fields: failure.fields, values }, status: failure.status })
    }
  })
  .post('/webhooks/:id/rotate', async (c) => {
    const rotated = await rotateSecret(c.env, userOf(c), pathId(c, 'id'), 24)
    return endpointPage(c, rotated.endpoint, { secret: rotated.secret })
  })
  .post('/webhooks/:id/test', async (c) => {
    const id = pathId(c, 'id')
    const sent = await sendTestEvent(c.env, userOf(c), id)
    return redirectWithFlash(c, `/admin/webhooks/${id}`, 'success', `Test event ${sent.event_id} queued.`)
  })
  .post('/webhooks/:id/deliveries/:deliveryId/resend', async (c) => {
    const id = pathId(c, 'id')
    const resent = await resendEndpointDelivery(c.env, userOf(c), id, pathId(c, 'deliveryId'))
    return redirectWithFlash(c, `/admin/webhooks/${id}`, 'success', `Delivery ${resent.delivery_id} queued again (attempt ${resent.attempt}).`)
  })
  .post('/webhooks/:id/delete', async (c) => {
    const id = pathId(c, 'id')
    const form = await c.req.parseBody()
    if (formText(form, 'confirm') !== 'on') return redirectWithFlash(c, `/admin/webhooks/${id}`, 'error', 'Nothing was deleted: tick the box to confirm.')
    await deleteEndpoint(c.env, userOf(c), id)
    return redirectWithFlash(c, '/admin/webhooks', 'success', 'Endpoint deleted.')
  })
