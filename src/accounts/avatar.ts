/** Avatar uploads: PNG, JPEG or WebP only, recognised by their first bytes, at most 2 MB. */
import { ApiError } from '../platform/errors'

export const AVATAR_MAX_BYTES = 2 * 1024 * 1024

const KINDS = [
  { type: 'image/png', ext: 'png', matches: (b: Uint8Array) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v) },
  { type: 'image/jpeg', ext: 'jpg', matches: (b: Uint8Array) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: 'image/webp',
    ext: 'webp',
    matches: (b: Uint8Array) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP',
  },
] as const

const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to))

export const unsupportedImage = (message: string) => new ApiError(415, 'unsupported_media_type', message)
export const imageTooLarge = () => new ApiError(413, 'payload_too_large', `The image is larger than ${AVATAR_MAX_BYTES / 1024 / 1024} MB`)

/**
 * The kind of an uploaded image, from its bytes. A declared content type (the upload's) must agree
 * with what the bytes are: a text file named avatar.png is refused.
 */
export function sniffImage(bytes: Uint8Array, declaredType?: string | null) {
  if (bytes.length > AVATAR_MAX_BYTES) throw imageTooLarge()
  const kind = KINDS.find((k) => k.matches(bytes))
  if (!kind) throw unsupportedImage('The avatar must be a PNG, JPEG or WebP image')
  const declared = declaredType?.split(';')[0]?.trim().toLowerCase()
  if (declared && declared !== 'application/octet-stream' && declared !== kind.type) {
    throw unsupportedImage(`The file says it is ${declared} but its content is ${kind.type}`)
  }
  return kind
}

/** Reads a request body up to `max` bytes, refusing more without reading it all. */
export async function readLimited(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!body) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel()
      throw imageTooLarge()
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
