/**
 * `npm run check`, after `wrangler deploy --dry-run --outdir dist`: the production bundle must not import a
 * package it does not contain (a dynamic `import("x")` left by a dependency for an optional peer). Such a
 * bundle passes the dry run but is refused by Miniflare (the benchmark) and fails where it runs.
 */
import { readFileSync } from 'node:fs'

const bundle = readFileSync(new URL('../dist/index.js', import.meta.url), 'utf8')
// Dynamic imports anywhere, and the bundle's own top-level static imports (esbuild writes them at a line's start).
const specifiers = [...bundle.matchAll(/\bimport\(\s*"([^"]+)"\s*\)|^import\s[^;]*?from\s*"([^"]+)"/gm)].map((m) => m[1] ?? m[2] ?? '')
const dangling = [...new Set(specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('cloudflare:') && !s.startsWith('node:')))]
if (dangling.length > 0) {
  console.error(`dist/index.js imports packages it does not bundle: ${dangling.join(', ')} (alias them in wrangler.toml [alias])`)
  process.exit(1)
}
console.log(`dist/index.js: ${(bundle.length / 1024).toFixed(0)} KiB, no import of a package it does not bundle`)
