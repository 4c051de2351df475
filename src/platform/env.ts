import type { User } from '../db/schema'
import { ApiError } from './errors'

/** The signed-in user as routes see it (no password hash). */
export type CurrentUser = Pick<User, 'id' | 'email' | 'name' | 'role' | 'tokenVersion'>

/** Bindings come from `wrangler types` (worker-configuration.d.ts); variables set by middleware go here. */
export type AppEnv = {
  Bindings: Env
  Variables: { requestId: string; csrfToken?: string; user?: CurrentUser; sessionId?: string }
}

/**
 * Local development (`npm run dev`, the tests): the one environment where the fallbacks exist (the
 * development signing key, the local payment page and provider, mail written to the log). Anything else,
 * `production`, `staging`, a typo or nothing at all, fails closed: a missing secret is a 503, never a known key.
 */
export const isDevelopment = (env: Pick<Env, 'ENVIRONMENT'>) => env.ENVIRONMENT === 'development'

/** 503 of a feature whose secret is not set outside development: says which one, never falls back. */
export const notConfigured = (code: string, message: string) => new ApiError(503, code, message)
