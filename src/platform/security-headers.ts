import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from './env'
import { isDevelopment } from './env'

/**
 * The page policy: scripts, styles and images from this origin only (no inline script at all), forms
 * may go to this origin and to Stripe's hosted checkout, and no one may frame the shop.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self' https://checkout.stripe.com",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "object-src 'none'",
].join('; ')

/**
 * Security headers on every answer; a route that sets a stricter Content-Security-Policy of its own
 * (R2 images are sandboxed) keeps it. HSTS everywhere but local development (plain http): fail closed.
 */
export const securityHeaders = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  await next()
  const headers = c.res.headers
  if (!headers.has('Content-Security-Policy')) headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  headers.set('X-Content-Type-Options', 'nosniff')
  headers.set('Referrer-Policy', 'strict-origin-when-cross-origin')
  headers.set('X-Frame-Options', 'DENY')
  headers.set('Cross-Origin-Opener-Policy', 'same-origin')
  headers.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()')
  // Everywhere but plain-http local development: staging and an unset ENVIRONMENT get production's defaults.
  if (!isDevelopment(c.env)) headers.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains; preload')
}
