/** The audit log: every staff action with who did it and the record before and after. */
import { and, desc, eq, gte, lte, type SQL } from 'drizzle-orm'
import { getDb, type Db } from '../db/client'
import { auditLog } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import { peekedPageOf, peekWindow } from '../platform/pagination'
import { startsWith } from '../platform/text-match'
import type { AuditPage } from './responses'

export interface AuditInput {
  action: string
  targetType: string
  targetId: string
  before?: unknown
  after?: unknown
}

/**
 * The insert that records one staff action, for the D1 batch of the change itself (the change and its
 * entry stand or fall together). `targetId` may be SQL: the id of a row the same batch inserts.
 */
export const auditStatement = (db: Db, actor: CurrentUser, entry: Omit<AuditInput, 'targetId'> & { targetId: string | SQL }) =>
  db
    .insert(auditLog)
    .values({ actorId: actor.id, actorEmail: actor.email, action: entry.action, targetType: entry.targetType, targetId: entry.targetId, before: entry.before ?? null, after: entry.after ?? null })

/** Records one staff action. */
export async function audit(env: Env, actor: CurrentUser, entry: AuditInput) {
  await auditStatement(getDb(env), actor, entry)
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
    // Actions are lower-case names (`product.update`): the prefix typed is compared in lower case.
    query.action ? startsWith(auditLog.action, query.action.toLowerCase()) : undefined,
    query.target_type ? eq(auditLog.targetType, query.target_type) : undefined,
    query.target_id ? eq(auditLog.targetId, query.target_id) : undefined,
    query.from !== undefined ? gte(auditLog.at, query.from) : undefined,
    query.to !== undefined ? lte(auditLog.at, query.to) : undefined,
  ]
  const slice = peekWindow(query)
  const rows = await getDb(env)
    .select()
    .from(auditLog)
    .where(and(...filters))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(slice.limit)
    .offset(slice.offset)
  return peekedPageOf(rows, query)
}
