/**
 * An import's file as it arrives: a raw `text/csv` body goes to R2 as a stream (its declared length, at
 * most 50 MB, is what R2 needs to take a stream); a `multipart/form-data` body (the admin page's form, or
 * an API client's) is parsed by @remix-run/multipart-parser, which holds the one file part (at most 50 MB)
 * and nothing else. Past 50 MB either is a 413 and nothing is stored.
 */
import { MaxFileSizeExceededError, MaxTotalSizeExceededError, MultipartParseError, parseMultipartRequest } from '@remix-run/multipart-parser'
import { ApiError, badRequest } from '../../platform/errors'
import { IMPORT_MAX_BYTES } from './jobs'

export interface UploadedCsv {
  body: ReadableStream | Blob
  byteSize: number
  fileName: string
}

const tooLarge = () => new ApiError(413, 'payload_too_large', `The file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB: nothing was stored.`)
const empty = () => badRequest('The file is empty: choose a CSV file exported from Shopify or from this store.', { file: ['is empty'] })

/** The CSV file of an upload request, or the 4xx that says what is wrong with it. */
export async function receiveCsv(request: Request, fileName = 'products.csv'): Promise<UploadedCsv> {
  const type = (request.headers.get('Content-Type') ?? '').toLowerCase()
  const declared = request.headers.get('Content-Length')
  if (declared !== null && Number(declared) > IMPORT_MAX_BYTES + 64 * 1024) throw tooLarge()
  if (type.startsWith('multipart/form-data')) {
    try {
      for await (const part of parseMultipartRequest(request, { maxFileSize: IMPORT_MAX_BYTES, maxTotalSize: IMPORT_MAX_BYTES + 64 * 1024, maxParts: 10 })) {
        if (part.name !== 'file' || !part.isFile) continue
        if (part.size === 0) throw empty()
        return { body: new Blob(part.content as BlobPart[]), byteSize: part.size, fileName: part.filename || fileName }
      }
    } catch (err) {
      if (err instanceof MaxFileSizeExceededError || err instanceof MaxTotalSizeExceededError) throw tooLarge()
      if (err instanceof MultipartParseError) throw badRequest('The form could not be read: send the file as multipart/form-data in a field named "file".')
      if (err instanceof ApiError && err.status === 413) throw tooLarge()
      throw err
    }
    throw badRequest('Choose a CSV file: the form has no file in its "file" field.', { file: ['is required'] })
  }
  if (!/^(text\/csv|application\/csv|text\/plain)\b/.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the file as text/csv (the raw file) or multipart/form-data (a field named "file").')
  }
  if (declared === null || !/^\d+$/.test(declared)) throw new ApiError(411, 'length_required', 'Send the raw CSV with a Content-Length header (at most 50 MB).')
  const byteSize = Number(declared)
  if (byteSize === 0 || !request.body) throw empty()
  return { body: request.body, byteSize, fileName }
}
