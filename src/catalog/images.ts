import { Hono } from 'hono'
import { ApiError, notFound } from '../platform/errors'
import type { AppEnv } from '../platform/env'

/** Keys named by their content's SHA-256 never change, so they may be cached forever. */
const CONTENT_ADDRESSED = /(^|\/)[0-9a-f]{64}\.[a-z0-9]+$/
const SAFE_KEY = /^[a-z0-9][a-z0-9/_.-]{0,255}$/

/** One entity tag (RFC 9110 §8.8.3): optionally weak, its opaque part quoted, no quote inside. */
const ENTITY_TAG = /(W\/)?"[\x21\x23-\x7e\x80-\xff]*"/g
const ENTITY_TAG_LIST = /^\s*(W\/)?"[\x21\x23-\x7e\x80-\xff]*"\s*(,\s*(W\/)?"[\x21\x23-\x7e\x80-\xff]*"\s*)*$/

/**
 * An `If-Match` / `If-None-Match` value as `*` or its entity tags; a value that is neither is a 400
 * naming the header (R2 would throw on it, which answered 500).
 */
function entityTags(name: 'If-Match' | 'If-None-Match', value: string | undefined): '*' | string[] | undefined {
  if (value === undefined) return undefined
  if (value.trim() === '*') return '*'
  if (!ENTITY_TAG_LIST.test(value)) {
    throw new ApiError(400, 'validation_failed', `Invalid ${name} header`, { [name.toLowerCase()]: ['must be * or a list of entity tags such as "abc"'] })
  }
  return value.match(ENTITY_TAG) ?? []
}

/** Strong comparison for If-Match (a weak tag never matches), weak for If-None-Match (RFC 9110 §13.1). */
const matches = (tags: '*' | string[], etag: string, strong: boolean) =>
  tags === '*' || tags.some((tag) => (strong ? !tag.startsWith('W/') && tag === etag : tag.replace(/^W\//, '') === etag.replace(/^W\//, '')))

/**
 * `GET /images/:key`: streams an R2 object with its content type and strong ETag. The conditional headers
 * are checked here, not handed to R2 as they came: `If-None-Match` naming the object answers 304, an
 * `If-Match` that names another version answers 412, and a malformed one 400.
 */
export const imagesRoute = new Hono<AppEnv>().on(['GET', 'HEAD'], '/:key{.+}', async (c) => {
  const key = c.req.param('key')
  if (!SAFE_KEY.test(key) || key.includes('..')) throw notFound('image')
  const ifMatch = entityTags('If-Match', c.req.header('If-Match'))
  const ifNoneMatch = entityTags('If-None-Match', c.req.header('If-None-Match'))
  // R2 evaluates the (now well-formed) conditions itself and then sends no body; which one failed decides the status.
  const conditions = new Headers()
  if (ifMatch !== undefined) conditions.set('If-Match', c.req.header('If-Match') as string)
  if (ifNoneMatch !== undefined) conditions.set('If-None-Match', c.req.header('If-None-Match') as string)
  const object = await c.env.IMAGES.get(key, { onlyIf: conditions })
  if (!object) throw notFound('image')
  const body = 'body' in object ? object.body : null

  const headers = new Headers()
  object.writeHttpMetadata(headers)
  headers.set('ETag', object.httpEtag)
  headers.set('Cache-Control', CONTENT_ADDRESSED.test(key) ? 'public, max-age=31536000, immutable' : 'public, max-age=300')
  // Images are only ever displayed: never sniffed as HTML, never allowed to run script (SVG).
  headers.set('X-Content-Type-Options', 'nosniff')
  headers.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
  if (ifMatch !== undefined && !matches(ifMatch, object.httpEtag, true)) {
    await body?.cancel()
    throw new ApiError(412, 'precondition_failed', 'The image has changed: If-Match names another version')
  }
  if (!body || (ifNoneMatch !== undefined && matches(ifNoneMatch, object.httpEtag, false))) {
    await body?.cancel()
    return new Response(null, { status: 304, headers })
  }
  headers.set('Content-Length', String(object.size))
  if (c.req.method === 'HEAD') {
    await body.cancel()
    return new Response(null, { status: 200, headers })
  }
  return new Response(body, { status: 200, headers })
})
