import type { User } from '../db/schema'

/** The signed-in user as routes see it (no password hash). */
export type CurrentUser = Pick<User, 'id' | 'email' | 'name' | 'role' | 'tokenVersion'>

/** Bindings come from `wrangler types` (worker-configuration.d.ts); variables set by middleware go here. */
export type AppEnv = {
  Bindings: Env
  Variables: { requestId: string; csrfToken?: string; user?: CurrentUser; sessionId?: string }
}

export const isProduction = (env: Env) => env.ENVIRONMENT === 'production'
