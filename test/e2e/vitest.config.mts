import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

// `npm run test:e2e`: Chromium (Debian's /usr/bin/chromium) driven by playwright-core against
// `wrangler dev` on a freshly seeded store; see global-setup.ts.
export default defineConfig({
  root: join(import.meta.dirname, '../..'),
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
})
