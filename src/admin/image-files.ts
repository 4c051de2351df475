/**
 * Product image uploads: PNG, JPEG, WebP or AVIF, recognised by their bytes (src/platform/images.ts), at
 * most 5 MB each, with their pixel size.
 */
import { acceptImage, IMAGE_TYPES, type SniffedImage } from '../platform/images'

export const PRODUCT_IMAGE_MAX_BYTES = 5 * 1024 * 1024

export type ImageFile = SniffedImage

/** What an uploaded file is, from its bytes; a 415 for anything else and a 413 past 5 MB. */
export const inspectImage = (bytes: Uint8Array, name = 'the file'): ImageFile =>
  acceptImage(bytes, {
    types: IMAGE_TYPES,
    maxBytes: PRODUCT_IMAGE_MAX_BYTES,
    tooLarge: `${name} is larger than 5 MB`,
    unsupported: `${name} is not a PNG, JPEG, WebP or AVIF image`,
  })
