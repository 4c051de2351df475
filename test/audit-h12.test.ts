/**
 * Found auditing issue 12 ("Hardening"): each test failed before its fix.
 */
import { env } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { getDb } from '../src/db/client'
import { auditLog, users } from '../src/db/schema'
import type { ErrorBody } from '../src/platform/errors'
import { Browser, callJson, registerUser } from './helpers'

vi.setConfig({ testTimeout: 30_000 })

async function staffUser(role: 'staff' | 'admin' = 'staff') {
  const user = await registerUser()
  await getDb(env).update(users).set({ role }).where(eq(users.id, user.user.id))
  return user
}

const roleOf = async (id: number) => (await getDb(env).select({ role: users.role }).from(users).where(eq(users.id, id)).get())?.role

describe('a role change stands or falls with its audit entry', () => {
  it('keeps the old role when the audit entry cannot be written', async () => {
    const boss = await staffUser('admin')
    const customer = await registerUser()
    await env.DB.prepare(`CREATE TRIGGER role_audit_fails BEFORE INSERT ON audit_log WHEN new.action = 'user.role' AND new.target_id = '${customer.user.id}' BEGIN SELECT RAISE(ABORT, 'D1 is down'); END`).run()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const changed = await callJson<ErrorBody>('PATCH', `/api/admin/users/${customer.user.id}`, { role: 'staff' }, boss.bearer)
    await env.DB.prepare('DROP TRIGGER role_audit_fails').run()
    vi.restoreAllMocks()
    expect(changed.status).toBe(500)
    expect(await roleOf(customer.user.id)).toBe('customer')
  })

  it('writes exactly one audit entry for a change and refuses the last admin in the same statement', async () => {
    const boss = await staffUser('admin')
    const customer = await registerUser()
    expect((await callJson('PATCH', `/api/admin/users/${customer.user.id}`, { role: 'admin' }, boss.bearer)).status).toBe(200)
    const entries = await getDb(env).select().from(auditLog).where(and(eq(auditLog.action, 'user.role'), eq(auditLog.targetId, String(customer.user.id))))
    expect(entries).toEqual([expect.objectContaining({ before: expect.objectContaining({ role: 'customer' }), after: { role: 'admin' } })])
  })
})

describe('CSRF on the API: only a bearer token skips it', () => {
  it.each(['Basic dXNlcjpwYXNz', '', 'Bearer'])('refuses a cross-site cookie request that carries Authorization %j', async (authorization) => {
    const browser = new Browser()
    await browser.fetch('/api/auth/csrf')
    const answer = await browser.fetch('/api/cart/items', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example', Authorization: authorization },
      body: JSON.stringify({ product_id: 1, quantity: 1 }),
    })
    expect(answer.status).toBe(403)
    expect(((await answer.json()) as ErrorBody).error.code).toBe('csrf_failed')
  })
})

describe('a store without AUTH_SECRET (outside development) still serves its pages', () => {
  it('shows the cart page: the flash messages need no access-token key', async () => {
    const bare = { ...env, ENVIRONMENT: 'production', AUTH_SECRET: undefined } as Env
    const page = await new Browser(bare).fetch('/cart')
    expect(page.status).toBe(200)
  })
})
