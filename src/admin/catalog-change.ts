/** One staff change of the catalog, written as one: its D1 statements, its audit entry and a new catalog version. */
import type { BatchItem } from 'drizzle-orm/batch'
import { bumpCatalogVersionStatement, forgetCatalogVersion } from '../catalog/cache'
import { getDb } from '../db/client'
import type { CurrentUser } from '../platform/env'
import { auditStatement, type AuditInput } from './audit'

/**
 * Runs `statements` with the audit entry and the catalog version bump in one D1 batch (one transaction):
 * the change, its record and the shop's view of it stand or fall together. Then this isolate re-reads
 * the version, so the change shows at once here (within CATALOG_VERSION_TTL_MS elsewhere).
 */
export async function commitCatalogChange(env: Env, actor: CurrentUser, entry: AuditInput, statements: BatchItem<'sqlite'>[] = []): Promise<void> {
  const db = getDb(env)
  await db.batch([auditStatement(db, actor, entry), ...statements, bumpCatalogVersionStatement(db)])
  forgetCatalogVersion()
}
