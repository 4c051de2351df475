/** `/api/admin/outbox`: failed and dead notifications, and their replay, for staff automation. */
import { Hono } from 'hono'
import { requireRole } from '../accounts/guard'
import { docs } from '../openapi/describe'
import type { AppEnv } from '../platform/env'
import { validate } from '../platform/validate'
import { AdminOutboxList, AdminOutboxMessage, AdminOutboxQuery, listTroubledOutbox, OutboxIdParam, replayOutbox } from './admin'

const listDocs = docs({
  id: 'adminListOutbox',
  tag: 'Admin',
  access: 'staff',
  summary: 'Notifications that failed (still retried) or died (the queue gave up), with their error and attempts',
  responses: { 200: { description: 'Newest first, at most 200', schema: AdminOutboxList } },
})
const replayDocs = docs({
  id: 'adminReplayOutbox',
  tag: 'Admin',
  access: 'staff',
  summary: 'Send a failed or dead notification again',
  responses: { 200: { description: 'The message, pending again and on the queue', schema: AdminOutboxMessage } },
  errors: { 404: 'No such message', 409: 'The message was sent, or waits to be sent, already' },
})

export const outboxAdminApi = new Hono<AppEnv>()
  .use(requireRole('staff', 'admin'))
  .get('/', listDocs, validate('query', AdminOutboxQuery), async (c) => c.json({ items: await listTroubledOutbox(c.env, c.req.valid('query')) }))
  .post('/:outboxId/replay', replayDocs, validate('param', OutboxIdParam), async (c) => c.json(await replayOutbox(c.env, c.req.valid('param').outboxId)))
