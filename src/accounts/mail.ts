/**
 * Outgoing mail behind one small interface. Mail is sent through Resend's HTTP API (`MAIL_API_KEY`,
 * `MAIL_FROM`); in development only, without a key, the message is logged instead (and kept in `outbox`
 * for tests), so the password-reset link shows up in `wrangler dev`'s output. Any other environment
 * without both secrets is a 503 before anything is written, never a mail logged and dropped.
 */
import { isDevelopment, notConfigured } from '../platform/env'

export interface Mail {
  to: string
  subject: string
  text: string
}

export interface Mailer {
  send(mail: Mail): Promise<void>
}

/** Messages "sent" by the logging mailer in this isolate, newest last (development and tests only). */
export const outbox: Mail[] = []

const logMailer: Mailer = {
  async send(mail) {
    outbox.push(mail)
    if (outbox.length > 100) outbox.shift()
    // Development only (see getMailer): this line is the developer's inbox, so it is not redacted, which
    // would cut out the reset link's token, the one thing it is for.
    console.log(JSON.stringify({ level: 'info', event: 'mail.logged', to: mail.to, subject: mail.subject, text: mail.text }))
  },
}

function resendMailer(apiKey: string, from: string): Mailer {
  return {
    async send(mail) {
      const response = await fetch('https://api.resend.com/emails', {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ from, to: [mail.to], subject: mail.subject, text: mail.text }),
      })
      if (!response.ok) throw new Error(`Mail provider answered ${response.status}`)
    },
  }
}

const mailNotConfigured = () =>
  notConfigured('mail_not_configured', 'This store cannot send mail right now (MAIL_API_KEY or MAIL_FROM is not set), so no link was sent. Please try again later.')

/** The mailer of this environment; call it before doing the work the mail is for. 503 when mail cannot be sent. */
export function getMailer(env: Env): Mailer {
  if (isDevelopment(env)) return env.MAIL_API_KEY ? resendMailer(env.MAIL_API_KEY, env.MAIL_FROM ?? 'Cato-Store <no-reply@cato-store.example>') : logMailer
  if (!env.MAIL_API_KEY || !env.MAIL_FROM) throw mailNotConfigured()
  return resendMailer(env.MAIL_API_KEY, env.MAIL_FROM)
}
