/**
 * `docs()`: the OpenAPI description a route declares beside its handler (hono-openapi's `describeRoute`).
 * Its input comes from the route's own `validate()` middleware; this says the rest: the operation's id,
 * tag, summary, who may call it, what it answers and the errors beyond those every operation of its kind
 * has. src/openapi/document.ts collects them from the app's routes.
 *
 * We considered @hono/zod-openapi, which means rewriting every route as `createRoute` + `openapi()`;
 * hono-openapi keeps our chained `new Hono().get(…)` routes and takes zod 4 as a Standard Schema.
 */
import { describeRoute, resolver, type DescribeRouteOptions } from 'hono-openapi'
import type { MiddlewareHandler } from 'hono'
import { z } from 'zod'
import { ErrorBody } from '../platform/errors'
import { INPUT_SCHEMA, OUTPUT_SCHEMA } from './json-schema'

export const TAGS = {
  Catalog: 'Active products, search and the category tree. Public and cached at the edge.',
  Accounts: 'Registration, tokens (a JWT access token and a single-use refresh token) and the profile.',
  Cart: "The cart of a guest (an HttpOnly `cart` cookie set by the first write) or of the signed-in user; every answer is the whole cart. With the cart cookie, writes need `X-CSRF-Token` (GET /api/auth/csrf).",
  Checkout: 'Quotes: the exact totals of the cart or of given lines to an address (shipping methods, discounts, tax), computed by the formula that prices the order.',
  Orders: "The signed-in user's orders: placing one holds its stock until it is paid or the hold runs out.",
  Admin: 'The staff back office for automation: catalog, orders, users and the audit log. Staff role; users and audit need admin.',
  Webhooks: 'Events from the payment provider.',
} as const
export type Tag = keyof typeof TAGS

/**
 * Who may call: `public` needs nothing; `optional` works for guests and signed-in users alike; `user`
 * needs a bearer token or the session cookie; `staff` and `admin` need that role too (403 otherwise).
 * With a cookie (session or guest cart) instead of a bearer token, every POST, PUT, PATCH and DELETE also
 * needs the `X-CSRF-Token` header (GET /api/auth/csrf) and no foreign Origin (403 `csrf_failed` otherwise).
 */
export type Access = 'public' | 'optional' | 'user' | 'staff' | 'admin'

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  public: [],
  optional: [{}, { bearerAuth: [] }, { sessionCookie: [] }],
  user: [{ bearerAuth: [] }, { sessionCookie: [] }],
  staff: [{ bearerAuth: [] }, { sessionCookie: [] }],
  admin: [{ bearerAuth: [] }, { sessionCookie: [] }],
}

type JsonSchema = Record<string, unknown>

export interface SuccessResponse {
  description: string
  /** A response schema with an id (`.meta({ id })`): it becomes a component. Omitted: no body. */
  schema?: z.ZodType
  /** A body that is not JSON (the CSV export): its media type and JSON Schema. */
  media?: { type: string; schema: JsonSchema }
}

export interface RouteDocs {
  /** The operationId. */
  id: string
  tag: Tag
  summary: string
  description?: string
  access: Access
  /** Answers other than errors, by status. */
  responses: Record<number, SuccessResponse>
  /** Error answers beyond those every operation of its kind has (400 for input, 401/403 for access, 413 for bodies). */
  errors?: Record<number, string>
  /** A body that no validator reads (an image, a multipart form, the webhook's raw event): OpenAPI media types. */
  rawBody?: { description: string; content: Record<string, { schema: JsonSchema }> }
  /** Values the handler reads without a validator (`c.req.param('id')`): documentation only. */
  params?: z.ZodObject
  query?: z.ZodObject
  headers?: z.ZodObject
}

/** The error shape as a component: every error answer refers to it. */
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: resolver(ErrorBody, { options: OUTPUT_SCHEMA }) } },
})

/** Parameters of a schema that no validator reads; those of `validate()` come from the middleware itself. */
function documentedParameters(where: 'path' | 'query' | 'header', schema: z.ZodObject | undefined) {
  if (!schema) return []
  const json = z.toJSONSchema(schema, INPUT_SCHEMA) as JsonSchema
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((json.required ?? []) as string[])
  return Object.entries(properties).map(([name, { description, ...property }]) => ({
    name,
    in: where,
    required: required.has(name),
    ...(typeof description === 'string' && { description }),
    schema: property,
  }))
}

/**
 * The route's description in the OpenAPI document.
 * @example .get('/:slug', docs({ id: 'getProduct', tag: 'Catalog', summary: '…', access: 'public', responses: { 200: { description: '…', schema: ProductDetail } } }), validate('param', ProductKeyParam), handler)
 */
export function docs(route: RouteDocs): MiddlewareHandler {
  const responses: NonNullable<DescribeRouteOptions['responses']> = {}
  for (const [status, { description, schema, media }] of Object.entries(route.responses)) {
    const content = schema
      ? { 'application/json': { schema: resolver(schema, { options: OUTPUT_SCHEMA }) } }
      : media
        ? { [media.type]: { schema: media.schema } }
        : undefined
    responses[status] = { description, ...(content && { content }) }
  }
  const errors: Record<number, string> = {}
  if (route.access === 'user' || route.access === 'staff' || route.access === 'admin') errors[401] = 'Not signed in, or the token is expired or revoked'
  if (route.access === 'staff' || route.access === 'admin') errors[403] = `Signed in without the ${route.access} role`
  Object.assign(errors, route.errors)
  for (const [status, description] of Object.entries(errors)) responses[status] = errorResponse(description)
  responses.default = errorResponse('Anything else, e.g. 500 internal_error: the body never holds details, only the request id')

  const parameters = [...documentedParameters('path', route.params), ...documentedParameters('query', route.query), ...documentedParameters('header', route.headers)]
  return describeRoute({
    operationId: route.id,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description && { description: route.description }),
    security: SECURITY[route.access],
    ...(parameters.length && { parameters }),
    ...(route.rawBody && { requestBody: { required: true, ...route.rawBody } }),
    responses,
  })
}
