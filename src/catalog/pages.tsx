import { Hono, type Context } from 'hono'
import type { AppEnv } from '../platform/env'
import { fieldErrors } from '../platform/validate'
import { ErrorPage, htmlErrorHandler } from '../ui/error-page'
import { Layout, renderPage } from '../ui/layout'
import { formatMoney } from '../ui/money'
import type { CategoryNode, ProductDetail } from './queries'
import { ProductKeyParam, ProductListQuery } from './schemas'
import { categoryTree, productDetail, productList, type ProductList } from './service'

const waitUntil = (c: Context<AppEnv>) => (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise)

function ProductGrid({ list }: { list: ProductList }) {
  if (list.items.length === 0) return <p class="empty">No products match.</p>
  return (
    <ul class="grid">
      {list.items.map((p) => (
        <li class="card" key={p.id}>
          <a href={`/products/${p.slug}`}>
            {p.image && <img src={p.image.url} alt={p.image.alt} width={p.image.width ?? undefined} height={p.image.height ?? undefined} loading="lazy" />}
            <span class="name">{p.name}</span>
            <span class="price">{formatMoney(p.price_cents, p.currency)}</span>
            {!p.in_stock && <span class="stock-out">Out of stock</span>}
          </a>
        </li>
      ))}
    </ul>
  )
}

function CategoryNav({ tree, current }: { tree: CategoryNode[]; current?: string }) {
  return (
    <nav class="categories" aria-label="Categories">
      <ul>
        {tree.map((node) => (
          <li key={node.id}>
            <a href={`/?category=${node.slug}`} aria-current={node.slug === current ? 'page' : undefined}>
              {node.name} <small>({node.product_count})</small>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}

function Pager({ list }: { list: ProductList }) {
  const pageLink = (apiLink: string) => apiLink.replace(/^\/api\/products/, '/')
  return (
    <nav class="pager" aria-label="Pages">
      {list.prev && <a href={pageLink(list.prev)}>← Previous</a>}
      <span>
        Page {list.page} of {Math.max(list.total_pages, 1)} · {list.total} products
      </span>
      {list.next && <a href={pageLink(list.next)}>Next →</a>}
    </nav>
  )
}

/** The shop's catalog pages, rendered from the same cached catalog as the API. */
export const shopPages = new Hono<AppEnv>()
  .get('/', async (c) => {
    const parsed = ProductListQuery.safeParse(c.req.query())
    if (!parsed.success) {
      const problems = Object.entries(fieldErrors(parsed.error)).map(([field, messages]) => `${field} ${messages.join(', ')}`)
      return c.html(renderPage(<ErrorPage status={400} message={`Please check your search: ${problems.join('; ')}.`} />), 400)
    }
    const params = parsed.data
    const [list, tree] = await Promise.all([
      productList(c.env, waitUntil(c), params).then((r) => JSON.parse(r.json) as ProductList),
      categoryTree(c.env, waitUntil(c)).then((r) => JSON.parse(r.json) as CategoryNode[]),
    ])
    const heading = params.q ? `Results for “${params.q}”` : params.category ? `Category: ${params.category}` : 'New in the shop'
    return c.html(
      renderPage(
        <Layout title={heading} description="Cato-Store: products delivered from the edge.">
          <CategoryNav tree={tree} current={params.category} />
          <h1>{heading}</h1>
          <ProductGrid list={list} />
          <Pager list={list} />
        </Layout>,
      ),
    )
  })
  .get('/products/:idOrSlug', async (c) => {
    const key = ProductKeyParam.safeParse(c.req.param())
    if (!key.success) return c.html(renderPage(<ErrorPage status={404} message="There is no such product." />), 404)
    const product = JSON.parse((await productDetail(c.env, waitUntil(c), key.data.idOrSlug)).json) as ProductDetail
    return c.html(
      renderPage(
        <Layout title={product.name} description={product.description.slice(0, 160)}>
          <article class="product">
            <div class="gallery">
              {product.images.map((image) => (
                <img key={image.url} src={image.url} alt={image.alt} width={image.width ?? undefined} height={image.height ?? undefined} />
              ))}
            </div>
            <div class="info">
              <h1>{product.name}</h1>
              <p class="price">{formatMoney(product.price_cents, product.currency)}</p>
              <p class={product.in_stock ? 'stock-in' : 'stock-out'}>{product.in_stock ? `${product.stock_quantity} in stock` : 'Out of stock'}</p>
              <p>{product.description}</p>
              <p>
                {product.categories.map((category) => (
                  <a key={category.id} class="tag" href={`/?category=${category.slug}`}>
                    {category.name}
                  </a>
                ))}
              </p>
            </div>
          </article>
        </Layout>,
      ),
    )
  })

shopPages.onError(htmlErrorHandler)
