/**
 * Types for the part of toucan-js that src/platform/error-reporting.ts uses. toucan-js's own .d.ts
 * files open with `/// <reference types="@cloudflare/workers-types" />`, which loads that package's
 * global runtime types beside worker-configuration.d.ts's (from `wrangler types`); the two sets clash
 * and `Env` stops type-checking across the project (robertcepa/toucan-js#204, open). So the ESM build is
 * imported by its path, which has no .d.ts of its own, and typed here. Check these against
 * node_modules/toucan-js/dist/*.d.ts when upgrading toucan-js.
 */
declare module 'toucan-js/dist/index.esm.js' {
  /** The fields of a Sentry event that `beforeSend` touches. */
  export interface ToucanEvent {
    message?: string
    exception?: { values?: { type?: string; value?: string }[] }
  }

  export interface ToucanOptions {
    dsn?: string
    environment?: string
    release?: string
    /** Its method and URL (no query string, body, cookies or headers beyond CF-Ray by default) go with the report. */
    request?: Request
    /** Keeps the delivery alive after the answer. */
    context?: { waitUntil(promise: Promise<unknown>): void }
    transportOptions?: { fetcher?: typeof fetch; headers?: Record<string, string> }
    beforeSend?: (event: ToucanEvent) => ToucanEvent | null
  }

  export class Toucan {
    constructor(options: ToucanOptions)
    setTag(key: string, value: string): this
    setUser(user: { id?: string } | null): this
    /** Returns the event id. */
    captureException(exception: unknown): string
  }
}
