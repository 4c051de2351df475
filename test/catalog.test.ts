import { env, SELF } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { HARBOR_TEE, planCatalog, seedCatalog } from '../scripts/seed/catalog'
import { bumpCatalogVersion } from '../src/catalog/cache'
import type { CategoryNode, ProductDetail, ProductSummary } from '../src/catalog/queries'
import { selectProductPage } from '../src/catalog/queries'
import { ProductListQuery } from '../src/catalog/schemas'
import type { ProductList } from '../src/catalog/service'
import { getDb } from '../src/db/client'
import { products } from '../src/db/schema'
import { BASE, getError, getJson, insertProduct } from './helpers'

const plan = planCatalog(200)
const active = plan.productRows.filter((p) => p.isActive)
const inactive = plan.productRows.filter((p) => !p.isActive)
const list = (query = '') => getJson<ProductList>(`/api/products${query}`)
/** Every page of a listing, following `next` links. */
async function allPages(query: string): Promise<ProductSummary[]> {
  const items: ProductSummary[] = []
  let path: string | null = `/api/products${query}`
  while (path) {
    const page: { body: ProductList } = await getJson<ProductList>(path)
    items.push(...page.body.items)
    path = page.body.next
  }
  return items
}

beforeAll(async () => {
  await seedCatalog(env, { products: 200 })
})

describe('GET /api/products pagination', () => {
  it('answers the first page of active products, newest first, with a link to the next', async () => {
    const { status, body } = await list()
    expect(status).toBe(200)
    expect(body.total).toBe(active.length)
    expect(body.items).toHaveLength(20)
    expect(body.total_pages).toBe(Math.ceil(active.length / 20))
    expect(body.next).toBe('/api/products?page=2')
    expect(body.prev).toBeNull()
    const newest = [...active].sort((a, b) => (b.createdAt as number) - (a.createdAt as number))[0]
    expect(body.items[0]?.slug).toBe(newest?.slug)
  })

  it('ends on a short last page with no next link, and past the end answers an empty page', async () => {
    const pages = Math.ceil(active.length / 30)
    const last = await list(`?page_size=30&page=${pages}`)
    expect(last.body.items).toHaveLength(active.length - (pages - 1) * 30)
    expect(last.body.next).toBeNull()
    expect(last.body.prev).toBe(`/api/products?page_size=30&page=${pages - 1}`)
    const beyond = await list(`?page_size=30&page=${pages + 5}`)
    expect(beyond.status).toBe(200)
    expect(beyond.body.items).toEqual([])
    expect(beyond.body.prev).toBe(`/api/products?page_size=30&page=${pages}`)
    expect(beyond.body.total).toBe(active.length)
  })

  it('still counts a search whose page is past the end', async () => {
    const first = await list('?q=oak&page_size=5')
    expect(first.body.total).toBeGreaterThan(0)
    const beyond = await list(`?q=oak&page_size=5&page=${first.body.total_pages + 3}`)
    expect(beyond.body.items).toEqual([])
    expect(beyond.body.total).toBe(first.body.total)
    expect(beyond.body.prev).toBe(`/api/products?q=oak&page_size=5&page=${first.body.total_pages}`)
  })

  it('walks every active product exactly once across pages, and never an inactive one', async () => {
    const items = await allPages('?page_size=100')
    expect(items.map((p) => p.slug).sort()).toEqual(active.map((p) => p.slug).sort())
    const inactiveSlugs = new Set(inactive.map((p) => p.slug))
    expect(inactive.length).toBeGreaterThan(0)
    expect(items.some((p) => inactiveSlugs.has(p.slug))).toBe(false)
  })

  it('gives each item its primary image and its category slugs', async () => {
    const { body } = await list('?page_size=100')
    for (const item of body.items) {
      const firstImage = plan.images.find((i) => i.productId === item.id && i.position === 0)
      expect(item.image?.alt).toBe(firstImage?.altText)
      expect(item.image?.url).toMatch(/^\/images\/products\/[0-9a-f]{64}\.svg$/)
      expect(item.image?.width).toBe(800)
      const expected = plan.links.filter((l) => l.productId === item.id).map((l) => plan.categoryRows.find((c) => c.id === l.categoryId)?.slug)
      expect(item.categories).toEqual(expected.sort())
    }
  })

  it('gives every item the same fields with JSON types (booleans, numbers, null)', async () => {
    const { body } = await list('?page_size=100')
    for (const item of body.items) {
      expect(Object.keys(item).sort()).toEqual(['categories', 'compare_at_max_cents', 'currency', 'id', 'image', 'in_stock', 'name', 'price_cents', 'price_max_cents', 'price_min_cents', 'slug', 'stock_quantity'])
      expect(typeof item.in_stock).toBe('boolean')
      expect(Number.isInteger(item.price_cents) && Number.isInteger(item.stock_quantity)).toBe(true)
      expect(Object.keys(item.image ?? {}).sort()).toEqual(['alt', 'height', 'url', 'width'])
    }
  })

  it('loads a page in one D1 round trip whatever its size', async () => {
    const roundTrips: string[] = []
    const counted = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(object, property) {
          const value = Reflect.get(object, property)
          if (typeof value !== 'function') return value
          return (...args: unknown[]) => {
            const name = String(property)
            if (['batch', 'exec', 'all', 'run', 'first', 'raw'].includes(name)) roundTrips.push(name)
            const result = value.apply(object, args)
            // Statements made by prepare() and bind() are counted too.
            return ['prepare', 'bind'].includes(name) ? counted(result) : result
          }
        },
      })
    const db = getDb({ DB: counted(env.DB) })
    for (const query of [{ page_size: '5' }, { page_size: '100', q: 'oak' }, { category: 'kitchen', sort: 'price', page_size: '50' }]) {
      roundTrips.length = 0
      const tree = (await getJson<CategoryNode[]>('/api/categories')).body
      const kitchen = tree.find((c) => c.slug === 'kitchen') as CategoryNode
      const ids = query.category ? [kitchen.id, ...kitchen.children.map((c) => c.id)] : undefined
      const { itemsJson } = await selectProductPage(db, ProductListQuery.parse(query), ids)
      expect((JSON.parse(itemsJson) as unknown[]).length).toBeGreaterThan(0)
      expect(roundTrips).toHaveLength(1)
    }
  })
})

describe('GET /api/products filters and sorts', () => {
  const slugsOf = (items: { slug: string }[]) => new Set(items.map((p) => p.slug))
  const inCategories = (slugs: string[]) => {
    const ids = plan.categoryRows.filter((c) => slugs.includes(c.slug)).map((c) => c.id)
    const productIds = new Set(plan.links.filter((l) => ids.includes(l.categoryId)).map((l) => l.productId))
    return active.filter((p) => productIds.has(p.id as number))
  }

  it('filters by a category including its sub-categories', async () => {
    const items = await allPages('?category=kitchen&page_size=100')
    expect(slugsOf(items)).toEqual(slugsOf(inCategories(['kitchen', 'cookware', 'tableware', 'coffee-tea']) as { slug: string }[]))
    expect(items.length).toBeGreaterThan(40)
  })

  it('filters by a leaf category alone', async () => {
    const items = await allPages('?category=cookware&page_size=100')
    expect(items.length).toBeGreaterThan(10)
    expect(items.every((p) => p.categories.includes('cookware'))).toBe(true)
    expect(slugsOf(items)).toEqual(slugsOf(inCategories(['cookware']) as { slug: string }[]))
  })

  it('answers 404 in the error shape for an unknown category', async () => {
    const { status, body } = await getError('/api/products?category=no-such-thing')
    expect(status).toBe(404)
    expect(body.error.code).toBe('not_found')
    expect(body.error.message).toContain('no-such-thing')
  })

  it('filters by price bounds, inclusive, in cents', async () => {
    const prices = active.map((p) => p.priceCents).sort((a, b) => a - b)
    const low = prices[50] as number
    const high = prices[120] as number
    const items = await allPages(`?min_price=${low}&max_price=${high}&page_size=100`)
    expect(items).toHaveLength(prices.filter((p) => p >= low && p <= high).length)
    expect(items.every((p) => p.price_cents >= low && p.price_cents <= high)).toBe(true)
  })

  it('filters by stock', async () => {
    const inStock = await allPages('?in_stock=true&page_size=100')
    const soldOut = await allPages('?in_stock=0&page_size=100')
    expect(inStock.every((p) => p.in_stock && p.stock_quantity > 0)).toBe(true)
    expect(soldOut.every((p) => !p.in_stock && p.stock_quantity === 0)).toBe(true)
    expect(soldOut.length).toBeGreaterThan(0)
    expect(inStock.length + soldOut.length).toBe(active.length)
  })

  it.each([
    ['price', (a: ProductSummary, b: ProductSummary) => a.price_cents - b.price_cents || a.id - b.id],
    ['-price', (a: ProductSummary, b: ProductSummary) => b.price_cents - a.price_cents || b.id - a.id],
    ['name', (a: ProductSummary, b: ProductSummary) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id)],
  ])('sorts by %s across pages', async (sort, compare) => {
    const items = await allPages(`?sort=${sort}&page_size=100`)
    expect(items.map((p) => p.id)).toEqual([...items].sort(compare).map((p) => p.id))
    expect(items).toHaveLength(active.length)
  })

  it('sorts newest first by creation time', async () => {
    const items = await allPages('?sort=newest&page_size=100')
    const created = new Map(active.map((p) => [p.slug, p.createdAt as number]))
    const times = items.map((p) => created.get(p.slug) as number)
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })

  it('combines filters, search and sort', async () => {
    const items = await allPages('?category=outdoors&in_stock=true&max_price=20000&q=oak&sort=price&page_size=100')
    for (const p of items) {
      expect(p.in_stock && p.price_cents <= 20000).toBe(true)
      expect(p.categories.some((c) => ['outdoors', 'camping', 'cycling'].includes(c))).toBe(true)
    }
    expect(items.map((p) => p.price_cents)).toEqual(items.map((p) => p.price_cents).sort((a, b) => a - b))
  })
})

describe('GET /api/products?q= search', () => {
  it('finds products by a word of their name, and by its prefix', async () => {
    const whole = await allPages('?q=skillet&page_size=100')
    const prefix = await allPages('?q=skil&page_size=100')
    const expected = active.filter((p) => /skillet/i.test(`${p.name} ${p.description}`))
    expect(whole.length).toBe(expected.length)
    expect(whole.length).toBeGreaterThan(0)
    expect(new Set(prefix.map((p) => p.slug))).toEqual(new Set(expected.map((p) => p.slug)))
  })

  it('requires every word, and ignores case and accents', async () => {
    const text = (p: { name: string; description?: string }) => `${p.name} ${p.description ?? ''}`.toLowerCase()
    const words = (active[0] as (typeof active)[number]).name.toLowerCase().split(' ').slice(1)
    const expected = active.filter((p) => words.every((w) => text(p).includes(w)))
    const found = await allPages(`?q=${encodeURIComponent(words.join(' ').toUpperCase())}&page_size=100`)
    expect(expected.length).toBeGreaterThan(0)
    expect(found.map((p) => p.slug).sort()).toEqual(expected.map((p) => p.slug).sort())
    const accented = words.join(' ').replace(/a/g, 'á').replace(/e/g, 'è').replace(/o/g, 'ö')
    const foundAccented = await allPages(`?q=${encodeURIComponent(accented)}&page_size=100`)
    expect(foundAccented.map((p) => p.slug).sort()).toEqual(expected.map((p) => p.slug).sort())
  })

  it('ranks a match in the name above a match in the description', async () => {
    const inDescription = await insertProduct({ name: 'Plain Shelf', description: 'Holds a quokkaphone and more' })
    const inName = await insertProduct({ name: 'Quokkaphone Deluxe', description: 'A speaker' })
    const { body } = await list('?q=quokkaphone')
    expect(body.items.map((p) => p.id)).toEqual([inName.id, inDescription.id])
    const byPrefix = await list('?q=quokka&sort=relevance')
    expect(byPrefix.body.items.map((p) => p.id)).toEqual([inName.id, inDescription.id])
  })

  it('keeps the index in step with renames and deletions', async () => {
    const product = await insertProduct({ name: 'Wobbegong Lamp' })
    expect((await list('?q=wobbegong')).body.total).toBe(1)
    await getDb(env).update(products).set({ name: 'Tasselled Lamp' }).where(eq(products.id, product.id))
    await bumpCatalogVersion(env)
    expect((await list('?q=wobbegong')).body.total).toBe(0)
    expect((await list('?q=tasselled')).body.items.map((p) => p.id)).toEqual([product.id])
    await getDb(env).delete(products).where(eq(products.id, product.id))
    await bumpCatalogVersion(env)
    expect((await list('?q=tasselled')).body.total).toBe(0)
  })

  it('treats FTS keywords typed as words as plain words', async () => {
    const { status, body } = await list('?q=oak%20NEAR%20AND%20OR%20NOT')
    expect(status).toBe(200)
    expect(body.total).toBe(0)
  })
})

describe('GET /api/products/:idOrSlug', () => {
  it('answers the full product by slug and by id, images in order', async () => {
    const planned = active.find((p) => plan.images.filter((i) => i.productId === p.id).length === 3)
    const bySlug = await getJson<ProductDetail>(`/api/products/${planned?.slug}`)
    const byId = await getJson<ProductDetail>(`/api/products/${planned?.id}`)
    expect(bySlug.status).toBe(200)
    expect(byId.body).toEqual(bySlug.body)
    expect(bySlug.body.description).toBe(planned?.description)
    expect(bySlug.body.images.map((i) => i.position)).toEqual([0, 1, 2])
    expect(bySlug.body.images.map((i) => i.alt)).toEqual(plan.images.filter((i) => i.productId === planned?.id).map((i) => i.altText))
    expect(bySlug.body.categories.length).toBeGreaterThan(0)
  })

  it('sells the demo apparel in Size × Colour with a SKU per variant, and Harbor Tee in Navy / M', async () => {
    const tee = await getJson<ProductDetail>(`/api/products/${HARBOR_TEE.slug}`)
    expect(tee.body).toMatchObject({ id: HARBOR_TEE.id, name: HARBOR_TEE.name, options: [{ name: 'Colour', values: HARBOR_TEE.colours }, { name: 'Size', values: ['XS', 'S', 'M', 'L', 'XL'] }] })
    expect(tee.body.variants).toHaveLength(5 * HARBOR_TEE.colours.length)
    expect(tee.body.variants.find((v) => v.title === 'Navy / M')).toMatchObject({ sku: 'CS-00004-NAV-M', in_stock: true, stock_quantity: 10 })
    // Across the demo: some variants sold out, some on sale, every SKU distinct; goods other than apparel have one default variant.
    expect(plan.variants.some((v) => v.stockQuantity === 0)).toBe(true)
    expect(plan.variants.some((v) => v.compareAtCents !== null)).toBe(true)
    expect(new Set(plan.variants.map((v) => v.sku)).size).toBe(plan.variants.length)
    const mug = active.find((p) => p.name.endsWith(' Mug')) as (typeof active)[number]
    const mugDetail = await getJson<ProductDetail>(`/api/products/${mug.slug}`)
    expect([mugDetail.body.options, mugDetail.body.variants.map((v) => v.title)]).toEqual([[], ['Default']])
    const navyM = await getJson<ProductList>(`/api/products?option.size=M&option.colour=Navy&in_stock=true&page_size=100`)
    expect(navyM.body.items.map((i) => i.slug)).toContain(HARBOR_TEE.slug)
  })

  it('answers 404 for an unknown or an inactive product', async () => {
    expect((await getError('/api/products/no-such-product')).status).toBe(404)
    expect((await getError('/api/products/999999')).status).toBe(404)
    const hidden = await getError(`/api/products/${inactive[0]?.slug}`)
    expect(hidden.status).toBe(404)
    expect(hidden.body.error.code).toBe('not_found')
  })

  it('refuses a key that is neither an id nor a slug', async () => {
    for (const key of ['0', '-1', 'Bad_Slug', '1.5', '%22%3Cscript%3E']) {
      const { status, body } = await getError(`/api/products/${key}`)
      expect(status, key).toBe(400)
      expect(body.error.fields?.idOrSlug).toBeDefined()
    }
  })
})

describe('GET /api/categories', () => {
  it('answers the tree with distinct active product counts per subtree', async () => {
    const { body } = await getJson<CategoryNode[]>('/api/categories')
    expect(body.map((c) => c.slug)).toEqual(['kitchen', 'apparel', 'outdoors', 'electronics', 'gifts'])
    const kitchen = body[0] as CategoryNode
    expect(kitchen.children.map((c) => c.slug)).toEqual(['cookware', 'tableware', 'coffee-tea'])
    const countIn = (slugs: string[]) => {
      const ids = plan.categoryRows.filter((c) => slugs.includes(c.slug)).map((c) => c.id)
      return new Set(plan.links.filter((l) => ids.includes(l.categoryId) && active.some((p) => p.id === l.productId)).map((l) => l.productId)).size
    }
    expect(kitchen.product_count).toBe(countIn(['kitchen', 'cookware', 'tableware', 'coffee-tea']))
    expect(kitchen.children[0]?.product_count).toBe(countIn(['cookware']))
  })
})

describe('GET /images/:key', () => {
  it('streams the object with its type, a strong ETag and an immutable cache life, and 304s a match', async () => {
    const { body } = await getJson<ProductDetail>(`/api/products/${active[0]?.slug}`)
    const url = `${BASE}${body.images[0]?.url}`
    const first = await SELF.fetch(url)
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toBe('image/svg+xml')
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const etag = first.headers.get('etag') as string
    expect(etag).toMatch(/^"[^"]+"$/)
    expect(await first.text()).toContain('<svg')
    const again = await SELF.fetch(url, { headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    const changed = await SELF.fetch(url, { headers: { 'If-None-Match': '"something-else"' } })
    expect(changed.status).toBe(200)
    await changed.arrayBuffer()
  })

  it('answers 404 for a missing object or a key that could escape', async () => {
    for (const path of ['/images/products/nope.png', '/images/..%2Fsecret', '/images/UPPER.png']) {
      const response = await SELF.fetch(`${BASE}${path}`)
      expect(response.status, path).toBe(404)
      await response.arrayBuffer()
    }
  })
})

describe('the catalog cache', () => {
  it('answers a repeated query from memory, and keeps browsing pages in KV for other isolates', async () => {
    const first = await list('?category=tops&page_size=7')
    const second = await list('?page_size=7&category=tops')
    expect(first.headers.get('x-cache')).toBe('miss')
    expect(second.headers.get('x-cache')).toBe('memory')
    expect(second.body).toEqual(first.body)
    const keys = (await env.CACHE.list({ prefix: 'catalog:' })).keys.map((k) => k.name)
    expect(keys.some((k) => k.endsWith(':products?category=tops&page_size=7'))).toBe(true)
  })

  it('keeps long-tail searches in memory only, so that their miss costs one D1 round trip and no KV', async () => {
    const first = await list('?q=linen&page_size=7')
    expect(first.headers.get('x-cache')).toBe('miss')
    expect((await list('?q=linen&page_size=7')).headers.get('x-cache')).toBe('memory')
    const keys = (await env.CACHE.list({ prefix: 'catalog:' })).keys.map((k) => k.name)
    expect(keys.some((k) => k.includes('q=linen'))).toBe(false)
  })

  it('makes every cached answer stale at once after a catalog write', async () => {
    // A product sold as one variant: its price edit reaches the variant (migration 0009's trigger), which is what the shop shows.
    const target = active.filter((p) => !plan.options.some((o) => o.productId === p.id))[3] as (typeof active)[number]
    const before = await getJson<ProductDetail>(`/api/products/${target.slug}`)
    const listed = await list('?sort=price&page_size=100')
    expect((await getJson(`/api/products/${target.slug}`)).headers.get('x-cache')).toBe('memory')
    await getDb(env).update(products).set({ priceCents: 1 }).where(eq(products.id, target.id as number))
    await bumpCatalogVersion(env)
    const after = await getJson<ProductDetail>(`/api/products/${target.slug}`)
    expect(after.headers.get('x-cache')).toBe('miss')
    expect(before.body.price_cents).not.toBe(1)
    expect(after.body.price_cents).toBe(1)
    const relisted = await list('?sort=price&page_size=100')
    expect(listed.body.items[0]?.id).not.toBe(target.id)
    expect(relisted.body.items[0]?.id).toBe(target.id)
  })
})

describe('bad input', () => {
  it.each([
    ['page=-1', 'page'],
    ['page=0', 'page'],
    ['page=1.5', 'page'],
    ['page=1e3', 'page'],
    ['page_size=10000', 'page_size'],
    ['page_size=0', 'page_size'],
    ['min_price=abc', 'min_price'],
    ['max_price=-5', 'max_price'],
    ['min_price=500&max_price=100', 'min_price'],
    ['in_stock=maybe', 'in_stock'],
    ['sort=cheapest', 'sort'],
    ['sort=relevance', 'sort'],
    ['category=Not%20A%20Slug', 'category'],
    [`q=${'a'.repeat(2048)}`, 'q'],
    ['q=%22', 'q'],
    ['q=NEAR(oak%20linen)', 'q'],
    ['q=oak*', 'q'],
    ['q=name:oak', 'q'],
    ['q=---', 'q'],
    ['colour=red', 'colour'],
    ['page=1&page=2', 'page'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    const { status, body } = await getError(`/api/products?${query}`)
    expect(status).toBe(400)
    expect(body.error.code).toBe('validation_failed')
    expect(Object.keys(body.error.fields ?? {})).toContain(field)
  })

  it('answers unknown API paths with 404 in the same shape', async () => {
    for (const path of ['/api/nope', '/api/products/oak/extra', '/api']) {
      const { status, body } = await getError(path)
      expect(status, path).toBe(404)
      expect(body.error.code).toBe('not_found')
      expect(body.error.request_id).toBeTruthy()
    }
  })
})
