/** Bindings come from `wrangler types` (worker-configuration.d.ts); variables set by middleware go here. */
export type AppEnv = {
  Bindings: Env
  Variables: { requestId: string }
}

export const isProduction = (env: Env) => env.ENVIRONMENT === 'production'
