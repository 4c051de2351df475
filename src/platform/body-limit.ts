/**
 * Every route that reads a body bounds it first, through this one factory: Hono's `bodyLimit` (it trusts
 * a declared Content-Length and counts a streamed body as it reads it), answering the one 413
 * `payload_too_large`. The API's error handler renders it as JSON, the pages' `htmlErrorHandler` as a page.
 * The app also caps every request at `REQUEST_MAX_BYTES` (`capRequestBody` in src/index.ts), so a route
 * that forgets its own limit still cannot read more than a Worker can hold.
 */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { ApiError } from './errors'

/** A JSON body of the API: a cart line, an order, a profile, a product. */
export const JSON_BODY_MAX_BYTES = 16 * 1024

/**
 * The most any one request may send: the admin's image uploads (10 files of at most 5 MB, 20 MB in all).
 * A Worker has 128 MB; a multipart body is held about three times over while it is read (the body, the
 * parsed files, the bytes of each), so 20 MB peaks near 60 MB and leaves room for the rest of the request.
 */
export const REQUEST_MAX_BYTES = 20 * 1024 * 1024

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`)

/** The 413 of a body over `maxBytes`. */
const payloadTooLarge = (maxBytes: number, what = 'The request body') =>
  new ApiError(413, 'payload_too_large', `${what} is larger than ${size(maxBytes)}.`)

/**
 * A middleware that refuses a body over `maxBytes` with 413 before anything reads it.
 * @example .post('/items', limitBody(JSON_BODY_MAX_BYTES), validate('json', AddCartItemBody), handler)
 */
export function limitBody(maxBytes: number, what?: string): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw payloadTooLarge(maxBytes, what)
    },
  })
}

/**
 * The backstop of every request (src/index.ts): a declared Content-Length over `maxBytes` is a 413 at
 * once; a streamed body is counted as the route reads it and fails with the same 413 past `maxBytes`.
 * Unlike `limitBody` it never buffers, so that a streamed body meant for a route with a small limit is
 * not held whole here first (and a route that reads no body never pays for one).
 */
export function capRequestBody(limit: number | ((path: string) => number)): MiddlewareHandler {
  return async (c, next) => {
    const maxBytes = typeof limit === 'number' ? limit : limit(c.req.path)
    const declared = c.req.header('Content-Length')
    if (declared !== undefined && !c.req.header('Transfer-Encoding')) {
      if (Number(declared) > maxBytes) throw payloadTooLarge(maxBytes)
      return next()
    }
    const body = c.req.raw.body
    if (!body) return next()
    let seen = 0
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength
          if (seen > maxBytes) controller.error(payloadTooLarge(maxBytes))
          else controller.enqueue(chunk)
        },
      }),
    )
    c.req.raw = new Request(c.req.raw, { body: counted })
    await next()
  }
}

/**
 * A body read whole up to `maxBytes`, for a route that reads its body itself (a raw upload): past
 * `maxBytes` it stops reading and throws `tooLarge()` (the 413 by default).
 */
export async function readBodyLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  tooLarge: () => Error = () => payloadTooLarge(maxBytes),
): Promise<Uint8Array<ArrayBuffer>> {
  if (!body) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw tooLarge()
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/** The limit of the API's JSON bodies. */
export const jsonLimit = limitBody(JSON_BODY_MAX_BYTES)
