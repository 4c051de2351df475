import type { ValidationTargets } from 'hono'
import { validator } from 'hono-openapi'
import type { z } from 'zod'
import { INPUT_SCHEMA } from '../openapi/json-schema'
import { validationFailed, type FieldErrors } from './errors'

/**
 * Groups zod issues by their dotted path (`_` for the whole input). The input's own keys become field
 * names, so they are collected in a Map: on a plain object `fields['toString']` or `fields['__proto__']`
 * would be Object.prototype's, not an empty list.
 */
export function fieldErrors(error: { issues: readonly z.core.$ZodIssue[] }): FieldErrors {
  const fields = new Map<string, string[]>()
  const add = (key: string, message: string) => {
    const messages = fields.get(key)
    if (messages) messages.push(message)
    else fields.set(key, [message])
  }
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key].join('.'), 'is not a known field')
      continue
    }
    add(issue.path.length > 0 ? issue.path.join('.') : '_', issue.message)
  }
  // fromEntries defines own properties, so even a field named "__proto__" is an ordinary key of the answer.
  return Object.fromEntries(fields)
}

/**
 * hono-openapi's `validator` (@hono/standard-validator underneath) that throws into the one error handler
 * instead of answering its own shape. The same middleware describes the route's input in the OpenAPI
 * document (src/openapi/document.ts), so what is validated and what is documented cannot drift apart.
 * @example .get('/', validate('query', ProductListQuery), (c) => c.json(c.req.valid('query')))
 */
export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) =>
  validator(
    target,
    schema,
    (result) => {
      // A zod schema's Standard Schema issues are zod's own issues (with `code`, `keys`, the raw path).
      if (!result.success) throw validationFailed(fieldErrors({ issues: result.error as readonly z.core.$ZodIssue[] }))
    },
    { options: INPUT_SCHEMA },
  )
