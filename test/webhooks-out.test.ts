/**
 * Outbound webhooks end to end: a fake receiver (test/fake-receiver.ts, Miniflare's outbound service) gets
 * each event once, signed with the secret the store showed once; failed attempts are retried on the
 * schedule; a rotation signs with both secrets during its grace; 3 days of failures disable the endpoint;
 * URLs that lead inside a network are refused outside development.
 *
 * Attempts are driven by hand (createMessageBatch + the consumer, with a fake clock) where time matters;
 * deliveries made for those tests are recorded the way the in-batch path records them (no message sent), so
 * the queue's own consumer, which runs in the background in the pool, never races the test.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { getDb } from '../src/db/client'
import { auditLog, webhookAttempts, webhookDeliveries, webhookEndpoints, webhookEvents } from '../src/db/schema'
import worker from '../src/index'
import { handleWebhookBatch, WEBHOOK_QUEUE_NAME } from '../src/webhooks/deliver'
import { recordWebhookEvent, webhookEventStatements, type WebhookEventInput } from '../src/webhooks/events'
import { endpointUrlProblem } from '../src/webhooks/url'
import { MINUTE_CRON } from '../src/platform/scheduled'
import { formatDateTime, localeOf } from '../src/ui/dates'
import { pruneExpired } from '../src/platform/pruning'
import { BASE, Browser, callJson, insertProduct, registerUser, runCron, staffUser } from './helpers'
import { placeOrder } from './orders-helpers'
import type { ReceivedWebhook } from './fake-receiver'

/** The fake receiver's host (test/fake-receiver.ts, which runs in Node: only its types are imported here). */
const RECEIVER_HOST = 'hooks.receiver.test'

const MINUTE = 60_000
// Some tests wait for the pool's own queue consumer, which takes a batch every few seconds.
vi.setConfig({ testTimeout: 40_000 })
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

let keys = 0
/** A fresh receiver path: `https://hooks.receiver.test/<key>/<behaviour>`. */
const receiverUrl = (behaviour = 'ok') => {
  const key = `k${Date.now().toString(36)}${++keys}`
  return { key, url: `https://${RECEIVER_HOST}/${key}/${behaviour}` }
}

const received = async (key: string) => (await (await fetch(`https://${RECEIVER_HOST}/__fake__/requests?key=${key}`)).json()) as ReceivedWebhook[]

/** Waits until the receiver got `count` requests for `key` (the background consumer), then a little more to catch extras. */
async function receivedAtLeast(key: string, count: number, withinMs = 20_000) {
  const until = Date.now() + withinMs
  while (Date.now() < until) {
    if ((await received(key)).length >= count) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  await new Promise((resolve) => setTimeout(resolve, 1_500))
  return received(key)
}

/** A receiver's check, exactly as the README's snippet ("Outbound webhooks") writes it. */
const TOLERANCE_SECONDS = 300
async function verifyCatoSignature(secret: string, header: string | null, rawBody: string, now = Date.now()): Promise<boolean> {
  if (!header) return false
  const parts = header.split(',').map((part) => part.split('=', 2) as [string, string])
  const t = Number(parts.find(([key]) => key === 't')?.[1])
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > TOLERANCE_SECONDS) return false
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
  for (const [name, value] of parts) {
    if (name !== 'v1' || !/^[0-9a-f]{64}$/.test(value)) continue
    const mac = Uint8Array.from(value.match(/../g)!, (byte) => parseInt(byte, 16))
    // crypto.subtle.verify compares in constant time.
    if (await crypto.subtle.verify('HMAC', key, mac, new TextEncoder().encode(`${t}.${rawBody}`))) return true
  }
  return false
}
const verifies = (secret: string, header: string, body: string, nowSeconds = Math.floor(Date.now() / 1000)) => verifyCatoSignature(secret, header, body, nowSeconds * 1000)

async function admin() {
  const user = await staffUser('admin')
  const call = <T = any>(method: string, path: string, body?: unknown) => callJson<T>(method, `/api/admin/webhooks${path}`, body, user.bearer)
  return { user, call }
}

async function newEndpoint(call: Awaited<ReturnType<typeof admin>>['call'], url: string, eventTypes: string[] = ['product.updated']) {
  const created = await call<{ endpoint: { id: number }; secret: string }>('POST', '/endpoints', { url, event_types: eventTypes })
  expect(created.status).toBe(201)
  return created.body
}

/** Records an event as the in-batch path does (no message): the test drives its attempts. */
async function recordQuietly(event: Omit<WebhookEventInput, 'sourceKey'> & { sourceKey?: string }) {
  const db = getDb(env)
  const sourceKey = event.sourceKey ?? `test-quiet:${crypto.randomUUID()}`
  const [first, ...rest] = webhookEventStatements(db, { ...event, sourceKey })
  await db.batch([first!, ...rest])
  return db
    .select({ delivery: webhookDeliveries, event: webhookEvents })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookEvents.sourceKey, sourceKey))
}

/** One attempt through the consumer, at `now`. */
async function attempt(deliveryId: number, number: number, now: number) {
  const batch = createMessageBatch(WEBHOOK_QUEUE_NAME, [{ id: `m-${deliveryId}-${number}-${now}`, timestamp: new Date(now), attempts: 1, body: { delivery_id: deliveryId, attempt: number } }])
  await handleWebhookBatch(batch, env, { now })
}

const deliveryRow = (id: number) => getDb(env).select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get()
const attemptsOf = (id: number) => getDb(env).select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, id)).orderBy(webhookAttempts.attempt)

describe('endpoint URLs', () => {
  const production = { ENVIRONMENT: 'production' }
  it('refuses http, localhost, private, link-local, metadata and loopback IPv6 addresses outside development', () => {
    for (const url of [
      'http://hooks.example.com/in',
      'https://localhost/hook',
      'https://api.localhost/hook',
      'https://10.1.2.3/hook',
      'https://192.168.0.10/hook',
      'https://172.20.0.1/hook',
      'https://127.0.0.1:8443/hook',
      'https://2130706433/hook',
      'https://0x7f.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://metadata.google.internal/computeMetadata',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[fd00::1]/hook',
      'https://[fe80::1]/hook',
      'https://intranet/hook',
      'https://user:pass@hooks.example.com/in',
      'ftp://hooks.example.com/in',
      'not a url',
    ]) {
      expect(endpointUrlProblem(production, url), url).not.toBeNull()
    }
    expect(endpointUrlProblem(production, 'https://hooks.example.com/in?shop=1')).toBeNull()
    expect(endpointUrlProblem(production, 'https://93.184.216.34/in')).toBeNull()
    expect(endpointUrlProblem(production, 'https://[2606:4700::1111]/in')).toBeNull()
  })

  it('lets development use http and localhost', () => {
    const development = { ENVIRONMENT: 'development' }
    expect(endpointUrlProblem(development, 'http://localhost:8788/hook')).toBeNull()
    expect(endpointUrlProblem(development, 'http://127.0.0.1/hook')).toBeNull()
    expect(endpointUrlProblem(development, 'ftp://localhost/hook')).not.toBeNull()
    expect(endpointUrlProblem({ ENVIRONMENT: 'staging' }, 'http://localhost/hook')).not.toBeNull()
  })

  it('answers a refused URL with a 400 naming the field, and stores nothing', async () => {
    const { call } = await admin()
    const before = (await getDb(env).select().from(webhookEndpoints)).length
    const refused = await call<{ error: { code: string; fields: Record<string, string[]> } }>('POST', '/endpoints', { url: 'gopher://example.com', event_types: ['order.paid'] })
    expect(refused.status).toBe(400)
    expect(refused.body.error.fields.url).toBeDefined()
    const noTypes = await call<{ error: { fields: Record<string, string[]> } }>('POST', '/endpoints', { url: 'https://hooks.example.com', event_types: [] })
    expect(noTypes.status).toBe(400)
    expect(noTypes.body.error.fields.event_types).toBeDefined()
    expect((await getDb(env).select().from(webhookEndpoints)).length).toBe(before)
  })
})

describe('delivering events', () => {
  it('sends a product change to its subscriber once, signed with the secret shown at creation', async () => {
    const { user, call } = await admin()
    const { key, url } = receiverUrl('ok')
    const { endpoint, secret } = await newEndpoint(call, url, ['product.updated'])
    // The secret is shown once: the endpoint's own answer never holds it again.
    expect(JSON.stringify((await call('GET', `/endpoints/${endpoint.id}`)).body)).not.toContain(secret)
    const product = await insertProduct({ name: 'Webhook Lamp' })
    const patched = await callJson('PATCH', `/api/admin/products/${product.id}`, { price: '19.99' }, user.bearer)
    expect(patched.status).toBe(200)

    const [request, ...extra] = await receivedAtLeast(key, 1)
    expect(extra).toEqual([])
    const body = JSON.parse(request!.body)
    expect(body).toMatchObject({ type: 'product.updated', data: { product_id: product.id, change: 'product.update', product: { price_cents: 1999 } } })
    expect(body.id).toMatch(/^evt_[0-9a-f]{32}$/)
    expect(request!.headers['cato-event-id']).toBe(body.id)
    expect(await verifies(secret, request!.headers['cato-signature']!, request!.body)).toBe(true)
    expect(await verifies('whsec_someone_else', request!.headers['cato-signature']!, request!.body)).toBe(false)

    const log = await call<{ items: { status: string; attempts: number; response_code: number; event_id: string }[] }>('GET', `/endpoints/${endpoint.id}/deliveries`)
    expect(log.body.items).toMatchObject([{ status: 'succeeded', attempts: 1, response_code: 200, event_id: body.id }])
  })

  it('tells subscribers of a product staff created, with its new id, from the batch that made it', async () => {
    const { user, call } = await admin()
    const { key, url } = receiverUrl('ok')
    await newEndpoint(call, url, ['product.updated'])
    const made = await callJson<{ id: number }>('POST', '/api/admin/products', { name: 'Webhook Kettle', price: '24.00', stock_quantity: 3 }, user.bearer)
    expect(made.status).toBe(201)

    const [request, ...extra] = await receivedAtLeast(key, 1)
    expect(extra).toEqual([])
    expect(JSON.parse(request!.body)).toMatchObject({
      type: 'product.updated',
      data: { product_id: made.body.id, change: 'product.create', deleted: false, product: { name: 'Webhook Kettle', price_cents: 2400 } },
    })
  })

  it('sends nothing to an endpoint not subscribed to the type, or switched off', async () => {
    const { user, call } = await admin()
    const other = receiverUrl('ok')
    await newEndpoint(call, other.url, ['order.paid'])
    const off = receiverUrl('ok')
    const offEndpoint = await newEndpoint(call, off.url, ['product.updated'])
    expect((await call('PATCH', `/endpoints/${offEndpoint.endpoint.id}`, { is_active: false })).status).toBe(200)
    const product = await insertProduct()
    await callJson('PATCH', `/api/admin/products/${product.id}`, { name: 'Renamed for nobody' }, user.bearer)
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    expect(await received(other.key)).toEqual([])
    expect(await received(off.key)).toEqual([])
  })

  it('makes one event and one delivery however often the same cause is dispatched, and sends it once', async () => {
    const { call } = await admin()
    const { key, url } = receiverUrl('ok')
    const { endpoint } = await newEndpoint(call, url, ['order.paid'])
    const event = { type: 'order.paid' as const, sourceKey: `outbox:${crypto.randomUUID()}`, data: { order_id: 'ord_1', total_cents: 4200 }, createdAt: Date.now() }
    const first = await recordWebhookEvent(env, event)
    const again = await recordWebhookEvent(env, event)
    expect(again).toBe(first)
    const deliveries = await getDb(env).select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id))
    expect(deliveries).toHaveLength(1)
    const requests = await receivedAtLeast(key, 1)
    expect(requests).toHaveLength(1)
    expect(JSON.parse(requests[0]!.body)).toMatchObject({ id: first, type: 'order.paid', data: { total_cents: 4200 } })
  })

  it('sends an attempt once when its message is delivered twice', async () => {
    const { call } = await admin()
    const { key, url } = receiverUrl('ok')
    const { endpoint } = await newEndpoint(call, url, ['order.shipped'])
    const [row] = await recordQuietly({ type: 'order.shipped', data: { order_id: 'ord_2' }, createdAt: Date.now(), endpointId: endpoint.id })
    const message = { delivery_id: row!.delivery.id, attempt: 1 }
    const batch = createMessageBatch(WEBHOOK_QUEUE_NAME, [
      { id: 'twice-1', timestamp: new Date(), attempts: 1, body: message },
      { id: 'twice-2', timestamp: new Date(), attempts: 1, body: message },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks.sort()).toEqual(['twice-1', 'twice-2'])
    expect(result.retryMessages).toEqual([])
    expect(await received(key)).toHaveLength(1)
    expect((await deliveryRow(row!.delivery.id))).toMatchObject({ status: 'succeeded', attempts: 1 })
  })
})

describe('retries', () => {
  it('retries a failing receiver on the schedule and records every attempt', async () => {
    const { user, call } = await admin()
    const { key, url } = receiverUrl('fail-2')
    const { endpoint, secret } = await newEndpoint(call, url, ['order.refunded'])
    const t0 = Date.now()
    const [row] = await recordQuietly({ type: 'order.refunded', data: { order_id: 'ord_3' }, createdAt: t0, endpointId: endpoint.id })
    const id = row!.delivery.id

    await attempt(id, 1, t0)
    expect(await deliveryRow(id)).toMatchObject({ status: 'pending', attempts: 1, lastResponseCode: 500, nextAttemptAt: t0 + MINUTE })
    await attempt(id, 2, t0 + MINUTE)
    expect(await deliveryRow(id)).toMatchObject({ status: 'pending', attempts: 2, lastResponseCode: 500, nextAttemptAt: t0 + 6 * MINUTE })
    // The endpoint's page says since when it fails.
    expect((await call('GET', `/endpoints/${endpoint.id}`)).body).toMatchObject({ failing_since: new Date(t0).toISOString(), is_active: true })
    await attempt(id, 3, t0 + 6 * MINUTE)
    expect(await deliveryRow(id)).toMatchObject({ status: 'succeeded', attempts: 3, lastResponseCode: 200, nextAttemptAt: null })
    expect((await attemptsOf(id)).map((a) => [a.attempt, a.responseCode, a.succeeded])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ])
    // The delivery log lists every attempt, in the API and on the endpoint's page.
    const log = await call<{ items: { id: number; attempt_log: { attempt: number; succeeded: boolean; response_code: number | null }[] }[] }>('GET', `/endpoints/${endpoint.id}/deliveries`)
    expect(log.body.items.find((d) => d.id === id)?.attempt_log.map((a) => [a.attempt, a.succeeded, a.response_code])).toEqual([
      [1, false, 500],
      [2, false, 500],
      [3, true, 200],
    ])
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const page = await (await browser.fetch(`/admin/webhooks/${endpoint.id}`)).text()
    expect(page.match(/failed, HTTP 500/g)).toHaveLength(2)
    expect(page).toContain('delivered, HTTP 200')
    // Each attempt is signed at its own time, with the same event id for the receiver to deduplicate by.
    const requests = await received(key)
    expect(requests).toHaveLength(3)
    expect(new Set(requests.map((r) => JSON.parse(r.body).id)).size).toBe(1)
    for (const [i, r] of requests.entries()) expect(await verifies(secret, r.headers['cato-signature']!, r.body, Math.floor([t0, t0 + MINUTE, t0 + 6 * MINUTE][i]! / 1000))).toBe(true)
    // A signature older than the 300 s tolerance is refused (a replay).
    expect(await verifies(secret, requests[0]!.headers['cato-signature']!, requests[0]!.body, Math.floor(t0 / 1000) + 301)).toBe(false)
    // A success ends the failing streak.
    expect((await call('GET', `/endpoints/${endpoint.id}`)).body).toMatchObject({ failing_since: null })
  })

  it('tries after 1 min, 5 min, 30 min, 2 h, 6 h, then every 12 h, and gives up 3 days after the event', async () => {
    const { call } = await admin()
    const { url } = receiverUrl('always-503')
    const { endpoint } = await newEndpoint(call, url, ['order.cancelled'])
    const t0 = Date.now()
    const [row] = await recordQuietly({ type: 'order.cancelled', data: { order_id: 'ord_4' }, createdAt: t0, endpointId: endpoint.id })
    const id = row!.delivery.id
    const gaps: number[] = []
    let now = t0
    for (let n = 1; n <= 20; n++) {
      await attempt(id, n, now)
      const after = await deliveryRow(id)
      if (after!.status !== 'pending') break
      gaps.push(after!.nextAttemptAt! - now)
      now = after!.nextAttemptAt!
    }
    expect(gaps).toEqual([MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR, 12 * HOUR, 12 * HOUR, 12 * HOUR, 12 * HOUR, 12 * HOUR])
    expect(await deliveryRow(id)).toMatchObject({ status: 'failed', attempts: 11, lastResponseCode: 503, nextAttemptAt: null })
    expect(now - t0).toBeLessThan(3 * DAY)
  })

  it('gives up on an attempt that times out and retries it', async () => {
    const { call } = await admin()
    const { url } = receiverUrl('slow-3000')
    const { endpoint } = await newEndpoint(call, url, ['order.created'])
    const t0 = Date.now()
    const [row] = await recordQuietly({ type: 'order.created', data: {}, createdAt: t0, endpointId: endpoint.id })
    const batch = createMessageBatch(WEBHOOK_QUEUE_NAME, [{ id: 'slow', timestamp: new Date(), attempts: 1, body: { delivery_id: row!.delivery.id, attempt: 1 } }])
    await handleWebhookBatch(batch, env, { now: t0, timeoutMs: 300 })
    expect(await deliveryRow(row!.delivery.id)).toMatchObject({ status: 'pending', attempts: 1, lastResponseCode: null, lastError: 'timed out after 300 ms', nextAttemptAt: t0 + MINUTE })
  })

  it('disables an endpoint none of whose deliveries succeeded for 3 days, with an audit entry and a notice on its page', async () => {
    const { user, call } = await admin()
    const { url } = receiverUrl('always-500')
    const { endpoint } = await newEndpoint(call, url, ['order.paid'])
    const t0 = Date.now()
    const [early] = await recordQuietly({ type: 'order.paid', data: { n: 1 }, createdAt: t0, endpointId: endpoint.id })
    await attempt(early!.delivery.id, 1, t0)
    const [late] = await recordQuietly({ type: 'order.paid', data: { n: 2 }, createdAt: t0 + 2 * DAY, endpointId: endpoint.id })
    await attempt(late!.delivery.id, 1, t0 + 2 * DAY)
    expect((await call('GET', `/endpoints/${endpoint.id}`)).body).toMatchObject({ is_active: true })
    await attempt(late!.delivery.id, 2, t0 + 3 * DAY)

    const disabled = (await call('GET', `/endpoints/${endpoint.id}`)).body
    expect(disabled).toMatchObject({ is_active: false, disabled_at: new Date(t0 + 3 * DAY).toISOString() })
    expect(disabled.disabled_reason).toContain('3 days')
    // Its other pending delivery ends too; no more attempts are made.
    expect(await deliveryRow(early!.delivery.id)).toMatchObject({ status: 'failed', lastError: 'endpoint disabled' })
    const audit = await getDb(env).select().from(auditLog).where(and(eq(auditLog.action, 'webhook_endpoint.disable'), eq(auditLog.targetId, String(endpoint.id))))
    expect(audit).toHaveLength(1)
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const page = await (await browser.fetch(`/admin/webhooks/${endpoint.id}`)).text()
    // In staff's locale (en-GB without Accept-Language) and the store's time zone (UTC unless set).
    expect(page).toContain(`Disabled on ${formatDateTime(t0 + 3 * DAY, { locale: localeOf(null), timeZone: 'UTC' })}:`)
    // Turning it back on gives it a clean slate.
    expect((await call('PATCH', `/endpoints/${endpoint.id}`, { is_active: true })).body).toMatchObject({ is_active: true, disabled_at: null, failing_since: null })
  })
})

describe('secrets and resends', () => {
  it('signs with both the new and the previous secret during the grace period after a rotation, then with the new one only', async () => {
    const { call } = await admin()
    const { key, url } = receiverUrl('ok')
    const { endpoint, secret: old } = await newEndpoint(call, url, ['order.paid'])
    const rotated = await call<{ secret: string; endpoint: { previous_secret_expires_at: string } }>('POST', `/endpoints/${endpoint.id}/rotate-secret`, { grace_hours: 24 })
    expect(rotated.status).toBe(200)
    expect(rotated.body.secret).not.toBe(old)
    const now = Date.now()
    const [during] = await recordQuietly({ type: 'order.paid', data: {}, createdAt: now, endpointId: endpoint.id })
    await attempt(during!.delivery.id, 1, now)
    const [after] = await recordQuietly({ type: 'order.paid', data: {}, createdAt: now + 25 * HOUR, endpointId: endpoint.id })
    await attempt(after!.delivery.id, 1, now + 25 * HOUR)

    const [first, second] = await received(key)
    const signatures = (r: ReceivedWebhook) => r.headers['cato-signature']!.split(',').filter((p) => p.startsWith('v1='))
    expect(signatures(first!)).toHaveLength(2)
    expect(await verifies(rotated.body.secret, first!.headers['cato-signature']!, first!.body, Math.floor(now / 1000))).toBe(true)
    expect(await verifies(old, first!.headers['cato-signature']!, first!.body, Math.floor(now / 1000))).toBe(true)
    expect(signatures(second!)).toHaveLength(1)
    expect(await verifies(rotated.body.secret, second!.headers['cato-signature']!, second!.body, Math.floor((now + 25 * HOUR) / 1000))).toBe(true)
    expect(await verifies(old, second!.headers['cato-signature']!, second!.body, Math.floor((now + 25 * HOUR) / 1000))).toBe(false)
  })

  it('stores the secret sealed, never as it was shown', async () => {
    const { call } = await admin()
    const { endpoint, secret } = await newEndpoint(call, receiverUrl().url)
    const row = await getDb(env).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id)).get()
    expect(row!.secretSealed).toMatch(/^v1\./)
    expect(JSON.stringify(row)).not.toContain(secret.slice(6))
  })

  it('resends a delivery as a new attempt with the same event id', async () => {
    const { call } = await admin()
    const { key, url } = receiverUrl('ok')
    const { endpoint } = await newEndpoint(call, url, ['order.paid'])
    const sent = await call<{ event_id: string }>('POST', `/endpoints/${endpoint.id}/test`)
    expect(sent.status).toBe(202)
    await receivedAtLeast(key, 1)
    const log = await call<{ items: { id: number; status: string }[] }>('GET', `/endpoints/${endpoint.id}/deliveries`)
    expect(log.body.items).toMatchObject([{ status: 'succeeded' }])
    const resent = await call('POST', `/endpoints/${endpoint.id}/deliveries/${log.body.items[0]!.id}/resend`)
    expect(resent).toMatchObject({ status: 202, body: { attempt: 2 } })
    const requests = await receivedAtLeast(key, 2)
    expect(requests.map((r) => JSON.parse(r.body))).toMatchObject([
      { id: sent.body.event_id, type: 'webhook.test' },
      { id: sent.body.event_id, type: 'webhook.test' },
    ])
    expect(requests.map((r) => r.headers['cato-delivery-attempt'])).toEqual(['1', '2'])
    // A delivery of another endpoint is not this one's to resend.
    expect((await call('POST', `/endpoints/${endpoint.id}/deliveries/999999999/resend`)).status).toBe(404)
  })
})

describe('order events', () => {
  it('sends an order placed to its subscriber once, from the outbox, with the order as its data', async () => {
    const { call } = await admin()
    const { key, url } = receiverUrl('ok')
    const { secret } = await newEndpoint(call, url, ['order.created'])
    const product = await insertProduct({ priceCents: 2500, stockQuantity: 5 })
    const order = await placeOrder(await registerUser(), [{ product_id: product.id, quantity: 2 }])
    expect(order.status).toBe(201)
    const requests = await receivedAtLeast(key, 1)
    expect(requests).toHaveLength(1)
    const body = JSON.parse(requests[0]!.body)
    expect(body).toMatchObject({ type: 'order.created', data: { order_id: order.body.id, total_cents: 5000, lines: [{ product_id: product.id, quantity: 2 }] } })
    expect(await verifies(secret, requests[0]!.headers['cato-signature']!, requests[0]!.body)).toBe(true)
  })
})

describe('stock.changed', () => {
  it('records the delivery in the stock write-through batch and the sweep sends it', async () => {
    const { user, call } = await admin()
    const { key, url } = receiverUrl('ok')
    const { endpoint } = await newEndpoint(call, url, ['stock.changed'])
    const product = await insertProduct({ stockQuantity: 3 })
    expect((await callJson('PATCH', `/api/admin/products/${product.id}`, { stock_adjustment: 4 }, user.bearer)).status).toBe(200)
    const rows = await getDb(env)
      .select({ delivery: webhookDeliveries, event: webhookEvents })
      .from(webhookDeliveries)
      .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
      .where(eq(webhookDeliveries.endpointId, endpoint.id))
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ delivery: { status: 'pending', attempts: 0 }, event: { type: 'stock.changed', data: { product_id: product.id, on_hand: 7, available: 7 } } })
    // The minute's sweep sends what is due and was never sent.
    await runCron(MINUTE_CRON, Date.now() + 2 * MINUTE)
    const [request] = await receivedAtLeast(key, 1)
    expect(JSON.parse(request!.body)).toMatchObject({ type: 'stock.changed', data: { product_id: product.id, on_hand: 7 } })
  })
})

describe('admin pages', () => {
  it('creates an endpoint from the form, shows its secret once and lists it; customers are refused', async () => {
    const { user } = await admin()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const { url } = receiverUrl('ok')
    const body = new URLSearchParams([['url', url], ['description', 'ERP'], ['event_types', 'order.paid'], ['event_types', 'order.shipped'], ['is_active', 'on'], ['_csrf', await browser.csrfFrom('/admin/webhooks')]])
    const created = await browser.fetch('/admin/webhooks', { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } })
    expect(created.status).toBe(201)
    const html = await created.text()
    const secret = /id="webhook-secret"[^>]*value="(whsec_[^"]+)"/.exec(html)?.[1] ?? /value="(whsec_[^"]+)"/.exec(html)?.[1]
    expect(secret).toBeDefined()
    const list = await (await browser.fetch('/admin/webhooks')).text()
    expect(list).toContain(url)
    expect(list).not.toContain(secret!)

    const bad = new URLSearchParams([['url', 'nonsense'], ['_csrf', await browser.csrfFrom('/admin/webhooks')]])
    const refused = await browser.fetch('/admin/webhooks', { method: 'POST', body: bad, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('choose at least one event type')

    const customer = new Browser()
    const shopper = await callJson<{ user: { email: string } }>('POST', '/api/auth/register', { email: `c-${Date.now()}@example.com`, password: 'correct horse battery', name: 'C' })
    await customer.submit('/account/sign-in', '/account/sign-in', { email: shopper.body.user.email, password: 'correct horse battery' })
    expect((await customer.fetch('/admin/webhooks')).status).toBe(403)
    const staff = await staffUser('staff')
    expect((await callJson('GET', '/api/admin/webhooks/endpoints', undefined, staff.bearer)).status).toBe(403)
  })
})

describe('retention', () => {
  it('prunes events 30 days old with their deliveries and attempts, and keeps younger ones', async () => {
    const { call } = await admin()
    const { endpoint } = await newEndpoint(call, receiverUrl('ok').url, ['order.paid'])
    const t0 = Date.now()
    const [old] = await recordQuietly({ type: 'order.paid', data: {}, createdAt: t0, endpointId: endpoint.id })
    await attempt(old!.delivery.id, 1, t0)
    const [young] = await recordQuietly({ type: 'order.paid', data: {}, createdAt: t0 + 29 * DAY, endpointId: endpoint.id })
    await pruneExpired(env, { now: t0 + 30 * DAY })
    expect(await deliveryRow(old!.delivery.id)).toBeUndefined()
    expect(await attemptsOf(old!.delivery.id)).toEqual([])
    expect(await deliveryRow(young!.delivery.id)).toBeDefined()
  })
})
