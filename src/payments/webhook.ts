/**
 * POST /webhooks/stripe. The signature is checked on the raw body (so no JSON validator runs first), then
 * the event is handled exactly once (see events.ts). Answers: 200 for an event handled now, handled
 * before (a duplicate) or of a type we do not act on (recorded and ignored); 400 for a missing, wrong or
 * stale signature or a body that is not an event, with no effect; 503 when no webhook secret is set
 * (outside development). An event of a type we act on that our schema cannot read is a reported 500
 * (`event_unreadable`), like anything else that fails: Stripe retries it for up to three days.
 */
import { Hono } from 'hono'
import type { AppEnv } from '../platform/env'
import { limitBody } from '../platform/body-limit'
import { badRequest } from '../platform/errors'
import { log } from '../platform/logging'
import { paymentsNotConfigured, webhookSecret } from './config'
import { handleStripeEvent } from './events'
import { verifyStripeEvent } from './stripe'
import { z } from 'zod'
import { docs } from '../openapi/describe'
import { WebhookReceipt } from './responses'

/** Stripe's events are a few KB; a body larger than this is not one. */
export const WEBHOOK_BODY_MAX_BYTES = 256 * 1024

/** Documentation only: the signature is read from the raw request by the Stripe SDK. */
const StripeSignatureHeader = z.object({ 'stripe-signature': z.string().describe("Stripe's signature of the raw body (t=…,v1=…)") })

const stripeWebhookDocs = docs({
  id: 'stripeWebhook',
  tag: 'Webhooks',
  summary: "Stripe's events",
  description:
    'The signature is checked on the raw body, then each event is handled exactly once. A duplicate, or an event of a type the store does not act on, is answered 200 too.',
  access: 'public',
  headers: StripeSignatureHeader,
  rawBody: {
    description: `A Stripe event as Stripe sends it (at most ${WEBHOOK_BODY_MAX_BYTES / 1024} KB), byte for byte`,
    content: {
      'application/json': {
        schema: { type: 'object', properties: { id: { type: 'string' }, type: { type: 'string' }, data: { type: 'object' } }, required: ['id', 'type', 'data'] },
      },
    },
  },
  responses: { 200: { description: 'Handled now, handled before, or ignored', schema: WebhookReceipt } },
  errors: {
    400: 'The signature is missing, wrong or too old, or the body is not an event',
    413: 'The body is too large',
    500: 'An event of a type the store acts on that it cannot read (`event_unreadable`): not acknowledged, so that Stripe sends it again; reported as an error',
    503: 'No webhook secret is set (outside development)',
  },
})

export const webhooksRoute = new Hono<AppEnv>().post(
  '/stripe',
  stripeWebhookDocs,
  limitBody(WEBHOOK_BODY_MAX_BYTES),
  async (c) => {
    const secret = webhookSecret(c.env)
    if (!secret) throw paymentsNotConfigured()
    const payload = new TextDecoder().decode(await c.req.arrayBuffer()) // not text(): workerd warns on a non-text Content-Type
    let event: unknown
    try {
      event = await verifyStripeEvent(payload, c.req.header('Stripe-Signature'), secret)
    } catch (err) {
      // The reason only: never the signature, the secret or the body.
      const reason = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : 'unknown'
      log('warn', { msg: 'stripe webhook refused', request_id: c.get('requestId'), reason })
      throw badRequest('The Stripe signature is missing, does not match the body, or is too old')
    }
    const handled = await handleStripeEvent(c.env, event)
    return c.json({ received: true, duplicate: handled.duplicate, outcome: handled.outcome })
  },
)
