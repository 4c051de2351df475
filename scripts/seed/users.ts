/**
 * Accounts made from the command line (the seed's demo users, `npm run create-admin`), as SQL that
 * runs the same on the local D1 (through the platform proxy) and the remote one (`wrangler d1 execute`).
 */
import { hashPassword } from '../../src/accounts/passwords'
import { Email, NewPassword } from '../../src/accounts/schemas'
import type { UserRole } from '../../src/db/schema'

/** For local use only: the README gives these so that a developer can sign in at once. */
export const DEMO_USERS = [
  { email: 'customer@example.com', password: 'demo-customer-password', name: 'Demo Customer', role: 'customer' },
  { email: 'admin@example.com', password: 'demo-admin-password', name: 'Demo Admin', role: 'admin' },
] as const

export const quote = (value: string) => `'${value.replace(/'/g, "''")}'`

/**
 * Statements that create the user, or update an existing one's role (and password, when given: a
 * changed password also revokes its access tokens, sessions and refresh tokens). Inputs are validated as
 * the API validates them.
 */
export async function upsertUserSql(input: { email: string; password?: string; name: string; role: UserRole }): Promise<string[]> {
  const email = Email.parse(input.email)
  const name = input.name.trim().slice(0, 100) || email
  const hash = input.password === undefined ? undefined : await hashPassword(NewPassword.parse(input.password))
  const insert = hash
    ? `INSERT INTO users (email, password_hash, name, role) VALUES (${quote(email)}, ${quote(hash)}, ${quote(name)}, ${quote(input.role)})
       ON CONFLICT(email) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash, token_version = token_version + 1`
    : `UPDATE users SET role = ${quote(input.role)} WHERE email = ${quote(email)}`
  const profile = `INSERT OR IGNORE INTO user_profiles (user_id) SELECT id FROM users WHERE email = ${quote(email)}`
  if (!hash) return [insert, profile]
  // A password set from the command line ends what the old one opened, as a password change does.
  const userId = `(SELECT id FROM users WHERE email = ${quote(email)})`
  return [insert, profile, `DELETE FROM sessions WHERE user_id = ${userId}`, `UPDATE refresh_tokens SET revoked_at = ${Date.now()} WHERE user_id = ${userId} AND revoked_at IS NULL`]
}

/** Runs statements on a D1 binding, as one batch. */
export async function runOnD1(db: D1Database, statements: string[]) {
  await db.batch(statements.map((statement) => db.prepare(statement)))
}

/** Creates the demo users that are missing (their passwords are not reset if they exist). */
export async function seedDemoUsers(db: D1Database) {
  for (const user of DEMO_USERS) {
    const exists = await db.prepare('SELECT 1 FROM users WHERE email = ?').bind(user.email).first()
    if (!exists) await runOnD1(db, await upsertUserSql(user))
  }
}
