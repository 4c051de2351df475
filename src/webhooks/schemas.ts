/** What the admin sends about outbound webhook endpoints (API bodies and, through the same schemas, the admin's forms). */
import { z } from 'zod'
import { WEBHOOK_EVENT_TYPES } from '../db/schema'
import { wholeNumber } from '../platform/params'
import { ENDPOINT_URL_MAX } from './url'

const EventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1, 'choose at least one event type')
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'names an event type twice')
  .describe(`Any of ${WEBHOOK_EVENT_TYPES.join(', ')}`)

export const WebhookEndpointBody = z.strictObject({
  url: z.string().trim().min(1, 'is required').max(ENDPOINT_URL_MAX).describe('https only; not a private, loopback or link-local address (http and localhost in development only)'),
  description: z.string().trim().max(200).default(''),
  event_types: EventTypes,
  is_active: z.boolean().default(true),
})
export type WebhookEndpointBody = z.infer<typeof WebhookEndpointBody>

export const WebhookEndpointPatch = z.strictObject({
  url: WebhookEndpointBody.shape.url.optional(),
  description: z.string().trim().max(200).optional(),
  event_types: EventTypes.optional(),
  is_active: z.boolean().optional().describe('true re-enables an endpoint that was disabled after failing'),
})
export type WebhookEndpointPatch = z.infer<typeof WebhookEndpointPatch>

export const RotateSecretBody = z.strictObject({
  grace_hours: z.int().min(0).max(168).default(24).describe('How long the previous secret also signs (0: at once no more)'),
})

export const DeliveryQuery = z.strictObject({
  page: wholeNumber(1, 10_000).default(1),
  page_size: wholeNumber(1, 100).default(50),
})

export const DeliveryIdParam = z.object({ deliveryId: wholeNumber(1, Number.MAX_SAFE_INTEGER) })
