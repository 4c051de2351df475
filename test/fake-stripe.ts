/**
 * A fake of Stripe's API for the tests, run by Miniflare as the Worker's outbound service (in Node, see
 * vitest.config.mts): every fetch the Worker makes comes here. It answers what the Stripe SDK asks of
 * api.stripe.com the way Stripe would (sessions, refunds, idempotent replays, its validation of
 * expires_at) and records each request so that tests can check what was sent: they read the records with
 * `GET https://api.stripe.com/__fake__/requests`. Any other host is refused: the tests have no network.
 */
import { Response } from 'miniflare'

export interface FakeStripeRequest {
  method: string
  path: string
  /** The Idempotency-Key header, if any. */
  idempotencyKey: string | null
  /** The Stripe-Version header: the API version the SDK pinned. */
  stripeVersion: string | null
  /** The form body as sent, bracket keys flat: `metadata[order_id]`, `line_items[0][price_data][unit_amount]`. */
  form: Record<string, string>
}

const requests: FakeStripeRequest[] = []
/** Stripe replays the answer of a key used again with the same parameters, and refuses other parameters. */
const answered = new Map<string, { body: string; status: number; answer: unknown }>()
/** The Checkout sessions made so far, by id, as Stripe keeps them (open, complete, expired). */
const sessions = new Map<string, Record<string, unknown>>()

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', 'Request-Id': `req_fake_${random()}`, ...headers } })
const stripeError = (status: number, type: string, message: string, extra: Record<string, string> = {}) => ({ status, answer: { error: { type, message, ...extra } } })
const random = () => crypto.randomUUID().replace(/-/g, '').slice(0, 24)

/** `metadata[order_id]=…` → `{ order_id: … }` */
const nested = (form: Record<string, string>, prefix: string) =>
  Object.fromEntries(
    Object.entries(form)
      .filter(([key]) => key.startsWith(`${prefix}[`))
      .map(([key, value]) => [key.slice(prefix.length + 1, -1), value]),
  )

function createSession(form: Record<string, string>) {
  const now = Math.floor(Date.now() / 1000)
  const expiresAt = Number(form['expires_at'] ?? now + 24 * 3600)
  if (expiresAt < now + 30 * 60 || expiresAt > now + 24 * 3600) {
    return stripeError(400, 'invalid_request_error', 'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', { param: 'expires_at' })
  }
  let amountTotal = 0
  for (let i = 0; form[`line_items[${i}][quantity]`] !== undefined; i++) {
    amountTotal += Number(form[`line_items[${i}][price_data][unit_amount]`]) * Number(form[`line_items[${i}][quantity]`])
  }
  const id = `cs_test_${random()}`
  const session = {
      id,
      object: 'checkout.session',
      url: `https://checkout.stripe.com/c/pay/${id}`,
      mode: form['mode'],
      status: 'open',
      payment_status: 'unpaid',
      amount_total: amountTotal,
      currency: form['line_items[0][price_data][currency]'],
      metadata: nested(form, 'metadata'),
      client_reference_id: form['client_reference_id'] ?? null,
      expires_at: expiresAt,
      payment_intent: null,
      success_url: form['success_url'],
      cancel_url: form['cancel_url'],
  }
  sessions.set(id, session)
  return { status: 200, answer: session }
}

/** POST /v1/checkout/sessions/:id/expire: only an open session can be expired. */
function expireSession(id: string) {
  const session = sessions.get(id)
  if (!session) return stripeError(404, 'invalid_request_error', `No such checkout.session: '${id}'`, { code: 'resource_missing' })
  if (session['status'] !== 'open') return stripeError(400, 'invalid_request_error', 'Only Checkout Sessions with a status in ["open"] can be expired.')
  session['status'] = 'expired'
  return { status: 200, answer: session }
}

function retrieveSession(id: string) {
  const session = sessions.get(id)
  return session ? { status: 200, answer: session } : stripeError(404, 'invalid_request_error', `No such checkout.session: '${id}'`, { code: 'resource_missing' })
}

function createRefund(form: Record<string, string>) {
  if (!form['payment_intent'] && !form['charge']) return stripeError(400, 'invalid_request_error', 'One of `charge` or `payment_intent` is required.')
  // A payment the tests mark as one Stripe refuses to refund (a disputed charge).
  if (form['payment_intent']?.startsWith('pi_refuse_')) return stripeError(400, 'invalid_request_error', 'This charge is disputed and cannot be refunded.', { code: 'charge_disputed' })
  return {
    status: 200,
    answer: {
      id: `re_test_${random()}`,
      object: 'refund',
      amount: Number(form['amount']),
      currency: 'usd',
      payment_intent: form['payment_intent'],
      // A payment the tests mark as one whose refunds take days (a bank debit): Stripe answers `pending`.
      status: form['payment_intent']?.startsWith('pi_pending_') ? 'pending' : 'succeeded',
      metadata: nested(form, 'metadata'),
    },
  }
}

/** The outbound service: Stripe's API for api.stripe.com, a refusal for anything else. */
export async function fakeStripe(request: Request): Promise<Response> {
  const url = new URL(request.url)
  if (url.hostname !== 'api.stripe.com') return json(502, { error: `no network in the tests (${url.hostname})` })
  if (url.pathname === '/__fake__/requests') return json(200, requests)
  // The tests' hand on Stripe's side: the shopper paid this session (`POST /__fake__/sessions/:id/complete`).
  const completing = /^\/__fake__\/sessions\/([^/]+)\/complete$/.exec(url.pathname)
  if (completing) {
    const session = sessions.get(completing[1] ?? '')
    if (!session) return json(404, { error: 'no such session' })
    Object.assign(session, { status: 'complete', payment_status: 'paid' })
    return json(200, session)
  }

  const body = request.method === 'GET' ? '' : await request.text()
  const form = Object.fromEntries(new URLSearchParams(body))
  const idempotencyKey = request.headers.get('Idempotency-Key')
  requests.push({ method: request.method, path: url.pathname, idempotencyKey, stripeVersion: request.headers.get('Stripe-Version'), form })
  if (!/^Bearer sk_test_/.test(request.headers.get('Authorization') ?? '')) {
    return json(401, { error: { type: 'authentication_error', message: 'Invalid API Key provided' } })
  }

  const replayKey = idempotencyKey && `${request.method} ${url.pathname} ${idempotencyKey}`
  const earlier = replayKey ? answered.get(replayKey) : undefined
  if (earlier) {
    if (earlier.body !== body) {
      return json(400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } })
    }
    return json(earlier.status, earlier.answer, { 'Idempotent-Replayed': 'true' })
  }
  const route = `${request.method} ${url.pathname}`
  const sessionPath = /^\/v1\/checkout\/sessions\/([^/]+)(\/expire)?$/.exec(url.pathname)
  const result =
    route === 'POST /v1/checkout/sessions'
      ? createSession(form)
      : sessionPath && request.method === 'POST' && sessionPath[2]
        ? expireSession(sessionPath[1] ?? '')
        : sessionPath && request.method === 'GET' && !sessionPath[2]
          ? retrieveSession(sessionPath[1] ?? '')
      : route === 'POST /v1/refunds'
        ? createRefund(form)
        : stripeError(404, 'invalid_request_error', `Unrecognized request URL (${route}).`, { code: 'resource_missing' })
  // Like Stripe, only requests that ran are remembered under their key.
  if (replayKey && result.status < 500) answered.set(replayKey, { body, ...result })
  return json(result.status, result.answer)
}
