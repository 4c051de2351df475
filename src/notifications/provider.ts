/**
 * Sending one rendered mail. With MAIL_API_KEY: Resend's HTTP API (POST https://api.resend.com/emails),
 * the outbox id as its `Idempotency-Key`, so a retry within Resend's 24 hours sends nothing twice. In
 * development without a key: the mail is kept in D1's `dev_mailbox` (read at /admin/mailbox), once per
 * outbox id. Anywhere else without a key (or MAIL_FROM): an error, which the consumer records on the row
 * and retries, never a mail dropped in silence.
 */
import { getDb } from '../db/client'
import { devMailbox } from '../db/schema'
import { isDevelopment, notConfigured } from '../platform/env'
import { storeIdentity } from './store-identity'

export interface OutgoingMail {
  /** The outbox id: the provider's idempotency key. */
  id: string
  to: string
  subject: string
  html: string
  text: string
  /** Extra headers (List-Unsubscribe of marketing mail). */
  headers?: Record<string, string>
}

export const RESEND_API = 'https://api.resend.com/emails'
const DEVELOPMENT_FROM = 'Cato-Store (development) <no-reply@cato-store.example>'

export class MailNotConfigured extends Error {}

/** Which way mail leaves this environment; throws MailNotConfigured where it cannot. */
export function mailRoute(env: Env): { kind: 'resend'; apiKey: string; from: string } | { kind: 'dev_mailbox' } {
  if (env.MAIL_API_KEY) {
    const from = env.MAIL_FROM || (isDevelopment(env) ? DEVELOPMENT_FROM : '')
    if (!from) throw new MailNotConfigured('MAIL_FROM is not set: no mail can be sent')
    return { kind: 'resend', apiKey: env.MAIL_API_KEY, from }
  }
  if (isDevelopment(env)) return { kind: 'dev_mailbox' }
  throw new MailNotConfigured('MAIL_API_KEY is not set: no mail can be sent (only development keeps mail in the dev mailbox)')
}

/**
 * 503 `mail_not_configured` when this environment cannot send mail (no provider, or no store identity):
 * a page that is about to send one (the password reset) asks first and says so before doing anything.
 */
export function assertMailConfigured(env: Env): void {
  try {
    mailRoute(env)
    storeIdentity(env)
  } catch (err) {
    throw notConfigured('mail_not_configured', `This store cannot send mail right now (${err instanceof Error ? err.message : 'mail is not configured'}), so nothing was sent. Please try again later.`)
  }
}

/** Sends (or, in development without a key, keeps) one mail; throws on any failure, with the provider's answer. */
export async function sendMail(env: Env, mail: OutgoingMail): Promise<void> {
  const route = mailRoute(env)
  if (route.kind === 'dev_mailbox') {
    await getDb(env).insert(devMailbox).values({ id: mail.id, recipient: mail.to, subject: mail.subject, html: mail.html, text: mail.text }).onConflictDoNothing()
    return
  }
  const response = await fetch(RESEND_API, {
    method: 'POST',
    headers: { Authorization: `Bearer ${route.apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': mail.id },
    body: JSON.stringify({ from: route.from, to: [mail.to], subject: mail.subject, html: mail.html, text: mail.text, ...(mail.headers && { headers: mail.headers }) }),
  })
  if (!response.ok) {
    const detail = (await response.text().catch(() => '')).slice(0, 300)
    throw new Error(`Resend answered ${response.status}${detail ? `: ${detail}` : ''}`)
  }
}
