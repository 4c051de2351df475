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
import type { ProductFacets, ProductVariant } from './responses'
import { chooseVariant, isColourOption, valueChoices, variantKey, type ValueChoice } from './variant-choice'
import { chooseMessage } from './variants'
import { selectSitemapEntries } from './queries'
import { OPTION_PARAM_PREFIX, ProductKeyParam, ProductListQuery, type ProductListParams } from './schemas'
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

/** Whether a card's product is on sale: a compare-at price above its lowest price. */
const isOnSale = (product: ProductSummary) => product.compare_at_max_cents !== null && product.compare_at_max_cents > product.price_min_cents

/** "$30", "From $30" for a price range, and the compare-at price struck beside it. */
function CardPrice({ product }: { product: ProductSummary }) {
  const range = product.price_max_cents > product.price_min_cents
  return (
    <span class="card-price">
      <span class="price">{range ? `From ${formatMoney(product.price_min_cents, product.currency)}` : formatMoney(product.price_min_cents, product.currency)}</span>
      {isOnSale(product) && !range && product.compare_at_max_cents !== null && (
        <s class="compare-at">
          <span class="visually-hidden">was </span>
          {formatMoney(product.compare_at_max_cents, product.currency)}
        </s>
      )}
    </span>
  )
}

/** One product as a card: the whole card is one link; its picture keeps its ratio; "Sale" and "Sold out" badges on it. */
function ProductCard({ product, eager }: { product: ProductSummary; eager?: boolean }) {
  return (
    <li class="card">
      <a href={`/products/${product.slug}`}>
        <span class="card-media">
          {product.image ? (
            <img src={product.image.url} alt={product.image.alt} width={product.image.width ?? 800} height={product.image.height ?? 800} loading={eager ? 'eager' : 'lazy'} />
          ) : (
            <span class="no-image" aria-hidden="true" />
          )}
          {(isOnSale(product) || !product.in_stock) && (
            <span class="card-badges">
              {!product.in_stock && <span class="badge-sold-out">Sold out</span>}
              {isOnSale(product) && product.in_stock && <span class="badge-sale">Sale</span>}
            </span>
          )}
        </span>
        <span class="card-body">
          <span class="name">{product.name}</span>
          <CardPrice product={product} />
        </span>
      </a>
    </li>
  )
}

function ProductGrid({ items, label }: { items: ProductSummary[]; label?: string }) {
  if (items.length === 0) return <p class="empty">No products match. Try fewer filters or another search.</p>
  return (
    <ul class="grid" aria-label={label}>
      {items.map((p, i) => (
        <ProductCard key={p.id} product={p} eager={i < 4} />
      ))}
    </ul>
  )
}

/**
 * What a listing that found nothing offers instead: the correction of the search (when there is one),
 * dropping the filters (keeping the search), and the departments with the most products.
 */
function NoResults({ params, categories, didYouMean }: { params: ProductListParams; categories: CategoryNode[]; didYouMean: string | null | undefined }) {
  const filtered = params.category !== undefined || params.min_price !== undefined || params.max_price !== undefined || params.in_stock !== undefined || params.options.length > 0 || params.sku !== undefined
  const popular = [...categories].sort((a, b) => b.product_count - a.product_count).slice(0, 4)
  return (
    <div class="no-results">
      <h2>No products match{params.q ? ` “${params.q}”` : ' these filters'}</h2>
      <ul class="suggestions">
        {didYouMean && (
          <li>
            Search for <a href={listingUrl({ ...params, q: didYouMean, page: 1 })}>{didYouMean}</a> instead
          </li>
        )}
        {filtered && (
          <li>
            <a href={listingUrl({ ...params, category: undefined, min_price: undefined, max_price: undefined, in_stock: undefined, sku: undefined, options: [], page: 1 })}>Clear the filters</a>
            {params.q ? ` and search every product for “${params.q}”` : ' and see every product'}
          </li>
        )}
        {params.q && <li>Check the spelling, or try a shorter or more general word</li>}
      </ul>
      {popular.length > 0 && (
        <>
          <h3>Popular departments</h3>
          <ul class="chips">
            {popular.map((category) => (
              <li key={category.id}>
                <a class="chip" href={`/products?category=${category.slug}`}>
                  {category.name}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
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
      {params.sku !== undefined && <input type="hidden" name="sku" value={params.sku} />}
      {params.options.map(({ name, value }) => (
        <input key={name} type="hidden" name={`${OPTION_PARAM_PREFIX}${name}`} value={value} />
      ))}
      <button type="submit">Apply</button>
      <a href="/products">Clear filters</a>
    </form>
  )
}

/**
 * The facets of the listing (counts over every product it matches) as links that narrow it: categories,
 * price ranges, each option's values and in stock. The one in force is marked, and its link lifts it.
 */
function Refine({ params, facets }: { params: ProductListParams; facets: ProductFacets | null | undefined }) {
  if (!facets) return null
  const to = (change: Partial<ProductListParams>) => listingUrl({ ...params, ...change, page: 1 })
  const money = (cents: number) => formatMoney(cents, 'USD')
  const priceLabel = (min: number, max: number | null) => (max === null ? `${money(min)} and up` : min === 0 ? `Under ${money(max + 1)}` : `${money(min)} – ${money(max)}`)
  const groups: { title: string; links: { label: string; count: number; href: string; active: boolean }[] }[] = [
    {
      title: 'Category',
      links: facets.categories.map((c) => ({ label: c.name, count: c.count, active: params.category === c.slug, href: to({ category: params.category === c.slug ? undefined : c.slug }) })),
    },
    {
      title: 'Price',
      links: facets.prices
        .filter((p) => p.count > 0)
        .map((p) => {
          const active = params.min_price === p.min_cents && params.max_price === (p.max_cents ?? undefined)
          return { label: priceLabel(p.min_cents, p.max_cents), count: p.count, active, href: to(active ? { min_price: undefined, max_price: undefined } : { min_price: p.min_cents, max_price: p.max_cents ?? undefined }) }
        }),
    },
    ...facets.options.map((option) => {
      const key = option.name.toLowerCase()
      const others = params.options.filter((o) => o.name !== key)
      return {
        title: option.name,
        links: option.values.map((v) => {
          const active = params.options.some((o) => o.name === key && o.value === v.value)
          return { label: v.value, count: v.count, active, href: to({ options: active ? others : [...others, { name: key, value: v.value }] }) }
        }),
      }
    }),
    { title: 'Availability', links: [{ label: 'In stock', count: facets.in_stock, active: params.in_stock === true, href: to({ in_stock: params.in_stock === true ? undefined : true }) }] },
  ].filter((group) => group.links.length > 0)
  return (
    <nav class="refine" aria-label="Refine the results">
      {groups.map((group) => (
        <section key={group.title}>
          <h2>{group.title}</h2>
          <ul>
            {group.links.map((link) => (
              <li key={link.label}>
                <a href={link.href} aria-current={link.active ? 'true' : undefined} class={link.active ? 'active' : undefined}>
                  {link.label} <span class="facet-count">({link.count})</span>
                  {link.active && <span class="visually-hidden"> (selected: follow to remove)</span>}
                </a>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </nav>
  )
}

/** The variant filters in force as chips, each a link to the listing without it. */
function VariantFilterChips({ params }: { params: ProductListParams }) {
  const chips = [
    ...params.options.map((option) => ({ label: `${option.name.charAt(0).toUpperCase()}${option.name.slice(1)}: ${option.value}`, without: { ...params, page: 1, options: params.options.filter((o) => o !== option) } })),
    ...(params.sku !== undefined ? [{ label: `SKU ${params.sku}`, without: { ...params, page: 1, sku: undefined } }] : []),
  ]
  if (chips.length === 0) return null
  return (
    <ul class="chips" aria-label="Variant filters">
      {chips.map((chip) => (
        <li key={chip.label}>
          <a class="chip" href={listingUrl(chip.without)}>
            {chip.label} <span aria-hidden="true">×</span>
            <span class="visually-hidden"> (remove this filter)</span>
          </a>
        </li>
      ))}
    </ul>
  )
}

/** The page numbers a pager shows around `current` of `last`: the first, the last, two on each side, gaps as null. */
function pageNumbers(current: number, last: number): (number | null)[] {
  const shown = [...new Set([1, current - 2, current - 1, current, current + 1, current + 2, last])].filter((n) => n >= 1 && n <= last).sort((a, b) => a - b)
  return shown.flatMap((n, i) => (i > 0 && n - (shown[i - 1] as number) > 1 ? [null, n] : [n]))
}

function Pager({ params, list }: { params: ProductListParams; list: ProductList }) {
  if (list.total_pages <= 1 && params.page === 1) return null
  const { prev, next } = pageLinks(list, (page) => listingUrl(params, page))
  const last = Math.max(list.total_pages, 1)
  return (
    <nav class="pager" aria-label="Pages">
      {prev ? (
        <a rel="prev" href={prev}>
          ← Previous
        </a>
      ) : (
        <span />
      )}
      <ol class="page-numbers">
        {pageNumbers(params.page, last).map((n, i) =>
          n === null ? (
            <li key={`gap-${i}`} aria-hidden="true">
              …
            </li>
          ) : (
            <li key={n}>
              {n === params.page ? (
                <span aria-current="page">
                  <span class="visually-hidden">Page </span>
                  {n}
                </span>
              ) : (
                <a href={listingUrl(params, n)}>
                  <span class="visually-hidden">Page </span>
                  {n}
                </a>
              )}
            </li>
          ),
        )}
      </ol>
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

const availability = (inStock: boolean) => (inStock ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock')

/** schema.org's own property for an option where it has one (Size → size, Colour → color), else none. */
function schemaProperty(optionName: string): string | undefined {
  const name = optionName.trim().toLowerCase()
  if (name === 'size') return 'size'
  if (isColourOption(name)) return 'color'
  if (name === 'material') return 'material'
  if (name === 'pattern') return 'pattern'
  return undefined
}

/**
 * The page's structured data: a `Product` with its `Offer` for a product sold as one variant; a
 * `ProductGroup` whose `hasVariant` lists each variant as a `Product` (its SKU, its values as `size`,
 * `color`… or `additionalProperty`, an `Offer` at its own `?variant=` URL) for one with options.
 */
function productJsonLd(product: ProductDetail, url: string, base: string) {
  const common = {
    '@context': 'https://schema.org',
    name: product.name,
    description: product.description,
    url,
    image: product.images.map((image) => `${base}${image.url}`),
    category: product.categories.map((c) => c.name).join(', ') || undefined,
  }
  if (product.options.length === 0) {
    const variant = product.variants[0]
    return {
      ...common,
      '@type': 'Product',
      sku: variant?.sku ?? product.slug,
      offers: { '@type': 'Offer', url, priceCurrency: product.currency, price: centsToDecimal(variant?.price_cents ?? product.price_cents), availability: availability(product.in_stock) },
    }
  }
  return {
    ...common,
    '@type': 'ProductGroup',
    productGroupID: product.slug,
    variesBy: product.options.map((o) => (schemaProperty(o.name) ? `https://schema.org/${schemaProperty(o.name)}` : o.name)),
    hasVariant: product.variants.map((variant) => {
      const variantUrl = `${url}?variant=${variant.id}`
      const properties = Object.fromEntries(variant.option_values.flatMap(({ name, value }) => (schemaProperty(name) ? [[schemaProperty(name), value]] : [])))
      const others = variant.option_values.filter(({ name }) => !schemaProperty(name)).map(({ name, value }) => ({ '@type': 'PropertyValue', name, value }))
      return {
        '@type': 'Product',
        name: `${product.name} – ${variant.title}`,
        sku: variant.sku ?? undefined,
        url: variantUrl,
        image: variant.image ? `${base}${variant.image.url}` : undefined,
        ...properties,
        ...(others.length > 0 && { additionalProperty: others }),
        offers: { '@type': 'Offer', url: variantUrl, priceCurrency: product.currency, price: centsToDecimal(variant.price_cents), availability: availability(variant.in_stock) },
      }
    }),
  }
}

/**
 * The gallery without script: every picture is a slide with an id, the thumbnails link to them and CSS
 * shows the one the address targets (`:target`), the first by default (styles/20-shop.css). A click on the
 * picture opens it large in a `:target` lightbox whose close link goes back to the slide.
 */
function Gallery({ product, variant }: { product: ProductDetail; variant: ProductVariant | undefined }) {
  // The chosen variant's own image leads; the rest of the gallery follows in order.
  const lead = variant?.image ? product.images.find((image) => image.url === variant.image?.url) : undefined
  const images = lead ? [lead, ...product.images.filter((image) => image !== lead)] : product.images
  if (images.length === 0)
    return (
      <div class="gallery">
        <span class="no-image" aria-hidden="true" />
      </div>
    )
  const many = images.length > 1
  return (
    <div class="gallery">
      <ul class="gallery-slides">
        {images.map((image, i) => (
          <li key={image.url} id={`image-${i + 1}`} class="gallery-slide">
            <a class="zoom-link" href={`#zoom-${i + 1}`} aria-label={`Zoom into ${image.alt}`}>
              <img class={i === 0 ? 'gallery-main' : undefined} src={image.url} alt={image.alt} width={image.width ?? 800} height={image.height ?? 800} loading={i === 0 ? 'eager' : 'lazy'} />
              <span class="zoom-hint" aria-hidden="true">
                Zoom
              </span>
            </a>
          </li>
        ))}
      </ul>
      {many && (
        <ul class="gallery-thumbs" aria-label="Pictures">
          {images.map((image, i) => (
            <li key={image.url}>
              <a href={`#image-${i + 1}`}>
                <img src={image.url} alt={`Show picture ${i + 1}: ${image.alt}`} width={image.width ?? 800} height={image.height ?? 800} loading="lazy" />
              </a>
            </li>
          ))}
        </ul>
      )}
      {images.map((image, i) => (
        <div key={image.url} id={`zoom-${i + 1}`} class="lightbox" role="dialog" aria-label={`${image.alt}, large`}>
          <a class="lightbox-close" href={`#image-${i + 1}`}>
            Close<span class="visually-hidden"> the large picture</span>
          </a>
          <img src={image.url} alt={image.alt} width={image.width ?? 800} height={image.height ?? 800} loading="lazy" />
        </div>
      ))}
    </div>
  )
}

/** Shipping and returns in a few words, each with its page (src/content). */
function Assurances() {
  return (
    <ul class="assurances">
      <li>
        <strong>Shipping</strong>
        <span>
          Delivery options and their costs for your address are shown in the cart before you pay. <a href="/pages/shipping">Shipping details</a>
        </span>
      </li>
      <li>
        <strong>Returns</strong>
        <span>
          Changed your mind? Send it back unused. <a href="/pages/returns">How returns work</a>
        </span>
      </li>
      <li>
        <strong>Secure checkout</strong>
        <span>Pay by card through Stripe; we never see your card number.</span>
      </li>
    </ul>
  )
}

/** How many products "More from <category>" shows. */
const RELATED_MAX = 4

/** Quantity and "Add to cart" for the chosen variant (its id, and the product's for carts that know only products); none when it is sold out. */
function AddToCart({ product, variant }: { product: ProductDetail; variant: ProductVariant }) {
  if (!variant.in_stock) {
    return (
      <>
        <p class="stock-out">{product.options.length > 0 ? `${variant.title} is sold out: choose another option or check back soon.` : 'Out of stock: check back soon.'}</p>
        <BackInStockForm productId={product.id} variantId={product.options.length > 0 ? variant.id : undefined} />
      </>
    )
  }
  const most = Math.min(variant.stock_quantity, STOCK_SHOWN_MAX)
  return (
    <form class="add-to-cart" method="post" action="/cart/items">
      <input type="hidden" name="product_id" value={String(product.id)} />
      <input type="hidden" name="variant_id" value={String(variant.id)} />
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

/** An option with more values than this is a select (and a button) rather than a row of links. */
const CHOICE_LINKS_MAX = 8

const STATE_NOTE: Record<ValueChoice['state'], string> = { current: ', chosen', available: '', 'sold-out': ', sold out', unavailable: ', not available with the other choices' }

/** A CSS class for a colour's swatch ("Heather Grey" → swatch-heather-grey); unknown colours get a neutral one. */
const swatchClass = (value: string) => `swatch-dot swatch-${value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`

/** The options as links to variants (swatches for colours, buttons for the rest), or a select and a button for long lists. */
function VariantPicker({ product, variant, path }: { product: ProductDetail; variant: ProductVariant; path: string }) {
  return (
    <div class="variant-picker">
      {valueChoices(product, variant).map((option, o) => {
        const labelId = `option-${o}-label`
        const colour = isColourOption(option.name)
        if (option.values.length > CHOICE_LINKS_MAX) {
          return (
            <form key={option.name} class="option option-select" method="get" action={path}>
              <label for={`option-${o}`}>
                {option.name}: <strong>{option.chosen}</strong>
              </label>
              <div class="option-select-row">
                <select id={`option-${o}`} name="variant">
                  {option.values.map((choice) => (
                    <option key={choice.value} value={String(choice.target.id)} selected={choice.state === 'current'}>
                      {`${choice.value}${choice.state === 'sold-out' ? ' (sold out)' : choice.state === 'unavailable' ? ' (not with these choices)' : ''}`}
                    </option>
                  ))}
                </select>
                <button type="submit">Choose</button>
              </div>
            </form>
          )
        }
        return (
          <div key={option.name} class="option" role="group" aria-labelledby={labelId}>
            <p id={labelId} class="option-name">
              {option.name}: <strong>{option.chosen}</strong>
            </p>
            <ul class="choices">
              {option.values.map((choice) => (
                <li key={choice.value}>
                  <a
                    class={`choice${colour ? ' swatch' : ''}${choice.state === 'sold-out' || choice.state === 'unavailable' ? ` ${choice.state}` : ''}${choice.state === 'current' && !choice.target.in_stock ? ' sold-out' : ''}`}
                    href={`${path}?variant=${choice.target.id}`}
                    aria-current={choice.state === 'current' ? 'true' : undefined}
                  >
                    {colour && <span class={swatchClass(choice.value)} aria-hidden="true" />}
                    <span class="choice-value">{choice.value}</span>
                    {choice.state === 'sold-out' && <span class="choice-note" aria-hidden="true">Sold out</span>}
                    {STATE_NOTE[choice.state] && <span class="visually-hidden">{STATE_NOTE[choice.state]}</span>}
                  </a>
                </li>
              ))}
            </ul>
          </div>
        )
      })}
    </div>
  )
}

/** The chosen variant's price, with its compare-at price struck through before it: "was $40, now $30". */
function VariantPrice({ product, variant }: { product: ProductDetail; variant: ProductVariant }) {
  const price = formatMoney(variant.price_cents, product.currency)
  if (variant.compare_at_cents === null) return <p class="price">{price}</p>
  return (
    <p class="price">
      <span class="visually-hidden">Was </span>
      <s class="compare-at">{formatMoney(variant.compare_at_cents, product.currency)}</s>
      <span class="visually-hidden">, now</span> {price} <span class="badge-sale">Sale</span>
    </p>
  )
}

const stockLine = (variant: ProductVariant) => (variant.in_stock ? (variant.stock_quantity <= 5 ? `Only ${variant.stock_quantity} left` : 'In stock') : 'Out of stock')

/** What of the query a product page depends on, for its cache key: `?variant` (an id) and whether `?choose` is there. */
function productPageSearch(query: URLSearchParams): string {
  const id = variantKey(query.get('variant') ?? undefined)
  const parts = [...(id ? [`variant=${id}`] : []), ...(query.has('choose') ? ['choose=1'] : [])]
  return parts.length ? `?${parts.join('&')}` : ''
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
      // A filter that cannot be read is left out and named on the page (a 400, not cached); the others stay.
      const { params, problems } = parseListing(c.req.query())
      // The filter form sends every field, empty ones too: one canonical URL per listing keeps links
      // shareable and the cache small.
      const canonicalPath = listingUrl(params)
      const here = new URL(c.req.url)
      if (problems.length === 0 && `${here.pathname}${here.search}` !== canonicalPath) return c.redirect(canonicalPath, 302)
      const [categories, page] = await Promise.all([tree(c), list(c, { ...params, facets: true })])
      const category = findCategory(categories, params.category)
      // A search that matched nothing may have been answered for its correction (src/catalog/service.ts).
      const search = page.search
      const shown = search?.corrected_from ? { ...params, q: search.query } : params
      const heading = shown.q ? `Results for “${shown.q}”` : (category?.name ?? 'All products')
      // A page past the last: a 404 that leads back.
      if (params.page > 1 && page.items.length === 0) {
        const last = Math.max(page.total_pages, 1)
        return c.render(
          <section class="not-found">
            <h1>No page {params.page} here</h1>
            <p>
              {heading} {page.total === 1 ? 'fits on one page' : `has ${last} ${last === 1 ? 'page' : 'pages'}`}. <a href={listingUrl(shown, last)}>Go to page {last}</a> or{' '}
              <a href={listingUrl(shown, 1)}>back to the first</a>.
            </p>
          </section>,
          { title: `${heading}: no page ${params.page}`, status: 404, noindex: true },
        )
      }
      const title = params.page > 1 ? `${heading} (page ${params.page})` : heading
      return c.render(
        <>
          <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <a href="/">Home</a> › <a href="/products">Products</a>
            {category && <> › {category.name}</>}
          </nav>
          <h1>{heading}</h1>
          {problems.length > 0 && (
            <div class="notice notice-error" role="alert">
              <p>Some filters could not be used and were left out; the others are applied.</p>
              <ul>
                {problems.map((problem) => (
                  <li key={problem}>{problem}.</li>
                ))}
              </ul>
            </div>
          )}
          <div class="listing">
            <aside>
              {/* A panel to open on a phone; on a wide screen its content always shows (styles.css). */}
              <details class="filters-panel">
                <summary>Filters and sort</summary>
                <Filters params={params} categories={categories} />
                <Refine params={shown} facets={page.facets} />
              </details>
            </aside>
            <section aria-label="Products">
              <p class="count" role="status">
                {search?.more_matches ? `${page.total.toLocaleString('en-US')}+ products` : `${page.total} ${page.total === 1 ? 'product' : 'products'}`}
              </p>
              {search?.more_matches && (
                <p class="search-correction">
                  Showing the best {page.total.toLocaleString('en-US')} matches for “{search.query}”: add a word or a filter to narrow them.
                </p>
              )}
              {search?.corrected_from && (
                <p class="search-correction">
                  No products match “{search.corrected_from}”: showing results for “{search.query}”.
                </p>
              )}
              {search?.did_you_mean && (
                <p class="search-correction">
                  Did you mean <a href={listingUrl({ ...params, q: search.did_you_mean, page: 1 })}>{search.did_you_mean}</a>?
                </p>
              )}
              <VariantFilterChips params={params} />
              {page.items.length === 0 ? <NoResults params={shown} categories={categories} didYouMean={search?.did_you_mean} /> : <ProductGrid items={page.items} />}
              <Pager params={shown} list={page} />
            </section>
          </div>
        </>,
        {
          title,
          description: category ? `${category.name} at ${SITE_NAME}: ${category.product_count} products.` : `Every product at ${SITE_NAME}.`,
          canonical: `${origin(c)}${canonicalPath}`,
          noindex: Boolean(params.q) || problems.length > 0,
          ...(problems.length > 0 && { status: 400 as const }),
        },
      )
    }),
  )
  // The page is the same whatever the query says but `?variant`: only that goes into the cache key.
  .get('/products/:idOrSlug', (c) =>
    cachedPage(c, async () => {
      const key = ProductKeyParam.safeParse(c.req.param())
      if (!key.success) return errorPage(c, 404, 'There is no such product.')
      const product = JSON.parse((await productDetail(c.env, waitUntil(c), key.data.idOrSlug)).json) as ProductDetail
      const url = `${origin(c)}/products/${product.slug}`
      const choice = chooseVariant(product, c.req.query('variant'))
      const choosing = c.req.query('choose') !== undefined
      const variant = choice?.variant
      const firstImage = (variant?.image && product.images.find((image) => image.url === variant.image?.url)) || product.images[0]
      // "More from <category>": one cached listing (the same answer as the category's page), this product left out.
      const home = product.categories[0]
      const related = home ? (await list(c, ProductListQuery.parse({ category: home.slug, in_stock: 'true', page_size: String(RELATED_MAX + 1) }))).items.filter((p) => p.id !== product.id).slice(0, RELATED_MAX) : []
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
            <Gallery product={product} variant={variant} />
            <div class="info">
              <h1>{product.name}</h1>
              {/* Back from an add-to-cart that named no variant (an old page, a hand-made form): what to pick. */}
              {choosing && product.options.length > 0 && (
                <p class="notice notice-error" role="alert">
                  {chooseMessage(product.options.map((option) => option.name))} before adding {product.name} to your cart.
                </p>
              )}
              {choice?.kind === 'unknown' && (
                <p class="notice notice-error" role="alert">
                  That choice of {product.name} doesn't exist (or is no longer sold). Showing {product.options.length > 0 ? variant?.title : 'the product'} instead.
                </p>
              )}
              {variant ? (
                <>
                  <VariantPrice product={product} variant={variant} />
                  {product.options.length > 0 && <VariantPicker product={product} variant={variant} path={`/products/${product.slug}`} />}
                  {/* A sold-out choice says so once, where the add button would be. */}
                  {(variant.in_stock || product.options.length === 0) && (
                    <p class={variant.in_stock ? 'stock-in' : 'stock-out'} role="status">
                      {product.options.length > 0 ? `${variant.title}: ` : ''}
                      {stockLine(variant)}
                    </p>
                  )}
                  <AddToCart product={product} variant={variant} />
                </>
              ) : (
                <p class="stock-out">Not available.</p>
              )}
              <Assurances />
              <section class="description" aria-labelledby="description-title">
                <h2 id="description-title">Description</h2>
                <p>{product.description}</p>
              </section>
              <p class="tags">
                {product.categories.map((category) => (
                  <a key={category.id} class="tag" href={`/products?category=${category.slug}`}>
                    {category.name}
                  </a>
                ))}
              </p>
            </div>
          </article>
          {home && related.length > 0 && (
            <section class="related" aria-labelledby="related-title">
              <div class="section-head">
                <h2 id="related-title">More from {home.name}</h2>
                <a href={`/products?category=${home.slug}`}>See all</a>
              </div>
              <ProductGrid items={related} />
            </section>
          )}
        </>,
        {
          title: product.name,
          description: product.description.slice(0, 160),
          // A chosen variant's page is its own (its offer in the JSON-LD names this URL); otherwise the product's.
          canonical: choice?.kind === 'chosen' && product.options.length > 0 ? `${url}?variant=${choice.variant.id}` : url,
          ogType: 'product',
          ogImage: firstImage ? `${origin(c)}${firstImage.url}` : undefined,
          jsonLd: productJsonLd(product, url, origin(c)),
          // A made-up ?variant is a 404 (with the product, so the shopper can go on): never cached, never indexed.
          ...(choice?.kind === 'unknown' && { status: 404 as const, noindex: true }),
        },
      )
    }, { search: productPageSearch }),
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
