/**
 * What `npm run create-admin` decides, apart from how it reaches D1: the account is looked up first (the
 * same way locally and with --remote), then it is created, promoted, or refused with a reason. No Node
 * imports, so that the tests run it on the Workers pool against the real local D1.
 */
import { z } from 'zod'
import { quote, upsertUserSql } from './users'

export interface AdminRequest {
  email: string
  password?: string
  name: string
}

/** The D1 the command works on: the local one through the platform proxy, or the remote one through wrangler. */
export interface AdminDatabase {
  /** The role of the account with this (normalised) email, or null when there is none. */
  roleOf(email: string): Promise<string | null>
  run(statements: string[]): Promise<void>
}

export type AdminOutcome = { ok: true; message: string } | { ok: false; message: string }

const normalised = (email: string) => email.trim().toLowerCase()

/** Creates the admin, promotes the account, or says why it cannot; changes nothing when it cannot. */
export async function createAdmin(db: AdminDatabase, request: AdminRequest): Promise<AdminOutcome> {
  let statements: string[]
  try {
    statements = await upsertUserSql({ ...request, role: 'admin' })
  } catch (err) {
    if (err instanceof z.ZodError) return { ok: false, message: `Cannot create the admin: ${err.issues.map((issue) => issue.message).join('; ')}` }
    throw err
  }
  const email = normalised(request.email)
  const before = await db.roleOf(email)
  if (before === null && request.password === undefined) {
    return { ok: false, message: `Cannot create the admin: there is no account ${email}, and a new account needs --password. Nothing was changed.` }
  }
  await db.run(statements)
  if (before === null) return { ok: true, message: `Created admin ${email}.` }
  return { ok: true, message: `Promoted ${email} (was ${before}) to admin${request.password === undefined ? '' : ' and set its password (its sessions are signed out)'}.` }
}

/** A D1 binding (the local database through the platform proxy, or a test's). */
export function boundDatabase(d1: D1Database): AdminDatabase {
  return {
    roleOf: async (email) => (await d1.prepare('SELECT role FROM users WHERE email = ?').bind(email).first<{ role: string }>())?.role ?? null,
    run: async (statements) => void (await d1.batch(statements.map((statement) => d1.prepare(statement)))),
  }
}

/** Runs `wrangler` with these arguments and answers what it printed (throws when it fails). */
export type RunWrangler = (args: string[]) => string

const WranglerJson = z.array(z.object({ results: z.array(z.record(z.string(), z.unknown())).optional() }))

/** The production D1 through `wrangler d1 execute DB --remote` (its `--json` output is read for the lookup). */
export function remoteDatabase(wrangler: RunWrangler): AdminDatabase {
  const execute = (sql: string) => wrangler(['d1', 'execute', 'DB', '--remote', '--json', '--command', sql])
  return {
    roleOf: async (email) => {
      const printed = execute(`SELECT role FROM users WHERE email = ${quote(email)}`)
      const answer = WranglerJson.safeParse(JSON.parse(printed))
      if (!answer.success) throw new Error(`wrangler answered something that is not a D1 result: ${printed.slice(0, 200)}`)
      const role = answer.data[0]?.results?.[0]?.['role']
      return typeof role === 'string' ? role : null
    },
    run: async (statements) => void execute(statements.join(';\n')),
  }
}
