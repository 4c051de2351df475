/** Reading a page form's fields and turning expected failures into messages on the form. */
import type { Context } from 'hono'
import type { z } from 'zod'
import { ApiError, type FieldErrors } from '../platform/errors'
import { fieldErrors } from '../platform/validate'

/** A parsed form body, as `c.req.parseBody()` answers it. */
export type FormBody = Record<string, string | File | (string | File)[]>

/**
 * The request's form, or a 400 when its body cannot be read as the form its Content-Type claims (a
 * multipart type without a boundary, a broken multipart body): Hono keeps the failed parse, so every later
 * `parseBody()` of the request would throw it again as a 500.
 */
export async function readForm(c: Context, options?: { all?: boolean }): Promise<FormBody> {
  try {
    return await c.req.parseBody(options)
  } catch {
    throw new ApiError(400, 'bad_request', 'The form could not be read. Go back, reload the page and send it again.')
  }
}

/** One text field ('' when absent or a file). */
export const formText = (form: FormBody, name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '')

/**
 * A number field's text as the number the API's schema expects, when it is one (digits, optionally
 * negative); anything else stays text, so that the schema refuses it by the field's name.
 * @example parseForm(AdminCategoryBody, { position: formNumber(formText(form, 'position')) })
 */
export const formNumber = (text: string): number | string => (/^-?\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : text)

/** Every text value of a field that may repeat (checkboxes). */
export function formAll(form: FormBody, name: string): string[] {
  const value = form[name]
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string')
}

/** The statuses a form shows on itself; anything else goes to the error page. */
export type FormStatus = 400 | 401 | 404 | 409 | 413 | 415 | 429

/** An expected failure (validation, conflict, wrong password, rate limit…) to show on the form, or null. */
export function formFailure<S extends FormStatus>(err: unknown, statuses: readonly S[]): { status: S; message: string; fields: FieldErrors } | null {
  if (!(err instanceof ApiError) || !(statuses as readonly number[]).includes(err.status)) return null
  return { status: err.status as S, message: err.message, fields: err.fields ?? {} }
}

/** The form's values through `schema`, or a 400 naming the fields, for formFailure to show. */
export function parseForm<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input)
  if (!parsed.success) throw new ApiError(400, 'validation_failed', 'Please correct the fields marked below.', fieldErrors(parsed.error))
  return parsed.data
}
