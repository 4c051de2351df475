import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { HTTPException } from 'hono/http-exception'
import { z } from 'zod'

/** Field name → messages, as answered in `error.fields`. */
export const FieldErrors = z.record(z.string(), z.array(z.string()))
export type FieldErrors = z.infer<typeof FieldErrors>

/** The one error body every API route answers with (the OpenAPI document's `ErrorBody`). */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('Machine-readable: validation_failed, not_found, unauthorized, conflict, insufficient_stock…'),
      message: z.string(),
      fields: FieldErrors.optional().describe('Field name (`_` for the whole input) → what is wrong with it'),
      request_id: z.string().optional().describe('The X-Request-Id of the request, for support'),
      details: z.record(z.string(), z.unknown()).optional().describe('What the client needs to go on, for some codes (total_changed: the new `quote`)'),
    }),
  })
  .meta({ id: 'ErrorBody', description: 'The one error shape of the API: 4xx say what to fix, 5xx never leak details.' })
export type ErrorBody = z.infer<typeof ErrorBody>

/** An expected failure with a machine-readable code; `app.onError` renders it. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly fields?: FieldErrors,
    /** Answered as `error.details` (e.g. the recomputed quote of a `total_changed`). */
    readonly details?: Record<string, unknown>,
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
    const error = { code: err.code, message: err.message, ...(err.fields && { fields: err.fields }), request_id: requestId, ...(err.details && { details: err.details }) }
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
