/** Avatar uploads: PNG, JPEG or WebP only, recognised by their first bytes (src/platform/images.ts), at most 2 MB. */
import { readBodyLimited } from '../platform/body-limit'
import { ApiError } from '../platform/errors'
import { acceptImage, unsupportedImage, type ImageType } from '../platform/images'

export { unsupportedImage }

export const AVATAR_MAX_BYTES = 2 * 1024 * 1024
const AVATAR_TYPES: readonly ImageType[] = ['image/png', 'image/jpeg', 'image/webp']

export const imageTooLarge = () => new ApiError(413, 'payload_too_large', `The image is larger than ${AVATAR_MAX_BYTES / 1024 / 1024} MB`)

/**
 * The kind of an uploaded avatar, from its bytes. A declared content type (the upload's) must agree
 * with what the bytes are: a text file named avatar.png is refused.
 */
export function sniffAvatar(bytes: Uint8Array, declaredType?: string | null): { type: ImageType; ext: string } {
  const image = acceptImage(bytes, {
    types: AVATAR_TYPES,
    maxBytes: AVATAR_MAX_BYTES,
    tooLarge: imageTooLarge().message,
    unsupported: 'The avatar must be a PNG, JPEG or WebP image',
  })
  const declared = declaredType?.split(';')[0]?.trim().toLowerCase()
  if (declared && declared !== 'application/octet-stream' && declared !== image.contentType) {
    throw unsupportedImage(`The file says it is ${declared} but its content is ${image.contentType}`)
  }
  return { type: image.contentType, ext: image.ext }
}

/** Reads an avatar upload's body up to `max` bytes, refusing more with the avatar's 413 without reading it all. */
export const readLimited = (body: ReadableStream<Uint8Array> | null, max: number) => readBodyLimited(body, max, imageTooLarge)
