/**
 * How zod's schemas are written as JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) in the document:
 * requests as their input type (what a client sends: strings in query and path, before transforms and
 * defaults), responses as their output type. hono-openapi hands these options to `z.toJSONSchema`.
 */
import type { z } from 'zod'

type Override = NonNullable<z.core.ToJSONSchemaParams['override']>

/** zod writes the safe-integer bounds on every integer and its whole regex beside a date format: noise to a reader. */
const tidy: Override = ({ jsonSchema }) => {
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum
  if (jsonSchema.format === 'date-time' || jsonSchema.format === 'date') delete jsonSchema.pattern
}

/** zod leaves out a default of another type than the input (a query's page is text, its default the number 1): show the text to send. */
const tidyInput: Override = (ctx) => {
  tidy(ctx)
  const def = ctx.zodSchema._zod.def
  if (def.type === 'default' && ctx.jsonSchema.default === undefined && ctx.jsonSchema.type === 'string') ctx.jsonSchema.default = String(def.defaultValue)
}

/** `z.toJSONSchema` options of a request schema (path, query, header, body). */
export const INPUT_SCHEMA = { target: 'draft-2020-12', io: 'input', unrepresentable: 'any', override: tidyInput } satisfies z.core.ToJSONSchemaParams

/** `z.toJSONSchema` options of a response schema. */
export const OUTPUT_SCHEMA = { target: 'draft-2020-12', io: 'output', unrepresentable: 'any', override: tidy } satisfies z.core.ToJSONSchemaParams
