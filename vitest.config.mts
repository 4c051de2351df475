import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { fakeImages } from './test/fake-images.ts'
import { fakeStripe } from './test/fake-stripe.ts'
import { fakeReceiver, RECEIVER_HOST } from './test/fake-receiver.ts'
import { fakeResend } from './test/fake-mail.ts'
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
          // Every fetch the Worker (and the tests in it) makes: Stripe's and Resend's APIs, an outbound webhook
          // receiver and the image hosts of the CSV import are faked there, anything else refused.
          outboundService: async (request: Request) => {
            const host = new URL(request.url).hostname
            if (host === 'api.resend.com') return fakeResend(request)
            if (host === RECEIVER_HOST) return fakeReceiver(request)
            return (await fakeImages(request)) ?? fakeStripe(request)
          },
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
