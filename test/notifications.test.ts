import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { markDelivered, markShipped } from '../src/admin/orders'
import { getDb } from '../src/db/client'
import { backInStockRequests, marketingOptOuts, outbox } from '../src/db/schema'
import { stockOf } from '../src/stock/client'
import { deliverOutbox, NOTIFY_DLQ_NAME, NOTIFY_QUEUE_NAME, retryDelaySeconds } from '../src/notifications/consumer'
import { onOutboxEvent } from '../src/notifications/dispatch'
import { orderOutboxInsert, outboxInsert, outboxRow, type OrderEventPayload } from '../src/notifications/outbox'
import { sweepOutbox } from '../src/notifications/sweep'
import { trackingUrl } from '../src/notifications/carriers'
import { localCheckoutFor, startCheckout } from '../src/payments/checkout'
import { handleStripeEvent } from '../src/payments/events'
import { localCheckoutEvent } from '../src/payments/local'
import { refundOrder } from '../src/payments/refunds'
import { cancelOrder } from '../src/payments/cancel'
import type { FakeSentEmail } from './fake-mail'
import { BASE, Browser, callJson, insertProduct, registerUser, staffUser, uniqueEmail } from './helpers'
import type { ErrorBody } from '../src/platform/errors'
import { mailsTo, outboxOf } from './mail-helpers'
import { defaultVariant, placeOrder, runOutHolds, shopper, type Shopper } from './orders-helpers'
import { viewerOf } from './payments-helpers'

/** The Worker with a mail provider: Resend (the fake of test/fake-mail.ts) instead of the dev mailbox. */
const RESEND_ENV: Env = { ...env, MAIL_API_KEY: 're_test_notifications', MAIL_FROM: 'Cato-Store <shop@cato-store.test>' }

const resendSent = async (): Promise<{ requests: number; sent: FakeSentEmail[] }> => (await fetch('https://api.resend.com/__fake__/emails')).json()
const sentWithKey = async (id: string) => (await resendSent()).sent.filter((mail) => mail.idempotencyKey === id)
const failNextSends = (to: string, times: number) => fetch(`https://api.resend.com/__fake__/fail?to=${encodeURIComponent(to)}&times=${times}`, { method: 'POST' })

/** Runs the Worker's queue handler on one batch, as the Queues runtime would, and answers what it acked and retried. */
async function consume(queue: string, ids: string[], { attempts = 1, environment = env }: { attempts?: number; environment?: Env } = {}) {
  const batch = createMessageBatch(
    queue,
    ids.map((id, i) => ({ id: `msg-${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body: { id } })),
  )
  // The delay each retry asked for (the pool's result names retried messages, not their delays).
  const delays: (number | undefined)[] = []
  for (const message of batch.messages) {
    const retry = message.retry.bind(message)
    Object.defineProperty(message, 'retry', { value: (options?: QueueRetryOptions) => (delays.push(options?.delaySeconds), retry(options)) })
  }
  const ctx = createExecutionContext()
  await worker.queue(batch, environment, ctx)
  return { ...(await getQueueResult(batch, ctx)), delays }
}

/**
 * An outbox row written as a change writes it, but never handed to the queue: the queue's own consumer
 * (running in the background of the tests, without a provider) cannot get to it first.
 */
async function unsentRow(email: string, type: 'account.registered' | 'order.created' = 'account.registered', orderId?: string) {
  const db = getDb(env)
  const note = type === 'order.created' && orderId ? orderOutboxInsert(db, type, orderId) : outboxInsert(db, { type, payload: { name: 'Test Shopper', email }, recipient: email })
  await db.batch([note.statement])
  return note.id
}

const typesOf = async (email: string) => (await outboxOf(email)).map((row) => row.type)

async function orderOf(who: Shopper, quantity = 1, priceCents = 2500) {
  const product = await insertProduct({ priceCents, stockQuantity: 10 })
  const placed = await placeOrder(who, [{ product_id: product.id, quantity }])
  if (placed.status !== 201) throw new Error(`order answered ${placed.status}`)
  return { product, orderId: placed.body.id }
}

async function paidOrderOf(who: Shopper) {
  const order = await orderOf(who)
  const viewer = viewerOf(who)
  const { url } = await startCheckout(env, viewer, order.orderId, BASE)
  const { payment } = await localCheckoutFor(env, viewer, url.split('/').pop() as string)
  await handleStripeEvent(env, localCheckoutEvent(payment, 'pay'))
  return order
}

const actorOf = async () => {
  const staff = await staffUser()
  return { id: staff.user.id, email: staff.email, name: staff.name, role: 'staff' as const, tokenVersion: 0 }
}

describe('the outbox: each change writes its message in its own batch', () => {
  it('placing an order writes order.created with the order as it was placed: status, totals and lines', async () => {
    const who = await shopper()
    const { product, orderId } = await orderOf(who, 2, 1250)
    const [row] = (await outboxOf(who.email)).filter((r) => r.type === 'order.created')
    const payload = row?.payload as unknown as OrderEventPayload
    expect(payload).toMatchObject({ order_id: orderId, status: 'pending_payment', currency: 'USD', subtotal_cents: 2500, total_cents: 2500 })
    expect(payload.lines).toEqual([
      { product_id: product.id, variant_id: await defaultVariant(product.id), name: product.name, variant_title: 'Default', sku: null, option_values: [], quantity: 2, unit_price_cents: 1250, line_total_cents: 2500 },
    ])
  })

  it('writes welcome, paid, shipped (carrier, tracking), delivered and a full refund, once each', async () => {
    const who = await shopper()
    const { orderId } = await paidOrderOf(who)
    const actor = await actorOf()
    await markShipped(env, actor, orderId, { carrier: 'UPS', tracking_number: '1Z999AA10123456784' })
    await markDelivered(env, actor, orderId)
    await refundOrder(env, orderId, { restock: false, reason: 'returned' })
    expect(await typesOf(who.email)).toEqual(['account.registered', 'order.created', 'order.paid', 'order.shipped', 'order.delivered', 'order.refunded'])
    const rows = await outboxOf(who.email)
    expect(rows.find((r) => r.type === 'order.shipped')?.payload).toMatchObject({ status: 'shipped', shipment: { carrier: 'UPS', tracking_number: '1Z999AA10123456784' } })
    expect(rows.find((r) => r.type === 'order.refunded')?.payload).toMatchObject({ status: 'refunded', refund: { refunded_cents: 2500, full: true } })
  })

  it('a partial refund says so; a cancelled order writes order.cancelled', async () => {
    const who = await shopper()
    const { orderId } = await paidOrderOf(who)
    await refundOrder(env, orderId, { amountCents: 500, restock: false, reason: 'goodwill' })
    const pending = await orderOf(who)
    await cancelOrder(env, pending.orderId)
    const rows = await outboxOf(who.email)
    expect(rows.find((r) => r.type === 'order.refunded')?.payload).toMatchObject({ order_id: orderId, refund: { refunded_cents: 500, full: false } })
    expect(rows.find((r) => r.type === 'order.cancelled')?.payload).toMatchObject({ order_id: pending.orderId, status: 'cancelled' })
  })

  it('a declined payment writes order.payment_failed once, however often it is reported; an expiry writes order.expired', async () => {
    const who = await shopper()
    const { orderId, product } = await orderOf(who)
    const viewer = viewerOf(who)
    const { url } = await startCheckout(env, viewer, orderId, BASE)
    const { payment } = await localCheckoutFor(env, viewer, url.split('/').pop() as string)
    const declined = localCheckoutEvent(payment, 'decline')
    await handleStripeEvent(env, declined)
    await handleStripeEvent(env, declined)
    await handleStripeEvent(env, localCheckoutEvent(payment, 'decline'))
    expect((await typesOf(who.email)).filter((t) => t === 'order.payment_failed')).toHaveLength(1)
    await runOutHolds(product.id)
    const expired = (await outboxOf(who.email)).filter((r) => r.type === 'order.expired')
    expect(expired.map((r) => r.payload)).toEqual([expect.objectContaining({ order_id: orderId, status: 'expired' })])
    const mail = (await mailsTo(who.email)).find((m) => m.subject.includes('expired'))
    expect(mail?.text).toContain('back in your cart')
  })

  it('a change that fails writes no message: a shipment D1 refuses leaves the order paid and no order.shipped', async () => {
    const who = await shopper()
    const { orderId } = await paidOrderOf(who)
    await env.DB.prepare(`CREATE TRIGGER injected_failure BEFORE INSERT ON shipments BEGIN SELECT RAISE(ABORT, 'injected failure'); END`).run()
    try {
      await expect(markShipped(env, await actorOf(), orderId, { carrier: 'DHL', tracking_number: 'X1' })).rejects.toThrow()
    } finally {
      await env.DB.prepare('DROP TRIGGER injected_failure').run()
    }
    expect(await typesOf(who.email)).not.toContain('order.shipped')
  })

  it('an illegal move writes nothing: shipping an unpaid order', async () => {
    const who = await shopper()
    const { orderId } = await orderOf(who)
    await expect(markShipped(env, await actorOf(), orderId, { carrier: 'DHL', tracking_number: null })).rejects.toMatchObject({ status: 409 })
    expect(await typesOf(who.email)).toEqual(['account.registered', 'order.created'])
  })

  it('a registration refused (email taken) writes no second welcome', async () => {
    const who = await registerUser()
    await expect(registerUser({ email: who.email })).rejects.toThrow(/409/)
    expect(await typesOf(who.email)).toEqual(['account.registered'])
  })
})

describe('the consumer', () => {
  it('sends a message delivered twice once: the provider gets one mail for the outbox id', async () => {
    const who = await shopper()
    const { orderId } = await orderOf(who)
    const id = await unsentRow(who.email, 'order.created', orderId)
    const result = await consume(NOTIFY_QUEUE_NAME, [id, id], { environment: RESEND_ENV })
    expect(result.explicitAcks).toHaveLength(2)
    expect(await consume(NOTIFY_QUEUE_NAME, [id], { environment: RESEND_ENV }).then((r) => r.explicitAcks)).toHaveLength(1)
    const sent = await sentWithKey(id)
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ to: [who.email], subject: `Order ${orderId.slice(0, 8).toUpperCase()} received` })
    expect((await outboxRow(getDb(env), id))?.state).toBe('sent')
  })

  it('retries a failing provider with a growing delay, then sends once', async () => {
    const email = uniqueEmail('flaky')
    await failNextSends(email, 2)
    const id = await unsentRow(email)
    const first = await consume(NOTIFY_QUEUE_NAME, [id], { environment: RESEND_ENV, attempts: 1 })
    expect(first.retryMessages).toHaveLength(1)
    expect(first.delays).toEqual([retryDelaySeconds(1)])
    const failed = await outboxRow(getDb(env), id)
    expect(failed).toMatchObject({ state: 'failed', attempts: 1 })
    expect(failed?.lastError).toContain('Resend answered 500')
    const second = await consume(NOTIFY_QUEUE_NAME, [id], { environment: RESEND_ENV, attempts: 2 })
    expect(second.delays).toEqual([retryDelaySeconds(2)])
    expect([1, 2, 3, 4, 5].map(retryDelaySeconds)).toEqual([30, 60, 120, 240, 480])
    const third = await consume(NOTIFY_QUEUE_NAME, [id], { environment: RESEND_ENV, attempts: 3 })
    expect(third.explicitAcks).toHaveLength(1)
    expect(await sentWithKey(id)).toHaveLength(1)
    expect(await outboxRow(getDb(env), id)).toMatchObject({ state: 'sent', attempts: 3, lastError: null })
  })

  it('records a clear error outside development without a provider, and sends nothing', async () => {
    const id = await unsentRow(uniqueEmail('unconfigured'))
    const production: Env = { ...env, ENVIRONMENT: 'production', MAIL_API_KEY: undefined, AUTH_SECRET: 'a-real-secret-of-this-deployment-0123456789', STORE_NAME: 'Shop', STORE_ADDRESS: '1 Road', STORE_URL: 'https://shop.test' }
    await expect(deliverOutbox(production, id)).rejects.toThrow(/MAIL_API_KEY is not set/)
    expect((await outboxRow(getDb(env), id))?.lastError).toMatch(/MAIL_API_KEY is not set/)
    const noIdentity: Env = { ...RESEND_ENV, ENVIRONMENT: 'production' }
    await expect(deliverOutbox(noIdentity, id)).rejects.toThrow(/STORE_NAME, STORE_ADDRESS, STORE_URL are not set/)
    expect(await sentWithKey(id)).toEqual([])
  })

  it('marks the row dead when its message lands in the dead-letter queue, and a replay sends it', async () => {
    // A row the queue was never handed (a registration's own message, delivered in the background by the
    // pool's real consumer, could race the states this test sets).
    const email = uniqueEmail('dead')
    const id = await unsentRow(email)
    await getDb(env).update(outbox).set({ state: 'failed', attempts: 6, lastError: 'Resend answered 500' }).where(eq(outbox.id, id))
    await consume(NOTIFY_DLQ_NAME, [id])
    expect(await outboxRow(getDb(env), id)).toMatchObject({ state: 'dead', lastError: 'Resend answered 500' })
    const staff = await staffUser()
    const listed = await callJson<{ items: { id: string; state: string; attempts: number; last_error: string }[] }>('GET', '/api/admin/outbox?state=dead', undefined, staff.bearer)
    // The row as D1 has it rides along, to say what moved it if this ever fails.
    expect({ listed: listed.body.items.find((item) => item.id === id), row: await outboxRow(getDb(env), id) }).toMatchObject({ listed: { state: 'dead', attempts: 6, last_error: 'Resend answered 500' } })
    const replayed = await callJson<{ state: string }>('POST', `/api/admin/outbox/${id}/replay`, undefined, staff.bearer)
    expect({ ...replayed, row: await outboxRow(getDb(env), id) }).toMatchObject({ status: 200, body: { state: 'pending' } })
    expect((await callJson<ErrorBody>('POST', `/api/admin/outbox/${id}/replay`, undefined, staff.bearer)).status).toBe(409)
    expect(await deliverOutbox(env, id)).toBe('sent')
    expect((await mailsTo(email)).map((m) => m.subject)).toEqual([expect.stringContaining('Welcome')])
    expect((await callJson<ErrorBody>('GET', '/api/admin/outbox', undefined, (await registerUser()).bearer)).status).toBe(403)
    expect((await callJson<ErrorBody>('POST', '/api/admin/outbox/not-a-uuid/replay', undefined, staff.bearer)).status).toBe(400)
  })

  it('lists dead messages on the admin page and replays one from its CSRF-protected form', async () => {
    const email = uniqueEmail('page-dead')
    const id = await unsentRow(email)
    await getDb(env).update(outbox).set({ state: 'dead', attempts: 6, lastError: 'MAIL_API_KEY is not set' }).where(eq(outbox.id, id))
    const staff = await staffUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: staff.email, password: staff.password })
    const page = await (await browser.fetch('/admin/outbox?state=dead')).text()
    expect(page).toContain(email)
    expect(page).toContain('MAIL_API_KEY is not set')
    expect((await browser.submit('/admin/outbox', `/admin/outbox/${id}/replay`, {}, { csrf: false })).status).toBe(403)
    expect((await outboxRow(getDb(env), id))?.state).toBe('dead')
    const replayed = await browser.submit('/admin/outbox', `/admin/outbox/${id}/replay`, {})
    expect(replayed.status).toBe(303)
    expect((await outboxRow(getDb(env), id))?.state).not.toBe('dead')
  })

  it('runs the handlers an integration registers for the event type, with the event id', async () => {
    const seen: { id: string; type: string; orderId: unknown }[] = []
    const off = onOutboxEvent(['order.created'], async (_env, event) => {
      seen.push({ id: event.id, type: event.type, orderId: event.payload['order_id'] })
    })
    try {
      const who = await shopper()
      const { orderId } = await orderOf(who)
      const row = (await outboxOf(who.email)).find((r) => r.type === 'order.created')
      await deliverOutbox(env, row?.id as string)
      expect(seen.filter((s) => s.orderId === orderId)).toEqual([{ id: row?.id, type: 'order.created', orderId }])
    } finally {
      off()
    }
  })
})

describe('the sweep', () => {
  it('re-enqueues a row never sent once it is a minute old, and leaves fresh and sent rows alone', async () => {
    const db = getDb(env)
    const email = uniqueEmail('sweep')
    const lost = outboxInsert(db, { type: 'account.registered', payload: { name: 'Lost', email }, recipient: email })
    const fresh = outboxInsert(db, { type: 'account.registered', payload: { name: 'Fresh', email }, recipient: email })
    await db.batch([lost.statement, fresh.statement])
    await db.update(outbox).set({ createdAt: Date.now() - 5 * 60_000 }).where(eq(outbox.id, lost.id))
    const sent: string[] = []
    const queue = { sendBatch: async (messages: Iterable<MessageSendRequest<{ id: string }>>) => void sent.push(...[...messages].map((m) => m.body.id)) } as unknown as Queue
    const ids = await sweepOutbox({ ...env, NOTIFY_QUEUE: queue })
    expect(ids).toContain(lost.id)
    expect(sent).toContain(lost.id)
    expect(sent).not.toContain(fresh.id)
    await deliverOutbox(env, lost.id)
    expect(await sweepOutbox({ ...env, NOTIFY_QUEUE: queue })).not.toContain(lost.id)
  })
})

describe('the mails', () => {
  it('the shipped mail names the carrier and tracking number and links to the carrier and the order', async () => {
    const who = await shopper()
    const { orderId, product } = await paidOrderOf(who)
    await markShipped(env, await actorOf(), orderId, { carrier: 'Royal Mail', tracking_number: 'AB123456789GB' })
    const mail = (await mailsTo(who.email)).find((m) => m.subject.includes('on its way'))
    expect(mail?.html).toContain('https://www.royalmail.com/track-your-item#/tracking-results/AB123456789GB')
    expect(mail?.html).toContain(`/orders/${orderId}`)
    expect(mail?.html).toContain(product.name)
    expect(mail?.html).toContain('<meta name="color-scheme" content="light dark"')
    expect(mail?.text).toContain('Tracking number: AB123456789GB')
    expect(mail?.text).toContain('Total: $25.00')
    expect(mail?.text).toContain('1 Example Street')
  })

  it('links known carriers only', () => {
    expect(trackingUrl('UPS', '1Z 999')).toBe('https://www.ups.com/track?tracknum=1Z%20999')
    expect(trackingUrl('fedex', '123')).toContain('fedex.com')
    expect(trackingUrl('Pigeon Post', '123')).toBeNull()
    expect(trackingUrl('DHL', null)).toBeNull()
  })

  it('the password-reset row forgets its link once the mail is sent', async () => {
    const who = await registerUser()
    const { requestPasswordReset } = await import('../src/accounts/service')
    await requestPasswordReset(env, who.email, BASE, new Headers({ 'CF-Connecting-IP': crypto.randomUUID() }))
    const mail = (await mailsTo(who.email)).find((m) => m.subject.includes('Reset'))
    expect(mail?.text).toMatch(/\/account\/password\/reset\?token=/)
    const row = (await getDb(env).select().from(outbox).where(and(eq(outbox.recipient, who.email), eq(outbox.type, 'account.password_reset'))))[0]
    expect(row?.payload).toEqual({ redacted: true })
  })
})

describe('the dev mailbox', () => {
  it('lists every mail kept in development and shows its HTML (sandboxed) and text parts', async () => {
    const who = await registerUser()
    const [welcome] = await mailsTo(who.email)
    expect(welcome?.subject).toContain('Welcome')
    const staff = await staffUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: staff.email, password: staff.password })
    const list = await (await browser.fetch('/admin/mailbox')).text()
    expect(list).toContain(who.email)
    expect(list).toContain(`/admin/mailbox/${welcome?.id}`)
    const one = await (await browser.fetch(`/admin/mailbox/${welcome?.id}`)).text()
    expect(one).toContain('<iframe')
    const html = await browser.fetch(`/admin/mailbox/${welcome?.id}/html`)
    expect(html.headers.get('Content-Security-Policy')).toMatch(/^sandbox; default-src 'none'/)
    expect(await html.text()).toContain(`Welcome, ${who.name}`)
    const text = await browser.fetch(`/admin/mailbox/${welcome?.id}/text`)
    expect(text.headers.get('Content-Type')).toMatch(/^text\/plain/)
    expect(await text.text()).toContain('Unsubscribe from these emails: http')
    expect((await browser.fetch('/admin/mailbox/no-such-mail')).status).toBe(404)
  })

  it('does not exist outside development', async () => {
    const staff = await staffUser()
    const production = new Browser({ ...env, ENVIRONMENT: 'production', AUTH_SECRET: 'a-real-secret-of-this-deployment-0123456789' })
    await production.submit('/account/sign-in', '/account/sign-in', { email: staff.email, password: staff.password })
    expect((await production.fetch('/admin/mailbox')).status).toBe(404)
  })
})

describe('marketing opt-out', () => {
  it('the account page opts out of welcome and back-in-stock mail, never of order mail', async () => {
    const who = await shopper()
    expect(await mailsTo(who.email)).toHaveLength(1) // the welcome of the registration, before opting out
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: who.email, password: who.password })
    expect(await (await browser.fetch('/account')).text()).toMatch(/name="marketing" value="on" checked/)
    const saved = await browser.submit('/account', '/account/marketing', {})
    expect(saved.headers.get('Location')).toBe('/account?saved=marketing')
    expect(await (await browser.fetch('/account')).text()).not.toMatch(/name="marketing" value="on" checked/)
    await unsentRow(who.email)
    await orderOf(who)
    const subjects = (await mailsTo(who.email)).map((m) => m.subject)
    expect(subjects.filter((s) => s.includes('Welcome'))).toHaveLength(1)
    expect(subjects.some((s) => s.includes('received'))).toBe(true)
    await browser.submit('/account', '/account/marketing', { marketing: 'on' })
    expect(await (await browser.fetch('/account')).text()).toMatch(/name="marketing" value="on" checked/)
  })

  it('the signed link of a marketing mail unsubscribes its address, and a tampered one nobody', async () => {
    const who = await registerUser()
    const [welcome] = await mailsTo(who.email)
    const link = /(https?:\/\/\S+\/notifications\/unsubscribe\?\S+)/.exec(welcome?.text ?? '')?.[1] as string
    const path = link.replace(/^https?:\/\/[^/]+/, '')
    const browser = new Browser()
    const tampered = path.replace(/sig=[0-9a-f]/, (m) => (m.endsWith('0') ? `${m.slice(0, -1)}1` : `${m.slice(0, -1)}0`))
    expect((await browser.fetch(tampered, { method: 'POST' })).status).toBe(400)
    expect((await browser.fetch(path.replace(encodeURIComponent(who.email), encodeURIComponent(uniqueEmail('other'))), { method: 'POST' })).status).toBe(400)
    const confirm = await browser.fetch(path)
    expect(await confirm.text()).toContain(`Unsubscribe ${who.email}`)
    const done = await browser.fetch(path, { method: 'POST' })
    expect(await done.text()).toContain('no more marketing email')
    await unsentRow(who.email)
    expect((await mailsTo(who.email)).filter((m) => m.subject.includes('Welcome'))).toHaveLength(1)
  })

  it('marketing mail sent through the provider carries List-Unsubscribe headers; order mail does not', async () => {
    const email = uniqueEmail('headers')
    const id = await unsentRow(email)
    await deliverOutbox(RESEND_ENV, id)
    const [sent] = await sentWithKey(id)
    expect(sent?.headers['List-Unsubscribe']).toMatch(/^<http.+\/notifications\/unsubscribe\?email=/)
    expect(sent?.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click')
    const who = await shopper()
    const { orderId } = await orderOf(who)
    const orderMail = await unsentRow(who.email, 'order.created', orderId)
    await deliverOutbox(RESEND_ENV, orderMail)
    expect((await sentWithKey(orderMail))[0]?.headers).toEqual({})
  })
})

describe('back in stock', () => {
  const ask = (browser: Browser, fields: Record<string, string>, origin: string | null = BASE) =>
    browser.fetch('/notifications/back-in-stock', {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(origin && { Origin: origin }) },
    })
  const waitingFor = (productId: number) => getDb(env).select().from(backInStockRequests).where(eq(backInStockRequests.productId, productId))

  it('a sold-out product page offers the form; one entry per address; a restock mails each address once', async () => {
    const product = await insertProduct({ stockQuantity: 0 })
    const page = await (await SELF.fetch(`${BASE}/products/${product.slug}`)).text()
    expect(page).toContain('action="/notifications/back-in-stock"')
    expect(page).toMatch(/Email me when it(&#39;|')s back/)
    const email = uniqueEmail('waiting')
    const browser = new Browser()
    const first = await ask(browser, { email, product_id: String(product.id) })
    expect(await first.text()).toContain('we will email')
    expect(await (await ask(browser, { email: email.toUpperCase(), product_id: String(product.id) })).text()).toContain('already on the list')
    expect(await waitingFor(product.id)).toHaveLength(1)

    await stockOf(env, product.id).adjust(product.id, 3)
    expect(await waitingFor(product.id)).toEqual([])
    const rows = (await outboxOf(email)).filter((r) => r.type === 'product.back_in_stock')
    expect(rows).toHaveLength(1)
    expect(rows[0]?.payload).toMatchObject({ product_id: product.id, name: product.name, slug: product.slug })
    const mails = (await mailsTo(email)).filter((m) => m.subject.includes('back in stock'))
    expect(mails).toHaveLength(1)
    expect(mails[0]?.html).toContain(`/products/${product.slug}`)

    await stockOf(env, product.id).adjust(product.id, -3)
    await stockOf(env, product.id).adjust(product.id, 2)
    expect((await outboxOf(email)).filter((r) => r.type === 'product.back_in_stock')).toHaveLength(1)
  })

  it('refuses a foreign Origin, a bad address, an unknown product; says so when it is in stock; rate limits', async () => {
    const soldOut = await insertProduct({ stockQuantity: 0 })
    const inStock = await insertProduct({ stockQuantity: 4 })
    const browser = new Browser()
    expect((await ask(browser, { email: uniqueEmail(), product_id: String(soldOut.id) }, 'https://evil.test')).status).toBe(403)
    expect((await ask(browser, { email: 'not-an-email', product_id: String(soldOut.id) })).status).toBe(400)
    expect((await ask(browser, { email: uniqueEmail(), product_id: '999999999' })).status).toBe(404)
    const now = await ask(browser, { email: uniqueEmail(), product_id: String(inStock.id) })
    expect(await now.text()).toContain('in stock right now')
    expect(await waitingFor(inStock.id)).toEqual([])
    const spammer = new Browser()
    const answers = []
    for (let i = 0; i < 11; i++) answers.push((await ask(spammer, { email: uniqueEmail('spam'), product_id: String(soldOut.id) })).status)
    expect(answers.slice(0, 10).every((s) => s === 200)).toBe(true)
    expect(answers[10]).toBe(429)
  })

  it('an address that opted out of marketing is not mailed, and its entry is cleared', async () => {
    const product = await insertProduct({ stockQuantity: 0 })
    const email = uniqueEmail('quiet')
    await ask(new Browser(), { email, product_id: String(product.id) })
    await getDb(env).insert(marketingOptOuts).values({ email })
    await stockOf(env, product.id).adjust(product.id, 1)
    expect(await outboxOf(email)).toEqual([])
    expect(await waitingFor(product.id)).toEqual([])
  })
})
