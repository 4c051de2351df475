/** The shop's catalog pages: home, the listing (filters, sort, search, pages in the URL), product pages, sitemap and robots. */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { pageLinks } from '../platform/pagination'
import { errorPage, htmlErrorHandler } from '../ui/error-page'
import { SITE_NAME } from '../ui/layout'
import { pageRenderer } from '../ui/renderer'
import { formatMoney } from '../ui/money'
import { STOCK_SHOWN_MAX } from './availability'
import { cachedPage } from './html-cache'
import { centsToDecimal, listingUrl, parseListing } from './page-query'
import type { CategoryNode, ProductDetail, ProductSummary } from './queries'
import { selectSitemapEntries } from './queries'
import { ProductKeyParam, ProductListQuery, type ProductListParams } from './schemas'
import { categoryTree, productDetail, productList, type ProductList } from './service'
import { getDb } from '../db/client'
import { BackInStockForm } from '../notifications/back-in-stock-form'

type Ctx = Context<AppEnv>
const waitUntil = (c: Ctx) => (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise)
const origin = (c: Ctx) => new URL(c.req.url).origin
const tree = async (c: Ctx) => JSON.parse((await categoryTree(c.env, waitUntil(c))).json) as CategoryNode[]
const list = async (c: Ctx, params: ProductListParams) => JSON.parse((await productList(c.env, waitUntil(c), params)).json) as ProductList

const flatten = (nodes: CategoryNode[], depth = 0): { node: CategoryNode; depth: number }[] =>
  nodes.flatMap((node) => [{ node, depth }, ...flatten(node.children, depth + 1)])

function ProductCard({ product, eager }: { product: ProductSummary; eager?: boolean }) {
  return (
    <li class="card">
      <a href={`/products/${product.slug}`}>
        {product.image ? (
          <img src={product.image.url} alt={product.image.alt} width={product.image.width ?? 800} height={product.image.height ?? 800} loading={eager ? 'eager' : 'lazy'} />
        ) : (
          <span class="no-image" aria-hidden="true" />
        )}
        <span class="name">{product.name}</span>
        <span class="price">{formatMoney(product.price_cents, product.currency)}</span>
        {!product.in_stock && <span class="stock-out">Out of stock</span>}
      </a>
    </li>
  )
}

function ProductGrid({ items }: { items: ProductSummary[] }) {
  if (items.length === 0) return <p class="empty">No products match. Try fewer filters or another search.</p>
  return (
    <ul class="grid">
      {items.map((p, i) => (
        <ProductCard key={p.id} product={p} eager={i < 4} />
      ))}
    </ul>
  )
}

function Filters({ params, categories }: { params: ProductListParams; categories: CategoryNode[] }) {
  return (
    <form class="filters" action="/products" method="get" aria-label="Filter products">
      <div class="field">
        <label for="filter-q">Search</label>
        <input id="filter-q" name="q" type="search" value={params.q ?? ''} maxLength={200} />
      </div>
      <div class="field">
        <label for="filter-category">Category</label>
        <select id="filter-category" name="category">
          <option value="">All categories</option>
          {flatten(categories).map(({ node, depth }) => (
            <option key={node.id} value={node.slug} selected={node.slug === params.category}>
              {`${depth ? '— ' : ''}${node.name} (${node.product_count})`}
            </option>
          ))}
        </select>
      </div>
      <div class="field-pair">
        <div class="field">
          <label for="filter-min">Min price</label>
          <input id="filter-min" name="min" inputMode="decimal" value={params.min_price === undefined ? '' : centsToDecimal(params.min_price)} placeholder="0" />
        </div>
        <div class="field">
          <label for="filter-max">Max price</label>
          <input id="filter-max" name="max" inputMode="decimal" value={params.max_price === undefined ? '' : centsToDecimal(params.max_price)} placeholder="any" />
        </div>
      </div>
      <label class="check">
        <input type="checkbox" name="in_stock" value="1" checked={params.in_stock === true} /> In stock only
      </label>
      <div class="field">
        <label for="filter-sort">Sort by</label>
        <select id="filter-sort" name="sort">
          {params.q && (
            <option value="relevance" selected={params.sort === 'relevance'}>
              Best match
            </option>
          )}
          {(
            [
              ['newest', 'Newest'],
              ['price', 'Price: low to high'],
              ['-price', 'Price: high to low'],
              ['name', 'Name'],
            ] as const
          ).map(([value, label]) => (
            <option key={value} value={value} selected={params.sort === value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">Apply</button>
      <a href="/products">Clear filters</a>
    </form>
  )
}

function Pager({ params, list }: { params: ProductListParams; list: ProductList }) {
  if (list.total_pages <= 1 && params.page === 1) return null
  const { prev, next } = pageLinks(list, (page) => listingUrl(params, page))
  return (
    <nav class="pager" aria-label="Pages">
      {prev ? (
        <a rel="prev" href={prev}>
          ← Previous
        </a>
      ) : (
        <span />
      )}
      <span>
        Page {params.page} of {Math.max(list.total_pages, 1)}
      </span>
      {next ? (
        <a rel="next" href={next}>
          Next →
        </a>
      ) : (
        <span />
      )}
    </nav>
  )
}

function findCategory(nodes: CategoryNode[], slug: string | undefined): CategoryNode | undefined {
  return slug ? flatten(nodes).find(({ node }) => node.slug === slug)?.node : undefined
}

function productJsonLd(product: ProductDetail, url: string, base: string) {
  return {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: product.name,
    description: product.description,
    sku: product.slug,
    url,
    image: product.images.map((image) => `${base}${image.url}`),
    category: product.categories.map((c) => c.name).join(', ') || undefined,
    offers: {
      '@type': 'Offer',
      url,
      priceCurrency: product.currency,
      price: centsToDecimal(product.price_cents),
      availability: product.in_stock ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock',
    },
  }
}

function Gallery({ product }: { product: ProductDetail }) {
  const [main, ...rest] = product.images
  if (!main) return <div class="gallery"><span class="no-image" aria-hidden="true" /></div>
  return (
    <div class="gallery">
      <img class="gallery-main" src={main.url} alt={main.alt} width={main.width ?? 800} height={main.height ?? 800} />
      {rest.length > 0 && (
        <ul class="gallery-thumbs">
          {rest.map((image) => (
            <li key={image.url}>
              <a href={image.url}>
                <img src={image.url} alt={image.alt} width={image.width ?? 800} height={image.height ?? 800} loading="lazy" />
              </a>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

function AddToCart({ product }: { product: ProductDetail }) {
  if (!product.in_stock) return <BackInStockForm productId={product.id} />
  const most = Math.min(product.stock_quantity, STOCK_SHOWN_MAX)
  return (
    <form class="add-to-cart" method="post" action="/cart/items">
      <input type="hidden" name="product_id" value={String(product.id)} />
      <div class="field">
        <label for="quantity">Quantity</label>
        <select id="quantity" name="quantity">
          {Array.from({ length: most }, (_, i) => (
            <option key={i} value={String(i + 1)}>
              {i + 1}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">Add to cart</button>
    </form>
  )
}

/** The shop's catalog pages, rendered from the same cached catalog as the API. */
export const shopPages = new Hono<AppEnv>()
  // Anonymous pages: no `no-store`, the catalog's edge cache (html-cache.ts) sets their headers.
  .use(pageRenderer())
  .get('/', (c) =>
    cachedPage(c, async () => {
      const [categories, featured] = await Promise.all([tree(c), list(c, ProductListQuery.parse({ in_stock: 'true', page_size: '8' }))])
      return c.render(
        <>
          <section class="hero">
            <h1>Everyday goods, made to last</h1>
            <p>Kitchen, apparel, outdoor gear and more, across {categories.length} departments.</p>
            <a class="button" href="/products">
              Shop everything
            </a>
          </section>
          <h2>Departments</h2>
          <ul class="departments">
            {categories.map((category) => (
              <li key={category.id}>
                <a class="department" href={`/products?category=${category.slug}`}>
                  <strong>{category.name}</strong>
                  <small>{category.product_count} products</small>
                </a>
                {category.children.length > 0 && (
                  <p class="subcategories">
                    {category.children.map((child) => (
                      <a key={child.id} href={`/products?category=${child.slug}`}>
                        {child.name}
                      </a>
                    ))}
                  </p>
                )}
              </li>
            ))}
          </ul>
          <h2>New and in stock</h2>
          <ProductGrid items={featured.items} />
        </>,
        { title: 'Everyday goods, delivered', description: `${SITE_NAME}: home, kitchen, outdoor and more, served fast from the edge.`, canonical: `${origin(c)}/` },
      )
    }),
  )
  .get('/products', (c) =>
    cachedPage(c, async () => {
      const parsed = parseListing(c.req.query())
      if (!parsed.ok) {
        return errorPage(c, 400, `Please check your filters: ${parsed.problems.join('; ')}.`)
      }
      const params = parsed.params
      // The filter form sends every field, empty ones too: one canonical URL per listing keeps links
      // shareable and the cache small.
      const canonicalPath = listingUrl(params)
      const here = new URL(c.req.url)
      if (`${here.pathname}${here.search}` !== canonicalPath) return c.redirect(canonicalPath, 302)
      const [categories, page] = await Promise.all([tree(c), list(c, params)])
      const category = findCategory(categories, params.category)
      const heading = params.q ? `Results for “${params.q}”` : (category?.name ?? 'All products')
      const title = params.page > 1 ? `${heading} (page ${params.page})` : heading
      return c.render(
        <>
          <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">Home</a> › <a href="/products">Products</a>
            {category && <> › {category.name}</>}
          </nav>
          <h1>{heading}</h1>
          <div class="listing">
            <aside>
              <Filters params={params} categories={categories} />
            </aside>
            <section aria-label="Products">
              <p class="count" role="status">
                {page.total} {page.total === 1 ? 'product' : 'products'}
              </p>
              <ProductGrid items={page.items} />
              <Pager params={params} list={page} />
            </section>
          </div>
        </>,
        {
          title,
          description: category ? `${category.name} at ${SITE_NAME}: ${category.product_count} products.` : `Every product at ${SITE_NAME}.`,
          canonical: `${origin(c)}${canonicalPath}`,
          noindex: Boolean(params.q),
        },
      )
    }),
  )
  .get('/products/:idOrSlug', (c) =>
    cachedPage(c, async () => {
      const key = ProductKeyParam.safeParse(c.req.param())
      if (!key.success) return errorPage(c, 404, 'There is no such product.')
      const product = JSON.parse((await productDetail(c.env, waitUntil(c), key.data.idOrSlug)).json) as ProductDetail
      const url = `${origin(c)}/products/${product.slug}`
      const firstImage = product.images[0]
      return c.render(
        <>
          <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">Home</a> › <a href="/products">Products</a>
            {product.categories[0] && (
              <>
                {' › '}
                <a href={`/products?category=${product.categories[0].slug}`}>{product.categories[0].name}</a>
              </>
            )}
          </nav>
          <article class="product">
            <Gallery product={product} />
            <div class="info">
              <h1>{product.name}</h1>
              <p class="price">{formatMoney(product.price_cents, product.currency)}</p>
              <p class={product.in_stock ? 'stock-in' : 'stock-out'}>{product.in_stock ? (product.stock_quantity <= 5 ? `Only ${product.stock_quantity} left` : 'In stock') : 'Out of stock'}</p>
              <AddToCart product={product} />
              <p>{product.description}</p>
              <p>
                {product.categories.map((category) => (
                  <a key={category.id} class="tag" href={`/products?category=${category.slug}`}>
                    {category.name}
                  </a>
                ))}
              </p>
            </div>
          </article>
        </>,
        {
          title: product.name,
          description: product.description.slice(0, 160),
          canonical: url,
          ogType: 'product',
          ogImage: firstImage ? `${origin(c)}${firstImage.url}` : undefined,
          jsonLd: productJsonLd(product, url, origin(c)),
        },
      )
    }),
  )
  .get('/robots.txt', (c) =>
    c.text(
      ['User-agent: *', 'Disallow: /account', 'Disallow: /cart', 'Disallow: /checkout', 'Disallow: /orders', 'Disallow: /admin', 'Disallow: /api/', 'Disallow: /payments/', '', `Sitemap: ${origin(c)}/sitemap.xml`, ''].join('\n'),
      200,
      { 'Cache-Control': 'public, max-age=3600' },
    ),
  )
  .get('/sitemap.xml', async (c) => {
    const base = origin(c)
    const [categories, entries] = await Promise.all([tree(c), selectSitemapEntries(getDb(c.env))])
    const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;')
    const urls = [
      `<url><loc>${base}/</loc></url>`,
      `<url><loc>${base}/products</loc></url>`,
      ...flatten(categories).map(({ node }) => `<url><loc>${escape(`${base}/products?category=${node.slug}`)}</loc></url>`),
      ...entries.map((e) => `<url><loc>${escape(`${base}/products/${e.slug}`)}</loc><lastmod>${new Date(e.updatedAt).toISOString()}</lastmod></url>`),
    ]
    return c.body(`<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`, 200, {
      'Content-Type': 'application/xml; charset=utf-8',
      'Cache-Control': 'public, max-age=3600',
    })
  })

shopPages.onError(htmlErrorHandler)
