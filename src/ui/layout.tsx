import type { ComponentChildren } from 'preact'
import { renderToString } from 'preact-render-to-string'

interface LayoutProps {
  title: string
  description?: string
  children: ComponentChildren
}

/** The one `<html>` of the shop: every page renders inside it. */
export function Layout({ title, description, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Cato-Store`}</title>
        {description && <meta name="description" content={description} />}
        <link rel="stylesheet" href="/styles.css" />
      </head>
      <body>
        <header class="site-header">
          <a class="brand" href="/">
            Cato-Store
          </a>
          <form class="search" action="/" method="get" role="search">
            <label for="q" class="visually-hidden">
              Search products
            </label>
            <input id="q" name="q" type="search" placeholder="Search products" maxLength={200} />
            <button type="submit">Search</button>
          </form>
          {/* The same for everyone, so that catalog pages can be cached; /account sends strangers to sign in. */}
          <nav class="site-nav" aria-label="Account">
            <a href="/account">Account</a>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  )
}

/** Renders a page component to a complete HTML document. */
export const renderPage = (page: preact.VNode) => `<!doctype html>${renderToString(page)}`
