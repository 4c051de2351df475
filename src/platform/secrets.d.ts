/** Secrets are set with `wrangler secret put` (and `.dev.vars` locally), so `wrangler types` cannot see them. */
declare namespace Cloudflare {
  interface Env {
    /** Signs access tokens (at least 32 characters). Required outside development: without it, token routes answer 503. */
    AUTH_SECRET?: string
    /** The mail provider's API key (Resend); without it, mail is only logged in development, and a 503 anywhere else. */
    MAIL_API_KEY?: string
    /** The sender address for mail, e.g. "Cato-Store <shop@example.com>". Required with MAIL_API_KEY outside development. */
    MAIL_FROM?: string
    /** The store's name in mails (e.g. "Cato-Store"). Required outside development, where "Cato-Store (development)" stands in. */
    STORE_NAME?: string
    /** The store's postal address in mails' footers (one line, or lines separated by "\n"); required outside development. */
    STORE_ADDRESS?: string
    /** The store's public origin for links in mails (https://shop.example.com); required outside development. */
    STORE_URL?: string
    /** Sentry's DSN for error reports (src/platform/error-reporting.ts); without it, unexpected errors are only logged. */
    SENTRY_DSN?: string
    /** Stripe's secret API key (sk_live_… / sk_test_…); without it, in development only, payments use the local test page (503 elsewhere). */
    STRIPE_SECRET_KEY?: string
    /** The signing secret of the Stripe webhook endpoint (whsec_…). Required outside development (503 without it). */
    STRIPE_WEBHOOK_SECRET?: string
    /** Signs the links that open an order without a sign-in (guests' order pages, order mails) and the "link your past orders" mail (≥ 32 characters). Rotating it revokes every such link. Required outside development (503 without it). */
    ORDER_LINK_SECRET?: string
    /** Seals the outbound webhook endpoints' signing secrets in D1 (≥ 32 characters). Required outside development (503 without it). */
    WEBHOOK_SECRET_KEY?: string
  }
}
