/**
 * When a failed delivery is tried again: after 1 min, 5 min, 30 min, 2 h, 6 h, then every 12 h (a
 * Queue's longest delay), for as long as the next attempt falls within 3 days of the event. A 2xx ends it.
 * An endpoint none of whose deliveries has succeeded for 3 days is disabled.
 */
const MINUTE = 60_000
const HOUR = 60 * MINUTE
export const RETRY_DELAYS_MS = [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR, 12 * HOUR]
/** How long after its event a delivery is still tried. */
export const DELIVERY_WINDOW_MS = 3 * 24 * HOUR
/** How long an endpoint may fail without a success before it is disabled. */
export const DISABLE_AFTER_FAILING_MS = 3 * 24 * HOUR
/** How long one attempt waits for the receiver's answer. */
export const ATTEMPT_TIMEOUT_MS = 10_000

/** The delay before attempt `attempts + 1`, after `attempts` failed ones (1-based). */
export const retryDelayMs = (attempts: number) => RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1] ?? MINUTE

/** When the next attempt is due after the `attempts`th failed at `now`, or null to give up (past the event's 3 days). */
export function nextAttemptAt(eventCreatedAt: number, attempts: number, now: number): number | null {
  const at = now + retryDelayMs(attempts)
  return at <= eventCreatedAt + DELIVERY_WINDOW_MS ? at : null
}
