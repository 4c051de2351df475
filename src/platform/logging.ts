/**
 * Structured logs: one JSON line per request (`requestLog`) and one per domain event (`logEvent`), each
 * also counted in Analytics Engine (./metrics). Workers Logs (`[observability]` in wrangler.toml) indexes
 * the JSON fields. Every line goes through `redact` first, so that no password, token, cookie,
 * Authorization header or card number reaches the logs whatever a caller passes.
 */
import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { AppEnv } from './env'
import { recordEvent, recordRequest } from './metrics'

export type LogLevel = 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>

const REDACTED = '[redacted]'
const MAX_DEPTH = 6

/** Field names whose values never reach a log, whatever they hold. */
const SENSITIVE_KEY = /pass(word|wd|phrase)?|secret|token|authorization|cookie|session|api[-_]?key|dsn|card|cvc|cvv|signature|csrf/i

/** Secrets that can hide inside free text (an error message, a note): replaced where they appear. */
const SENSITIVE_TEXT: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[\w\-.~+/=]+/gi, `$1 ${REDACTED}`],
  [/\beyJ[\w-]*\.[\w-]+\.[\w-]*/g, REDACTED], // a JWT
  [/\b(sk|rk|pk)_(live|test)_\w+|\bwhsec_\w+/g, REDACTED], // Stripe keys and webhook secrets
  [/\b(password|passwd|token|secret|api_key|session|code)=[^&\s;]+/gi, `$1=${REDACTED}`],
]
// Not inside a longer token (a UUID's digit groups, an id with letters).
const CARD_LIKE = /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g

/** Luhn's checksum: a 13–19 digit run that passes it is treated as a card number. */
function passesLuhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return sum % 10 === 0
}

/**
 * True for text where one of the patterns above might match (a necessary condition of each, in one pass):
 * most logged strings (ids, methods, routes) are then let through after a single test.
 */
const MAYBE_SENSITIVE = /\b(?:bearer|basic)\s|eyJ|_(?:live|test)_|whsec_|=|\d(?:[ -]?\d){12}/i

/** `text` with bearer tokens, JWTs, Stripe keys, `password=…`-style pairs and card numbers cut out. */
export function redactText(text: string): string {
  if (!MAYBE_SENSITIVE.test(text)) return text
  let out = text
  for (const [pattern, replacement] of SENSITIVE_TEXT) out = out.replace(pattern, replacement)
  return out.replace(CARD_LIKE, (run) => (passesLuhn(run.replace(/\D/g, '')) ? REDACTED : run))
}

/**
 * A copy of `value` safe to log: values under sensitive names (password, token, cookie, authorization,
 * secret, card…) become "[redacted]" at any depth, and bearer tokens, JWTs, Stripe keys and card numbers
 * are cut out of strings. Errors keep their name, message and stack (scrubbed the same way).
 * @example console.log(JSON.stringify(redact({ email, password }))) // {"email":"…","password":"[redacted]"}
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_DEPTH) return '[too deep]'
  if (value instanceof Error) return { name: value.name, message: redactText(value.message), stack: value.stack && redactText(value.stack) }
  if (value instanceof Headers) {
    const headers: Record<string, string> = {}
    value.forEach((headerValue, name) => (headers[name] = headerValue))
    return redact(headers, depth)
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const safe = isSensitiveKey(key) ? REDACTED : redact(item, depth + 1)
    // A "__proto__" key stays a field, as it is in the value, rather than setting the copy's prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: safe, enumerable: true, writable: true, configurable: true })
    else out[key] = safe
  }
  return out
}

/** Field names seen and whether they are sensitive: logs use a handful of names over and over. */
const keyVerdicts = new Map<string, boolean>()

function isSensitiveKey(key: string): boolean {
  let verdict = keyVerdicts.get(key)
  if (verdict === undefined) {
    verdict = SENSITIVE_KEY.test(key)
    // Bounded: names that come from input (headers, a body) must not grow it without end.
    if (keyVerdicts.size < 512) keyVerdicts.set(key, verdict)
  }
  return verdict
}

/** Writes one redacted JSON line at `level` (console.log / warn / error, which Workers Logs keeps as the level). */
export function log(level: LogLevel, fields: LogFields): void {
  const line = JSON.stringify({ level, ...(redact(fields) as LogFields) })
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
}

/**
 * One error line (redacted like every other) for a failure that is handled where it happens and must
 * still be seen: a write-through that will be retried, a hold left to expire. Errors that end a request
 * go through `reportError` instead. An `error` field may be the thrown value itself.
 * @example logError('hold release failed', { order_id, error: err })
 */
export function logError(msg: string, fields: LogFields = {}): void {
  const { error, ...rest } = fields
  log('error', { msg, ...rest, ...(error !== undefined && { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }) })
}

/**
 * Logs and counts a domain event (order.created, order.paid, stock.reserved…) with its fields; call it
 * after the change is stored, and only for a real change (not an idempotent repeat).
 * @example logEvent(env, 'stock.reserved', { product_id: 7, reservation_id, qty: 2 })
 */
export function logEvent(env: Partial<Pick<Env, 'METRICS' | 'ENVIRONMENT'>>, name: string, fields: LogFields = {}): void {
  log('info', { event: name, ...fields })
  count(() => recordEvent(env, name, fields))
}

/** Metrics never fail the work they count: a write the dataset refuses (limits) is logged and dropped. */
function count(record: () => void): void {
  try {
    record()
  } catch (err) {
    logError('metrics write failed', { error: err })
  }
}

/**
 * One line per request once it is answered: request id, method, route pattern, path (never the query
 * string, where reset tokens travel), status, duration and the signed-in user if a guard found one;
 * it also sets the answer's `X-Request-Id` to that id. Mount it after `requestId()`.
 */
export const requestLog = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const startedAt = Date.now()
  await next()
  // The answer carries this request's id whatever made it (a page replayed from the edge cache, a
  // response built elsewhere): the id a customer reads is the id of this line.
  c.res.headers.set('X-Request-Id', c.get('requestId'))
  const fields = {
    request_id: c.get('requestId'),
    method: c.req.method,
    route: routePath(c),
    path: c.req.path,
    status: c.res.status,
    // Workers advance the clock only across I/O, so this is the time spent waiting, not CPU time.
    duration_ms: Date.now() - startedAt,
    user_id: c.get('user')?.id ?? c.get('accessClaims')?.userId ?? null,
  }
  log(fields.status >= 500 ? 'error' : fields.status >= 400 ? 'warn' : 'info', { msg: 'request', ...fields })
  count(() => recordRequest(c.env, fields))
}
