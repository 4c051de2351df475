/**
 * A fake receiver of the store's outbound webhooks, run by Miniflare as part of the Worker's outbound
 * service (vitest.config.mts) for the host `hooks.receiver.test`. A path `/<key>/<behaviour>` answers:
 * `ok` → 200; `fail-<n>` → 500 to the first n requests of that key, 200 after; `always-<status>` → that
 * status; `slow-<ms>` → 200 after ms. Every request is recorded by key; tests read them with
 * `GET https://hooks.receiver.test/__fake__/requests?key=<key>`.
 */
import { Response } from 'miniflare'

export const RECEIVER_HOST = 'hooks.receiver.test'

export interface ReceivedWebhook {
  path: string
  headers: Record<string, string>
  body: string
}

const received = new Map<string, ReceivedWebhook[]>()

export async function fakeReceiver(request: Request): Promise<Response> {
  const url = new URL(request.url)
  if (url.pathname === '/__fake__/requests') {
    return new Response(JSON.stringify(received.get(url.searchParams.get('key') ?? '') ?? []), { headers: { 'Content-Type': 'application/json' } })
  }
  const [, key = '', behaviour = 'ok'] = url.pathname.split('/')
  const list = received.get(key) ?? []
  received.set(key, list)
  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => (headers[name] = value))
  list.push({ path: url.pathname, headers, body: await request.text() })
  const failures = /^fail-(\d+)$/.exec(behaviour)
  if (failures) return new Response(list.length <= Number(failures[1]) ? 'boom' : 'ok', { status: list.length <= Number(failures[1]) ? 500 : 200 })
  const always = /^always-(\d{3})$/.exec(behaviour)
  if (always) return new Response('no', { status: Number(always[1]) })
  const slow = /^slow-(\d+)$/.exec(behaviour)
  if (slow) await new Promise((resolve) => setTimeout(resolve, Number(slow[1])))
  return new Response('ok', { status: 200 })
}
