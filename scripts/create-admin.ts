/**
 * `npm run create-admin -- --email … --password … [--name …] [--remote]`: makes an admin account, or
 * promotes an existing one (and sets its password when one is given), like Django's createsuperuser.
 * Local by default (the D1 under .wrangler/); `--remote` works on the production D1 through wrangler.
 * The decisions live in ./seed/admin.ts (tested); this file only reads the arguments and picks the D1.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { getPlatformProxy } from 'wrangler'
import { boundDatabase, createAdmin, remoteDatabase, type AdminOutcome, type AdminRequest } from './seed/admin'

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
const request: AdminRequest = { email: values.email, password: values.password, name: values.name ?? 'Administrator' }

async function run(): Promise<AdminOutcome> {
  if (values.remote) {
    const wrangler = join(import.meta.dirname, '../node_modules/.bin/wrangler')
    // stderr is wrangler's progress and its errors: shown as they come; stdout is the JSON result.
    return createAdmin(remoteDatabase((args) => execFileSync(wrangler, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })), request)
  }
  const proxy = await getPlatformProxy<{ DB: D1Database }>({ persist: values['persist-to'] ? { path: join(values['persist-to'], 'v3') } : true })
  try {
    return await createAdmin(boundDatabase(proxy.env.DB), request)
  } finally {
    await proxy.dispose()
  }
}

try {
  const outcome = await run()
  if (outcome.ok) console.log(outcome.message)
  else {
    console.error(outcome.message)
    process.exitCode = 2
  }
} catch (err) {
  console.error(`Cannot create the admin: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
}
