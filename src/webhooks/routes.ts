/** `/api/admin/webhooks/*`: outbound webhook endpoints for automation (admin role), mounted by the admin API. */
import { Hono } from 'hono'
import { requireRole, userOf } from '../accounts/guard'
import { IdParam } from '../admin/schemas'
import { docs, type RouteDocs } from '../openapi/describe'
import { jsonLimit } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { validate } from '../platform/validate'
import { createEndpoint, deleteEndpoint, getEndpoint, listDeliveries, listEndpoints, resendEndpointDelivery, rotateSecret, sendTestEvent, updateEndpoint } from './endpoints'
import { WebhookDeliveryPage, WebhookEndpointList, WebhookEndpointView, WebhookEndpointWithSecret, WebhookResend, WebhookTestSent } from './responses'
import { DeliveryIdParam, DeliveryQuery, RotateSecretBody, WebhookEndpointBody, WebhookEndpointPatch } from './schemas'

const webhookDocs = (route: Omit<RouteDocs, 'tag' | 'access'>) => docs({ tag: 'Admin', access: 'admin', ...route })
const notConfigured = { 503: 'WEBHOOK_SECRET_KEY is not set (outside development): webhooks_not_configured' }

export const webhooksAdminApi = new Hono<AppEnv>()
  .use(requireRole('admin'))
  .get('/endpoints', webhookDocs({ id: 'adminListWebhookEndpoints', summary: 'Outbound webhook endpoints (admin)', responses: { 200: { description: 'Every endpoint', schema: WebhookEndpointList } } }), async (c) =>
    c.json({ items: await listEndpoints(c.env) }),
  )
  .post(
    '/endpoints',
    webhookDocs({
      id: 'adminCreateWebhookEndpoint',
      summary: 'Add an outbound webhook endpoint (admin)',
      description: 'The answer holds the signing secret: it is shown this once. Outside development the URL must be https and not a private, loopback or link-local address.',
      responses: { 201: { description: 'The endpoint and its secret', schema: WebhookEndpointWithSecret } },
      errors: notConfigured,
    }),
    jsonLimit,
    validate('json', WebhookEndpointBody),
    async (c) => c.json(await createEndpoint(c.env, userOf(c), c.req.valid('json')), 201),
  )
  .get('/endpoints/:id', webhookDocs({ id: 'adminGetWebhookEndpoint', summary: 'One outbound webhook endpoint (admin)', responses: { 200: { description: 'The endpoint', schema: WebhookEndpointView } }, errors: { 404: 'No such endpoint' } }), validate('param', IdParam), async (c) =>
    c.json(await getEndpoint(c.env, c.req.valid('param').id)),
  )
  .patch(
    '/endpoints/:id',
    webhookDocs({ id: 'adminUpdateWebhookEndpoint', summary: 'Change an outbound webhook endpoint; is_active true re-enables a disabled one (admin)', responses: { 200: { description: 'The endpoint', schema: WebhookEndpointView } }, errors: { 404: 'No such endpoint' } }),
    jsonLimit,
    validate('param', IdParam),
    validate('json', WebhookEndpointPatch),
    async (c) => c.json(await updateEndpoint(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json'))),
  )
  .delete('/endpoints/:id', webhookDocs({ id: 'adminDeleteWebhookEndpoint', summary: 'Delete an endpoint with its delivery log (admin)', responses: { 204: { description: 'Deleted' } }, errors: { 404: 'No such endpoint' } }), validate('param', IdParam), async (c) => {
    await deleteEndpoint(c.env, userOf(c), c.req.valid('param').id)
    return c.body(null, 204)
  })
  .post(
    '/endpoints/:id/rotate-secret',
    webhookDocs({
      id: 'adminRotateWebhookSecret',
      summary: "Replace an endpoint's signing secret (admin)",
      description: 'The new secret is in the answer, shown this once. For `grace_hours` (24 by default) deliveries carry a second `v1` signature made with the previous secret.',
      responses: { 200: { description: 'The endpoint and its new secret', schema: WebhookEndpointWithSecret } },
      errors: { 404: 'No such endpoint', ...notConfigured },
    }),
    jsonLimit,
    validate('param', IdParam),
    validate('json', RotateSecretBody),
    async (c) => c.json(await rotateSecret(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json').grace_hours)),
  )
  .post(
    '/endpoints/:id/test',
    webhookDocs({ id: 'adminSendWebhookTest', summary: 'Send the endpoint a webhook.test event now (admin)', responses: { 202: { description: 'The event, queued', schema: WebhookTestSent } }, errors: { 404: 'No such endpoint' } }),
    validate('param', IdParam),
    async (c) => c.json(await sendTestEvent(c.env, userOf(c), c.req.valid('param').id), 202),
  )
  .get(
    '/endpoints/:id/deliveries',
    webhookDocs({ id: 'adminListWebhookDeliveries', summary: "An endpoint's delivery log, newest first (admin)", responses: { 200: { description: 'A page of deliveries', schema: WebhookDeliveryPage } }, errors: { 404: 'No such endpoint' } }),
    validate('param', IdParam),
    validate('query', DeliveryQuery),
    async (c) => c.json(await listDeliveries(c.env, c.req.valid('param').id, c.req.valid('query'))),
  )
  .post(
    '/endpoints/:id/deliveries/:deliveryId/resend',
    webhookDocs({ id: 'adminResendWebhookDelivery', summary: 'Send a delivery again now, as a new attempt (admin)', responses: { 202: { description: 'The attempt, queued', schema: WebhookResend } }, errors: { 404: 'No such endpoint or delivery' } }),
    validate('param', IdParam.extend(DeliveryIdParam.shape)),
    async (c) => {
      const { id, deliveryId } = c.req.valid('param')
      return c.json(await resendEndpointDelivery(c.env, userOf(c), id, deliveryId), 202)
    },
  )
