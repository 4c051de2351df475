import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { boundDatabase, createAdmin, remoteDatabase } from '../scripts/seed/admin'
import { getDb } from '../src/db/client'
import { users } from '../src/db/schema'
import { Browser, callJson, registerUser, uniqueEmail } from './helpers'

const local = () => boundDatabase(env.DB)
const roleOf = async (email: string) => (await getDb(env).query.users.findFirst({ where: eq(users.email, email) }))?.role
const signIn = (email: string, password: string) => callJson<{ access_token?: string }>('POST', '/api/auth/token', { email, password })

describe('npm run create-admin', () => {
  it('creates an admin who can sign in and use the admin API', async () => {
    const email = uniqueEmail('ada')
    expect(await createAdmin(local(), { email: email.toUpperCase(), password: 'a long admin password', name: 'Ada' })).toEqual({ ok: true, message: `Created admin ${email}.` })
    const token = await signIn(email, 'a long admin password')
    expect(token.status).toBe(200)
    expect((await callJson('GET', '/api/admin/users', undefined, { Authorization: `Bearer ${token.body.access_token}` })).status).toBe(200)
  })

  it('promotes an existing account without touching its password', async () => {
    const customer = await registerUser()
    expect(await createAdmin(local(), { email: customer.email, name: 'ignored' })).toEqual({ ok: true, message: `Promoted ${customer.email} (was customer) to admin.` })
    expect(await roleOf(customer.email)).toBe('admin')
    expect((await signIn(customer.email, customer.password)).status).toBe(200)
  })

  it('setting a password signs the account out everywhere: access tokens, refresh tokens and sessions', async () => {
    const customer = await registerUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: customer.email, password: customer.password })
    expect((await browser.fetch('/account')).status).toBe(200)
    await createAdmin(local(), { email: customer.email, password: 'the new admin password', name: 'x' })
    expect((await callJson('GET', '/api/users/profile', undefined, customer.bearer)).status).toBe(401)
    expect((await callJson('POST', '/api/auth/refresh', { refresh_token: customer.refresh_token })).status).toBe(401)
    expect((await browser.fetch('/account')).status).toBe(303)
    expect((await signIn(customer.email, 'the new admin password')).status).toBe(200)
  })

  it('refuses an unknown email without a password, saying so, and creates nothing', async () => {
    const email = uniqueEmail('nobody')
    const outcome = await createAdmin(local(), { email, name: 'x' })
    expect(outcome).toEqual({ ok: false, message: expect.stringContaining(`there is no account ${email}, and a new account needs --password`) })
    expect(await roleOf(email)).toBeUndefined()
  })

  it('refuses a bad email or a short password before reaching the database', async () => {
    const untouched = { roleOf: () => Promise.reject(new Error('looked up')), run: () => Promise.reject(new Error('ran')) }
    expect(await createAdmin(untouched, { email: 'not-an-email', password: 'a long admin password', name: 'x' })).toMatchObject({ ok: false })
    expect(await createAdmin(untouched, { email: uniqueEmail(), password: 'short', name: 'x' })).toMatchObject({ ok: false, message: expect.stringContaining('Cannot create the admin') })
  })

  describe('with --remote', () => {
    /** `wrangler d1 execute DB --remote --json` as a fake: answers the lookup from `accounts` and records every call. */
    function fakeWrangler(accounts: Record<string, string>) {
      const calls: string[][] = []
      const wrangler = (args: string[]) => {
        calls.push(args)
        const sql = args.at(-1) ?? ''
        const email = /^SELECT role FROM users WHERE email = '(.+)'$/.exec(sql)?.[1]
        const role = email === undefined ? undefined : accounts[email]
        return JSON.stringify([{ results: role ? [{ role }] : [], success: true, meta: {} }])
      }
      return { calls, db: remoteDatabase(wrangler) }
    }

    it('looks the account up first and refuses an unknown email without a password, running nothing else', async () => {
      const { calls, db } = fakeWrangler({})
      const outcome = await createAdmin(db, { email: 'New.Admin@Example.com', name: 'x' })
      expect(outcome).toEqual({ ok: false, message: expect.stringContaining('there is no account new.admin@example.com, and a new account needs --password') })
      expect(calls).toEqual([['d1', 'execute', 'DB', '--remote', '--json', '--command', "SELECT role FROM users WHERE email = 'new.admin@example.com'"]])
    })

    it('promotes a known account with one remote command after the lookup', async () => {
      const { calls, db } = fakeWrangler({ 'ops@example.com': 'staff' })
      expect(await createAdmin(db, { email: 'ops@example.com', name: 'x' })).toEqual({ ok: true, message: 'Promoted ops@example.com (was staff) to admin.' })
      expect(calls).toHaveLength(2)
      expect(calls[1]?.slice(0, 6)).toEqual(['d1', 'execute', 'DB', '--remote', '--json', '--command'])
      expect(calls[1]?.at(-1)).toContain("UPDATE users SET role = 'admin' WHERE email = 'ops@example.com'")
    })
  })
})
