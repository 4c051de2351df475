/** One load of one scenario with autocannon, and what came of it. */
import autocannon from 'autocannon'

export interface Figures {
  requestsPerSecond: number
  p50: number
  p99: number
  /** Answers that were not what the scenario expects, socket errors and timeouts. */
  errors: number
  /** What the errors were: status codes, socket errors, timeouts. */
  detail: string
}

/** A request of a scenario beyond a GET of a path: its method, headers and body, which may vary per request too. */
export type RequestOf = (n: number) => { method?: 'POST' | 'PATCH'; headers?: Record<string, string>; body?: string }

export interface LoadOptions {
  base: string
  connections: number
  seconds: number
  /** The path of the n-th request (a counter makes every request unique, so that no cache answers it). */
  path: (n: number) => string
  request?: RequestOf
  /** The status every answer must have (200 unless said). */
  status?: number
  /** Sees every answer with the expected status (the flash sale keeps its orders' ids). */
  onAnswer?: (body: string) => void
  /** Prints the body of an unexpected answer. */
  verbose?: boolean
  /** A warm-up second, not counted (the isolate compiles, prepared statements are made). */
  warm?: boolean
}

export async function load({ base, connections, seconds, path, request, status = 200, onAnswer, verbose, warm = true }: LoadOptions): Promise<Figures> {
  let n = 0
  const setupRequest = (r: autocannon.Request) => {
    const i = n++
    return { ...r, path: path(i), ...request?.(i) }
  }
  if (warm) await autocannon({ url: base, connections, duration: 1, requests: [{ setupRequest }] })
  let unexpected = 0
  const statuses = new Map<number, number>()
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest,
        onResponse: (code, body) => {
          if (code === status) {
            onAnswer?.(String(body))
            return
          }
          unexpected++
          statuses.set(code, (statuses.get(code) ?? 0) + 1)
          if (verbose && unexpected <= 5) process.stderr.write(`  ${code}: ${String(body).slice(0, 300)}\n`)
        },
      },
    ],
  })
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: unexpected + result.errors + result.timeouts,
    detail: [
      ...[...statuses].map(([code, count]) => `${count}×${code}`),
      ...(result.errors ? [`${result.errors} socket errors`] : []),
      ...(result.timeouts ? [`${result.timeouts} timeouts`] : []),
    ].join(', '),
  }
}
