import { createExecutionContext, env, SELF } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { expect } from 'vitest'
import app from '../src/index'
import { getDb } from '../src/db/client'
import { orders, payments, stripeEvents, type OrderStatus, type PaymentStatus } from '../src/db/schema'
import type { CurrentUser } from '../src/platform/env'
import { Stripe, STRIPE_API_VERSION, webCrypto } from '../src/payments/stripe'
import type { FakeStripeRequest } from './fake-stripe'
import { BASE } from './helpers'
import { d1Stock, stockView, type Shopper } from './orders-helpers'

/** The Worker's env with a Stripe key: the Stripe path, against the fake API of vitest.config.mts. */
export const STRIPE_ENV: Env = { ...env, STRIPE_SECRET_KEY: 'sk_test_fake' }
/** Production without any Stripe secret. */
export const PRODUCTION_ENV: Env = { ...env, ENVIRONMENT: 'production', STRIPE_SECRET_KEY: undefined, STRIPE_WEBHOOK_SECRET: undefined }

export const viewerOf = (who: Shopper): CurrentUser => ({ id: who.user.id, email: who.email, name: who.name, role: 'customer', tokenVersion: 0 })

let events = 0
/** An event as Stripe sends it, with a fresh id unless one is given. */
export const stripeEvent = (type: string, object: Record<string, unknown>, id = `evt_test_${Date.now().toString(36)}_${++events}`) => ({
  id,
  object: 'event',
  api_version: STRIPE_API_VERSION,
  created: Math.floor(Date.now() / 1000),
  livemode: false,
  type,
  data: { object },
})
export type TestEvent = ReturnType<typeof stripeEvent>

/** A Checkout session object of an order, as Stripe reports it in checkout.session.* events. */
export function sessionObject(order: { id: string; total_cents: number; currency: string }, sessionId: string, overrides: Record<string, unknown> = {}) {
  return {
    id: sessionId,
    object: 'checkout.session',
    mode: 'payment',
    status: 'complete',
    payment_status: 'paid',
    amount_total: order.total_cents,
    currency: order.currency.toLowerCase(),
    client_reference_id: order.id,
    metadata: { order_id: order.id },
    payment_intent: `pi_test_${sessionId.slice(-16)}`,
    ...overrides,
  }
}

/** The Stripe-Signature header for a body, signed with the SDK's test helper (the test secret unless told otherwise). */
export const signature = (payload: string, { secret = env.STRIPE_WEBHOOK_SECRET ?? '', timestamp }: { secret?: string; timestamp?: number } = {}) =>
  Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, cryptoProvider: webCrypto, ...(timestamp !== undefined && { timestamp }) })

export type WebhookAnswer = { status: number; body: { received?: boolean; duplicate?: boolean; outcome?: string; error?: { code: string } } }

/**
 * Posts an event to /webhooks/stripe, signed unless a `Stripe-Signature` is given. Through the Worker
 * (`SELF`, no Stripe key: the offline path) or, with `stripe: true`, through the app with STRIPE_ENV.
 */
export async function postWebhook(
  event: object | string,
  { secret, timestamp, header, stripe = false }: { secret?: string; timestamp?: number; header?: string | null; stripe?: boolean } = {},
): Promise<WebhookAnswer> {
  const payload = typeof event === 'string' ? event : JSON.stringify(event)
  const signed = header === undefined ? await signature(payload, { secret, timestamp }) : header
  const init = { method: 'POST', body: payload, headers: { 'Content-Type': 'application/json', ...(signed !== null && { 'Stripe-Signature': signed }) } }
  const response = stripe ? await app.request(`${BASE}/webhooks/stripe`, init, STRIPE_ENV, createExecutionContext()) : await SELF.fetch(`${BASE}/webhooks/stripe`, init)
  return { status: response.status, body: (await response.json()) as WebhookAnswer['body'] }
}

/** What the Worker sent to the fake Stripe API so far (all test files), optionally only one path. */
export async function stripeRequests(path?: string): Promise<FakeStripeRequest[]> {
  const all = (await (await fetch('https://api.stripe.com/__fake__/requests')).json()) as FakeStripeRequest[]
  return path ? all.filter((r) => r.path === path) : all
}

export const paymentRow = (orderId: string) => getDb(env).select().from(payments).where(eq(payments.orderId, orderId)).get()
export const eventRows = (id: string) => getDb(env).select().from(stripeEvents).where(eq(stripeEvents.id, id))

/**
 * The order, its payment and its product's stock agree: the order's status and payment status, the stock
 * object's on_hand and held units, and D1's stock_quantity equal to on_hand.
 */
export async function expectConsistent(orderId: string, productId: number, expected: { status: OrderStatus; paymentStatus: PaymentStatus; onHand: number; held: number; refundedCents?: number }) {
  const order = await getDb(env).query.orders.findFirst({ where: eq(orders.id, orderId), with: { payment: true } })
  expect({ status: order?.status, paymentStatus: order?.paymentStatus }).toEqual({ status: expected.status, paymentStatus: expected.paymentStatus })
  if (expected.refundedCents !== undefined) expect(order?.payment?.refundedCents).toBe(expected.refundedCents)
  const stock = await stockView(productId)
  expect({ onHand: stock.onHand, held: stock.held }).toEqual({ onHand: expected.onHand, held: expected.held })
  expect(await d1Stock(productId)).toBe(expected.onHand)
}
