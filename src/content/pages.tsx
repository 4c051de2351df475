/**
 * `/pages/:slug`: the store's content pages (shipping, returns, contact, privacy, terms) as staff wrote them
 * in the admin, or their default text. Read from the isolate's copy (service.ts), so a page costs no D1
 * read most of the time; browsers revalidate with the ETag, so an edit shows on the next visit.
 */
import { Hono } from 'hono'
import { etag } from 'hono/etag'
import type { AppEnv } from '../platform/env'
import { notFound } from '../platform/errors'
import { formatDate, dateStyleOf } from '../ui/dates'
import { htmlErrorHandler } from '../ui/error-page'
import { pageRenderer } from '../ui/renderer'
import { contentPage } from './service'
import { CONTENT_PAGES, contentPagePath, isContentSlug } from './slugs'
import { ContentBody, plainText } from './text'

export const contentPages = new Hono<AppEnv>()
  .use(pageRenderer())
  .use(etag())
  .get('/:slug', async (c) => {
    const slug = c.req.param('slug')
    if (!isContentSlug(slug)) throw notFound('page')
    const page = await contentPage(c.env, slug)
    const style = await dateStyleOf(c)
    const updatedAt = page.updated_at ? Date.parse(page.updated_at) : null
    c.header('Cache-Control', 'public, no-cache')
    // The date of the last edit is written in the shopper's locale.
    c.header('Vary', 'Accept-Language')
    return c.render(
      <article class="content-page">
        <h1>{page.title}</h1>
        <div class="prose">
          <ContentBody body={page.body} />
        </div>
        {updatedAt !== null && (
          <p class="hint">
            Last updated <time datetime={new Date(updatedAt).toISOString()}>{formatDate(updatedAt, style)}</time>
          </p>
        )}
        <nav class="content-nav" aria-label="More about the store">
          <ul>
            {CONTENT_PAGES.filter((other) => other.slug !== slug).map((other) => (
              <li key={other.slug}>
                <a href={contentPagePath(other.slug)}>{other.title}</a>
              </li>
            ))}
          </ul>
        </nav>
      </article>,
      { title: page.title, description: plainText(page.body), canonical: new URL(contentPagePath(slug), c.req.url).href },
    )
  })

contentPages.onError(htmlErrorHandler)
