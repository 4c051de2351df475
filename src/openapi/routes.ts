/** `/api/openapi.json` and `/api/docs`: the OpenAPI document of the app's routes and its page. */
import { Hono, type Context } from 'hono'
import type { RouterRoute } from 'hono/types'
import type { AppEnv } from '../platform/env'
import { pageRenderer } from '../ui/renderer'
import { openApiDocument } from './document'
import { ApiDocsPage, apiDocsMeta } from './pages'

const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin

/**
 * @param routes the whole app's routes, read on the first request (the app is still being built when this is mounted)
 * @example .route('/', openApiRoute((): RouterRoute[] => app.routes))
 */
export const openApiRoute = (routes: () => RouterRoute[]) =>
  new Hono<AppEnv>()
    .get('/openapi.json', async (c) => c.json(await openApiDocument(routes(), origin(c))))
    .get('/docs', pageRenderer(), async (c) => {
      const doc = await openApiDocument(routes(), origin(c))
      return c.render(ApiDocsPage({ doc }), apiDocsMeta(doc))
    })
