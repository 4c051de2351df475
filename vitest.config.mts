import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { fakeImages } from './test/fake-images.ts'
import { fakeStripe } from './test/fake-stripe.ts'
import { dependencySourceMapsOff, dropRuntimeDisconnectNoise } from './test/quiet-runs.ts'

/** Signs the webhook events of the tests; STRIPE_SECRET_KEY stays unset so that the Worker runs the offline path. */
const TEST_WEBHOOK_SECRET = 'whsec_test_cato_store_vitest'

dropRuntimeDisconnectNoise()

export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations')
  return {
    plugins: [
      dependencySourceMapsOff(),
      cloudflareTest({
        main: './src/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: { ENVIRONMENT: 'development', TEST_MIGRATIONS: migrations, STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET },
          // An empty database of its own for test/migrations.test.ts, which migrates a populated store step by step.
          d1Databases: { MIGRATION_DB: 'migration-test-db' },
          // Every fetch the Worker (and the tests in it) makes: image hosts of the CSV import and Stripe's API
          // are faked there, anything else refused.
          outboundService: async (request: Request) => (await fakeImages(request)) ?? fakeStripe(request),
        },
      }),
    ],
    test: {
      // The Worker logs a JSON line per request: show them only for failing tests.
      silent: 'passed-only' as const,
      include: ['test/**/*.test.ts'],
      setupFiles: ['./test/apply-migrations.ts'],
    },
  }
})
