/** Admins list accounts and change roles; the last admin cannot be demoted (the shop would lock itself out). */
import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../db/client'
import { USER_ROLES, users } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import { conflict, notFound } from '../platform/errors'
import { wholeNumber } from '../platform/params'
import { pageOf, pageWindow } from '../platform/pagination'
import { containsText } from '../platform/text-match'
import { auditStatement } from './audit'
import type { AdminUserPage, RoleChange } from './responses'

export const AdminUserQuery = z.strictObject({
  q: z.string().trim().toLowerCase().max(254).optional(),
  role: z.enum(USER_ROLES).optional(),
  page: wholeNumber(1, 10_000).default(1),
  page_size: wholeNumber(1, 200).default(50),
})
export const RoleBody = z.strictObject({ role: z.enum(USER_ROLES) })

export async function listUsers(env: Env, query: z.infer<typeof AdminUserQuery>): Promise<AdminUserPage> {
  const db = getDb(env)
  const where: SQL | undefined = and(query.q ? containsText(users.email, query.q) : undefined, query.role ? eq(users.role, query.role) : undefined)
  const slice = pageWindow(query)
  const [rows, [counted]] = await db.batch([
    db
      .select({ id: users.id, email: users.email, name: users.name, role: users.role, createdAt: users.createdAt, lastLoginAt: users.lastLoginAt })
      .from(users)
      .where(where)
      .orderBy(desc(users.createdAt), desc(users.id))
      .limit(slice.limit)
      .offset(slice.offset),
    db.select({ total: count() }).from(users).where(where),
  ])
  const items = rows.map((u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, created_at: new Date(u.createdAt).toISOString(), last_login_at: u.lastLoginAt ? new Date(u.lastLoginAt).toISOString() : null }))
  return pageOf(items, query, counted?.total ?? 0)
}

export async function changeRole(env: Env, actor: CurrentUser, userId: number, role: (typeof USER_ROLES)[number]): Promise<RoleChange> {
  const db = getDb(env)
  const user = await db.query.users.findFirst({ where: eq(users.id, userId) })
  if (!user) throw notFound('user')
  if (user.role === role) return { id: user.id, email: user.email, role }
  // The change and its audit entry are one D1 batch. Demoting an admin is conditional on another admin
  // remaining, in the statement itself, so two demotions at once cannot both pass; the entry's target is
  // NULL (refused: the batch undoes itself) unless that UPDATE applied, so a refusal leaves no entry.
  const guard = user.role === 'admin' ? and(eq(users.id, userId), eq(users.role, 'admin'), sqlOtherAdminExists(userId)) : eq(users.id, userId)
  const entry = { action: 'user.role', targetType: 'user', targetId: sql`case when changes() = 1 then ${String(userId)} end`, before: { role: user.role, email: user.email }, after: { role } }
  try {
    await db.batch([db.update(users).set({ role }).where(guard), auditStatement(db, actor, entry)])
  } catch (err) {
    if (/NOT NULL constraint/i.test(String(err)) && user.role === 'admin') throw conflict('This is the last admin: make another admin first')
    throw err
  }
  return { id: user.id, email: user.email, role }
}

const sqlOtherAdminExists = (userId: number) => sql`exists (select 1 from ${users} u where u.role = 'admin' and u.id <> ${userId})`
