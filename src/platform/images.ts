/**
 * The one image sniffer: what an uploaded file is from its first bytes (never from its name or declared
 * type), and its pixel size from its header where the format puts one, so that pages can reserve the space
 * before the image arrives. Each upload states the types it takes and its size limit (`acceptImage`).
 * (`file-type` was considered: it is a Node-stream package far larger than the four formats we take.)
 */
import { ApiError } from './errors'

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/avif'] as const
export type ImageType = (typeof IMAGE_TYPES)[number]

const EXTENSIONS = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/avif': 'avif' } as const
export type ImageExt = (typeof EXTENSIONS)[ImageType]

/** An image recognised by its bytes; `width`/`height` are null where its header does not say them. */
export interface SniffedImage {
  contentType: ImageType
  ext: ImageExt
  width: number | null
  height: number | null
}

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to))
const u16be = (b: Uint8Array, at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0)
const u16le = (b: Uint8Array, at: number) => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8)
const u24le = (b: Uint8Array, at: number) => u16le(b, at) | ((b[at + 2] ?? 0) << 16)
const u32be = (b: Uint8Array, at: number) => ((u16be(b, at) << 16) >>> 0) + u16be(b, at + 2)

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

function jpegSize(b: Uint8Array): [number, number] | null {
  let at = 2
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return null
    const marker = b[at + 1] ?? 0
    const length = u16be(b, at + 2)
    // Start-of-frame markers (not DHT 0xc4, JPG 0xc8, DAC 0xcc) carry height then width.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return [u16be(b, at + 7), u16be(b, at + 5)]
    at += 2 + length
  }
  return null
}

function webpSize(b: Uint8Array): [number, number] | null {
  const chunk = ascii(b, 12, 16)
  if (chunk === 'VP8 ') return [u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff]
  if (chunk === 'VP8L') {
    const bits = (b[21] ?? 0) | ((b[22] ?? 0) << 8) | ((b[23] ?? 0) << 16) | ((b[24] ?? 0) << 24)
    return [(bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1]
  }
  if (chunk === 'VP8X') return [u24le(b, 24) + 1, u24le(b, 27) + 1]
  return null
}

/** AVIF keeps its size in an `ispe` box inside `meta`: found by its tag in the first kilobytes. */
function avifSize(b: Uint8Array): [number, number] | null {
  const limit = Math.min(b.length - 16, 64 * 1024)
  for (let at = 4; at < limit; at++) {
    if (b[at] === 0x69 && ascii(b, at, at + 4) === 'ispe') return [u32be(b, at + 8), u32be(b, at + 12)]
  }
  return null
}

/** The format of `bytes` and the reader of its pixel size, or null when it is none of the four. */
function recognise(b: Uint8Array): { contentType: ImageType; size: () => [number, number] | null } | null {
  if (PNG_SIGNATURE.every((v, i) => b[i] === v)) return { contentType: 'image/png', size: () => (ascii(b, 12, 16) === 'IHDR' ? [u32be(b, 16), u32be(b, 20)] : null) }
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { contentType: 'image/jpeg', size: () => jpegSize(b) }
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return { contentType: 'image/webp', size: () => webpSize(b) }
  if (ascii(b, 4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(b, 8, 12))) return { contentType: 'image/avif', size: () => avifSize(b) }
  return null
}

/**
 * What `bytes` are by their magic bytes, with the pixel size from the header; null for anything else.
 * @example sniffImage(pngBytes) // { contentType: 'image/png', ext: 'png', width: 640, height: 480 }
 */
export function sniffImage(bytes: Uint8Array): SniffedImage | null {
  const found = recognise(bytes)
  if (!found) return null
  const size = found.size()
  const [width, height] = size && size[0] > 0 && size[1] > 0 ? size : [null, null]
  return { contentType: found.contentType, ext: EXTENSIONS[found.contentType], width, height }
}

/** What an upload accepts, and what it answers when refused. */
export interface ImageRule {
  types: readonly ImageType[]
  maxBytes: number
  /** The 413's message, past `maxBytes`. */
  tooLarge: string
  /** The 415's message, for bytes that are not one of `types`. */
  unsupported: string
}

/** The 415 of an upload that is not an image the route takes. */
export const unsupportedImage = (message: string) => new ApiError(415, 'unsupported_media_type', message)

/**
 * An uploaded image checked against the route's rule: a 413 over its size limit, a 415 when its bytes are
 * not one of the types it takes.
 * @example acceptImage(bytes, { types: ['image/png', 'image/jpeg'], maxBytes: 2 << 20, tooLarge: 'The image is larger than 2 MB', unsupported: 'Send a PNG or JPEG' })
 */
export function acceptImage(bytes: Uint8Array, rule: ImageRule): SniffedImage {
  if (bytes.length > rule.maxBytes) throw new ApiError(413, 'payload_too_large', rule.tooLarge)
  const image = sniffImage(bytes)
  if (!image || !rule.types.includes(image.contentType)) throw unsupportedImage(rule.unsupported)
  return image
}
