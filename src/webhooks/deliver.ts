/**
 * The `cato-webhooks` queue's consumer: one message is one attempt of one delivery. The attempt claims its
 * number first (a conditional update), so a message delivered twice, or one the sweep sent again, sends
 * nothing twice; then the event is signed and POSTed with a timeout, and the attempt recorded with what
 * came back. A 2xx ends the delivery; anything else schedules the next attempt (./schedule.ts) as a
 * delayed message, until 3 days after the event. An endpoint that has not had a success for 3 days is
 * disabled (with an audit entry and a notice on its page) and its pending deliveries end.
 */
import { and, eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../db/client'
import { auditLog, webhookAttempts, webhookDeliveries, webhookEndpoints, webhookEvents } from '../db/schema'
import { logError, logEvent } from '../platform/logging'
import { enqueueAttempts, type WebhookMessage } from './events'
import { ATTEMPT_TIMEOUT_MS, DISABLE_AFTER_FAILING_MS, nextAttemptAt } from './schedule'
import { openSecret } from './secrets'
import { SIGNATURE_HEADER, signatureHeader } from './signature'

export const WEBHOOK_QUEUE_NAME = 'cato-webhooks'

const Message = z.object({ delivery_id: z.int().positive(), attempt: z.int().positive() })

export interface AttemptOptions {
  /** The clock (epoch ms): tests pass a fake one. */
  now?: number
  timeoutMs?: number
}

export type AttemptOutcome = 'succeeded' | 'retrying' | 'failed' | 'disabled' | 'skipped'

/** The JSON body receivers get. Serialised once per attempt: the signature covers exactly these bytes. */
export const eventBody = (event: { id: string; type: string; createdAt: number; data: unknown }) =>
  JSON.stringify({ id: event.id, type: event.type, created: Math.floor(event.createdAt / 1000), data: event.data })

/** Sends attempt `message.attempt` of its delivery, records it, and schedules what comes next. */
export async function attemptDelivery(env: Env, message: WebhookMessage, options: AttemptOptions = {}): Promise<AttemptOutcome> {
  const now = options.now ?? Date.now()
  const db = getDb(env)
  const found = await db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints, event: webhookEvents })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.id, message.delivery_id))
    .get()
  if (!found || found.delivery.status !== 'pending' || found.delivery.attempts !== message.attempt - 1) return 'skipped'
  const { delivery, endpoint, event } = found
  if (!endpoint.isActive) {
    await db
      .update(webhookDeliveries)
      .set({ status: 'failed', lastError: 'endpoint disabled', nextAttemptAt: null, updatedAt: now })
      .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, 'pending')))
    return 'skipped'
  }
  // The claim: only one message makes attempt N. Its lease (next_attempt_at) keeps the sweep off it while it runs.
  const claimed = await db
    .update(webhookDeliveries)
    .set({ attempts: message.attempt, nextAttemptAt: now + (options.timeoutMs ?? ATTEMPT_TIMEOUT_MS) + 60_000, updatedAt: now })
    .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, 'pending'), eq(webhookDeliveries.attempts, message.attempt - 1)))
    .returning({ id: webhookDeliveries.id })
  if (claimed.length === 0) return 'skipped'

  const secrets = [await openSecret(env, endpoint.secretSealed)]
  if (endpoint.previousSecretSealed && (endpoint.previousSecretExpiresAt ?? 0) > now) {
    // A previous secret sealed under a WEBHOOK_SECRET_KEY since replaced cannot sign any more: the current one still does.
    const previous = await openSecret(env, endpoint.previousSecretSealed).catch(() => null)
    if (previous) secrets.push(previous)
    else logError('previous webhook secret cannot be opened: signing with the current one only', { endpoint_id: endpoint.id })
  }
  const body = eventBody(event)
  const result = await post(endpoint.url, body, {
    'Content-Type': 'application/json',
    'User-Agent': 'Cato-Store-Webhooks/1',
    'Cato-Event-Id': event.id,
    'Cato-Event-Type': event.type,
    'Cato-Delivery-Attempt': String(message.attempt),
    [SIGNATURE_HEADER]: await signatureHeader(body, Math.floor(now / 1000), secrets),
  }, options.timeoutMs ?? ATTEMPT_TIMEOUT_MS)
  const durationMs = result.durationMs
  const attemptRow = db.insert(webhookAttempts).values({
    deliveryId: delivery.id,
    attempt: message.attempt,
    succeeded: result.ok,
    responseCode: result.status,
    durationMs,
    error: result.error,
    at: now,
  })
  const last = { lastResponseCode: result.status, lastError: result.error, lastDurationMs: durationMs, updatedAt: now }

  if (result.ok) {
    await db.batch([
      attemptRow,
      db.update(webhookDeliveries).set({ status: 'succeeded', nextAttemptAt: null, ...last }).where(eq(webhookDeliveries.id, delivery.id)),
      db.update(webhookEndpoints).set({ failingSince: null }).where(eq(webhookEndpoints.id, endpoint.id)),
    ])
    logEvent(env, 'webhook.delivered', { delivery_id: delivery.id, endpoint_id: endpoint.id, event_type: event.type, attempt: message.attempt, status: result.status, duration_ms: durationMs })
    return 'succeeded'
  }

  const failingSince = endpoint.failingSince ?? now
  if (now - failingSince >= DISABLE_AFTER_FAILING_MS) {
    const reason = `No delivery succeeded since ${new Date(failingSince).toISOString()} (3 days); the last attempt got ${result.status ?? result.error}.`
    await db.batch([
      attemptRow,
      db.update(webhookDeliveries).set({ status: 'failed', nextAttemptAt: null, ...last }).where(eq(webhookDeliveries.id, delivery.id)),
      db
        .update(webhookEndpoints)
        .set({ isActive: false, disabledAt: now, disabledReason: reason, updatedAt: now })
        .where(eq(webhookEndpoints.id, endpoint.id)),
      db
        .update(webhookDeliveries)
        .set({ status: 'failed', lastError: 'endpoint disabled', nextAttemptAt: null, updatedAt: now })
        .where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, 'pending'))),
      db.insert(auditLog).values({
        actorId: null,
        actorEmail: 'system',
        action: 'webhook_endpoint.disable',
        targetType: 'webhook_endpoint',
        targetId: String(endpoint.id),
        before: { is_active: true },
        after: { is_active: false, reason },
        at: now,
      }),
    ])
    logEvent(env, 'webhook.endpoint_disabled', { endpoint_id: endpoint.id, failing_since: failingSince })
    return 'disabled'
  }

  const next = nextAttemptAt(event.createdAt, message.attempt, now)
  await db.batch([
    attemptRow,
    db
      .update(webhookDeliveries)
      .set({ status: next === null ? 'failed' : 'pending', nextAttemptAt: next, ...last })
      .where(eq(webhookDeliveries.id, delivery.id)),
    db.update(webhookEndpoints).set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now})` }).where(eq(webhookEndpoints.id, endpoint.id)),
  ])
  if (next === null) return 'failed'
  // Queues delay a message by at most 12 hours, which is the schedule's longest step.
  await enqueueDelayed(env, { delivery_id: delivery.id, attempt: message.attempt + 1 }, Math.ceil((next - now) / 1000))
  return 'retrying'
}

async function enqueueDelayed(env: Pick<Env, 'WEBHOOK_QUEUE'>, body: WebhookMessage, delaySeconds: number) {
  try {
    await env.WEBHOOK_QUEUE.send(body, { delaySeconds: Math.min(Math.max(delaySeconds, 0), 43_200) })
  } catch (err) {
    // The row says when it is due: the sweep sends it then.
    logError('webhook retry enqueue failed: the sweep will send it', { delivery_id: body.delivery_id, error: err })
  }
}

interface PostResult {
  ok: boolean
  status: number | null
  error: string | null
  durationMs: number
}

/** One POST, never following redirects (a redirect could lead anywhere, past the URL rules), within `timeoutMs`. */
async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  const started = Date.now()
  try {
    const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
    // Only the status matters; the body is not read.
    await response.body?.cancel()
    const ok = response.status >= 200 && response.status < 300
    return { ok, status: response.status, error: ok ? null : `HTTP ${response.status}`, durationMs: Date.now() - started }
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
    const error = timedOut ? `timed out after ${timeoutMs} ms` : `request failed: ${err instanceof Error ? err.message : String(err)}`
    return { ok: false, status: null, error: error.slice(0, 500), durationMs: Date.now() - started }
  }
}

/**
 * The queue handler: each message on its own. Unexpected failures (D1 unavailable, a secret that cannot
 * be opened) retry the message through the queue; a receiver's failure is not one of them (it is an
 * attempt, recorded and scheduled).
 */
export async function handleWebhookBatch(batch: MessageBatch, env: Env, options: AttemptOptions = {}): Promise<void> {
  for (const message of batch.messages) {
    const parsed = Message.safeParse(message.body)
    if (!parsed.success) {
      logError('webhook message of an unknown shape', { message_id: message.id })
      message.ack()
      continue
    }
    try {
      await attemptDelivery(env, parsed.data, options)
      message.ack()
    } catch (err) {
      logError('webhook attempt failed, retried', { delivery_id: parsed.data.delivery_id, error: err })
      message.retry({ delaySeconds: 60 })
    }
  }
}

/** Resend (admin): a fresh attempt of a delivery, whatever its status; answers the attempt's number. */
export async function resendDelivery(env: Env, deliveryId: number, now = Date.now()) {
  const db = getDb(env)
  const [row] = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', nextAttemptAt: now, updatedAt: now })
    .where(eq(webhookDeliveries.id, deliveryId))
    .returning({ attempts: webhookDeliveries.attempts, endpointId: webhookDeliveries.endpointId })
  if (!row) return null
  await enqueueAttempts(env, [{ delivery_id: deliveryId, attempt: row.attempts + 1 }])
  return { attempt: row.attempts + 1, endpointId: row.endpointId }
}

