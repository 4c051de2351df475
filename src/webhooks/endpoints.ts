/**
 * Staff's outbound webhook endpoints: create (the secret answered once), change, delete, rotate the secret
 * (answered once; the previous one keeps signing for a grace period), the delivery log, a test event.
 * Every change is one D1 batch with its audit entry.
 */
import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm'
import { auditStatement } from '../admin/audit'
import { getDb, type Db } from '../db/client'
import { webhookAttempts, webhookDeliveries, webhookEndpoints, webhookEvents, type WebhookAttempt, type WebhookEndpoint } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import { notFound, validationFailed } from '../platform/errors'
import { pageOf, pageWindow, type PageRequest } from '../platform/pagination'
import { recordWebhookEvent } from './events'
import { resendDelivery } from './deliver'
import type { WebhookDeliveryPage, WebhookEndpointView } from './responses'
import type { WebhookEndpointBody, WebhookEndpointPatch } from './schemas'
import { assertWebhooksConfigured, newWebhookSecret, sealSecret } from './secrets'
import { endpointUrlProblem } from './url'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export const endpointView = (e: WebhookEndpoint, now = Date.now()): WebhookEndpointView => ({
  id: e.id,
  url: e.url,
  description: e.description,
  event_types: e.eventTypes,
  is_active: e.isActive,
  created_at: new Date(e.createdAt).toISOString(),
  disabled_at: iso(e.disabledAt),
  disabled_reason: e.disabledReason,
  failing_since: iso(e.failingSince),
  previous_secret_expires_at: e.previousSecretSealed && (e.previousSecretExpiresAt ?? 0) > now ? iso(e.previousSecretExpiresAt) : null,
})

/** What staff see of an endpoint in the audit log: never a secret. */
const audited = (e: Pick<WebhookEndpoint, 'url' | 'description' | 'eventTypes' | 'isActive'>) => ({ url: e.url, description: e.description, event_types: e.eventTypes, is_active: e.isActive })

function checkUrl(env: Env, url: string) {
  const problem = endpointUrlProblem(env, url)
  if (problem) throw validationFailed({ url: [problem] })
}

async function endpointRow(db: Db, id: number): Promise<WebhookEndpoint> {
  const row = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get()
  if (!row) throw notFound('webhook endpoint')
  return row
}

export const listEndpoints = async (env: Env) => (await getDb(env).select().from(webhookEndpoints).orderBy(webhookEndpoints.id)).map((e) => endpointView(e))

export const getEndpoint = async (env: Env, id: number) => endpointView(await endpointRow(getDb(env), id))

/** Creates an endpoint; answers it with its secret, which is never shown again. */
export async function createEndpoint(env: Env, actor: CurrentUser, body: WebhookEndpointBody): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  checkUrl(env, body.url)
  await assertWebhooksConfigured(env)
  const db = getDb(env)
  const secret = newWebhookSecret()
  const fields = { url: body.url, description: body.description, eventTypes: body.event_types, isActive: body.is_active, secretSealed: await sealSecret(env, secret) }
  const [[row]] = await db.batch([
    db.insert(webhookEndpoints).values(fields).returning(),
    auditStatement(db, actor, { action: 'webhook_endpoint.create', targetType: 'webhook_endpoint', targetId: sql`(select cast(max(id) as text) from ${webhookEndpoints})`, after: audited(fields) }),
  ])
  if (!row) throw new Error('webhook endpoint insert returned nothing')
  return { endpoint: endpointView(row), secret }
}

/** Changes an endpoint. Turning a disabled one back on clears its failure record, so it gets 3 days again. */
export async function updateEndpoint(env: Env, actor: CurrentUser, id: number, patch: WebhookEndpointPatch): Promise<WebhookEndpointView> {
  if (patch.url !== undefined) checkUrl(env, patch.url)
  const db = getDb(env)
  const before = await endpointRow(db, id)
  const now = Date.now()
  const fields = {
    ...(patch.url !== undefined && { url: patch.url }),
    ...(patch.description !== undefined && { description: patch.description }),
    ...(patch.event_types !== undefined && { eventTypes: patch.event_types }),
    ...(patch.is_active !== undefined && { isActive: patch.is_active }),
    ...(patch.is_active === true && !before.isActive && { disabledAt: null, disabledReason: null, failingSince: null }),
    updatedAt: now,
  }
  const [[row]] = await db.batch([
    db.update(webhookEndpoints).set(fields).where(eq(webhookEndpoints.id, id)).returning(),
    auditStatement(db, actor, { action: 'webhook_endpoint.update', targetType: 'webhook_endpoint', targetId: String(id), before: audited(before), after: audited({ ...before, ...fields }) }),
  ])
  if (!row) throw notFound('webhook endpoint')
  return endpointView(row, now)
}

/** Deletes an endpoint with its deliveries and their attempts. */
export async function deleteEndpoint(env: Env, actor: CurrentUser, id: number): Promise<void> {
  const db = getDb(env)
  const before = await endpointRow(db, id)
  await db.batch([
    db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)),
    auditStatement(db, actor, { action: 'webhook_endpoint.delete', targetType: 'webhook_endpoint', targetId: String(id), before: audited(before) }),
  ])
}

/** A new secret, answered once; the current one becomes the previous and keeps signing for `graceHours`. */
export async function rotateSecret(env: Env, actor: CurrentUser, id: number, graceHours: number, now = Date.now()): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  await assertWebhooksConfigured(env)
  const db = getDb(env)
  const before = await endpointRow(db, id)
  const secret = newWebhookSecret()
  const graceUntil = now + graceHours * 3_600_000
  const [[row]] = await db.batch([
    db
      .update(webhookEndpoints)
      .set({ secretSealed: await sealSecret(env, secret), previousSecretSealed: graceHours > 0 ? before.secretSealed : null, previousSecretExpiresAt: graceHours > 0 ? graceUntil : null, updatedAt: now })
      .where(eq(webhookEndpoints.id, id))
      .returning(),
    auditStatement(db, actor, { action: 'webhook_endpoint.rotate_secret', targetType: 'webhook_endpoint', targetId: String(id), after: { previous_secret_signs_until: graceHours > 0 ? iso(graceUntil) : null } }),
  ])
  if (!row) throw notFound('webhook endpoint')
  return { endpoint: endpointView(row, now), secret }
}

/** The endpoint's deliveries, newest first. */
export async function listDeliveries(env: Env, endpointId: number, page: PageRequest): Promise<WebhookDeliveryPage> {
  const db = getDb(env)
  await endpointRow(db, endpointId)
  const { limit, offset } = pageWindow(page)
  const pageIds = db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId)).orderBy(desc(webhookDeliveries.id)).limit(limit).offset(offset)
  const [rows, [counted], attempts] = await db.batch([
    db
      .select({ delivery: webhookDeliveries, eventType: webhookEvents.type })
      .from(webhookDeliveries)
      .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
      .where(eq(webhookDeliveries.endpointId, endpointId))
      .orderBy(desc(webhookDeliveries.id))
      .limit(limit)
      .offset(offset),
    db.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId)),
    // Every attempt of the page's deliveries, in one statement (the page's ids as a subquery, never as parameters).
    db.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, pageIds)).orderBy(asc(webhookAttempts.deliveryId), asc(webhookAttempts.attempt)),
  ])
  const logOf = new Map<number, WebhookAttempt[]>()
  for (const attempt of attempts) logOf.set(attempt.deliveryId, [...(logOf.get(attempt.deliveryId) ?? []), attempt])
  const items = rows.map(({ delivery: d, eventType }) => ({
    id: d.id,
    event_id: d.eventId,
    event_type: eventType,
    status: d.status,
    attempts: d.attempts,
    response_code: d.lastResponseCode,
    duration_ms: d.lastDurationMs,
    error: d.lastError,
    next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    created_at: new Date(d.createdAt).toISOString(),
    updated_at: new Date(d.updatedAt).toISOString(),
    attempt_log: (logOf.get(d.id) ?? []).map((a) => ({ attempt: a.attempt, succeeded: a.succeeded, response_code: a.responseCode, duration_ms: a.durationMs, error: a.error, at: new Date(a.at).toISOString() })),
  }))
  return pageOf(items, page, counted?.n ?? 0)
}

/** Resends one delivery of the endpoint (a new attempt now), audited. */
export async function resendEndpointDelivery(env: Env, actor: CurrentUser, endpointId: number, deliveryId: number) {
  const db = getDb(env)
  const endpoint = await endpointRow(db, endpointId)
  const delivery = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpoint.id)))
    .get()
  if (!delivery) throw notFound('delivery')
  const resent = await resendDelivery(env, deliveryId)
  if (!resent) throw notFound('delivery')
  await auditStatement(db, actor, { action: 'webhook_delivery.resend', targetType: 'webhook_endpoint', targetId: String(endpointId), after: { delivery_id: deliveryId, attempt: resent.attempt } })
  return { delivery_id: deliveryId, attempt: resent.attempt }
}

/** Sends the endpoint a `webhook.test` event now, whatever it subscribes to. */
export async function sendTestEvent(env: Env, actor: CurrentUser, endpointId: number): Promise<{ event_id: string }> {
  const db = getDb(env)
  const endpoint = await endpointRow(db, endpointId)
  const now = Date.now()
  const eventId = await recordWebhookEvent(env, {
    type: 'webhook.test',
    sourceKey: `test:${endpoint.id}:${crypto.randomUUID()}`,
    data: { message: 'A test event from Cato-Store', endpoint_id: endpoint.id },
    createdAt: now,
    endpointId: endpoint.id,
  })
  if (!eventId) throw new Error('the test event was not recorded')
  await auditStatement(db, actor, { action: 'webhook_endpoint.test', targetType: 'webhook_endpoint', targetId: String(endpointId), after: { event_id: eventId } })
  return { event_id: eventId }
}
