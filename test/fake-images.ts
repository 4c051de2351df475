/**
 * A fake of the web's image hosts for the product CSV import, run by Miniflare as part of the Worker's
 * outbound service (vitest.config.mts), in front of the Stripe fake:
 * - `https://images.test/png/<name>.png`: a small PNG, different for every name (its bytes carry it);
 * - `https://images.test/missing.png`: 404; `https://images.test/page.png`: an HTML page, not an image;
 * - any URL PUT with `X-Fake-Mirror: put` is answered with those bytes afterwards: a store the tests copy
 *   their images to, to stand for another store's public /images/ URLs.
 */
import { Response } from 'miniflare'

const mirrored = new Map<string, { bytes: Uint8Array; type: string }>()

const crc32Table = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (bytes: Uint8Array) => {
  let c = 0xffffffff
  for (const b of bytes) c = crc32Table[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Uint8Array) {
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  out.set(new TextEncoder().encode(type), 4)
  out.set(data, 8)
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)))
  return out
}

/** A PNG of `width`×`height` whose bytes differ by `name` (a text chunk), enough for the store's sniffer. */
export function fakePng(name: string, width = 4, height = 3): Uint8Array {
  const header = new Uint8Array(13)
  const view = new DataView(header.buffer)
  view.setUint32(0, width)
  view.setUint32(4, height)
  header.set([8, 6, 0, 0, 0], 8)
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('tEXt', new TextEncoder().encode(`Comment\0${name}`)), chunk('IEND', new Uint8Array(0))]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** The fake's answer, or null for a request it does not serve. */
export async function fakeImages(request: Request): Promise<Response | null> {
  const url = new URL(request.url)
  if (request.method === 'PUT' && request.headers.get('X-Fake-Mirror') === 'put') {
    mirrored.set(url.href, { bytes: new Uint8Array(await request.arrayBuffer()), type: request.headers.get('Content-Type') ?? 'application/octet-stream' })
    return new Response(null, { status: 204 })
  }
  const copy = mirrored.get(url.href)
  if (copy) return new Response(copy.bytes, { headers: { 'Content-Type': copy.type } })
  if (url.hostname !== 'images.test') return null
  if (url.pathname === '/missing.png') return new Response('not found', { status: 404 })
  if (url.pathname === '/page.png') return new Response('<!doctype html><title>Not an image</title>', { headers: { 'Content-Type': 'text/html' } })
  const png = /^\/png\/([a-z0-9-]+)\.png$/.exec(url.pathname)
  if (png) return new Response(fakePng(png[1]!), { headers: { 'Content-Type': 'image/png' } })
  return new Response('not found', { status: 404 })
}
