/**
 * The OpenAPI 3.1 document, generated from OPERATIONS with zod's own JSON Schema output (draft 2020-12,
 * the dialect of OpenAPI 3.1): requests as their input type (what a client sends: strings in query and
 * path, before transforms and defaults), responses as their output type. Every response schema carries
 * an id (`.meta({ id })`) and becomes one of `components.schemas`.
 */
import { z } from 'zod'
import { ErrorBody } from '../platform/errors'
import { OPERATIONS, TAGS, type Access, type Operation } from './operations'

/** The API's version: bump it when a response changes in a way a client would notice. */
export const API_VERSION = '1.0.0'

type JsonSchema = Record<string, unknown>

interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
  required: boolean
  description?: string
  schema: JsonSchema
}

interface MediaTypes {
  [mediaType: string]: { schema: JsonSchema }
}

export interface OpenApiOperation {
  operationId: string
  tags: string[]
  summary: string
  description?: string
  security: Record<string, string[]>[]
  parameters?: Parameter[]
  requestBody?: { required: boolean; description?: string; content: MediaTypes }
  responses: Record<string, { description: string; content?: MediaTypes }>
}

export interface OpenApiDocument {
  openapi: '3.1.0'
  info: { title: string; version: string; description: string }
  servers: { url: string }[]
  tags: { name: string; description: string }[]
  paths: Record<string, Partial<Record<Operation['method'], OpenApiOperation>>>
  components: {
    schemas: Record<string, JsonSchema>
    securitySchemes: Record<string, JsonSchema>
  }
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The input is invalid: `error.fields` names what to fix (validation_failed)',
  401: 'Not signed in, or the token is expired or revoked',
  403: 'Signed in without the role this needs',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'The body is too large',
  415: 'Unsupported media type',
  422: 'Unprocessable',
  429: 'Too many requests: retry after the Retry-After header',
  502: 'The payment provider failed',
  503: 'Not available right now',
}

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  public: [],
  optional: [{}, { bearerAuth: [] }, { sessionCookie: [] }],
  user: [{ bearerAuth: [] }, { sessionCookie: [] }],
  staff: [{ bearerAuth: [] }, { sessionCookie: [] }],
  admin: [{ bearerAuth: [] }, { sessionCookie: [] }],
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
})

const refTo = (schema: z.ZodType) => {
  const id = z.globalRegistry.get(schema)?.id
  if (!id) throw new Error('A response schema needs an id: .meta({ id })')
  return { $ref: `#/components/schemas/${id}` }
}

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

/** A request schema as JSON Schema (its input type), without `$schema`: it is embedded in the document. */
function inputSchema(schema: z.ZodType, where: string): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', override: tidyInput }) as JsonSchema
  // A $defs here would be referenced from the document's root, where it is not.
  if (json.$defs) throw new Error(`${where}: a request schema must not hold schemas with an id`)
  return json
}

/** Path, query or header parameters from an object schema; every `{name}` of the path is one. */
function parametersOf(op: Operation): Parameter[] {
  const parameters: Parameter[] = []
  const add = (schema: z.ZodType | undefined, where: Parameter['in']) => {
    if (!schema) return
    const json = inputSchema(schema, `${op.method} ${op.path} ${where}`)
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>
    const required = new Set((json.required ?? []) as string[])
    for (const [name, { description, ...property }] of Object.entries(properties)) {
      if (where === 'path' && !op.path.includes(`{${name}}`)) throw new Error(`${op.method} ${op.path}: no {${name}} in the path`)
      const shown = where === 'header' ? name.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase()) : name
      parameters.push({
        name: shown,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof description === 'string' && { description }),
        schema: property,
      })
    }
  }
  add(op.params, 'path')
  add(op.query, 'query')
  add(op.headers, 'header')
  for (const [, name = ''] of op.path.matchAll(/\{(\w+)\}/g)) {
    if (!parameters.some((p) => p.in === 'path' && p.name === name)) throw new Error(`${op.method} ${op.path}: {${name}} has no schema`)
  }
  return parameters
}

function operationObject(op: Operation): OpenApiOperation {
  const parameters = parametersOf(op)
  const responses: OpenApiOperation['responses'] = {}
  for (const [status, response] of Object.entries(op.responses)) {
    const content = response.schema
      ? { 'application/json': { schema: refTo(response.schema) } }
      : response.media
        ? { [response.media.type]: { schema: response.media.schema } }
        : undefined
    responses[status] = { description: response.description, ...(content && { content }) }
  }
  const errors: Record<number, string> = {}
  if (parameters.length || op.body) errors[400] = ERROR_DESCRIPTIONS[400] as string
  if (op.access === 'user' || op.access === 'staff' || op.access === 'admin') errors[401] = ERROR_DESCRIPTIONS[401] as string
  if (op.access === 'staff' || op.access === 'admin') errors[403] = `Signed in without the ${op.access} role`
  if (op.body) errors[413] = 'The body is larger than 16 KB'
  Object.assign(errors, op.errors)
  for (const [status, description] of Object.entries(errors)) responses[status] = errorResponse(description)
  responses.default = errorResponse('Anything else, e.g. 500 internal_error: the body never holds details, only the request id')

  const requestBody = op.body
    ? { required: true, content: { 'application/json': { schema: inputSchema(op.body, `${op.method} ${op.path} body`) } } }
    : op.rawBody
      ? { required: true, description: op.rawBody.description, content: op.rawBody.content }
      : undefined
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description && { description: op.description }),
    security: SECURITY[op.access],
    ...(parameters.length && { parameters }),
    ...(requestBody && { requestBody }),
    responses,
  }
}

/** Every schema with an id, as components: `$ref`s between them point at `#/components/schemas/<id>`. */
function componentSchemas(): Record<string, JsonSchema> {
  // The error body is referenced by every operation; response schemas are imported by operations.ts.
  refTo(ErrorBody)
  const { schemas } = z.toJSONSchema(z.globalRegistry, { target: 'draft-2020-12', io: 'output', override: tidy, uri: (id) => `#/components/schemas/${id}` })
  if ('__shared' in schemas) throw new Error('A schema used by several components needs an id of its own')
  return Object.fromEntries(
    Object.entries(schemas)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema as JsonSchema]),
  )
}

function buildDocument(): Omit<OpenApiDocument, 'servers'> {
  const paths: OpenApiDocument['paths'] = {}
  for (const op of OPERATIONS) {
    const item = (paths[op.path] ??= {})
    if (item[op.method]) throw new Error(`${op.method} ${op.path} is described twice`)
    item[op.method] = operationObject(op)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cato-Store API',
      version: API_VERSION,
      description:
        'The JSON API of the store. Money is in integer cents of the currency named beside it; times are ISO 8601 in UTC. Every error answers one shape, `ErrorBody`.',
    },
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from POST /api/auth/token (or register, or refresh)' },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'sid',
          description:
            "The browser session of the shop's pages (named `__Host-sid` over HTTPS). POST, PUT, PATCH and DELETE with it also need the `X-CSRF-Token` header (GET /api/auth/csrf) and a same-site Origin: 403 `csrf_failed` otherwise",
        },
      },
    },
  }
}

let built: Omit<OpenApiDocument, 'servers'> | undefined

/**
 * The document for clients of `origin`; generated once per isolate, on first use.
 * @example c.json(openApiDocument(new URL(c.req.url).origin))
 */
export function openApiDocument(origin: string): OpenApiDocument {
  built ??= buildDocument()
  const { openapi, info, ...rest } = built
  return { openapi, info, servers: [{ url: origin }], ...rest }
}
