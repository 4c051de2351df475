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

/** Where the header's personal part (account links, cart count) goes: filled per request by src/cart/header.ts. */
export const PERSONAL_NAV_ATTRIBUTE = 'data-personal-nav'

export interface ShopNavProps {
  /** Signed in: Orders and Sign out show, with the sign-out form's CSRF token. */
  signedIn?: { csrf: string }
  /** Units in the cart (0 or none: no count shown). */
  cartCount?: number
}

/**
 * The header's links. What every visitor sees is rendered into the page (so that cached catalog pages
 * carry nothing personal); src/cart/header.ts swaps in the visitor's own (Orders, Sign out, the cart's
 * count) as the page is served, cached or not.
 */
export function ShopNav({ signedIn, cartCount = 0 }: ShopNavProps) {
  return (
    <nav class="site-nav" aria-label="Site" {...{ [PERSONAL_NAV_ATTRIBUTE]: '' }}>
      <a href="/products">Shop</a>
      {signedIn && <a href="/orders">Orders</a>}
      <a href="/account">Account</a>
      <a class="cart-link" href="/cart">
        Cart
        {cartCount > 0 ? (
          <span class="cart-count">
            <span class="visually-hidden">, </span>
            {cartCount > 99 ? '99+' : cartCount}
            <span class="visually-hidden">{cartCount === 1 ? ' item' : ' items'}</span>
          </span>
        ) : (
          <span class="visually-hidden">, empty</span>
        )}
      </a>
      {signedIn && (
        <form method="post" action="/account/sign-out" class="sign-out">
          <input type="hidden" name="_csrf" value={signedIn.csrf} />
          <button type="submit" class="link-button">
            Sign out
          </button>
        </form>
      )}
    </nav>
  )
}

/** The shop's chrome: its header (search, navigation), the page, its footer (the store's content pages). */
export function Layout({ children, ...props }: LayoutProps) {
  return (
    <Document {...props} bodyClass="shop">
      <header class="site-header">
        <div class="site-header-inner">
          <a class="brand" href="/">
            <span class="brand-mark" aria-hidden="true" />
            {SITE_NAME}
          </a>
          <form class="search" action="/products" method="get" role="search">
            <label for="site-search" class="visually-hidden">
              Search products
            </label>
            <input id="site-search" name="q" type="search" placeholder="Search products" maxLength={200} />
            <button type="submit">Search</button>
          </form>
          <ShopNav />
        </div>
      </header>
      <main id="main">{children}</main>
      <footer class="site-footer">
        <div class="footer-columns">
          <section>
            <h2>{SITE_NAME}</h2>
            <p>Everyday goods for the kitchen, the wardrobe and the outdoors. Shipping and taxes shown before you pay.</p>
          </section>
          <nav aria-labelledby="footer-shop">
            <h2 id="footer-shop">Shop</h2>
            <ul>
              <li><a href="/products">All products</a></li>
              <li><a href="/products?sort=newest">New arrivals</a></li>
              <li><a href="/cart">Cart</a></li>
              <li><a href="/orders">Orders</a></li>
              <li><a href="/account">Account</a></li>
            </ul>
          </nav>
          <nav aria-labelledby="footer-help">
            <h2 id="footer-help">Help</h2>
            <ul>
              {CONTENT_PAGES.map((page) => (
                <li key={page.slug}>
                  <a href={contentPagePath(page.slug)}>{page.title}</a>
                </li>
              ))}
              <li><a href="/sitemap.xml">Sitemap</a></li>
            </ul>
          </nav>
          <section aria-labelledby="footer-pay">
            <h2 id="footer-pay">Cards we accept</h2>
            <ul class="payment-methods">
              <li>Visa</li>
              <li>Mastercard</li>
              <li>Amex</li>
            </ul>
          </section>
        </div>
        <p class="footer-legal">
          © {new Date().getUTCFullYear()} {SITE_NAME} · Secure checkout by Stripe
        </p>
      </footer>
    </Document>
  )
}

/** Renders a page component to a complete HTML document. */
export const renderPage = (page: preact.VNode) => `<!doctype html>${renderToString(page)}`
