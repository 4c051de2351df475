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
import { audit } from './audit'
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
  const [rows, [counted]] = await db.batch([
    db
      .select({ id: users.id, email: users.email, name: users.name, role: users.role, createdAt: users.createdAt, lastLoginAt: users.lastLoginAt })
      .from(users)
      .where(where)
      .orderBy(desc(users.createdAt), desc(users.id))
      .limit(pageWindow(query).limit)
      .offset(pageWindow(query).offset),
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
  if (user.role === 'admin') {
    // Conditional on another admin remaining, in the statement itself: two demotions at once cannot both pass.
    const demoted = await db
      .update(users)
      .set({ role })
      .where(and(eq(users.id, userId), eq(users.role, 'admin'), sqlOtherAdminExists(userId)))
      .returning({ id: users.id })
    if (demoted.length === 0) throw conflict('This is the last admin: make another admin first')
  } else {
    await db.update(users).set({ role }).where(eq(users.id, userId))
  }
  await audit(env, actor, { action: 'user.role', targetType: 'user', targetId: String(userId), before: { role: user.role, email: user.email }, after: { role } })
  return { id: user.id, email: user.email, role }
}

const sqlOtherAdminExists = (userId: number) => sql`exists (select 1 from ${users} u where u.role = 'admin' and u.id <> ${userId})`
