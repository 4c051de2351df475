/** `/api/openapi.json` and `/api/docs`: the OpenAPI document and its page, both from OPERATIONS. */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { renderPage } from '../ui/layout'
import { openApiDocument } from './document'
import { ApiDocsPage } from './pages'

const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin

export const openApiRoute = new Hono<AppEnv>()
  .get('/openapi.json', (c) => c.json(openApiDocument(origin(c))))
  .get('/docs', (c) => c.html(renderPage(ApiDocsPage({ doc: openApiDocument(origin(c)) }))))
