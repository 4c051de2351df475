import type { D1Migration } from 'cloudflare:test'

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[]
      /** Empty until test/migrations.test.ts applies migrations to it one step at a time. */
      MIGRATION_DB: D1Database
    }
  }
}
