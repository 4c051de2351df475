import { env, SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { bumpCatalogVersion } from '../src/catalog/cache'
import { seedCatalog } from '../scripts/seed/catalog'
import { BASE, Browser, insertProduct, registerUser } from './helpers'
import worker from '../src/index'

const page = async (path: string) => {
  const response = await SELF.fetch(`${BASE}${path}`)
  return { status: response.status, headers: response.headers, html: await response.text() }
}
const meta = (html: string, attribute: string, name: string) => new RegExp(`<meta ${attribute}="${name}" content="([^"]*)"`).exec(html)?.[1]
const canonical = (html: string) => /<link rel="canonical" href="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, "&")

beforeAll(async () => {
  await seedCatalog(env, { products: 60 })
})

describe('home page', () => {
  it('shows departments with their sub-categories and in-stock products, with title, description and canonical', async () => {
    const { status, html } = await page('/')
    expect(status).toBe(200)
    expect(html).toContain('<title>Everyday goods, delivered · Cato-Store</title>')
    expect(meta(html, 'name', 'description')).toBeTruthy()
    expect(canonical(html)).toBe(`${BASE}/`)
    expect(html).toContain('href="/products?category=kitchen"')
    expect(html.match(/class="card"/g)?.length).toBe(8)
    expect(html).not.toContain('Out of stock')
  })
})

describe('listing page', () => {
  it('filters by category, price typed as decimals, and stock, all in the URL', async () => {
    const { status, html } = await page('/products?category=kitchen&min=10&max=50.5&in_stock=1&sort=price')
    expect(status).toBe(200)
    const prices = [...html.matchAll(/class="price">\$([\d,.]+)</g)].map((m) => Number(m[1]?.replace(/,/g, '')))
    expect(prices.length).toBeGreaterThan(0)
    expect(prices.every((p) => p >= 10 && p <= 50.5)).toBe(true)
    expect(prices).toEqual([...prices].sort((a, b) => a - b))
    expect(canonical(html)).toBe(`${BASE}/products?category=kitchen&min=10&max=50.50&in_stock=1&sort=price`)
    expect(html).toMatch(/<option value="kitchen" selected/)
  })

  it('redirects what the filter form sends (empty fields included) to the one canonical URL', async () => {
    const response = await SELF.fetch(`${BASE}/products?q=&category=kitchen&min=&max=150&in_stock=1&sort=newest&page=1`, { redirect: 'manual' })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/products?category=kitchen&max=150&in_stock=1')
  })

  it('links pages with the filters kept (shareable, back-button safe)', async () => {
    const first = await page('/products?sort=name')
    const next = /<a rel="next" href="([^"]+)"/.exec(first.html)?.[1]
    expect(next?.replace(/&amp;/g, '&')).toBe('/products?sort=name&page=2')
    const second = await page('/products?sort=name&page=2')
    expect(second.html).toContain('<title>All products (page 2) · Cato-Store</title>')
    expect(/<a rel="prev" href="([^"]+)"/.exec(second.html)?.[1]).toBe('/products?sort=name')
  })

  it('searches, cleaning characters that mean something to the search engine instead of failing', async () => {
    const { status, html } = await page(`/products?q=${encodeURIComponent('"oak')}`)
    expect(status).toBe(200)
    expect(html).toContain('Results for “oak”')
    expect(meta(html, 'name', 'robots')).toBe('noindex')
  })

  it('leaves out a filter it cannot read, keeps the others and says which; an unknown category is a 404 page', async () => {
    await insertProduct({ name: 'Pewter Oak Bowl', priceCents: 2500 })
    const bad = await page('/products?q=oak&min=abc&max=40&page=0')
    expect(bad.status).toBe(400)
    expect(bad.headers.get('Content-Type')).toMatch(/text\/html/)
    expect(bad.html).toContain('Some filters could not be used and were left out; the others are applied.')
    expect(bad.html).toContain('The min price “abc”')
    expect(bad.html).toContain('The page “0”')
    // The search and the max price still apply: the page lists what they find, with the filters kept in the form.
    expect(bad.html).toContain('Results for “oak”')
    expect(bad.html).toContain('Pewter Oak Bowl')
    expect(bad.html).toMatch(/id="filter-max"[^>]*value="40"/)
    expect(meta(bad.html, 'name', 'robots')).toBe('noindex')
    // A rule between two filters leaves out the first of them.
    const crossed = await page('/products?min=50&max=10')
    expect(crossed.status).toBe(400)
    expect(crossed.html).toContain('The min price “50”')
    const unknown = await page('/products?category=no-such-thing')
    expect(unknown.status).toBe(404)
    expect(unknown.html).toContain('not found')
  })

  it('numbers its pages, and a page past the last is a 404 page that leads back', async () => {
    for (let i = 0; i < 30; i++) await insertProduct({ name: `Pagination Quince ${i}` })
    const first = await page('/products?q=quince')
    expect(first.html).toContain('<a href="/products?q=quince&amp;page=2"><span class="visually-hidden">Page </span>2</a>')
    expect(first.html).toContain('aria-current="page"')
    const past = await page('/products?q=quince&page=9')
    expect(past.status).toBe(404)
    expect(past.html).toContain('No page 9 here')
    expect(past.html).toContain('href="/products?q=quince&amp;page=2"')
  })
})

describe('product page', () => {
  it('has a gallery with sized images, price, stock, add-to-cart and Product JSON-LD', async () => {
    const product = await insertProduct({ name: 'Walnut Desk Lamp', priceCents: 4250, stockQuantity: 3, images: ['products/a.png', 'products/b.png'] })
    const { status, html } = await page(`/products/${product.slug}`)
    expect(status).toBe(200)
    expect(html).toContain('$42.50')
    expect(html).toContain('Only 3 left')
    expect(html).toMatch(/<form class="add-to-cart" method="post" action="\/cart\/items">/)
    for (const img of html.match(/<img [^>]+>/g) ?? []) expect(img).toMatch(/width="\d+" height="\d+"/)
    expect(meta(html, 'property', 'og:type')).toBe('product')
    expect(meta(html, 'property', 'og:image')).toBe(`${BASE}/images/products/a.png`)
    const jsonLd = JSON.parse(/<script type="application\/ld\+json">(.+?)<\/script>/.exec(html)?.[1] ?? '{}')
    expect(jsonLd).toMatchObject({
      '@type': 'Product',
      name: 'Walnut Desk Lamp',
      offers: { price: '42.50', priceCurrency: 'USD', availability: 'https://schema.org/InStock' },
    })
  })

  it('is a 404 page for an unknown or inactive product', async () => {
    const inactive = await insertProduct({ isActive: false })
    expect((await page(`/products/${inactive.slug}`)).status).toBe(404)
    expect((await page('/products/no-such-product')).status).toBe(404)
  })
})

describe('edge caching of catalog pages', () => {
  it('serves anonymous product pages from the cache, and a catalog write makes them fresh at once', async () => {
    const product = await insertProduct({ name: 'Cached Teapot' })
    const first = await page(`/products/${product.slug}`)
    expect(first.headers.get('X-Cache')).toBe('miss')
    expect(first.headers.get('Cache-Control')).toBe('public, no-cache')
    expect((await page(`/products/${product.slug}`)).headers.get('X-Cache')).toBe('hit')
    await bumpCatalogVersion(env)
    expect((await page(`/products/${product.slug}`)).headers.get('X-Cache')).toBe('miss')
  })

  it('never stores anything personal: the page is the same with or without a session cookie', async () => {
    const product = await insertProduct()
    const anonymous = await page(`/products/${product.slug}`)
    const withCookie = await (await SELF.fetch(`${BASE}/products/${product.slug}`, { headers: { Cookie: 'sid=someone' } })).text()
    expect(withCookie).toBe(anonymous.html)
    expect(anonymous.html).not.toContain('_csrf')
  })
})

/** The header's cart link and what it says, from a page's HTML. */
const cartLink = (html: string) => /<a class="cart-link" href="\/cart">(.*?)<\/a>/s.exec(html)?.[1]?.replace(/<[^>]+>/g, '') ?? null
const headerNav = (html: string) => /<nav class="site-nav"[^>]*>(.*?)<\/nav>/s.exec(html)?.[1] ?? ''
const signOut = (html: string) => /<form method="post" action="\/account\/sign-out" class="sign-out"><input type="hidden" name="_csrf" value="[^"]+"\/>/.test(html)

describe('the demo catalogue', () => {
  it('pictures each apparel variant in its own colour, and names products with materials that suit them', async () => {
    const tops = (await (await SELF.fetch(`${BASE}/api/products?category=apparel&page_size=100`)).json()) as { items: { slug: string; name: string }[] }
    const pictured: string[] = []
    for (const item of tops.items) {
      const detail = (await (await SELF.fetch(`${BASE}/api/products/${item.slug}`)).json()) as { variants: { option_values: { name: string; value: string }[]; image: { alt: string } | null }[] }
      for (const variant of detail.variants) {
        const colour = variant.option_values.find((v) => v.name === 'Colour')?.value
        if (variant.image) pictured.push(`${colour}: ${variant.image.alt.includes(` in ${colour}, `)}`)
      }
      // No shoe-leather turntables: apparel is never cast iron, copper or stoneware.
      expect(item.name).not.toMatch(/Cast Iron|Copper|Stoneware|Porcelain|Walnut/)
    }
    expect(pictured.length).toBeGreaterThan(0)
    expect(pictured.filter((entry) => entry.endsWith('false'))).toEqual([])
  })
})

describe("the header's personal part", () => {
  it("shows a guest's cart count on cached catalog pages, and keeps the cached copy anonymous", async () => {
    const product = await insertProduct({ name: 'Counted Kettle', stockQuantity: 20 })
    const path = `/products/${product.slug}`
    const anonymous = await page(path)
    expect(cartLink(anonymous.html)).toBe('Cart, empty')
    const guest = new Browser()
    const added = await guest.fetch('/cart/items', { method: 'POST', body: new URLSearchParams({ product_id: String(product.id), quantity: '3' }), headers: { Origin: BASE } })
    expect(added.status).toBe(303)
    const mine = await guest.fetch(path)
    expect(mine.headers.get('X-Cache')).toBe('hit')
    expect(mine.headers.get('Cache-Control')).toBe('private, no-cache')
    const html = await mine.text()
    expect(cartLink(html)).toBe('Cart, 3 items')
    expect(signOut(html)).toBe(false)
    // The edge copy is still everyone's: another visitor gets no count.
    const stranger = await page(path)
    expect([stranger.headers.get('X-Cache'), cartLink(stranger.html), stranger.headers.get('Cache-Control')]).toEqual(['hit', 'Cart, empty', 'public, no-cache'])
  })

  it('follows the cart through add, update and remove, and shows Orders and a sign-out form with its CSRF token when signed in', async () => {
    const product = await insertProduct({ name: 'Header Mug', stockQuantity: 20 })
    const user = await registerUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const home = await (await browser.fetch('/')).text()
    expect(signOut(home)).toBe(true)
    expect(headerNav(home)).toContain('<a href="/orders">Orders</a>')
    expect(cartLink(home)).toBe('Cart, empty')
    await browser.fetch('/cart/items', { method: 'POST', body: new URLSearchParams({ product_id: String(product.id), quantity: '2' }), headers: { Origin: BASE } })
    expect(cartLink(await (await browser.fetch('/products')).text())).toBe('Cart, 2 items')
    const cart = await (await browser.fetch('/cart')).text()
    const variantId = /action="\/cart\/items\/(\d+)"/.exec(cart)?.[1]
    await browser.submit('/cart', `/cart/items/${variantId}`, { quantity: '5' })
    const updated = await browser.fetch('/cart')
    expect(updated.headers.get('Cache-Control')).toBe('no-store')
    expect(cartLink(await updated.text())).toBe('Cart, 5 items')
    await browser.submit('/cart', `/cart/items/${variantId}/remove`, {})
    expect(cartLink(await (await browser.fetch('/')).text())).toBe('Cart, empty')
    // Signing out through the header's form ends the session: the header is everyone's again.
    expect((await browser.submit('/', '/account/sign-out', {})).status).toBe(303)
    const after = await (await browser.fetch('/')).text()
    expect([signOut(after), headerNav(after).includes('<a href="/orders">Orders</a>')]).toEqual([false, false])
  })
})

describe('sitemap, robots and unknown pages', () => {
  it('lists the home, listing, categories and every active product in the sitemap', async () => {
    const inactive = await insertProduct({ isActive: false })
    const response = await SELF.fetch(`${BASE}/sitemap.xml`)
    expect(response.headers.get('Content-Type')).toMatch(/application\/xml/)
    const xml = await response.text()
    expect(xml).toContain(`<loc>${BASE}/</loc>`)
    expect(xml).toContain(`<loc>${BASE}/products?category=kitchen</loc>`)
    const rows = await env.DB.prepare('SELECT slug FROM products WHERE is_active = 1').all<{ slug: string }>()
    for (const { slug } of rows.results) expect(xml).toContain(`<loc>${BASE}/products/${slug}</loc>`)
    expect(xml).not.toContain(`/products/${inactive.slug}<`)
  })

  it('tells robots to skip private pages and where the sitemap is', async () => {
    const text = await (await SELF.fetch(`${BASE}/robots.txt`)).text()
    expect(text).toContain('Disallow: /account')
    expect(text).toContain('Disallow: /cart')
    expect(text).toContain(`Sitemap: ${BASE}/sitemap.xml`)
  })

  it('answers an unknown page with an HTML 404, and an unknown API path with JSON', async () => {
    const html = await page('/no/such/page')
    expect(html.status).toBe(404)
    expect(html.html).toContain('There is no page at this address')
    const api = await SELF.fetch(`${BASE}/api/no-such-thing`)
    expect(api.status).toBe(404)
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found')
  })
})

describe('security headers', () => {
  it('puts a CSP without inline scripts, nosniff, a referrer policy and no framing on pages; no HSTS outside production', async () => {
    for (const path of ['/', '/products', '/account/sign-in', '/no/such/page']) {
      const { headers } = await page(path)
      const csp = headers.get('Content-Security-Policy') ?? ''
      expect(csp, path).toContain("script-src 'self'")
      expect(csp, path).not.toContain('unsafe-inline')
      expect(csp, path).toContain("frame-ancestors 'none'")
      expect(headers.get('X-Content-Type-Options'), path).toBe('nosniff')
      expect(headers.get('Referrer-Policy'), path).toBe('strict-origin-when-cross-origin')
      expect(headers.get('Strict-Transport-Security'), path).toBeNull()
    }
  })

  it('adds HSTS in production', async () => {
    const response = await worker.request(`${BASE}/healthz`, {}, { ...env, ENVIRONMENT: 'production' })
    expect(response.headers.get('Strict-Transport-Security')).toBe('max-age=63072000; includeSubDomains; preload')
  })

  it('keeps the sandbox policy of R2 images', async () => {
    await env.IMAGES.put('products/csp-test.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>', { httpMetadata: { contentType: 'image/svg+xml' } })
    const response = await SELF.fetch(`${BASE}/images/products/csp-test.svg`)
    expect(response.headers.get('Content-Security-Policy')).toContain('sandbox')
  })
})

describe('request ids of cached pages', () => {
  it('gives each answer of a cached page its own X-Request-Id, the one of its log line', async () => {
    const product = await insertProduct({ name: 'Twice Served Kettle' })
    const logged: Record<string, unknown>[] = []
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void logged.push(JSON.parse(String(line)) as Record<string, unknown>))
    let answers: Response[] = []
    try {
      answers = [await SELF.fetch(`${BASE}/products/${product.slug}`), await SELF.fetch(`${BASE}/products/${product.slug}`)]
    } finally {
      vi.restoreAllMocks()
    }
    expect(answers.map((answer) => answer.headers.get('X-Cache'))).toEqual(['miss', 'hit'])
    const ids = answers.map((answer) => answer.headers.get('X-Request-Id'))
    expect(ids[0]).not.toBe(ids[1])
    const logIds = logged.filter((line) => line.msg === 'request' && line.path === `/products/${product.slug}`).map((line) => line.request_id)
    expect(logIds).toEqual(ids)
    expect(answers[1]?.headers.get('Set-Cookie')).toBeNull()
  })
})
