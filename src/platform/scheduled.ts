/**
 * The Worker's `scheduled` handler: the Cron Triggers of wrangler.toml (`[triggers] crons`). A failed run
 * is reported (logs, and Sentry when SENTRY_DSN is set) and rethrown, so that the dashboard shows it failed.
 */
import { backupD1, pruneBackups } from './backup'
import { reportError } from './error-reporting'
import { logEvent } from './logging'
import { pruneExpired } from './pruning'
import { sweepWebhookDeliveries } from '../webhooks/events'
import { sweepOutbox } from '../notifications/sweep'

/** 03:00 UTC: back D1 up to R2, then delete the backups past their retention. */
export const BACKUP_CRON = '0 3 * * *'

/** Takes the nightly backup and prunes the old ones; logs and counts `backup.completed`. */
async function runBackup(env: Env, at: Date): Promise<void> {
  const backup = await backupD1(env, { at })
  const deleted = await pruneBackups(env, { now: at.getTime() })
  logEvent(env, 'backup.completed', {
    key: backup.key,
    bytes: backup.bytes,
    rows: backup.tables.reduce((sum, table) => sum + table.rows, 0),
    tables: backup.tables.length,
    deleted: deleted.length,
  })
}

/** Every hour: delete expired sessions, tokens, counters, keys and abandoned guest carts (./pruning.ts). */
export const PRUNE_CRON = '0 * * * *'

async function runPrune(env: Env, at: Date): Promise<void> {
  await pruneExpired(env, { now: at.getTime() })
}

/** Every minute: re-enqueue outbox rows that never reached the notifications queue (src/notifications/sweep.ts), and enqueue the outbound webhook deliveries that are due and have no message (src/webhooks/events.ts). */
export const MINUTE_CRON = '* * * * *'
/** The same minute's cron, by the name the outbox sweep knows it. */
export const OUTBOX_SWEEP_CRON = MINUTE_CRON

async function runEveryMinute(env: Env, at: Date): Promise<void> {
  // Each sweep on its own: one failing does not hold the other back (the run still reports the failure).
  const results = await Promise.allSettled([sweepOutbox(env, { now: at.getTime() }), sweepWebhookDeliveries(env, at.getTime())])
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) throw failed.reason
}

const JOBS: Record<string, (env: Env, at: Date) => Promise<void>> = {
  [BACKUP_CRON]: runBackup,
  [PRUNE_CRON]: runPrune,
  [MINUTE_CRON]: runEveryMinute,
}

export const scheduled: ExportedHandlerScheduledHandler<Env> = async (controller, env, ctx) => {
  const job = JOBS[controller.cron]
  try {
    if (!job) throw new Error(`no job for the cron "${controller.cron}" (wrangler.toml [triggers] and src/platform/scheduled.ts disagree)`)
    await job(env, new Date(controller.scheduledTime))
  } catch (err) {
    await reportError(env, err, { waitUntil: (promise) => ctx.waitUntil(promise) })
    throw err
  }
}
