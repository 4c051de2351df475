/**
 * The shop's read side of variants: the product detail's options and variants, the list's price range and
 * any-variant stock, the option and SKU filters, the product page's picker, its JSON-LD and its cache key.
 */
import { env, SELF } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { bumpCatalogVersion } from '../src/catalog/cache'
import type { ProductDetail, ProductSummary } from '../src/catalog/queries'
import { selectProductPage } from '../src/catalog/queries'
import { ProductListQuery } from '../src/catalog/schemas'
import type { ProductList } from '../src/catalog/service'
import { getDb } from '../src/db/client'
import { categories, productCategories, productOptions, productOptionValues, products, productVariants, variantOptionValues } from '../src/db/schema'
import { stockOf } from '../src/stock/client'
import { BASE, getError, getJson, insertProduct } from './helpers'

let serial = 0
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++serial}`

/** A category of its own per test, so that a listing shows only that test's products. */
async function freshCategory() {
  const slug = fresh('cat')
  const [row] = await getDb(env).insert(categories).values({ name: slug, slug }).returning()
  return row as typeof categories.$inferSelect
}

interface VariantSpec {
  values: string[]
  sku?: string
  price: number
  compareAt?: number
  stock: number
  active?: boolean
  /** Index into the product's images. */
  image?: number
}

/**
 * A product with options and variants as the admin would store them: the default variant the insert
 * trigger made replaced by these, in one batch (local helper; test/helpers.ts belongs to the cart work).
 */
async function variantProduct(options: { name: string; values: string[] }[], variants: VariantSpec[], { categoryId, images = [], name }: { categoryId?: number; images?: string[]; name?: string } = {}) {
  const product = await insertProduct({ ...(name && { name }), categoryIds: categoryId ? [categoryId] : [], images })
  const db = getDb(env)
  const imageRows = await db.query.productImages.findMany({ where: (t, { eq: is }) => is(t.productId, product.id), orderBy: (t, { asc }) => [asc(t.position)] })
  await db.delete(productVariants).where(eq(productVariants.productId, product.id))
  const optionRows: { id: number; values: (typeof productOptionValues.$inferSelect)[] }[] = []
  for (const [position, option] of options.entries()) {
    const [row] = await db.insert(productOptions).values({ productId: product.id, name: option.name, position }).returning()
    const values = await db
      .insert(productOptionValues)
      .values(option.values.map((value, p) => ({ optionId: row!.id, value, position: p })))
      .returning()
    optionRows.push({ id: row!.id, values })
  }
  const variantRows = []
  for (const [position, spec] of variants.entries()) {
    const [row] = await db
      .insert(productVariants)
      .values({
        productId: product.id,
        sku: spec.sku ?? null,
        title: spec.values.join(' / ') || 'Default',
        priceCents: spec.price,
        compareAtCents: spec.compareAt ?? null,
        stockQuantity: spec.stock,
        isActive: spec.active ?? true,
        position,
        imageId: spec.image === undefined ? null : (imageRows[spec.image]?.id ?? null),
      })
      .returning()
    const links = spec.values.map((value, o) => {
      const option = optionRows[o]!
      return { variantId: row!.id, optionId: option.id, optionValueId: option.values.find((v) => v.value === value)!.id }
    })
    if (links.length) await db.insert(variantOptionValues).values(links)
    variantRows.push(row!)
  }
  await bumpCatalogVersion(env)
  const [stored] = await db.select().from(products).where(eq(products.id, product.id))
  return { product: stored!, variants: variantRows }
}

/** A T-shirt in S/M/L × Navy/Black: Black/L does not exist, Navy/L is sold out, Black/M inactive. */
async function tee(categoryId?: number) {
  const sku = fresh('TEE').toUpperCase()
  return variantProduct(
    [
      { name: 'Size', values: ['S', 'M', 'L'] },
      { name: 'Colour', values: ['Navy', 'Black'] },
    ],
    [
      { values: ['S', 'Navy'], sku: `${sku}-NS`, price: 2500, stock: 3 },
      { values: ['M', 'Navy'], sku: `${sku}-NM`, price: 2500, compareAt: 4000, stock: 40, image: 1 },
      { values: ['L', 'Navy'], sku: `${sku}-NL`, price: 2800, stock: 0 },
      { values: ['S', 'Black'], sku: `${sku}-BS`, price: 2600, stock: 2 },
      { values: ['M', 'Black'], sku: `${sku}-BM`, price: 1000, stock: 9, active: false },
    ],
    { categoryId, images: [`products/${'1'.repeat(64)}.png`, `products/${'2'.repeat(64)}.png`] },
  )
}

const listIn = (category: string, query = '') => getJson<ProductList>(`/api/products?category=${category}${query}`)
const slugsOf = (items: ProductSummary[]) => items.map((i) => i.slug).sort()

describe('GET /api/products/:idOrSlug with variants', () => {
  it('carries the options in order and the active variants with their values, prices, stock and image', async () => {
    const { product, variants } = await tee()
    const { status, body } = await getJson<ProductDetail>(`/api/products/${product.slug}`)
    expect(status).toBe(200)
    expect(body.options).toEqual([
      { name: 'Size', values: ['S', 'M', 'L'] },
      { name: 'Colour', values: ['Navy', 'Black'] },
    ])
    // The inactive Black / M is left out; stock is shown up to 10.
    expect(body.variants.map((v) => [v.title, v.price_cents, v.compare_at_cents, v.stock_quantity, v.in_stock])).toEqual([
      ['S / Navy', 2500, null, 3, true],
      ['M / Navy', 2500, 4000, 10, true],
      ['L / Navy', 2800, null, 0, false],
      ['S / Black', 2600, null, 2, true],
    ])
    const navyM = body.variants[1]!
    expect(navyM).toMatchObject({ id: variants[1]!.id, sku: variants[1]!.sku, option_values: [{ name: 'Size', value: 'M' }, { name: 'Colour', value: 'Navy' }], position: 1 })
    expect(navyM.image).toEqual({ url: `/images/products/${'2'.repeat(64)}.png`, alt: `products/${'2'.repeat(64)}.png`, width: null, height: null })
    expect(body.variants[0]!.image).toBeNull()
    // The product's figures are those of its active variants: from 25, up to 28, was 40; 45 units sellable.
    expect(body).toMatchObject({ price_cents: 2500, price_min_cents: 2500, price_max_cents: 2800, compare_at_max_cents: 4000, stock_quantity: 10, in_stock: true })
  })

  it('gives a product without options its one default variant and no options', async () => {
    const product = await insertProduct({ priceCents: 1800, stockQuantity: 4 })
    const { body } = await getJson<ProductDetail>(`/api/products/${product.id}`)
    expect(body.options).toEqual([])
    expect(body.variants).toEqual([
      { id: expect.any(Number), sku: null, title: 'Default', option_values: [], price_cents: 1800, compare_at_cents: null, stock_quantity: 4, in_stock: true, image: null, position: 0 },
    ])
  })
})

describe('GET /api/products items with variants', () => {
  it('carry the price range, the highest compare-at price and whether any active variant is in stock', async () => {
    const category = await freshCategory()
    const { product } = await tee(category.id)
    const allSoldOut = await variantProduct(
      [{ name: 'Size', values: ['S', 'M'] }],
      [
        { values: ['S'], price: 900, stock: 0 },
        { values: ['M'], price: 900, stock: 0 },
      ],
      { categoryId: category.id },
    )
    // Stock on an inactive variant does not make the product sellable.
    const inactiveStock = await variantProduct(
      [{ name: 'Size', values: ['S', 'M'] }],
      [
        { values: ['S'], price: 700, stock: 0 },
        { values: ['M'], price: 500, stock: 7, active: false },
      ],
      { categoryId: category.id },
    )
    const { body } = await listIn(category.slug, '&sort=price')
    const bySlug = new Map(body.items.map((i) => [i.slug, i]))
    expect(bySlug.get(product.slug)).toMatchObject({ price_cents: 2500, price_min_cents: 2500, price_max_cents: 2800, compare_at_max_cents: 4000, in_stock: true, stock_quantity: 10 })
    expect(bySlug.get(allSoldOut.product.slug)).toMatchObject({ price_min_cents: 900, price_max_cents: 900, compare_at_max_cents: null, in_stock: false, stock_quantity: 0 })
    // The inactive variant's lower price is not the "from" price either.
    expect(bySlug.get(inactiveStock.product.slug)).toMatchObject({ price_min_cents: 700, price_max_cents: 700, in_stock: false })
    expect(slugsOf((await listIn(category.slug, '&in_stock=true')).body.items)).toEqual([product.slug])
    // The price sort and filters use the "from" price.
    expect(body.items.map((i) => i.slug)).toEqual([inactiveStock.product.slug, allSoldOut.product.slug, product.slug])
    expect(slugsOf((await listIn(category.slug, '&max_price=800')).body.items)).toEqual([inactiveStock.product.slug])
  })

  it('follow a variant selling out through the stock object, without a staff write', async () => {
    const category = await freshCategory()
    const { product, variants } = await variantProduct(
      [{ name: 'Size', values: ['S', 'M'] }],
      [
        { values: ['S'], price: 1000, stock: 1 },
        { values: ['M'], price: 1000, stock: 0 },
      ],
      { categoryId: category.id },
    )
    expect((await listIn(category.slug, '&in_stock=true')).body.items.map((i) => i.id)).toEqual([product.id])
    const before = await getJson<ProductDetail>(`/api/products/${product.slug}`)
    expect(before.body.variants[0]!.in_stock).toBe(true)
    expect((await stockOf(env, product.id).adjust(product.id, -1, variants[0]!.id)).ok).toBe(true)
    expect((await listIn(category.slug, '&in_stock=true')).body.items).toEqual([])
    const after = await getJson<ProductDetail>(`/api/products/${product.slug}`)
    expect(after.body.variants.map((v) => v.in_stock)).toEqual([false, false])
    expect(after.body.in_stock).toBe(false)
  })

  it('move the catalog on when one variant sells out while the product still shows 10 or more', async () => {
    const { product, variants } = await variantProduct(
      [{ name: 'Size', values: ['S', 'M'] }],
      [
        { values: ['S'], price: 1000, stock: 1 },
        { values: ['M'], price: 1000, stock: 30 },
      ],
    )
    const before = await getJson<ProductDetail>(`/api/products/${product.slug}`)
    expect([before.body.stock_quantity, before.body.variants[0]!.in_stock]).toEqual([10, true])
    expect((await getJson(`/api/products/${product.slug}`)).headers.get('x-cache')).toBe('memory')
    // 31 → 30 units: the product's figure stays "10 or more", S's goes from 1 to sold out.
    expect((await stockOf(env, product.id).adjust(product.id, -1, variants[0]!.id)).ok).toBe(true)
    const after = await getJson<ProductDetail>(`/api/products/${product.slug}`)
    expect(after.headers.get('x-cache')).toBe('miss')
    expect([after.body.stock_quantity, after.body.variants[0]!.in_stock]).toEqual([10, false])
  })

  it('still come from one D1 statement per page, with option and SKU filters too', async () => {
    const category = await freshCategory()
    const { variants } = await tee(category.id)
    const statements: string[] = []
    const counted = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(object, property) {
          const value = Reflect.get(object, property)
          if (typeof value !== 'function') return value
          return (...args: unknown[]) => {
            const name = String(property)
            if (['batch', 'exec', 'all', 'run', 'first', 'raw'].includes(name)) statements.push(name)
            const result = value.apply(object, args)
            return ['prepare', 'bind'].includes(name) ? counted(result) : result
          }
        },
      })
    const db = getDb({ DB: counted(env.DB) })
    for (const query of [{ page_size: '5' }, { 'option.size': 'M', 'option.colour': 'Navy', in_stock: 'true', min_price: '100' }, { sku: variants[0]!.sku!, sort: 'price' }]) {
      statements.length = 0
      const { itemsJson } = await selectProductPage(db, ProductListQuery.parse(query), [category.id])
      expect((JSON.parse(itemsJson) as unknown[]).length).toBeGreaterThan(0)
      expect(statements).toHaveLength(1)
    }
  })
})

describe('GET /api/products variant filters', () => {
  it('option.<name>=<value> matches the name in any case and the value exactly; several options combine with AND', async () => {
    const category = await freshCategory()
    const { product } = await tee(category.id)
    const mug = await insertProduct({ categoryIds: [category.id] })
    const hoodie = await variantProduct([{ name: 'size', values: ['M', 'XL'] }], [{ values: ['XL'], price: 5000, stock: 5 }, { values: ['M'], price: 5000, stock: 5 }], { categoryId: category.id })
    expect(slugsOf((await listIn(category.slug, '&option.size=M')).body.items)).toEqual([product.slug, hoodie.product.slug].sort())
    expect(slugsOf((await listIn(category.slug, '&option.SIZE=M')).body.items)).toEqual([product.slug, hoodie.product.slug].sort())
    expect((await listIn(category.slug, '&option.size=m')).body.items).toEqual([])
    expect(slugsOf((await listIn(category.slug, '&option.size=M&option.colour=Navy')).body.items)).toEqual([product.slug])
    // S / Black exists, L / Black does not: the options must hold on one variant.
    expect(slugsOf((await listIn(category.slug, '&option.size=S&option.colour=Black')).body.items)).toEqual([product.slug])
    expect((await listIn(category.slug, '&option.size=L&option.colour=Black')).body.items).toEqual([])
    // Black / M is inactive: not sold, not matched.
    expect((await listIn(category.slug, '&option.size=M&option.colour=Black')).body.items).toEqual([])
    // An option no product has matches nothing; the products without options are never matched.
    expect((await listIn(category.slug, '&option.material=Wool')).body.items).toEqual([])
    expect(slugsOf((await listIn(category.slug)).body.items)).toContain(mug.slug)
  })

  it('with option filters, in_stock and the price range apply to the matching variant', async () => {
    const category = await freshCategory()
    const { product } = await tee(category.id)
    // L / Navy exists but is sold out; M / Navy is in stock.
    expect((await listIn(category.slug, '&option.size=L&in_stock=true')).body.items).toEqual([])
    expect(slugsOf((await listIn(category.slug, '&option.size=L&in_stock=false')).body.items)).toEqual([product.slug])
    expect(slugsOf((await listIn(category.slug, '&option.size=M&in_stock=true')).body.items)).toEqual([product.slug])
    // L costs 28: the product's "from" price (25) is not what is filtered.
    expect(slugsOf((await listIn(category.slug, '&option.size=L&min_price=2700')).body.items)).toEqual([product.slug])
    expect((await listIn(category.slug, '&option.size=M&min_price=2700')).body.items).toEqual([])
    expect((await listIn(category.slug, '&option.size=L&max_price=2700')).body.items).toEqual([])
  })

  it('sku=<exact> finds the product of that variant', async () => {
    const category = await freshCategory()
    const { product, variants } = await tee(category.id)
    const sku = variants[2]!.sku!
    expect((await getJson<ProductList>(`/api/products?sku=${sku}`)).body.items.map((i) => i.slug)).toEqual([product.slug])
    expect((await getJson<ProductList>(`/api/products?sku=${sku.toLowerCase()}`)).body.items).toEqual([])
    // That SKU is sold out (L / Navy): in stock means that variant.
    expect((await getJson<ProductList>(`/api/products?sku=${sku}&in_stock=true`)).body.items).toEqual([])
    // The inactive variant's SKU finds nothing.
    expect((await getJson<ProductList>(`/api/products?sku=${variants[4]!.sku!}`)).body.items).toEqual([])
  })

  it('keeps the variant filters in the page links, in one canonical form', async () => {
    const category = await freshCategory()
    for (let i = 0; i < 3; i++) await tee(category.id)
    const { body } = await listIn(category.slug, '&option.Colour=Navy&option.size=M&page_size=2')
    expect(body.total).toBe(3)
    expect(body.next).toBe(`/api/products?category=${category.slug}&option.colour=Navy&option.size=M&page_size=2&page=2`)
  })

  it('refuses bad variant filters with a 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['option.size=', 'option.size'],
      [`option.size=${'x'.repeat(101)}`, 'option.size'],
      ['option.=M', 'option.'],
      ['option.size=M&option.SIZE=L', 'option.SIZE'],
      ['option.a=1&option.b=2&option.c=3&option.d=4', 'option'],
      ['sku=', 'sku'],
      ['colour=red', 'colour'],
    ] as const) {
      const { status, body } = await getError(`/api/products?${query}`)
      expect(status, query).toBe(400)
      expect(body.error.code, query).toBe('validation_failed')
      expect(Object.keys(body.error.fields ?? {}), query).toContain(field)
    }
  })
})

/** The product page's HTML. */
const page = async (path: string) => {
  const answer = await SELF.fetch(`${BASE}${path}`)
  return { status: answer.status, headers: answer.headers, html: await answer.text() }
}
const jsonLdOf = (html: string) => JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)?.[1] ?? 'null') as Record<string, unknown>
/** The picker's link for a value: its href, whether it is current, and its classes. */
function choiceLink(html: string, value: string) {
  const links = [...html.matchAll(/<a class="choice([^"]*)" href="([^"]+)"( aria-current="true")?>(.*?)<\/a>/gs)]
  const link = links.find((m) => new RegExp(`<span class="choice-value">${value}</span>`).test(m[4] ?? ''))
  return link ? { classes: link[1]!.trim(), href: link[2]!.replace(/&amp;/g, '&'), current: Boolean(link[3]) } : null
}

describe('the product page picker', () => {
  it('shows the first variant in stock when no ?variant is given, with links to the other choices', async () => {
    const { product, variants } = await tee()
    const { status, html } = await page(`/products/${product.slug}`)
    expect(status).toBe(200)
    expect(html).toContain('Size: <strong>S</strong>')
    expect(html).toContain('Colour: <strong>Navy</strong>')
    expect(choiceLink(html, 'S')).toEqual({ classes: '', href: `/products/${product.slug}?variant=${variants[0]!.id}`, current: true })
    expect(choiceLink(html, 'M')).toEqual({ classes: '', href: `/products/${product.slug}?variant=${variants[1]!.id}`, current: false })
    // L / Navy exists but is sold out: struck, still a link to look at it.
    expect(choiceLink(html, 'L')).toEqual({ classes: 'sold-out', href: `/products/${product.slug}?variant=${variants[2]!.id}`, current: false })
    expect(choiceLink(html, 'Black')).toMatchObject({ classes: 'swatch', href: `/products/${product.slug}?variant=${variants[3]!.id}` })
    expect(html).toContain(`name="variant_id" value="${variants[0]!.id}"`)
    expect(html).toContain(`name="product_id" value="${product.id}"`)
  })

  it('follows ?variant: its price with the compare-at price struck, its image, its add-to-cart', async () => {
    const { product, variants } = await tee()
    const { status, html } = await page(`/products/${product.slug}?variant=${variants[1]!.id}`)
    expect(status).toBe(200)
    expect(choiceLink(html, 'M')?.current).toBe(true)
    expect(html).toMatch(/<span class="visually-hidden">Was <\/span><s class="compare-at">\$40\.00<\/s><span class="visually-hidden">, now<\/span> \$25\.00/)
    expect(html).toContain(`class="gallery-main" src="/images/products/${'2'.repeat(64)}.png"`)
    expect(html).toContain(`name="variant_id" value="${variants[1]!.id}"`)
    // From M / Navy, Black is offered as M / Black, which is not sold: marked, leading to the nearest Black (S / Black).
    expect(choiceLink(html, 'Black')).toEqual({ classes: 'swatch unavailable', href: `/products/${product.slug}?variant=${variants[3]!.id}`, current: false })
  })

  it('says a sold-out variant is sold out and offers no add button', async () => {
    const { product, variants } = await tee()
    const { html } = await page(`/products/${product.slug}?variant=${variants[2]!.id}`)
    expect(html).toContain('L / Navy is sold out')
    expect(html).not.toContain('action="/cart/items"')
    expect(html).not.toContain('Add to cart</button>')
    // What it offers instead: a mail when this very variant is back.
    expect(html).toMatch(new RegExp(`<form class="back-in-stock"[^>]*>.*?name="variant_id" value="${variants[2]!.id}"`, 's'))
  })

  it('answers 404 with the product and a notice for a variant that is not one of its active variants', async () => {
    const { product, variants } = await tee()
    const other = await tee()
    for (const id of [String(variants[4]!.id), String(other.variants[0]!.id), '999999999', 'abc']) {
      const { status, html } = await page(`/products/${product.slug}?variant=${id}`)
      expect(status, id).toBe(404)
      expect(html, id).toContain(`That choice of ${product.name} doesn't exist`)
      expect(html, id).toContain(`name="variant_id" value="${variants[0]!.id}"`)
      expect(html, id).toContain('noindex')
    }
  })

  it('offers a select and a submit button for an option with many values', async () => {
    const sizes = ['28', '29', '30', '31', '32', '33', '34', '36', '38']
    const { product, variants } = await variantProduct([{ name: 'Waist', values: sizes }], sizes.map((s, i) => ({ values: [s], price: 6000, stock: i === 2 ? 0 : 4 })))
    const { html } = await page(`/products/${product.slug}?variant=${variants[3]!.id}`)
    expect(html).toContain(`<form class="option option-select" method="get" action="/products/${product.slug}">`)
    expect(html).toContain(`<option value="${variants[3]!.id}" selected>31</option>`)
    expect(html).toContain(`<option value="${variants[2]!.id}">30 (sold out)</option>`)
    expect(html).toContain('<button type="submit">Choose</button>')
  })

  it('keys the cached page on ?variant alone', async () => {
    const { product, variants } = await tee()
    const first = await page(`/products/${product.slug}?variant=${variants[1]!.id}`)
    expect(first.headers.get('x-cache')).toBe('miss')
    const again = await page(`/products/${product.slug}?variant=${variants[1]!.id}&utm_source=mail`)
    expect(again.headers.get('x-cache')).toBe('hit')
    const other = await page(`/products/${product.slug}?variant=${variants[3]!.id}`)
    expect(other.headers.get('x-cache')).toBe('miss')
    expect(other.html).toContain(`name="variant_id" value="${variants[3]!.id}"`)
    const plain = await page(`/products/${product.slug}?utm_source=mail`)
    expect(plain.headers.get('x-cache')).toBe('miss')
    expect((await page(`/products/${product.slug}`)).headers.get('x-cache')).toBe('hit')
  })
})

describe('the product page JSON-LD', () => {
  it('is a ProductGroup listing each active variant as a Product with its SKU, values and Offer', async () => {
    const { product, variants } = await tee()
    const ld = jsonLdOf((await page(`/products/${product.slug}`)).html)
    const url = `${BASE}/products/${product.slug}`
    expect(ld).toMatchObject({ '@type': 'ProductGroup', productGroupID: product.slug, variesBy: ['https://schema.org/size', 'https://schema.org/color'], url })
    const hasVariant = ld.hasVariant as Record<string, unknown>[]
    expect(hasVariant).toHaveLength(4)
    expect(hasVariant[1]).toMatchObject({
      '@type': 'Product',
      sku: variants[1]!.sku,
      size: 'M',
      color: 'Navy',
      image: `${BASE}/images/products/${'2'.repeat(64)}.png`,
      offers: { '@type': 'Offer', price: '25', priceCurrency: 'USD', availability: 'https://schema.org/InStock', url: `${url}?variant=${variants[1]!.id}` },
    })
    expect(hasVariant[2]).toMatchObject({ size: 'L', offers: { availability: 'https://schema.org/OutOfStock' } })
  })

  it('stays a Product with one Offer for a product without options', async () => {
    const product = await insertProduct({ priceCents: 1250, stockQuantity: 0 })
    const ld = jsonLdOf((await page(`/products/${product.slug}`)).html)
    expect(ld).toMatchObject({ '@type': 'Product', offers: { '@type': 'Offer', price: '12.50', availability: 'https://schema.org/OutOfStock' } })
    expect(ld.hasVariant).toBeUndefined()
  })
})

describe('the shop list page with variant filters', () => {
  // 25 products with variants, one more than a page of the shop: a few seconds on a loaded machine.
  it('accepts option and SKU filters, keeps them in its links and shows from-prices and Sale', { timeout: 30_000 }, async () => {
    const category = await freshCategory()
    await Promise.all(Array.from({ length: 25 }, () => tee(category.id)))
    const redirect = await SELF.fetch(`${BASE}/products?category=${category.slug}&option.Colour=Navy&option.size=&q=`, { redirect: 'manual' })
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get('location')).toBe(`/products?category=${category.slug}&option.colour=Navy`)
    const { status, html } = await page(`/products?category=${category.slug}&option.colour=Navy`)
    expect(status).toBe(200)
    expect(html).toContain('25 products')
    expect(html).toContain(`href="/products?category=${category.slug}&amp;option.colour=Navy&amp;page=2"`)
    expect(html).toContain('<input type="hidden" name="option.colour" value="Navy"/>')
    expect(html).toContain('From $25.00')
    expect(html).toContain('<span class="badge-sale">Sale</span>')
    const none = await page(`/products?category=${category.slug}&option.colour=Teal`)
    expect(none.html).toContain('No products match')
  })
})

describe('the listing columns kept by triggers', () => {
  it('follow every change of a variant: insert, price, deactivation, delete', async () => {
    const { product, variants } = await tee()
    const db = getDb(env)
    const row = async () => (await db.select().from(products).where(eq(products.id, product.id)))[0]!
    expect(await row()).toMatchObject({ priceCents: 2500, priceMaxCents: 2800, compareAtMaxCents: 4000, availableUnits: 45, stockQuantity: 54 })
    await db.update(productVariants).set({ priceCents: 2000 }).where(eq(productVariants.id, variants[3]!.id))
    expect(await row()).toMatchObject({ priceCents: 2000, priceMaxCents: 2800 })
    await db.update(productVariants).set({ isActive: false }).where(eq(productVariants.id, variants[1]!.id))
    expect(await row()).toMatchObject({ compareAtMaxCents: null, availableUnits: 5 })
    await db.delete(productVariants).where(eq(productVariants.productId, product.id))
    expect(await row()).toMatchObject({ availableUnits: 0, stockQuantity: 0 })
    // A category link stays as it was: nothing else of the product moves.
    expect(await db.select().from(productCategories).where(eq(productCategories.productId, product.id))).toEqual([])
  })
})
