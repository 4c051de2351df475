/**
 * A fake of Resend's send API (POST https://api.resend.com/emails), run by Miniflare as part of the
 * Worker's outbound service (in Node, see vitest.config.mts). Like Resend it answers a request whose
 * Idempotency-Key it has seen with the first answer and sends nothing again (for 24 hours there). Tests
 * read what was really sent with `GET https://api.resend.com/__fake__/emails`, and make the next N sends of
 * an address fail with `POST https://api.resend.com/__fake__/fail?to=…&times=N` (a 500, as an outage).
 */
import { Response } from 'miniflare'

export interface FakeSentEmail {
  id: string
  idempotencyKey: string | null
  from: string
  to: string[]
  subject: string
  html: string
  text: string
  headers: Record<string, string>
}

const sent: FakeSentEmail[] = []
const byKey = new Map<string, string>()
const failures = new Map<string, number>()
/** Every request that reached the send endpoint, accepted or not. */
let requests = 0

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

export async function fakeResend(request: Request): Promise<Response> {
  const url = new URL(request.url)
  if (url.pathname === '/__fake__/emails') return json(200, { requests, sent })
  if (url.pathname === '/__fake__/fail') {
    failures.set(url.searchParams.get('to') ?? '', Number(url.searchParams.get('times') ?? 1))
    return json(200, { ok: true })
  }
  if (request.method !== 'POST' || url.pathname !== '/emails') return json(404, { name: 'not_found', message: 'Unknown endpoint' })
  requests += 1
  if (!/^Bearer re_test_/.test(request.headers.get('Authorization') ?? '')) return json(401, { name: 'validation_error', message: 'API key is invalid' })
  const body = (await request.json()) as Omit<FakeSentEmail, 'id' | 'idempotencyKey'>
  const key = request.headers.get('Idempotency-Key')
  const earlier = key ? byKey.get(key) : undefined
  if (earlier) return json(200, { id: earlier })
  const to = body.to?.[0] ?? ''
  const failing = failures.get(to) ?? 0
  if (failing > 0) {
    failures.set(to, failing - 1)
    return json(500, { name: 'internal_server_error', message: 'An unexpected error occurred' })
  }
  const id = crypto.randomUUID()
  if (key) byKey.set(key, id)
  sent.push({ id, idempotencyKey: key, from: body.from, to: body.to, subject: body.subject, html: body.html, text: body.text, headers: body.headers ?? {} })
  return json(200, { id })
}
