import { Hono } from 'hono'
import { notFound } from '../platform/errors'
import type { AppEnv } from '../platform/env'

/** Keys named by their content's SHA-256 never change, so they may be cached forever. */
const CONTENT_ADDRESSED = /(^|\/)[0-9a-f]{64}\.[a-z0-9]+$/
const SAFE_KEY = /^[a-z0-9][a-z0-9/_.-]{0,255}$/

/**
 * `GET /images/:key`: streams an R2 object with its content type and strong ETag, answering 304 when
 * the client's If-None-Match already names it (R2 evaluates the condition from the request headers).
 */
export const imagesRoute = new Hono<AppEnv>().on(['GET', 'HEAD'], '/:key{.+}', async (c) => {
  const key = c.req.param('key')
  if (!SAFE_KEY.test(key) || key.includes('..')) throw notFound('image')
  const object = await c.env.IMAGES.get(key, { onlyIf: c.req.raw.headers })
  if (!object) throw notFound('image')

  const headers = new Headers()
  object.writeHttpMetadata(headers)
  headers.set('ETag', object.httpEtag)
  headers.set('Cache-Control', CONTENT_ADDRESSED.test(key) ? 'public, max-age=31536000, immutable' : 'public, max-age=300')
  // Images are only ever displayed: never sniffed as HTML, never allowed to run script (SVG).
  headers.set('X-Content-Type-Options', 'nosniff')
  headers.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
  if (!('body' in object)) return new Response(null, { status: 304, headers })
  headers.set('Content-Length', String(object.size))
  return new Response(c.req.method === 'HEAD' ? null : object.body, { status: 200, headers })
})
