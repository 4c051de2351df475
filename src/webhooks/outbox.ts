/**
 * The order events of outbound webhooks come from the transactional outbox (src/notifications): each order
 * change writes its outbox row in its own D1 batch, and the outbox's consumer hands the row to the handlers
 * of its type (src/notifications/dispatch.ts, wired in src/index.ts). This one records the webhook event,
 * keyed by the outbox row's id, so a row dispatched again (a redelivery, a replay) makes no second event
 * and no second delivery; the event's data is the outbox payload (`OrderEventPayload`).
 */
import type { OutboxHandler } from '../notifications/dispatch'
import type { OutboxEventType } from '../notifications/outbox'
import { recordWebhookEvent } from './events'

export const ORDER_WEBHOOK_TYPES = ['order.created', 'order.paid', 'order.shipped', 'order.refunded', 'order.cancelled'] as const satisfies readonly OutboxEventType[]

export const webhookOutboxHandler: OutboxHandler = async (env, event) => {
  const type = ORDER_WEBHOOK_TYPES.find((t) => t === event.type)
  if (!type) return
  await recordWebhookEvent(env, { type, sourceKey: `outbox:${event.id}`, data: event.payload, createdAt: event.createdAt })
}
