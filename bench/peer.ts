/**
 * The flash sale against a Django + PostgreSQL peer (bench/peer/): the stack the store replaces, doing the
 * same work per order (the customer by token, prices read and stock locked with select_for_update,
 * shipping and tax priced from their rows, order and lines in one transaction, JSON answered).
 * PostgreSQL 15 runs as the `postgres` user (it refuses root) in a temporary data directory on port
 * 55432; gunicorn serves Django with 2 workers of 4 threads each on port 8821 (threads keep connections alive: the sync worker closes each one, and the load
 * generator then counts the resets as errors). Both are stopped afterwards and the data
 * directory removed. Debian's packages only: nothing is downloaded.
 */
import { execFileSync, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { load, type Figures } from './load'
import { ROOT } from './serve'

const PG_BIN = '/usr/lib/postgresql/15/bin'
const PG_PORT = '55432'
const PEER_PORT = '8821'
const PYTHON = '/usr/bin/python3'
const GUNICORN = '/usr/bin/gunicorn'
const PEER_DIR = join(ROOT, 'bench/peer')
const INSTALL = 'apt-get install -y postgresql python3-django gunicorn python3-psycopg2'

const ADDRESS = { name: 'Bench Buyer', line1: '1 Infinite Loop', city: 'Cupertino', region: 'CA', postal_code: '95014', country: 'US' }

/** What is missing to run the peer, in words, or null. */
function missing(): string | null {
  if (!existsSync(join(PG_BIN, 'initdb'))) return `PostgreSQL 15 is not installed (${PG_BIN}/initdb): ${INSTALL}`
  if (!existsSync(GUNICORN)) return `gunicorn is not installed (${GUNICORN}): ${INSTALL}`
  try {
    execFileSync(PYTHON, ['-c', 'import django, psycopg2'], { stdio: 'ignore' })
  } catch {
    return `Django or psycopg2 is missing from ${PYTHON}: ${INSTALL}`
  }
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' })
  } catch {
    return `there is no postgres user to run PostgreSQL as: ${INSTALL}`
  }
  return null
}

const asPostgres = (command: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], { stdio: 'pipe' })

const peerEnv = { ...process.env, PEER_DB_PORT: PG_PORT, PYTHONDONTWRITEBYTECODE: '1' }
const manage = (...args: string[]) => execFileSync(PYTHON, ['manage.py', ...args], { cwd: PEER_DIR, env: peerEnv, stdio: 'pipe' }).toString()

export type PeerResult = { skipped: string } | { figures: Figures; problems: string[] }

export async function runPeer({ connections, seconds, customers, verbose }: { connections: number; seconds: number; customers: number; verbose: boolean }): Promise<PeerResult> {
  const absent = missing()
  if (absent) return { skipped: absent }
  const data = mkdtempSync('/tmp/cato-bench-pg-')
  chownSync(data, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()))
  let started = false
  let gunicorn: ReturnType<typeof spawn> | undefined
  try {
    asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
    asPostgres('pg_ctl', ['-D', data, '-l', join(data, 'server.log'), '-o', `-p ${PG_PORT} -k ${data} -h 127.0.0.1`, '-w', 'start'])
    started = true
    asPostgres('createdb', ['-h', '127.0.0.1', '-p', PG_PORT, '-U', 'postgres', 'peer'])
    manage('migrate', '--noinput')
    const seeded = JSON.parse(manage('seed', '--customers', String(customers))) as { variant_id: number; method_id: number; stock: number }
    gunicorn = spawn(GUNICORN, ['-w', '2', '-k', 'gthread', '--threads', '4', '-b', `127.0.0.1:${PEER_PORT}`, '--log-level', 'warning', 'peer_site.wsgi'], { cwd: PEER_DIR, env: peerEnv, stdio: verbose ? 'inherit' : 'ignore', detached: true })
    const base = `http://127.0.0.1:${PEER_PORT}`
    for (let i = 0; ; i++) {
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break
      if (i > 60) throw new Error('the peer (gunicorn) did not answer within 30 s')
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    const placed: string[] = []
    const figures = await load({
      base,
      connections,
      seconds,
      verbose,
      status: 201,
      warm: false,
      path: () => '/orders',
      request: (n) => ({
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer bench-token-${n % customers}` },
        body: JSON.stringify({ items: [{ variant_id: seeded.variant_id, quantity: 1 }], shipping_address: ADDRESS, shipping_method_id: seeded.method_id }),
      }),
      onAnswer: (body) => placed.push((JSON.parse(body) as { id: string }).id),
    })
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const sale = JSON.parse(manage('check_sale', '--variant', String(seeded.variant_id))) as { orders: string[]; sold: number; left: number }
    const problems: string[] = []
    const stored = new Set(sale.orders)
    const lost = placed.filter((id) => !stored.has(id)).length
    if (lost) problems.push(`${lost} of the ${placed.length} orders answered 201 are not stored`)
    // Orders in flight when the load stopped are stored without their answer being read: one per connection at most.
    if (stored.size - placed.length > connections) problems.push(`${stored.size} orders stored, ${placed.length} answered 201`)
    if (sale.sold + sale.left !== seeded.stock) problems.push(`${sale.sold} sold and ${sale.left} left of ${seeded.stock}`)
    if (sale.left < 0) problems.push(`${-sale.left} units oversold`)
    process.stderr.write(`  peer: flash sale: ${placed.length} orders answered 201, ${problems.length ? problems.join('; ') : '0 oversold, every 201 a stored order'}\n`)
    return { figures, problems }
  } finally {
    if (gunicorn?.pid) process.kill(-gunicorn.pid, 'SIGTERM')
    if (started) asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
    rmSync(data, { recursive: true, force: true })
  }
}
