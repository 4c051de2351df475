/** The runtime's shutdown noise that `dropRuntimeDisconnectNoise` (test/quiet-runs.ts) keeps out of a test run's output. */

/** The runtime's shutdown messages, each one write of the pool's log handler (optionally with its `stack:` line). */
const RUNTIME_DISCONNECT_NOISE = /^exception = workerd\/[\w/.+-]+:\d+: disconnected: (?:WebSocket peer disconnected|pump canceled)\n(?:stack:[^\n]*\n)?$/

/** True for a chunk of output that is only the runtime's known shutdown noise. */
export const isRuntimeDisconnectNoise = (chunk: unknown) => typeof chunk === 'string' && RUNTIME_DISCONNECT_NOISE.test(chunk)

