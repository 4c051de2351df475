import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import worker from '../src/index'
import { reportError } from '../src/platform/error-reporting'
import { logError, logEvent, redact, redactText } from '../src/platform/logging'
import { memoryMetrics, metrics } from '../src/platform/metrics'
import { checkReadiness } from '../src/platform/readiness'
import { BASE, callJson, insertProduct, registerUser } from './helpers'
import { placeOrder } from './orders-helpers'

/** A DSN whose ingest host does not exist: every report to it is caught by a spy on fetch. */
const FAKE_DSN = 'https://publickey@o0.ingest.example/42'

afterEach(() => {
  vi.restoreAllMocks()
})

/** Every line written to the console while `run` runs (tests and the Worker share an isolate). */
async function captureConsole(run: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = []
  const keep = (...args: unknown[]) => void lines.push(args.map(String).join(' '))
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, method).mockImplementation(keep)
  try {
    await run()
  } finally {
    vi.restoreAllMocks()
  }
  return lines
}

const jsonLines = (lines: string[]) =>
  lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>]
    } catch {
      return []
    }
  })

/** An env whose binding `name` throws on every use. */
const breaking = <K extends keyof Env>(name: K, message = `${String(name)} is down`): Env =>
  ({ ...env, [name]: new Proxy({}, { get: () => () => { throw new Error(message) } }) }) as Env

/** Calls the Worker with an env of the test's own; waits for what it left running (error reports). */
async function callWith(testEnv: Env, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext()
  const response = await worker.request(`${BASE}${path}`, init, testEnv, ctx)
  const text = await response.text()
  await waitOnExecutionContext(ctx)
  return { response, text }
}

/** Spies on the global fetch: Sentry's ingest host answers 200, and the reports are kept. */
function fakeSentry() {
  const reports: { url: string; body: string }[] = []
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input, init)
    reports.push({ url: request.url, body: await request.text() })
    return new Response('{}', { status: 200 })
  })
  return reports
}

describe('request logs', () => {
  it('writes one JSON line per request: id, method, route pattern, path, status, duration and the user', async () => {
    const who = await registerUser()
    let answer!: Response
    const lines = await captureConsole(async () => {
      answer = await SELF.fetch(`${BASE}/api/users/profile`, { headers: who.bearer })
    })
    const entries = jsonLines(lines).filter((line) => line.msg === 'request')
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({
      level: 'info',
      request_id: answer.headers.get('X-Request-Id'),
      method: 'GET',
      route: '/api/users/profile',
      path: '/api/users/profile',
      status: 200,
      user_id: who.user.id,
    })
    expect(entries[0]?.duration_ms).toBeGreaterThanOrEqual(0)
  })

  it('logs the route pattern, not the id in the path, and no user for a guest', async () => {
    const product = await insertProduct()
    const lines = await captureConsole(() => SELF.fetch(`${BASE}/api/products/${product.slug}?utm_source=x`))
    const [entry] = jsonLines(lines).filter((line) => line.msg === 'request')
    expect(entry).toMatchObject({ route: '/api/products/:idOrSlug', path: `/api/products/${product.slug}`, status: 200, user_id: null })
  })

  it('answers X-Request-Id on every answer, the same id as in an error body', async () => {
    const paths = ['/healthz', '/readyz', '/api/no-such-route', '/no/such/page', '/products', '/images/products/missing.svg']
    for (const path of paths) {
      const response = await SELF.fetch(`${BASE}${path}`, { redirect: 'manual' })
      expect(response.headers.get('X-Request-Id'), path).toMatch(/^[0-9a-f-]{36}$/)
    }
    const notFound = await callJson<{ error: { request_id: string } }>('GET', '/api/no-such-route')
    expect(notFound.body.error.request_id).toBe(notFound.headers.get('X-Request-Id'))

    const failed = await callWith(breaking('DB'), '/healthz/d1')
    expect(failed.response.status).toBe(500)
    expect(JSON.parse(failed.text).error.request_id).toBe(failed.response.headers.get('X-Request-Id'))
  })

  it('never logs a password, token, cookie, Authorization header or card number', async () => {
    const password = 'hunter2-super-secret-password'
    const card = '4242 4242 4242 4242'
    const cookie = 'session=cookie-secret-value-123'
    const tokens: string[] = []
    const lines = await captureConsole(async () => {
      const who = await registerUser({ password })
      const signIn = await callJson<{ access_token: string; refresh_token: string }>('POST', '/api/auth/token', { email: who.email, password })
      tokens.push(signIn.body.access_token, signIn.body.refresh_token)
      const headers = { Authorization: `Bearer ${signIn.body.access_token}`, Cookie: cookie }
      await SELF.fetch(`${BASE}/api/users/profile`, { headers })
      // A refused body with a card number and a password in it, and a 500 whose message holds the token.
      await callJson('PUT', '/api/users/profile', { name: 'x', card_number: card, password }, headers)
      await callWith(breaking('DB', `D1 is down for Bearer ${signIn.body.access_token}`), '/healthz/d1', { headers })
      // A domain event handed secrets by mistake.
      logEvent(env, 'test.careless', { password, card, note: `paid with ${card}`, authorization: headers.Authorization, refresh_token: signIn.body.refresh_token })
    })
    expect(tokens.every((token) => token.length > 20)).toBe(true)
    expect(lines.length).toBeGreaterThan(3)
    const output = lines.join('\n')
    for (const secret of [password, card, '4242424242424242', 'cookie-secret-value-123', ...tokens]) expect(output).not.toContain(secret)
    expect(output).toContain('[redacted]')
  })

  it('redacts by field name at any depth and cuts secrets out of text', () => {
    expect(
      redact({
        email: 'a@example.com',
        nested: { Password: 'p', headers: new Headers({ authorization: 'Basic abc', 'content-type': 'text/plain' }) },
        message: 'token=abc&x=1 card 4000 0566 5566 5556, order 1795612839926',
        order_id: '12345678-1234-1234-1234-123456789012',
      }),
    ).toEqual({
      email: 'a@example.com',
      nested: { Password: '[redacted]', headers: { authorization: '[redacted]', 'content-type': 'text/plain' } },
      message: 'token=[redacted]&x=1 card [redacted], order 1795612839926',
      order_id: '12345678-1234-1234-1234-123456789012',
    })
  })
})

describe('log redaction fast path', () => {
  it('still cuts every kind of secret out of text after its one-pass pre-check, and lets plain text through unchanged', () => {
    const secrets = ['Bearer abc.def-ghi', 'basic dXNlcjpwYXNz', 'sk_live_51Habc', 'rk_test_abc', 'whsec_abc123', 'eyJhbGciOi.eyJzdWIiOiIx.c2ln', 'password=hunter2', 'code=123456', '4242 4242 4242 4242', '4000-0566-5566-5556', '4242424242424242']
    for (const secret of secrets) expect(redactText(`before ${secret} after`), secret).not.toContain(secret)
    for (const plain of ['POST', '/api/orders/:id', '12345678-1234-1234-1234-123456789012', 'order 1795612839926', 'Harbor Mug']) expect(redactText(plain)).toBe(plain)
  })

  it('judges a field name the same each time it is remembered, past the names it keeps, and keeps "__proto__" a field', () => {
    for (let i = 0; i < 600; i++) expect(redact({ [`field_${i}`]: 'x', [`api_key_${i}`]: 'y' })).toEqual({ [`field_${i}`]: 'x', [`api_key_${i}`]: '[redacted]' })
    for (let round = 0; round < 2; round++) expect(redact({ password: 'p', email: 'e' })).toEqual({ password: '[redacted]', email: 'e' })
    const copy = redact(JSON.parse('{"__proto__": {"token": "t"}}')) as Record<string, unknown>
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"token":"[redacted]"}}')
  })
})

describe('domain events', () => {
  it('logs an order placed and the stock it reserved, once: a replay of the same key logs nothing', async () => {
    const who = await registerUser()
    const product = await insertProduct({ stockQuantity: 5 })
    const key = crypto.randomUUID()
    const first = await captureConsole(() => placeOrder(who, [{ product_id: product.id, quantity: 2 }], { key }))
    const events = jsonLines(first).filter((line) => line.event)
    expect(events.map((line) => line.event).sort()).toEqual(['order.created', 'stock.reserved'])
    const created = events.find((line) => line.event === 'order.created')
    expect(created).toMatchObject({ user_id: who.user.id, lines: 1, total_cents: 2000 })
    expect(events.find((line) => line.event === 'stock.reserved')).toMatchObject({ product_id: product.id, qty: 2, order_id: created?.order_id })

    const replay = await captureConsole(() => placeOrder(who, [{ product_id: product.id, quantity: 2 }], { key }))
    expect(jsonLines(replay).filter((line) => line.event)).toEqual([])
  })
})

describe('metrics', () => {
  it('writes a data point per request and per order event to Analytics Engine', async () => {
    const who = await registerUser()
    const product = await insertProduct({ stockQuantity: 3 })
    const write = vi.spyOn(env.METRICS, 'writeDataPoint')
    await SELF.fetch(`${BASE}/healthz`)
    const placed = await placeOrder(who, [{ product_id: product.id, quantity: 1 }])
    const points = write.mock.calls.map(([point]) => point)

    expect(points).toContainEqual({ indexes: ['request'], blobs: ['request', '/healthz', 'GET', '200', 'development'], doubles: [1, expect.any(Number), 200] })
    expect(points).toContainEqual({ indexes: ['order.created'], blobs: ['event', 'order.created', placed.body.id, '', 'development'], doubles: [1, 1000] })
    expect(points).toContainEqual({ indexes: ['stock.reserved'], blobs: ['event', 'stock.reserved', placed.body.id, String(product.id), 'development'], doubles: [1, 1] })
    expect(points).toContainEqual(expect.objectContaining({ blobs: ['request', '/api/orders', 'POST', '201', 'development'] }))
  })

  it('keeps the points in memory when there is no METRICS binding', () => {
    expect(metrics({})).toBe(memoryMetrics)
    logEvent({ ENVIRONMENT: 'development' }, 'order.shipped', { order_id: 'o-1' })
    expect(memoryMetrics.points.at(-1)).toEqual({ indexes: ['order.shipped'], blobs: ['event', 'order.shipped', 'o-1', '', 'development'], doubles: [1, 0] })
  })
})

describe('error reporting', () => {
  it('sends an unexpected API error to Sentry when SENTRY_DSN is set, without the request’s secrets', async () => {
    const reports = fakeSentry()
    const headers = { Authorization: 'Bearer not-for-sentry-token', Cookie: 'session=not-for-sentry-cookie' }
    const { response, text } = await callWith({ ...breaking('DB', 'D1 is down for a test'), SENTRY_DSN: FAKE_DSN }, '/healthz/d1?token=query-secret', { headers })

    expect(response.status).toBe(500)
    expect(text).not.toContain('D1 is down')
    expect(reports).toHaveLength(1)
    const [report] = reports
    expect(report?.url).toMatch(/^https:\/\/o0\.ingest\.example\/api\/42\/envelope\//)
    expect(report?.body).toContain('D1 is down for a test')
    expect(report?.body).toContain(response.headers.get('X-Request-Id'))
    for (const secret of ['not-for-sentry-token', 'not-for-sentry-cookie', 'query-secret']) expect(report?.body).not.toContain(secret)
  })

  it('sends an unexpected page error to Sentry too, and answers the HTML 500 page', async () => {
    const reports = fakeSentry()
    const { response, text } = await callWith({ ...breaking('DB'), SENTRY_DSN: FAKE_DSN }, `/products/no-such-${crypto.randomUUID()}`)
    expect(response.status).toBe(500)
    expect(text).toContain('Something went wrong on our side')
    expect(reports).toHaveLength(1)
    expect(reports[0]?.body).toContain('DB is down')
  })

  it('only logs the error when SENTRY_DSN is not set', async () => {
    const reports = fakeSentry()
    const lines = await captureConsole(() => callWith(breaking('DB'), '/healthz/d1'))
    expect(reports).toHaveLength(0)
    expect(jsonLines(lines)).toContainEqual(expect.objectContaining({ level: 'error', msg: 'unhandled error', route: '/healthz/d1', error: 'Error: DB is down' }))
  })

  it('delivers through an injected transport, scrubbing the message', async () => {
    const sent: string[] = []
    const fetcher = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      sent.push(String(init?.body))
      return new Response('{}')
    }) as typeof fetch
    await reportError({ ENVIRONMENT: 'test', SENTRY_DSN: FAKE_DSN }, new Error('boom with Bearer abc.def.ghi'), { requestId: 'req-1', fetcher })
    expect(sent).toHaveLength(1)
    expect(sent[0]).toContain('boom with Bearer [redacted]')
    expect(sent[0]).toContain('req-1')
  })
})

describe('GET /readyz', () => {
  it('answers 200 with every dependency checked and timed', async () => {
    const { status, headers, body } = await callJson<{ ok: boolean; checks: Record<string, { ok: boolean; ms: number }> }>('GET', '/readyz')
    expect(status).toBe(200)
    expect(headers.get('Cache-Control')).toBe('no-store')
    expect(body.ok).toBe(true)
    expect(Object.keys(body.checks).sort()).toEqual(['d1', 'durable_object', 'kv', 'r2'])
    for (const check of Object.values(body.checks)) expect(check).toEqual({ ok: true, ms: expect.any(Number) })
  })

  it('answers 503 naming the check that failed, and logs why', async () => {
    let answer!: Awaited<ReturnType<typeof callWith>>
    const lines = await captureConsole(async () => {
      answer = await callWith(breaking('CACHE'), '/readyz')
    })
    expect(answer.response.status).toBe(503)
    const body = JSON.parse(answer.text)
    expect(body).toMatchObject({ ok: false, failed: ['kv'], checks: { kv: { ok: false }, d1: { ok: true }, r2: { ok: true }, durable_object: { ok: true } } })
    expect(answer.text).not.toContain('CACHE is down')
    expect(jsonLines(lines)).toContainEqual(expect.objectContaining({ msg: 'readiness check failed', check: 'kv', error: 'Error: CACHE is down' }))
  })

  it('fails a check that does not answer in time', async () => {
    const hanging = { ...env, IMAGES: { head: () => new Promise(() => undefined) } } as unknown as Env
    const readiness = await captureConsole(async () => expect(await checkReadiness(hanging, { timeoutMs: 50 })).toMatchObject({ ok: false, failed: ['r2'] }))
    expect(jsonLines(readiness)).toContainEqual(expect.objectContaining({ check: 'r2', error: 'Error: timed out after 50 ms' }))
  })
})

describe('error lines of failures handled in place', () => {
  const STRIPE_KEY = 'sk_live_' + 'abcdefghijklmnop0123'
  const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl'

  it('go through the one logger: a failed metrics write is an error line with the secret in its message redacted', async () => {
    vi.spyOn(env.METRICS, 'writeDataPoint').mockImplementation(() => {
      throw new Error(`dataset refused the point (key ${STRIPE_KEY}, Authorization: Bearer ${JWT})`)
    })
    const lines = await captureConsole(() => SELF.fetch(`${BASE}/healthz`))
    const failure = jsonLines(lines).find((line) => line.msg === 'metrics write failed')
    expect(failure).toMatchObject({ level: 'error', error: expect.stringContaining('dataset refused the point') })
    for (const secret of [STRIPE_KEY, JWT]) expect(lines.join('\n')).not.toContain(secret)
  })

  it('redact sensitive fields and secrets inside a thrown value', async () => {
    const lines = await captureConsole(async () =>
      logError('hold release failed', { order_id: 'o-1', password: 'hunter2-password', error: new Error(`release refused for ${STRIPE_KEY}`) }),
    )
    expect(jsonLines(lines)).toEqual([{ level: 'error', msg: 'hold release failed', order_id: 'o-1', password: '[redacted]', error: 'Error: release refused for [redacted]' }])
  })
})
