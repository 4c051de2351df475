/**
 * An import's `Image Src` fetched into R2 like an upload: checked by its bytes (PNG, JPEG, WebP, AVIF, at
 * most 5 MB) and stored content-addressed (`products/<sha256>.<ext>`), so fetching it twice stores it once.
 * Only http(s); outside development only public hosts (no localhost, private or link-local addresses),
 * checked again at every redirect.
 */
import { isDevelopment } from '../../platform/env'
import { readBodyLimited } from '../../platform/body-limit'
import { sha256Hex } from '../../platform/encoding'
import { ApiError } from '../../platform/errors'
import { inspectImage, PRODUCT_IMAGE_MAX_BYTES } from '../image-files'

/** What an import keeps of a fetched image, to make its product_images row. */
export interface FetchedImage {
  r2Key: string
  contentType: string
  byteSize: number
  width: number | null
  height: number | null
}

const PRIVATE_HOST = [
  /^localhost$/,
  /\.localhost$/,
  /\.local$/,
  /\.internal$/,
  /^127\./,
  /^10\./,
  /^0\./,
  /^169\.254\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./,
  /^\[/, // IPv6 literals: loopback, unique-local and link-local among them; a public image host has a name
]

/** Whether a host may be fetched from outside development: a name or a public IPv4 address. */
const isPublicHost = (host: string) => !!host && !PRIVATE_HOST.some((pattern) => pattern.test(host.toLowerCase()))

const MAX_REDIRECTS = 3

/** Fetches `src` and stores it in IMAGES; answers the image, or throws a message that says why not. */
export async function fetchImageIntoR2(env: Env, src: string): Promise<FetchedImage> {
  let url = new URL(src)
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not an http(s) URL')
    if (!isDevelopment(env) && !isPublicHost(url.hostname)) throw new Error(`${url.hostname} is not a public host`)
    let response: Response
    try {
      response = await fetch(url, { redirect: 'manual', headers: { Accept: 'image/png,image/jpeg,image/webp,image/avif' } })
    } catch {
      throw new Error('could not be fetched')
    }
    const location = response.headers.get('Location')
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel()
      if (hop >= MAX_REDIRECTS) throw new Error('too many redirects')
      url = new URL(location, url)
      continue
    }
    if (!response.ok) {
      await response.body?.cancel()
      throw new Error(`answered ${response.status}`)
    }
    const bytes = await readBodyLimited(response.body, PRODUCT_IMAGE_MAX_BYTES, () => new Error('larger than 5 MB'))
    let kind
    try {
      kind = inspectImage(bytes, 'the file')
    } catch (err) {
      throw new Error(err instanceof ApiError ? 'not a PNG, JPEG, WebP or AVIF image' : String(err))
    }
    const r2Key = `products/${await sha256Hex(bytes)}.${kind.ext}`
    if (!(await env.IMAGES.head(r2Key))) await env.IMAGES.put(r2Key, bytes, { httpMetadata: { contentType: kind.contentType } })
    return { r2Key, contentType: kind.contentType, byteSize: bytes.length, width: kind.width, height: kind.height }
  }
}
