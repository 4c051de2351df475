/** What the admin API answers about outbound webhooks, as zod schemas (types and the OpenAPI document come from them). */
import { z } from 'zod'
import { Instant } from '../catalog/responses'
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '../db/schema'
import { PAGE_FIELDS } from '../platform/pagination'

export const WebhookEndpointView = z
  .object({
    id: z.int(),
    url: z.string(),
    description: z.string(),
    event_types: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    is_active: z.boolean(),
    created_at: Instant,
    disabled_at: Instant.nullable().describe('When the store disabled it after 3 days of failures'),
    disabled_reason: z.string().nullable(),
    failing_since: Instant.nullable().describe('Since when no delivery succeeded; null while healthy'),
    previous_secret_expires_at: Instant.nullable().describe('During a rotation: until when the previous secret also signs'),
  })
  .meta({ id: 'WebhookEndpoint' })
export type WebhookEndpointView = z.infer<typeof WebhookEndpointView>

export const WebhookEndpointList = z.object({ items: z.array(WebhookEndpointView) }).meta({ id: 'WebhookEndpointList' })

export const WebhookEndpointWithSecret = z
  .object({ endpoint: WebhookEndpointView, secret: z.string().describe('The signing secret: shown this once, never again') })
  .meta({ id: 'WebhookEndpointWithSecret' })

export const WebhookDeliveryView = z
  .object({
    id: z.int(),
    event_id: z.string(),
    event_type: z.string(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.int(),
    response_code: z.int().nullable().describe('Of the last attempt; null when it got no answer'),
    duration_ms: z.int().nullable(),
    error: z.string().nullable(),
    next_attempt_at: Instant.nullable(),
    created_at: Instant,
    updated_at: Instant,
    attempt_log: z
      .array(
        z.object({
          attempt: z.int(),
          succeeded: z.boolean(),
          response_code: z.int().nullable(),
          duration_ms: z.int(),
          error: z.string().nullable(),
          at: Instant,
        }),
      )
      .describe('Every attempt, first to last'),
  })
  .meta({ id: 'WebhookDelivery' })
export type WebhookDeliveryView = z.infer<typeof WebhookDeliveryView>

export const WebhookDeliveryPage = z.object({ items: z.array(WebhookDeliveryView), ...PAGE_FIELDS }).meta({ id: 'WebhookDeliveryPage' })
export type WebhookDeliveryPage = z.infer<typeof WebhookDeliveryPage>

export const WebhookResend = z.object({ delivery_id: z.int(), attempt: z.int() }).meta({ id: 'WebhookResend' })
export const WebhookTestSent = z.object({ event_id: z.string() }).meta({ id: 'WebhookTestSent' })
