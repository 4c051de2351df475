/**
 * Product image uploads: PNG, JPEG, WebP or AVIF, recognised by their bytes (never by name or declared
 * type alone), at most 5 MB each; their pixel size is read from the header so that pages can reserve
 * the space before the image arrives.
 */
import { ApiError } from '../platform/errors'

export const PRODUCT_IMAGE_MAX_BYTES = 5 * 1024 * 1024

export interface ImageFile {
  contentType: 'image/png' | 'image/jpeg' | 'image/webp' | 'image/avif'
  ext: 'png' | 'jpg' | 'webp' | 'avif'
  width: number | null
  height: number | null
}

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to))
const u16be = (b: Uint8Array, at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0)
const u16le = (b: Uint8Array, at: number) => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8)
const u24le = (b: Uint8Array, at: number) => u16le(b, at) | ((b[at + 2] ?? 0) << 16)
const u32be = (b: Uint8Array, at: number) => ((u16be(b, at) << 16) >>> 0) + u16be(b, at + 2)

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

/** What an uploaded file is, from its bytes; a 415 for anything else and a 413 past 5 MB. */
export function inspectImage(bytes: Uint8Array, name = 'the file'): ImageFile {
  if (bytes.length > PRODUCT_IMAGE_MAX_BYTES) throw new ApiError(413, 'payload_too_large', `${name} is larger than 5 MB`)
  let found: Omit<ImageFile, 'width' | 'height'> & { size: [number, number] | null }
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => bytes[i] === v)) {
    found = { contentType: 'image/png', ext: 'png', size: ascii(bytes, 12, 16) === 'IHDR' ? [u32be(bytes, 16), u32be(bytes, 20)] : null }
  } else if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    found = { contentType: 'image/jpeg', ext: 'jpg', size: jpegSize(bytes) }
  } else if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') {
    found = { contentType: 'image/webp', ext: 'webp', size: webpSize(bytes) }
  } else if (ascii(bytes, 4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(bytes, 8, 12))) {
    found = { contentType: 'image/avif', ext: 'avif', size: avifSize(bytes) }
  } else {
    throw new ApiError(415, 'unsupported_media_type', `${name} is not a PNG, JPEG, WebP or AVIF image`)
  }
  const [width, height] = found.size && found.size[0] > 0 && found.size[1] > 0 ? found.size : [null, null]
  return { contentType: found.contentType, ext: found.ext, width, height }
}
