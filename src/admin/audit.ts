/** The audit log: every staff action with who did it and the record before and after. */
import { and, desc, eq, gte, like, lte, type SQL } from 'drizzle-orm'
import { getDb } from '../db/client'
import { auditLog } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import type { AuditPage } from './responses'

export interface AuditInput {
  action: string
  targetType: string
  targetId: string
  before?: unknown
  after?: unknown
}

/** The statement that records one staff action, for the D1 batch that makes the change itself. */
export const auditStatement = (env: Env, actor: CurrentUser, entry: AuditInput) =>
  getDb(env)
    .insert(auditLog)
    .values({ actorId: actor.id, actorEmail: actor.email, action: entry.action, targetType: entry.targetType, targetId: entry.targetId, before: entry.before ?? null, after: entry.after ?? null })

/** Records one staff action. */
export async function audit(env: Env, actor: CurrentUser, entry: AuditInput) {
  await auditStatement(env, actor, entry)
}

export interface AuditQuery {
  actor?: string
  action?: string
  target_type?: string
  target_id?: string
  from?: number
  to?: number
  page: number
  page_size: number
}

/** The log, newest first, filtered by actor email, action prefix, target and time. */
export async function listAudit(env: Env, query: AuditQuery): Promise<AuditPage> {
  const filters: (SQL | undefined)[] = [
    query.actor ? eq(auditLog.actorEmail, query.actor.toLowerCase()) : undefined,
    query.action ? like(auditLog.action, `${query.action.replace(/[%_]/g, '')}%`) : undefined,
    query.target_type ? eq(auditLog.targetType, query.target_type) : undefined,
    query.target_id ? eq(auditLog.targetId, query.target_id) : undefined,
    query.from !== undefined ? gte(auditLog.at, query.from) : undefined,
    query.to !== undefined ? lte(auditLog.at, query.to) : undefined,
  ]
  const rows = await getDb(env)
    .select()
    .from(auditLog)
    .where(and(...filters))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(query.page_size + 1)
    .offset((query.page - 1) * query.page_size)
  return { items: rows.slice(0, query.page_size), has_more: rows.length > query.page_size, page: query.page }
}
