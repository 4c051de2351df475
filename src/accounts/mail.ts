/**
 * Outgoing mail behind one small interface. Production sends through Resend's HTTP API
 * (`MAIL_API_KEY`, `MAIL_FROM`); elsewhere the message is logged (and kept in `outbox` for tests), so
 * the password-reset link shows up in `wrangler dev`'s output. Production without a key fails loudly.
 */
import { isProduction } from '../platform/env'

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

export function getMailer(env: Env): Mailer {
  if (env.MAIL_API_KEY) return resendMailer(env.MAIL_API_KEY, env.MAIL_FROM ?? 'Cato-Store <no-reply@cato-store.example>')
  if (isProduction(env)) throw new Error('MAIL_API_KEY is not set: production cannot send mail')
  return logMailer
}
