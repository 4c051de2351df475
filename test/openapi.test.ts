import { SELF } from 'cloudflare:test'
import { Validator, type OutputUnit, type Schema } from '@cfworker/json-schema'
import { Hono } from 'hono'
import { uniqueSymbol } from 'hono-openapi'
import type { RouterRoute } from 'hono/types'
import { findTargetHandler } from 'hono/utils/handler'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import worker from '../src/index'
import { RegisterBody, UpdateProfileBody } from '../src/accounts/schemas'
import { RefundBody } from '../src/admin/orders'
import { AuditQuery, ImageParams } from '../src/admin/routes'
import { ImagePatch } from '../src/admin/schemas'
import { AddCartItemBody, CartItemParam, UpdateCartItemBody } from '../src/cart/schemas'
import { ProductKeyParam, ProductListQuery } from '../src/catalog/schemas'
import { docs } from '../src/openapi/describe'
import { buildDocument, type OpenApiDocument, type OpenApiOperation } from '../src/openapi/document'
import { INPUT_SCHEMA } from '../src/openapi/json-schema'
import { CreateOrderBody, IdempotencyKeyHeader } from '../src/orders/schemas'
import { validate } from '../src/platform/validate'
import { BASE, callJson, freshAddress, getJson, insertProduct, registerUser, uniqueEmail, staffUser } from './helpers'
import { ADDRESS, defaultVariant } from './orders-helpers'
import { postWebhook, stripeEvent } from './payments-helpers'

/** Where the validator files the document: its `#/components/...` references resolve against this. */
const DOC_URI = 'https://cato-store.test/api/openapi.json'
/** Answered by the document itself, not described in it; `*` paths are middleware and the 404 catch-all. */
const NOT_DESCRIBED = new Set(['GET /api/openapi.json', 'GET /api/docs'])

let doc: OpenApiDocument

beforeAll(async () => {
  const answer = await getJson<OpenApiDocument>('/api/openapi.json')
  expect(answer.status).toBe(200)
  doc = answer.body
})

/** Hono's `/items/:productId` (or `:productId{[0-9]+}`) as OpenAPI's `/items/{productId}`. */
const openApiPath = (path: string) => path.replace(/:(\w+)(?:\{(?:[^{}]|\{[^{}]*\})*\})?/g, '{$1}')

/** `METHOD /path` of every route of the Worker under /api and /webhooks, as the document writes them. */
function routesOf(routes: { method: string; path: string }[]): Set<string> {
  const found = new Set<string>()
  for (const { method, path } of routes) {
    if (!path.startsWith('/api/') && !path.startsWith('/webhooks/')) continue
    if (path.endsWith('*')) continue
    const route = `${method} ${openApiPath(path)}`
    if (!NOT_DESCRIBED.has(route)) found.add(route)
  }
  return found
}

function operationsOf(document: OpenApiDocument): Set<string> {
  return new Set(Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)))
}

/**
 * The checker: the routes under /api and /webhooks that the document generated from these routes leaves
 * out (a route without `docs()`). A route with a validator but no `docs()` already fails in buildDocument.
 */
async function undocumented(routes: RouterRoute[]): Promise<string[]> {
  const generated = operationsOf((await buildDocument(routes)) as OpenApiDocument)
  return [...routesOf(routes)].filter((route) => !generated.has(route)).sort()
}

/** A tiny app beside the Worker's routes: one described route, one that is not. */
function withGiftCards(undescribed: Hono) {
  const described = new Hono().get(
    '/api/gift-cards',
    docs({ id: 'listGiftCards', tag: 'Catalog', summary: 'Gift cards', access: 'public', responses: { 200: { description: 'None yet' } } }),
    (c) => c.json([]),
  )
  return [...worker.routes, ...described.routes, ...undescribed.routes]
}

function operation(method: string, path: string): OpenApiOperation {
  const found = doc.paths[path]?.[method.toLowerCase() as keyof OpenApiDocument['paths'][string]]
  if (!found) throw new Error(`the document has no ${method} ${path}`)
  return found
}

/** What is wrong with `body` as the document's answer of `METHOD path` with `status` (nothing: an empty list). */
function disagreements(method: string, path: string, status: number, body: unknown): OutputUnit[] {
  const response = operation(method, path).responses[String(status)]
  if (!response) throw new Error(`${method} ${path} documents no ${status} answer`)
  const schema = response.content?.['application/json']?.schema
  if (!schema) throw new Error(`${method} ${path} ${status} documents no JSON body`)
  // Every response schema of the document is a $ref to a component (document.ts makes it so).
  if (typeof schema.$ref !== 'string') throw new Error(`${method} ${path} ${status}: expected a $ref, got ${JSON.stringify(schema)}`)
  const validator = new Validator({ $ref: `${DOC_URI}${schema.$ref}` }, '2020-12', false)
  validator.addSchema(structuredClone(doc) as unknown as Schema, DOC_URI)
  return validator.validate(body).errors
}

/** The answer has the status we meant to exercise and the body the document promises for it. */
function expectDocumented(method: string, path: string, answer: { status: number; body: unknown }, status: number) {
  expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body).slice(0, 300)}`).toBe(status)
  expect(disagreements(method, path, status, answer.body), `${method} ${path} ${status}`).toEqual([])
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 for this origin, with the error shape and both ways to sign in as components', () => {
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.info.title).toBe('Cato-Store API')
    expect(doc.servers).toEqual([{ url: BASE }])
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearerAuth', 'sessionCookie'])
    expect(doc.components.schemas.ErrorBody).toMatchObject({ type: 'object', required: ['error'] })
  })

  it('describes every API and webhook route of the Worker, and nothing else', () => {
    const routes = routesOf(worker.routes)
    expect(routes.size).toBeGreaterThan(40)
    expect([...routes].sort()).toEqual([...operationsOf(doc)].sort())
  })

  it('is generated from the routes, every one of them described', async () => {
    expect(await undocumented(worker.routes)).toEqual([])
  })

  it('notices a route that is not described', async () => {
    const plain = new Hono().get('/api/gift-cards/:code{[A-Z0-9]{8}}', (c) => c.json({}))
    expect(await undocumented(withGiftCards(plain))).toEqual(['GET /api/gift-cards/{code}'])
  })

  it('fails on a route added with a validator but without docs()', async () => {
    // With a validator, hono-openapi alone would list it with a made-up id and no summary: buildDocument refuses.
    const validated = new Hono().get('/api/gift-cards/:code', validate('param', z.object({ code: z.string() })), (c) => c.json({}))
    await expect(undocumented(withGiftCards(validated))).rejects.toThrow('GET /api/gift-cards/{code} has a validator but no docs()')
  })

  it('keeps the ids, tags and summaries unique and named', () => {
    const ops = Object.values(doc.paths).flatMap((item) => Object.values(item))
    expect(new Set(ops.map((op) => op.operationId)).size).toBe(ops.length)
    for (const op of ops) {
      expect(op.tags, op.operationId).toHaveLength(1)
      expect(doc.tags.map((t) => t.name), op.operationId).toContain(op.tags[0])
      expect(op.summary, op.operationId).not.toBe('')
    }
  })

  it('declares every path parameter and an error answer on every operation', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)
        expect(declared.sort(), `${method} ${path}`).toEqual([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort())
        expect(op.responses.default?.content?.['application/json']?.schema, `${method} ${path}`).toEqual({ $ref: '#/components/schemas/ErrorBody' })
      }
    }
  })
})

/** The document's parameters a zod schema makes, as document.ts writes them. */
function parametersOf(where: 'path' | 'query' | 'header', schema: z.ZodType) {
  const json = z.toJSONSchema(schema, INPUT_SCHEMA) as { properties: Record<string, Record<string, unknown>>; required?: string[] }
  return Object.entries(json.properties).map(([name, { description, ...property }]) => ({
    name: where === 'header' ? name.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase()) : name,
    in: where,
    required: where === 'path' || Boolean(json.required?.includes(name)),
    ...(typeof description === 'string' && { description }),
    schema: property,
  }))
}

const bodySchema = (op: OpenApiOperation) => op.requestBody?.content['application/json']?.schema
const jsonOf = (schema: z.ZodType) => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, INPUT_SCHEMA) as Record<string, unknown>
  return json
}

/** What the document says is wrong with `value` under `schema` (an instance path per error). */
function refusedBy(schema: Record<string, unknown>, value: unknown): string[] {
  const validator = new Validator(structuredClone(schema) as Schema, '2020-12', false)
  return validator.validate(value).errors.map((e) => e.instanceLocation)
}

/** The validators on the Worker's route `METHOD path`, as hono-openapi reads them from its middleware. */
function validatorsOf(method: string, path: string) {
  return worker.routes
    .filter((route) => route.method === method && openApiPath(route.path) === path)
    .map((route) => (findTargetHandler(route.handler) as unknown as Record<symbol, { target?: string; toOpenAPISchema?: () => Promise<{ schema: unknown }> }>)[uniqueSymbol])
    .filter((meta): meta is { target: string; toOpenAPISchema: () => Promise<{ schema: unknown }> } => Boolean(meta?.target))
}

describe('the requests the document describes', () => {
  it('are those of the validator each route runs', async () => {
    let checked = 0
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const validator of validatorsOf(method.toUpperCase(), path)) {
          const { schema } = (await validator.toOpenAPISchema()) as { schema: { properties?: Record<string, unknown> } }
          if (validator.target === 'json') expect(bodySchema(op), `${method} ${path} body`).toEqual(JSON.parse(JSON.stringify(schema)))
          else {
            const where = validator.target === 'param' ? 'path' : validator.target
            // Hono hands a validator lower-case header names; the document writes them as sent (Idempotency-Key).
            const key = (name: string) => (where === 'header' ? name.toLowerCase() : name)
            const documented = Object.fromEntries((op.parameters ?? []).filter((p) => p.in === where).map((p) => [key(p.name), p.schema]))
            const validated = Object.fromEntries(
              Object.entries(JSON.parse(JSON.stringify(schema.properties ?? {})) as Record<string, Record<string, unknown>>).map(([name, { description: _shown, ...property }]) => [name, property]),
            )
            expect(documented, `${method} ${path} ${where}`).toEqual(validated)
          }
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(30)
  })

  it('are the zod schemas the domains name, as JSON Schema', () => {
    const cases: [string, string, { path?: z.ZodType; query?: z.ZodType; header?: z.ZodType; json?: z.ZodType }][] = [
      ['GET', '/api/products', { query: ProductListQuery }],
      ['GET', '/api/products/{idOrSlug}', { path: ProductKeyParam }],
      ['POST', '/api/auth/register', { json: RegisterBody }],
      ['PUT', '/api/users/profile', { json: UpdateProfileBody }],
      ['POST', '/api/cart/items', { json: AddCartItemBody }],
      ['PATCH', '/api/cart/items/{variantId}', { path: CartItemParam, json: UpdateCartItemBody }],
      ['POST', '/api/orders', { header: IdempotencyKeyHeader, json: CreateOrderBody }],
      ['PATCH', '/api/admin/products/{id}/images/{imageId}', { path: ImageParams, json: ImagePatch }],
      ['POST', '/api/admin/orders/{id}/refund', { json: RefundBody }],
      ['GET', '/api/admin/audit', { query: AuditQuery }],
    ]
    for (const [method, path, { json, ...where }] of cases) {
      const op = operation(method, path)
      expect(bodySchema(op), `${method} ${path} body`).toEqual(json && jsonOf(json))
      for (const [at, schema] of Object.entries(where) as ['path' | 'query' | 'header', z.ZodType][]) {
        expect((op.parameters ?? []).filter((p) => p.in === at), `${method} ${path} ${at}`).toEqual(parametersOf(at, schema))
      }
    }
  })

  it('are refused by the route where the document says they are invalid, in every parameter it constrains', async () => {
    const admin = await staffUser('admin')
    const product = await insertProduct({ stockQuantity: 5 })
    /** A value the parameter's schema refuses, if one of these is. */
    const badValue = (schema: Record<string, unknown>) =>
      ['not a value!', '-1', '0', 'x'.repeat(400)].find((candidate) => refusedBy(schema, candidate).length > 0)
    let checked = 0
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (validatorsOf(method.toUpperCase(), path).length === 0) continue
        for (const parameter of op.parameters ?? []) {
          const bad = badValue(parameter.schema)
          if (bad === undefined) continue
          const url = path.replace(/\{(\w+)\}/g, (_, name: string) => (name === parameter.name && parameter.in === 'path' ? encodeURIComponent(bad) : String(product.id)))
          const query = parameter.in === 'query' ? `?${parameter.name}=${encodeURIComponent(bad)}` : ''
          const headers = { ...admin.bearer, ...(parameter.in === 'header' && { [parameter.name]: bad }) }
          const body = op.requestBody ? {} : undefined
          const answer = await callJson<{ error: { code: string; fields?: Record<string, string[]> } }>(method.toUpperCase(), `${url}${query}`, body, headers)
          const where = `${method} ${path} ${parameter.in} ${parameter.name}=${bad.slice(0, 20)}`
          expect(answer.status, where).toBe(400)
          expect(Object.keys(answer.body.error.fields ?? {}).map((f) => f.toLowerCase()), where).toContain(parameter.name.toLowerCase())
          checked++
        }
        const body = bodySchema(op)
        if (body?.additionalProperties === false) {
          // An unknown field: the document refuses it (additionalProperties: false), and so does the route.
          expect(refusedBy(body, { not_a_field: 1 }), `${method} ${path}`).not.toEqual([])
          const url = path.replace(/\{\w+\}/g, String(product.id))
          const answer = await callJson<{ error: { code: string } }>(method.toUpperCase(), url, { not_a_field: 1 }, admin.bearer)
          expect([answer.status, answer.body.error.code], `${method} ${path} body`).toEqual([400, 'validation_failed'])
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(40)
  })

  it('are accepted by the route where the document says they are valid, and refused field by field where not', async () => {
    const shopper = await registerUser()
    const product = await insertProduct({ stockQuantity: 20 })
    const cases: [string, string, unknown, string[]][] = [
      // method, path, body, the fields the document and the route both refuse ([] = valid)
      ['POST', '/api/cart/items', { product_id: product.id, quantity: 2 }, []],
      ['POST', '/api/cart/items', { product_id: product.id, quantity: 0 }, ['quantity']],
      ['POST', '/api/cart/items', { product_id: 'one', quantity: 1 }, ['product_id']],
      ['PATCH', `/api/cart/items/${await defaultVariant(product.id)}`, { quantity: 3 }, []],
      ['PATCH', `/api/cart/items/${await defaultVariant(product.id)}`, { quantity: 1000 }, ['quantity']],
      ['PUT', '/api/users/profile', { name: 'Doc Reader' }, []],
      ['PUT', '/api/users/profile', { name: 42 }, ['name']],
    ]
    for (const [method, url, body, refused] of cases) {
      const path = url.replace(/\/\d+$/, '/{variantId}')
      const schema = bodySchema(operation(method, path))
      if (!schema) throw new Error(`${method} ${path} documents no JSON body`)
      const documented = [...new Set(refusedBy(schema, body).map((at) => at.split('/')[1] ?? '').filter(Boolean))].sort()
      expect(documented, `${method} ${url} ${JSON.stringify(body)}: the document`).toEqual(refused)
      const answer = await callJson<{ error?: { fields?: Record<string, string[]> } }>(method, url, body, shopper.bearer)
      if (refused.length === 0) expect(answer.status, `${method} ${url}: ${JSON.stringify(answer.body)}`).toBe(200)
      else expect([answer.status, Object.keys(answer.body.error?.fields ?? {}).sort()], `${method} ${url}`).toEqual([400, refused])
    }
  })
})

describe('the answers of the Worker', () => {
  it('refuses a tampered body: a field removed, a field added, a wrong type', async () => {
    await insertProduct({ images: ['products/tamper.png'] })
    const list = await getJson<{ items: Record<string, unknown>[] }>('/api/products?page_size=5')
    expectDocumented('GET', '/api/products', list, 200)

    const removed = structuredClone(list.body)
    delete removed.items[0]?.price_cents
    expect(disagreements('GET', '/api/products', 200, removed).map((e) => e.error).join('\n')).toContain('price_cents')

    const added = structuredClone(list.body)
    ;(added.items[0] as Record<string, unknown>).secret_margin_cents = 12
    expect(disagreements('GET', '/api/products', 200, added)).not.toEqual([])

    const retyped = structuredClone(list.body)
    ;(retyped.items[0] as Record<string, unknown>).in_stock = 'yes'
    expect(disagreements('GET', '/api/products', 200, retyped)).not.toEqual([])
  })

  it('agree with the document: catalog', async () => {
    const admin = await staffUser()
    const parent = await callJson<{ id: number; slug: string }>('POST', '/api/admin/categories', { name: `Kitchen ${crypto.randomUUID().slice(0, 6)}` }, admin.bearer)
    expectDocumented('POST', '/api/admin/categories', parent, 201)
    const child = await callJson<{ id: number }>('POST', '/api/admin/categories', { name: `Mugs ${crypto.randomUUID().slice(0, 6)}`, parent_id: parent.body.id }, admin.bearer)
    expectDocumented('POST', '/api/admin/categories', child, 201)
    const product = await insertProduct({ categoryIds: [child.body.id], images: ['products/a.png', 'products/b.png'] })
    await insertProduct({ stockQuantity: 0 })

    expectDocumented('GET', '/api/products', await getJson('/api/products?page_size=100'), 200)
    expectDocumented('GET', '/api/products', await getJson(`/api/products?category=${parent.body.slug}&in_stock=true`), 200)
    expectDocumented('GET', '/api/products/{idOrSlug}', await getJson(`/api/products/${product.slug}`), 200)
    expectDocumented('GET', '/api/products/{idOrSlug}', await getJson(`/api/products/${product.id}`), 200)
    expectDocumented('GET', '/api/categories', await getJson('/api/categories'), 200)
  })

  it('agree with the document: accounts', async () => {
    const email = uniqueEmail('openapi')
    const password = 'correct horse battery'
    const registered = await callJson<{ refresh_token: string; access_token: string }>('POST', '/api/auth/register', { email, password, name: 'Doc Reader' })
    expectDocumented('POST', '/api/auth/register', registered, 201)
    const bearer = { Authorization: `Bearer ${registered.body.access_token}` }

    const token = await callJson<{ refresh_token: string }>('POST', '/api/auth/token', { email, password }, { 'CF-Connecting-IP': freshAddress() })
    expectDocumented('POST', '/api/auth/token', token, 200)
    const refreshed = await callJson<{ refresh_token: string }>('POST', '/api/auth/refresh', { refresh_token: token.body.refresh_token })
    expectDocumented('POST', '/api/auth/refresh', refreshed, 200)
    const loggedOut = await SELF.fetch(`${BASE}/api/auth/logout`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refresh_token: refreshed.body.refresh_token }) })
    expect(loggedOut.status).toBe(204)
    expect(operation('POST', '/api/auth/logout').responses['204']).toBeDefined()
    expectDocumented('GET', '/api/auth/csrf', await callJson('GET', '/api/auth/csrf'), 200)

    expectDocumented('GET', '/api/users/profile', await callJson('GET', '/api/users/profile', undefined, bearer), 200)
    const updated = await callJson('PUT', '/api/users/profile', { phone: '+44 20 7946 0958', default_shipping_address: { ...ADDRESS, line2: 'Flat 3' } }, bearer)
    expectDocumented('PUT', '/api/users/profile', updated, 200)
    expectDocumented('DELETE', '/api/users/profile/avatar', await callJson('DELETE', '/api/users/profile/avatar', undefined, bearer), 200)
  })

  it('agree with the document: cart, orders and checkout', async () => {
    const shopper = await registerUser()
    const product = await insertProduct({ stockQuantity: 20, images: ['products/mug.png'] })
    const other = await insertProduct({ stockQuantity: 20 })

    expectDocumented('GET', '/api/cart', await callJson('GET', '/api/cart', undefined, shopper.bearer), 200)
    expectDocumented('POST', '/api/cart/items', await callJson('POST', '/api/cart/items', { product_id: product.id, quantity: 2 }, shopper.bearer), 200)
    expectDocumented('POST', '/api/cart/items', await callJson('POST', '/api/cart/items', { product_id: other.id, quantity: 1 }, shopper.bearer), 200)
    expectDocumented('PATCH', '/api/cart/items/{variantId}', await callJson('PATCH', `/api/cart/items/${await defaultVariant(product.id)}`, { quantity: 3 }, shopper.bearer), 200)
    expectDocumented('DELETE', '/api/cart/items/{variantId}', await callJson('DELETE', `/api/cart/items/${await defaultVariant(other.id)}`, undefined, shopper.bearer), 200)

    const headers = { ...shopper.bearer, 'Idempotency-Key': `openapi-${crypto.randomUUID()}` }
    const placed = await callJson<{ id: string }>('POST', '/api/orders', { from_cart: true, shipping_address: ADDRESS }, headers)
    expectDocumented('POST', '/api/orders', placed, 201)
    expectDocumented('POST', '/api/orders', await callJson('POST', '/api/orders', { from_cart: true, shipping_address: ADDRESS }, headers), 200)
    expectDocumented('GET', '/api/orders', await callJson('GET', '/api/orders', undefined, shopper.bearer), 200)
    expectDocumented('GET', '/api/orders/{id}', await callJson('GET', `/api/orders/${placed.body.id}`, undefined, shopper.bearer), 200)
    expectDocumented('POST', '/api/orders/{id}/checkout', await callJson('POST', `/api/orders/${placed.body.id}/checkout`, undefined, shopper.bearer), 200)

    const staff = await staffUser()
    expectDocumented('GET', '/api/admin/orders/{id}', await callJson('GET', `/api/admin/orders/${placed.body.id}`, undefined, staff.bearer), 200)
    expectDocumented('GET', '/api/admin/orders', await callJson('GET', '/api/admin/orders?page_size=20', undefined, staff.bearer), 200)
    expectDocumented('GET', '/api/admin/dashboard', await callJson('GET', '/api/admin/dashboard', undefined, staff.bearer), 200)
  })

  it('agree with the document: admin catalog, users and audit', async () => {
    const staff = await staffUser()
    const created = await callJson<{ id: number }>('POST', '/api/admin/products', { name: `Doc Lamp ${crypto.randomUUID().slice(0, 6)}`, price: '19.99', stock_quantity: 3 }, staff.bearer)
    expectDocumented('POST', '/api/admin/products', created, 201)
    expectDocumented('GET', '/api/admin/products', await callJson('GET', '/api/admin/products?low_stock=true', undefined, staff.bearer), 200)
    expectDocumented('GET', '/api/admin/products/{id}', await callJson('GET', `/api/admin/products/${created.body.id}`, undefined, staff.bearer), 200)
    expectDocumented('PATCH', '/api/admin/products/{id}', await callJson('PATCH', `/api/admin/products/${created.body.id}`, { price: '21.50' }, staff.bearer), 200)
    expectDocumented('GET', '/api/admin/categories', await callJson('GET', '/api/admin/categories', undefined, staff.bearer), 200)

    const admin = await staffUser('admin')
    expectDocumented('GET', '/api/admin/users', await callJson('GET', '/api/admin/users?page_size=5', undefined, admin.bearer), 200)
    expectDocumented('PATCH', '/api/admin/users/{id}', await callJson('PATCH', `/api/admin/users/${staff.user.id}`, { role: 'staff' }, admin.bearer), 200)
    expectDocumented('GET', '/api/admin/audit', await callJson('GET', '/api/admin/audit?page_size=10', undefined, admin.bearer), 200)
  })

  it('agree with the document: the Stripe webhook', async () => {
    expectDocumented('POST', '/webhooks/stripe', await postWebhook(stripeEvent('customer.created', { id: 'cus_openapi' })), 200)
    expectDocumented('POST', '/webhooks/stripe', await postWebhook(stripeEvent('customer.created', { id: 'cus_openapi' }), { header: 't=1,v1=forged' }), 400)
  })

  it('agree with the document: errors, in the one error shape', async () => {
    const customer = await registerUser()
    expectDocumented('GET', '/api/products', await getJson('/api/products?page=0&sort=cheapest'), 400)
    expectDocumented('GET', '/api/products/{idOrSlug}', await getJson('/api/products/no-such-product-anywhere'), 404)
    expectDocumented('GET', '/api/users/profile', await getJson('/api/users/profile'), 401)
    expectDocumented('GET', '/api/admin/products', await callJson('GET', '/api/admin/products', undefined, customer.bearer), 403)
    expectDocumented('POST', '/api/auth/register', await callJson('POST', '/api/auth/register', { email: customer.email, password: 'another long password', name: 'Twin' }), 409)
    expectDocumented('POST', '/api/cart/items', await callJson('POST', '/api/cart/items', { product_id: 1, quantity: 0, colour: 'red' }), 400)
  })
})

describe('the API reference page', () => {
  it('renders every operation as HTML, with no script and under the site policy', async () => {
    const response = await SELF.fetch(`${BASE}/api/docs`)
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/)
    expect(response.headers.get('Content-Security-Policy')).toContain("script-src 'self'")
    const html = await response.text()
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(html, path).toContain(`<code>${path}</code>`)
      for (const op of Object.values(item)) expect(html, op.operationId).toContain(`id="${op.operationId}"`)
    }
    for (const id of Object.keys(doc.components.schemas)) expect(html, id).toContain(`id="schema-${id}"`)
    expect(html).not.toMatch(/<script|\sstyle=|https?:\/\/(?!store\.test)[a-z0-9.-]+\/[^"\s]*\.(?:js|css)/i)
  })
})
