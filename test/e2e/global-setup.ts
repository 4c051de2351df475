/**
 * Starts the store as a developer runs it: local migrations, the demo seed, then `wrangler dev`, all
 * in a state folder of its own (so a developer's `.wrangler/state` is untouched), on E2E_PORT.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '../..')
const STATE = join(ROOT, '.wrangler/e2e-state')
const PORT = process.env.E2E_PORT ?? '8791'
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name)

let dev: ChildProcess | undefined

export async function setup() {
  rmSync(STATE, { recursive: true, force: true })
  execFileSync(bin('tsx'), ['scripts/build-assets.ts'], { cwd: ROOT, stdio: 'ignore' })
  execFileSync(bin('wrangler'), ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', STATE], { cwd: ROOT, stdio: 'ignore' })
  execFileSync(bin('tsx'), ['scripts/seed.ts', '--products', '80', '--persist-to', STATE], { cwd: ROOT, stdio: 'ignore' })
  dev = spawn(bin('wrangler'), ['dev', '--ip', '127.0.0.1', '--port', PORT, '--persist-to', STATE, '--var', 'ENVIRONMENT:development', '--log-level', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  })
  const base = `http://127.0.0.1:${PORT}`
  for (let i = 0; ; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break
    if (i > 240) throw new Error('wrangler dev did not start within 120 s')
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  process.env.E2E_BASE = base
}

export async function teardown() {
  if (dev?.pid) process.kill(-dev.pid, 'SIGTERM')
}
