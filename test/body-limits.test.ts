import { createExecutionContext, env, SELF } from 'cloudflare:test'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { capRequestBody, JSON_BODY_MAX_BYTES, REQUEST_MAX_BYTES } from '../src/platform/body-limit'
import { toErrorBody } from '../src/platform/errors'
import { WEBHOOK_BODY_MAX_BYTES } from '../src/payments/webhook'
import { BASE, Browser, insertProduct, staffUser as staff } from './helpers'
import { cartCall, cartCookieOf } from './orders-helpers'
import { signature } from './payments-helpers'

const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) => SELF.fetch(`${BASE}${path}`, { method: 'POST', body, headers, redirect: 'manual' })
const bytes = (n: number) => new Uint8Array(n).fill(0x61)

/** A body without a Content-Length: the limit has to count what it reads. */
function streamed(total: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close()
      const size = Math.min(chunk, total - sent)
      sent += size
      controller.enqueue(bytes(size))
    },
  })
}

async function expectJson413(response: Response) {
  expect(response.status).toBe(413)
  expect(response.headers.get('Content-Type')).toMatch(/application\/json/)
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('payload_too_large')
}

async function expectPage413(response: Response) {
  expect(response.status).toBe(413)
  expect(response.headers.get('Content-Type')).toMatch(/text\/html/)
  expect(await response.text()).toContain('is larger than')
}

describe('add to cart', () => {
  it('refuses an oversized shop form with a 413 page and adds nothing', async () => {
    const product = await insertProduct()
    const browser = new Browser()
    const form = new URLSearchParams({ product_id: String(product.id), quantity: '1', padding: 'x'.repeat(100 * 1024) })
    const answer = await browser.fetch('/cart/items', { method: 'POST', body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } })
    await expectPage413(answer)
    const cart = await browser.fetch('/cart')
    expect(await cart.text()).not.toContain(product.name)
  })

  it('refuses an oversized streamed shop form with a 413 page', async () => {
    // In-process (app.request): through SELF the client's upload would be cut off mid-stream by the early answer.
    const init = { method: 'POST', body: streamed(1024 * 1024), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } }
    await expectPage413(await worker.request(`${BASE}/cart/items`, init, env, createExecutionContext()))
  })

  it('refuses an oversized API body with a 413 in the error shape, declared or streamed, and adds nothing', async () => {
    const product = await insertProduct()
    const padded = JSON.stringify({ product_id: product.id, quantity: 1, note: 'x'.repeat(JSON_BODY_MAX_BYTES) })
    const declared = await post('/api/cart/items', padded, { 'Content-Type': 'application/json' })
    await expectJson413(declared)
    expect(cartCookieOf(declared.headers)).toBeUndefined()
    await expectJson413(await post('/api/cart/items', streamed(JSON_BODY_MAX_BYTES + 1), { 'Content-Type': 'application/json' }))
    const fine = await cartCall('POST', '/items', { product_id: product.id, quantity: 1 })
    expect(fine.status).toBe(200)
  })
})

describe('the Stripe webhook', () => {
  it('refuses a body over its limit with 413, signed or not', async () => {
    const payload = JSON.stringify({ id: 'evt_big', type: 'customer.created', data: { object: { padding: 'x'.repeat(WEBHOOK_BODY_MAX_BYTES) } } })
    await expectJson413(await post('/webhooks/stripe', payload, { 'Content-Type': 'application/json', 'Stripe-Signature': await signature(payload) }))
  })
})

describe('image uploads', () => {
  it(`refuse more than ${REQUEST_MAX_BYTES / 1024 / 1024} MB in one request: the API with JSON, the admin page with a page`, async () => {
    const who = await staff()
    const product = await insertProduct()
    const tooBig = bytes(REQUEST_MAX_BYTES + 1)
    const multipart = { 'Content-Type': 'multipart/form-data; boundary=cato', ...who.bearer }
    await expectJson413(await post(`/api/admin/products/${product.id}/images`, tooBig, multipart))
    await expectPage413(await post(`/admin/products/${product.id}/images`, tooBig, { ...multipart, Origin: BASE }))
  })
})

describe('every other request', () => {
  it(`is bounded at ${REQUEST_MAX_BYTES / 1024 / 1024} MB even where a route reads no body: JSON for the API, a page for pages`, async () => {
    const tooBig = bytes(REQUEST_MAX_BYTES + 1)
    await expectJson413(await post('/api/orders/no-such-order/checkout', tooBig, { 'Content-Type': 'application/json' }))
    await expectPage413(await post('/products', tooBig, { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE }))
  })
})

describe('the request cap', () => {
  /** A route that reads its body with no limit of its own, behind the cap, answering errors in the one shape. */
  const capped = (maxBytes: number) => {
    const app = new Hono().use(capRequestBody(maxBytes)).post('/', async (c) => c.text(String((await c.req.arrayBuffer()).byteLength)))
    app.onError((err, c) => c.json(toErrorBody(err).body, toErrorBody(err).status))
    return app
  }

  it('stops a streamed body at the cap while the route reads it, and lets one within it through whole', async () => {
    await expectJson413(await capped(1024).request('/', { method: 'POST', body: streamed(4096, 256) }))
    const within = await capped(1024).request('/', { method: 'POST', body: streamed(1000, 256) })
    expect(await within.text()).toBe('1000')
  })
})
