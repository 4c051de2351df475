/**
 * The one renderer of the pages. A sub-app sets it once, with what holds for all its pages
 * (`.use(pageRenderer({ noStore: true, noindex: true }))`), and its handlers answer
 * `c.render(<Content />, { title, status })`: the content in the sub-app's layout (the shop's by default,
 * the admin's frame under /admin), `Cache-Control: no-store` where the pages are private (cart, checkout,
 * orders, account, admin, the test payment page; the catalog's pages keep their edge cache headers), and
 * the status asked for.
 *
 * Hono's `jsxRenderer` (hono/jsx-renderer) was considered: it renders Hono's own JSX, while our pages are
 * Preact rendered by preact-render-to-string, so this is the `c.setRenderer` it is built on, with Preact.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ComponentChildren, VNode } from 'preact'
import type { AppEnv } from '../platform/env'
import { Layout, renderPage, type LayoutProps } from './layout'

/** What a handler tells the renderer about its page: the layout's title and metadata, and the status. */
export interface PageProps extends Omit<LayoutProps, 'children'> {
  status?: ContentfulStatusCode
}

/** The whole document around a page's content (may read the request, e.g. the admin's flash). */
export type PageLayout = (c: Context<AppEnv>, content: ComponentChildren, props: Omit<PageProps, 'status'>) => VNode | Promise<VNode>

export interface PageRendererOptions {
  /** Private pages: `Cache-Control: no-store`, so that no cache keeps one shopper's page for another. */
  noStore?: boolean
  /** Every page of the sub-app stays out of search engines (a page may still say so itself). */
  noindex?: boolean
  /** The shop's layout unless given. */
  layout?: PageLayout
}

declare module 'hono' {
  interface ContextRenderer {
    (content: ComponentChildren, props: PageProps): Promise<Response>
  }
}

/** The shop's `<html>` around the content. */
export const shopLayout: PageLayout = (_c, content, props) => <Layout {...props}>{content}</Layout>

/** Renders one page as the response; what `c.render` does in a sub-app that set `pageRenderer`, and what the error pages use directly. */
export async function renderHtml(c: Context<AppEnv>, content: ComponentChildren, { status = 200, ...props }: PageProps, options: PageRendererOptions = {}): Promise<Response> {
  const { noStore = false, noindex = false, layout = shopLayout } = options
  const page = await layout(c, content, noindex ? { ...props, noindex: props.noindex ?? true } : props)
  if (noStore) c.header('Cache-Control', 'no-store')
  return c.html(renderPage(page), status)
}

/**
 * Sets the sub-app's page renderer for `c.render`.
 * @example
 * export const cartPages = new Hono<AppEnv>().use(pageRenderer({ noStore: true, noindex: true })).get('/', (c) => c.render(<Cart />, { title: 'Your cart' }))
 */
export const pageRenderer =
  (options: PageRendererOptions = {}): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    c.setRenderer((content, props) => renderHtml(c, content, props, options))
    await next()
  }
