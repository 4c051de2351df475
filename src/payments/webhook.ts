/**
 * POST /webhooks/stripe. The signature is checked on the raw body (so no JSON validator runs first), then
 * the event is handled exactly once (see service.ts). Answers: 200 for an event handled now, handled
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
import { handleStripeEvent } from './service'
import { verifyStripeEvent } from './stripe'

/** Stripe's events are a few KB; a body larger than this is not one. */
export const WEBHOOK_BODY_MAX_BYTES = 256 * 1024

export const webhooksRoute = new Hono<AppEnv>().post(
  '/stripe',
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
