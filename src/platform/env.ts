import type { User } from '../db/schema'
import { ApiError } from './errors'

/** The signed-in user as routes see it (no password hash). */
export type CurrentUser = Pick<User, 'id' | 'email' | 'name' | 'role' | 'tokenVersion'>

/** What a valid access token says (src/accounts/tokens.ts), before D1 is asked whether it still holds. */
export interface AccessClaims {
  userId: number
  tokenVersion: number
  /** The refresh-token family the token was issued with: revoking the family (reuse, sign-out) ends it too. */
  familyId: string | null
  /** The account's email when the token was issued; null in tokens issued before it was carried. */
  email: string | null
}

/** Bindings come from `wrangler types` (worker-configuration.d.ts); variables set by middleware go here. */
export type AppEnv = {
  Bindings: Env
  Variables: {
    requestId: string
    csrfToken?: string
    user?: CurrentUser
    sessionId?: string
    /** A bearer token verified but not yet checked against D1: set by `requireUserOrClaims` for a route whose own batch checks it. */
    accessClaims?: AccessClaims
  }
}

/**
 * Local development (`npm run dev`, the tests): the one environment where the fallbacks exist (the
 * development signing key, the local payment page and provider, mail written to the log). Anything else,
 * `production`, `staging`, a typo or nothing at all, fails closed: a missing secret is a 503, never a known key.
 */
export const isDevelopment = (env: Pick<Env, 'ENVIRONMENT'>) => env.ENVIRONMENT === 'development'

/** 503 of a feature whose secret is not set outside development: says which one, never falls back. */
export const notConfigured = (code: string, message: string) => new ApiError(503, code, message)
