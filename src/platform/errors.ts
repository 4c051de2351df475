import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { HTTPException } from 'hono/http-exception'

/** Field name → messages, as answered in `error.fields`. */
export type FieldErrors = Record<string, string[]>

/** The one error body every API route answers with. */
export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldErrors; request_id?: string }
}

/** An expected failure with a machine-readable code; `app.onError` renders it. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly fields?: FieldErrors,
  ) {
    super(status, { message })
  }
}

export const badRequest = (message: string, fields?: FieldErrors) =>
  new ApiError(400, 'bad_request', message, fields)
export const validationFailed = (fields: FieldErrors) =>
  new ApiError(400, 'validation_failed', `Invalid ${Object.keys(fields).join(', ') || 'input'}`, fields)
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`)
export const conflict = (message: string, fields?: FieldErrors) => new ApiError(409, 'conflict', message, fields)
export const unauthorized = (message = 'Authentication required') => new ApiError(401, 'unauthorized', message)
export const forbidden = (message = 'Forbidden') => new ApiError(403, 'forbidden', message)

const CODES_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
}

/**
 * Turns any thrown value into a status and the one error body; 5xx details never leave the Worker.
 * @example const { status, body } = toErrorBody(err, requestId)
 */
export function toErrorBody(err: unknown, requestId?: string): { status: ContentfulStatusCode; body: ErrorBody } {
  if (err instanceof ApiError) {
    const error = { code: err.code, message: err.message, ...(err.fields && { fields: err.fields }), request_id: requestId }
    return { status: err.status as ContentfulStatusCode, body: { error } }
  }
  if (err instanceof HTTPException && err.status < 500) {
    const code = CODES_BY_STATUS[err.status] ?? 'bad_request'
    return { status: err.status as ContentfulStatusCode, body: { error: { code, message: err.message || code, request_id: requestId } } }
  }
  return {
    status: 500,
    body: { error: { code: 'internal_error', message: 'Something went wrong on our side', request_id: requestId } },
  }
}
