import { zValidator } from '@hono/zod-validator'
import type { ValidationTargets } from 'hono'
import type { z } from 'zod'
import { validationFailed, type FieldErrors } from './errors'

/** Groups zod issues by their dotted path (`_` for the whole input). */
export function fieldErrors(error: { issues: readonly z.core.$ZodIssue[] }): FieldErrors {
  const fields: FieldErrors = {}
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) (fields[key] ??= []).push('is not a known field')
      continue
    }
    const key = issue.path.length > 0 ? issue.path.join('.') : '_'
    ;(fields[key] ??= []).push(issue.message)
  }
  return fields
}

/**
 * `zValidator` that throws into the one error handler instead of answering its own shape
 * (the "throw" recipe of @hono/zod-validator's README).
 * @example .get('/', validate('query', ProductListQuery), (c) => c.json(c.req.valid('query')))
 */
export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw validationFailed(fieldErrors(result.error))
  })
