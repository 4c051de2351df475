import type { ComponentChildren } from 'preact'
import { renderToString } from 'preact-render-to-string'
import { CONTENT_PAGES, contentPagePath } from '../content/slugs'
import { ASSET_URLS } from './assets.gen'

export const SITE_NAME = 'Cato-Store'

export interface LayoutProps {
  title: string
  description?: string
  /** The page's absolute canonical URL (also its Open Graph URL). */
  canonical?: string
  /** Open Graph: `website` by default, `product` on product pages. */
  ogType?: 'website' | 'product'
  /** An absolute image URL for link previews. */
  ogImage?: string
  /** Structured data (schema.org), rendered as JSON-LD. */
  jsonLd?: object
  /** Pages that must stay out of search engines (account, cart, checkout, errors). */
  noindex?: boolean
  /** Reloads the page after this many seconds (a job's progress, without script). */
  refreshSeconds?: number
  children: ComponentChildren
}

/** JSON inside a <script> must not be able to close it. */
const scriptSafeJson = (data: object) => JSON.stringify(data).replace(/</g, '\\u003c')

/**
 * The one `<html>` document (head, stylesheet, skip link): the shop's chrome (Layout below) and the admin's
 * (src/admin/pages/layout.tsx) each render their header, navigation and footer inside it.
 */
export function Document({ title, description, canonical, ogType = 'website', ogImage, jsonLd, noindex, refreshSeconds, bodyClass, children }: LayoutProps & { bodyClass?: string }) {
  const fullTitle = `${title} · ${SITE_NAME}`
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{fullTitle}</title>
        {description && <meta name="description" content={description} />}
        {noindex && <meta name="robots" content="noindex" />}
        {refreshSeconds !== undefined && <meta http-equiv="refresh" content={String(refreshSeconds)} />}
        {canonical && <link rel="canonical" href={canonical} />}
        <meta property="og:site_name" content={SITE_NAME} />
        <meta property="og:title" content={title} />
        <meta property="og:type" content={ogType} />
        {canonical && <meta property="og:url" content={canonical} />}
        {description && <meta property="og:description" content={description} />}
        {ogImage && <meta property="og:image" content={ogImage} />}
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href={ASSET_URLS["styles.css"]} />
        {jsonLd && <script type="application/ld+json" dangerouslySetInnerHTML={{ __html: scriptSafeJson(jsonLd) }} />}
      </head>
      <body class={bodyClass}>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        {children}
      </body>
    </html>
  )
}

/** The shop's chrome: its header (search, navigation), the page, its footer (the store's content pages). */
export function Layout({ children, ...props }: LayoutProps) {
  return (
    <Document {...props}>
        <header class="site-header">
          <a class="brand" href="/">
            {SITE_NAME}
          </a>
          <form class="search" action="/products" method="get" role="search">
            <label for="site-search" class="visually-hidden">
              Search products
            </label>
            <input id="site-search" name="q" type="search" placeholder="Search products" maxLength={200} />
            <button type="submit">Search</button>
          </form>
          {/* The same for everyone, so that catalog pages can be cached; /account sends strangers to sign in. */}
          <nav class="site-nav" aria-label="Site">
            <a href="/products">Shop</a>
            <a href="/cart">Cart</a>
            <a href="/account">Account</a>
          </nav>
        </header>
        <main id="main">{children}</main>
        <footer class="site-footer">
          <nav aria-label="Store information">
            {CONTENT_PAGES.map((page) => (
              <a href={contentPagePath(page.slug)}>{page.title}</a>
            ))}
            <a href="/sitemap.xml">Sitemap</a>
          </nav>
          <p>{SITE_NAME} · shipping and taxes shown before you pay</p>
        </footer>
    </Document>
  )
}

/** Renders a page component to a complete HTML document. */
export const renderPage = (page: preact.VNode) => `<!doctype html>${renderToString(page)}`
