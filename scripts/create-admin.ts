/**
 * `npm run create-admin -- --email … --password … [--name …] [--remote]`: makes an admin account, or
 * promotes an existing one (and sets its password when one is given), like Django's createsuperuser.
 * Local by default (the D1 under .wrangler/); `--remote` runs the same SQL on the production D1.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { getPlatformProxy } from 'wrangler'
import { z } from 'zod'
import { runOnD1, upsertUserSql } from './seed/users'

const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    name: { type: 'string', default: 'Administrator' },
    remote: { type: 'boolean', default: false },
    'persist-to': { type: 'string' },
  },
})
if (!values.email) {
  console.error('Usage: npm run create-admin -- --email admin@example.com --password "at least 10 characters" [--name "Ada"] [--remote]')
  process.exit(2)
}

let statements: string[]
try {
  statements = await upsertUserSql({ email: values.email, password: values.password, name: values.name ?? 'Administrator', role: 'admin' })
} catch (err) {
  const reason = err instanceof z.ZodError ? err.issues.map((issue) => issue.message).join('; ') : String(err)
  console.error(`Cannot create the admin: ${reason}`)
  process.exit(2)
}

if (values.remote) {
  const wrangler = join(import.meta.dirname, '../node_modules/.bin/wrangler')
  execFileSync(wrangler, ['d1', 'execute', 'DB', '--remote', '--command', statements.join(';\n')], { stdio: 'inherit' })
} else {
  const proxy = await getPlatformProxy<{ DB: D1Database }>({ persist: values['persist-to'] ? { path: join(values['persist-to'], 'v3') } : true })
  try {
    const before = await proxy.env.DB.prepare('SELECT role FROM users WHERE email = ?').bind(values.email.trim().toLowerCase()).first<{ role: string }>()
    if (!before && !values.password) throw new Error('a new account needs --password')
    await runOnD1(proxy.env.DB, statements)
    console.log(before ? `Promoted ${values.email} (was ${before.role}) to admin.` : `Created admin ${values.email}.`)
  } catch (err) {
    console.error(`Cannot create the admin: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  } finally {
    await proxy.dispose()
  }
}
