/**
 * Search finds what shoppers mean (issue 18): a fixed catalogue and a fixed list of queries — plurals,
 * typos, diacritics, SKUs, prefixes as typed, several words — each with the product that must be in the
 * first five results. The score is measured and every miss is named.
 */
import { env, SELF } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { bumpCatalogVersion } from '../src/catalog/cache'
import { chunkRows, getDb } from '../src/db/client'
import { SEARCH_RESULTS_MAX } from '../src/catalog/queries'
import { categories, products, productVariants } from '../src/db/schema'
import { BASE, getJson, insertProduct, insertVariantProduct } from './helpers'

interface Item {
  slug: string
  name: string
}
interface ListBody {
  items: Item[]
  total: number
  search: { query: string; corrected_from: string | null; did_you_mean: string | null; more_matches: boolean } | null
}

/** slug, name, description, SKU of its one variant. */
const CATALOGUE: [string, string, string, string][] = [
  ['cast-iron-skillet', 'Cast Iron Skillet', 'A 26 cm skillet, pre-seasoned, for searing and baking.', 'KIT-SKL-26'],
  ['enamel-dutch-oven', 'Enamel Dutch Oven', 'Heavy pot with a tight lid for slow braises.', 'KIT-DOV-24'],
  ['harbor-mug', 'Harbor Mug', 'Stoneware mug glazed in sea blue, 350 ml.', 'KIT-MUG-HBR'],
  ['espresso-cups', 'Espresso Cups, Set of Two', 'Small porcelain cups with saucers.', 'KIT-ESP-2'],
  ['creme-brulee-ramekins', 'Crème Brûlée Ramekins', 'Four porcelain ramekins for baked custards.', 'KIT-RAM-4'],
  ['chefs-knife', "Chef's Knife", 'A 20 cm blade of forged steel with a walnut handle.', 'KIT-KNF-20'],
  ['bread-knife', 'Bread Knife', 'Serrated knife for crusty loaves.', 'KIT-KNF-BRD'],
  ['oak-cutting-board', 'Oak Cutting Board', 'End-grain oak board, oiled.', 'KIT-BRD-OAK'],
  ['french-press', 'French Press', 'Glass coffee maker for four cups.', 'KIT-FRP-4'],
  ['tea-kettle', 'Whistling Tea Kettle', 'Stainless kettle for gas and induction hobs.', 'KIT-KTL-2'],
  ['wireless-headphones', 'Wireless Headphones', 'Over-ear headphones with noise cancelling and 30 hours of battery.', 'AUD-HPH-WL'],
  ['studio-headphones', 'Studio Headphones', 'Closed-back wired headphones for mixing.', 'AUD-HPH-ST'],
  ['bluetooth-speaker', 'Bluetooth Speaker', 'Waterproof portable speaker.', 'AUD-SPK-BT'],
  ['turntable', 'Belt-Drive Turntable', 'A record player with a built-in preamp.', 'AUD-TTB-1'],
  ['leather-boots', 'Leather Chelsea Boots', 'Pull-on boots in waxed leather.', 'APP-BOT-CH'],
  ['hiking-boot', 'Waterproof Hiking Boot', 'Mid-height boot with a grippy sole.', 'APP-BOT-HK'],
  ['wool-socks', 'Merino Wool Socks', 'Three pairs of cushioned socks.', 'APP-SOC-3'],
  ['rain-jacket', 'Packable Rain Jacket', 'Light shell jacket that folds into its pocket.', 'APP-JKT-RN'],
  ['denim-jacket', 'Denim Jacket', 'Classic trucker jacket in raw denim.', 'APP-JKT-DN'],
  ['linen-shirt', 'Linen Shirt', 'Breathable shirt for warm days.', 'APP-SHT-LN'],
  ['canvas-tote', 'Canvas Tote Bag', 'Heavy cotton tote with an inner pocket.', 'ACC-TOT-CV'],
  ['leather-wallet', 'Leather Wallet', 'Slim bifold wallet with six card slots.', 'ACC-WAL-LT'],
  ['sunglasses', 'Polarised Sunglasses', 'Tortoiseshell frames with UV400 lenses.', 'ACC-SUN-PL'],
  ['camping-tent', 'Two-Person Camping Tent', 'Freestanding tent, 2.1 kg.', 'OUT-TNT-2P'],
  ['sleeping-bag', 'Down Sleeping Bag', 'Rated to -5 °C.', 'OUT-SLP-DN'],
  ['headlamp', 'Rechargeable Headlamp', '400 lumens, USB-C charging.', 'OUT-HDL-400'],
  ['water-bottle', 'Insulated Water Bottle', 'Keeps drinks cold for 24 hours.', 'OUT-BTL-750'],
  ['yoga-mat', 'Cork Yoga Mat', 'Natural cork on rubber, 4 mm.', 'FIT-YOG-CK'],
  ['dumbbells', 'Adjustable Dumbbells', 'A pair from 2 to 24 kg.', 'FIT-DMB-24'],
  ['scented-candle', 'Fig Scented Candle', 'Soy wax candle, 50 hours.', 'HOM-CND-FIG'],
  ['throw-blanket', 'Wool Throw Blanket', 'Herringbone throw for the sofa.', 'HOM-BLK-WL'],
  ['table-lamp', 'Ceramic Table Lamp', 'Glazed base with a linen shade.', 'HOM-LMP-CR'],
  ['picture-frames', 'Oak Picture Frames', 'Set of three frames for A4 prints.', 'HOM-FRM-3'],
  ['notebook', 'Dot Grid Notebook', 'A5, 160 pages of 100 g paper.', 'STA-NTB-A5'],
  ['fountain-pen', 'Fountain Pen', 'Steel nib, refillable converter.', 'STA-PEN-FT'],
  ['jalapeno-hot-sauce', 'Jalapeño Hot Sauce', 'Green and bright, 150 ml.', 'PAN-SAU-JAL'],
  ['olive-oil', 'Extra Virgin Olive Oil', 'Cold pressed, 500 ml.', 'PAN-OIL-500'],
  ['coffee-beans', 'Whole Coffee Beans', 'Medium roast, 1 kg.', 'PAN-COF-1K'],
]

/** Query, the slug that must be among the first five results, and what the query tries. */
const QUERIES: [string, string, string][] = [
  ['mug', 'harbor-mug', 'a word as named'],
  ['mugs', 'harbor-mug', 'plural of a singular name'],
  ['boots', 'hiking-boot', 'plural finds the singular'],
  ['boot', 'leather-boots', 'singular finds the plural'],
  ['headphone', 'wireless-headphones', 'singular of a plural name'],
  ['knives', 'chefs-knife', 'irregular plural'],
  ['socks', 'wool-socks', 'plural as named'],
  ['jackets', 'rain-jacket', 'plural of a noun in two names'],
  ['skilet', 'cast-iron-skillet', 'one letter missing'],
  ['skillett', 'cast-iron-skillet', 'one letter too many'],
  ['headphnes', 'wireless-headphones', 'a vowel missing'],
  ['hedphones', 'studio-headphones', 'another vowel missing'],
  ['turntabel', 'turntable', 'two letters swapped'],
  ['sunglases', 'sunglasses', 'a double letter single'],
  ['speeker', 'bluetooth-speaker', 'a wrong vowel'],
  ['blanket', 'throw-blanket', 'a word of the name'],
  ['blankte', 'throw-blanket', 'two edits on a seven-letter word'],
  ['creme', 'creme-brulee-ramekins', 'without its accent'],
  ['brulee', 'creme-brulee-ramekins', 'second word without accents'],
  ['jalapeno', 'jalapeno-hot-sauce', 'ñ typed as n'],
  ['crème brûlée', 'creme-brulee-ramekins', 'with the accents'],
  ['KIT-SKL-26', 'cast-iron-skillet', 'an exact SKU'],
  ['kit-skl-26', 'cast-iron-skillet', 'a SKU in lower case'],
  ['AUD-HPH-WL', 'wireless-headphones', 'another exact SKU'],
  ['OUT-HDL', 'headlamp', 'the beginning of a SKU'],
  ['APP-BOT-CH', 'leather-boots', 'a SKU whose product has a plural name'],
  ['skil', 'cast-iron-skillet', 'a prefix as typed'],
  ['head', 'headlamp', 'a short prefix'],
  ['turnt', 'turntable', 'a prefix of one word'],
  ['cast iron', 'cast-iron-skillet', 'two words'],
  ['cast iron skillet', 'cast-iron-skillet', 'the exact name'],
  ['wireless headphones', 'wireless-headphones', 'two words, the exact name'],
  ['waterproof boot', 'hiking-boot', 'a word of the description and one of the name'],
  ['leather boots', 'leather-boots', 'material and plural noun'],
  ['oak board', 'oak-cutting-board', 'two words apart in the name'],
  ['bread knife', 'bread-knife', 'exact name of a common word'],
  ['coffee', 'french-press', 'a word of the description'],
  ['coffee beans', 'coffee-beans', 'exact name against a description word'],
  ['sleeping bags', 'sleeping-bag', 'plural of a two-word name'],
  ['rain jackets', 'rain-jacket', 'plural of a two-word name'],
  ['scented candles', 'scented-candle', 'plural of the last word'],
  ['picture frame', 'picture-frames', 'singular of a plural name'],
  ['dumbell', 'dumbbells', 'a misspelt plural'],
  ['notebok', 'notebook', 'a letter missing in a compound word'],
  ['fountain pens', 'fountain-pen', 'plural of a short word'],
]

const slugs = new Map<string, string>()

beforeAll(async () => {
  const db = getDb(env)
  for (const [slug, name, description, sku] of CATALOGUE) {
    const product = await insertProduct({ slug: `${slug}-${Date.now().toString(36)}`, name, description, stockQuantity: 10 })
    slugs.set(slug, product.slug)
    await db.update(productVariants).set({ sku }).where(eq(productVariants.productId, product.id))
  }
  // Noise that shares words with the catalogue, so ranking matters.
  for (let i = 0; i < 20; i++) await insertProduct({ name: `Gift Card ${i}`, description: 'For the skillet lover, the boot collector or the headphone fan.' })
  await bumpCatalogVersion(env)
})

const search = (q: string) => getJson<ListBody>(`/api/products?q=${encodeURIComponent(q)}&page_size=5`)

describe('search relevance', () => {
  it(`finds the expected product in the top 5 for every one of ${QUERIES.length} queries`, async () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(40)
    const misses: string[] = []
    for (const [q, slug, what] of QUERIES) {
      const { status, body } = await search(q)
      expect(status, q).toBe(200)
      const top = body.items.map((item) => item.slug)
      if (!top.includes(slugs.get(slug)!)) misses.push(`"${q}" (${what}): wanted ${slug}, got ${top.join(', ') || 'nothing'}`)
    }
    expect(misses).toEqual([])
  })

  it('puts the product of an exact SKU first, and an exact name before names that only contain it', async () => {
    expect((await search('KIT-KNF-BRD')).body.items[0]?.slug).toBe(slugs.get('bread-knife'))
    expect((await search('denim jacket')).body.items[0]?.slug).toBe(slugs.get('denim-jacket'))
    expect((await search('harbor mug')).body.items[0]?.slug).toBe(slugs.get('harbor-mug'))
  })

  it('answers a misspelt search with its correction, and says so', async () => {
    const { body } = await search('skilet')
    expect(body.search).toEqual({ query: 'skillet', corrected_from: 'skilet', did_you_mean: null, more_matches: false })
    expect(body.total).toBeGreaterThan(0)
    // A search whose words all exist is not corrected.
    expect((await search('skillet')).body.search).toEqual({ query: 'skillet', corrected_from: null, did_you_mean: null, more_matches: false })
    // Nothing close enough: no correction, no results.
    const nothing = await search('zzyzxqq')
    expect([nothing.body.total, nothing.body.search?.corrected_from]).toEqual([0, null])
    // A word of four letters is never corrected (too many words are one edit away).
    expect((await search('mugz')).body.search?.corrected_from).toBeNull()
    // The beginning of a long word is no typo, even where a short word is one edit away ("turn" from "turnt").
    await insertProduct({ name: 'Turn Signal', description: 'For bicycles.' })
    await insertProduct({ name: 'Turn Table Cloth', description: 'Linen.' })
    await bumpCatalogVersion(env)
    const typed = await search('turnt')
    expect(typed.body.search).toEqual({ query: 'turnt', corrected_from: null, did_you_mean: null, more_matches: false })
    expect(typed.body.items.map((i) => i.slug)).toContain(slugs.get('turntable'))
  })

  it('offers "Did you mean" when a rare word of the catalogue is close to a common one that finds more', async () => {
    // A typo in the catalogue itself: one product holds "headphnes", two hold "headphones".
    await insertProduct({ name: 'Headphnes Stand', description: 'A stand.' })
    await bumpCatalogVersion(env)
    const { body } = await search('headphnes')
    expect(body.items.map((i) => i.name)).toEqual(['Headphnes Stand'])
    expect(body.search).toEqual({ query: 'headphnes', corrected_from: null, did_you_mean: 'headphones', more_matches: false })
  })

  it('says so on the shop page: the corrected results, or a link to the correction', async () => {
    const corrected = await (await SELF.fetch('http://store.test/products?q=skilet')).text()
    expect(corrected).toContain('No products match “skilet”: showing results for “skillet”.')
    expect(corrected).toContain('Cast Iron Skillet')
    const offered = await (await SELF.fetch('http://store.test/products?q=headphnes')).text()
    expect(offered).toContain('Did you mean <a href="/products?q=headphones">headphones</a>?')
  })
})

describe('search vocabulary', () => {
  it('stays current with the catalogue: a new product’s words are known at once', async () => {
    expect((await search('zanzibar')).body.total).toBe(0)
    await insertProduct({ name: 'Zanzibar Spice Tin', description: 'Cloves.' })
    await bumpCatalogVersion(env)
    expect((await search('zanzibr')).body).toMatchObject({ search: { query: 'zanzibar', corrected_from: 'zanzibr' } })
    const db = getDb(env)
    await db.update(products).set({ name: 'Pemba Spice Tin' }).where(eq(products.name, 'Zanzibar Spice Tin'))
    await bumpCatalogVersion(env)
    expect((await search('zanzibr')).body.search?.corrected_from).toBeNull()
  })
})

describe('facets', () => {
  interface Facets {
    in_stock: number
    prices: { min_cents: number; max_cents: number | null; count: number }[]
    categories: { slug: string; count: number }[]
    options: { name: string; values: { value: string; count: number }[] }[]
  }
  const facetsOf = async (query: string) => {
    const { status, body } = await getJson<ListBody & { facets: Facets }>(`/api/products?${query}&include=facets`)
    expect(status).toBe(200)
    return body
  }

  it('counts, over every match, categories (with what is below them), price ranges, option values and stock, and each count is what its filter finds', async () => {
    const db = getDb(env)
    const stamp = Date.now().toString(36)
    const [parent] = await db.insert(categories).values({ name: 'Facet Wear', slug: `facet-wear-${stamp}` }).returning()
    const [child] = await db.insert(categories).values({ name: 'Facet Tops', slug: `facet-tops-${stamp}`, parentId: parent!.id }).returning()
    const sizes = [{ name: 'Size', values: ['S', 'M', 'L'] }]
    await insertVariantProduct(sizes, [{ optionValues: ['S'], priceCents: 1500 }, { optionValues: ['M'], priceCents: 1500, stock: 0 }], { name: 'Quokka Tee', categoryIds: [child!.id] })
    await insertVariantProduct(sizes, [{ optionValues: ['M'], priceCents: 3000 }, { optionValues: ['L'], priceCents: 3000 }], { name: 'Quokka Hoodie', categoryIds: [parent!.id] })
    await insertProduct({ name: 'Quokka Poster', priceCents: 12000, stockQuantity: 0, categoryIds: [child!.id] })
    await bumpCatalogVersion(env)

    const { total, facets } = await facetsOf('q=quokka')
    expect(total).toBe(3)
    expect(facets.in_stock).toBe(2)
    expect(facets.prices.filter((p) => p.count > 0)).toEqual([
      { min_cents: 0, max_cents: 2499, count: 1 },
      { min_cents: 2500, max_cents: 4999, count: 1 },
      { min_cents: 10000, max_cents: 19999, count: 1 },
    ])
    expect(facets.categories.map((c) => [c.slug, c.count])).toEqual([
      [parent!.slug, 3],
      [child!.slug, 2],
    ])
    expect(facets.options).toEqual([{ name: 'Size', values: [{ value: 'S', count: 1 }, { value: 'M', count: 2 }, { value: 'L', count: 1 }] }])

    // Each count is what the filter it stands for finds.
    for (const c of facets.categories) expect((await facetsOf(`q=quokka&category=${c.slug}`)).total).toBe(c.count)
    for (const p of facets.prices) expect((await facetsOf(`q=quokka&min_price=${p.min_cents}${p.max_cents === null ? '' : `&max_price=${p.max_cents}`}`)).total).toBe(p.count)
    for (const v of facets.options[0]!.values) expect((await facetsOf(`q=quokka&option.size=${v.value}`)).total).toBe(v.count)
    expect((await facetsOf('q=quokka&in_stock=true')).total).toBe(facets.in_stock)
    // Without include=facets the list carries none.
    expect((await search('quokka')).body).not.toHaveProperty('facets')
  })
})

describe('a search that more products match than it answers', () => {
  it(`answers its best ${SEARCH_RESULTS_MAX} and says there are more; filters narrow every match, an old exact name comes first, the last page stops there`, async () => {
    const db = getDb(env)
    const stamp = Date.now().toString(36)
    const exact = await insertProduct({ name: 'Wombatcap', priceCents: 1000 })
    // The oldest hundred are cheap: not among the newest matches, but what a price filter must find.
    const rows = Array.from({ length: SEARCH_RESULTS_MAX + 200 }, (_, i) => ({ name: `Wombatcap ${i}`, slug: `wombatcap-${stamp}-${i}`, priceCents: i < 100 ? 500 : 1000, stockQuantity: 1 }))
    const [first, ...rest] = chunkRows(rows, 0, products).map((chunk) => db.insert(products).values(chunk))
    await db.batch([first!, ...rest])
    await bumpCatalogVersion(env)

    const many = await getJson<ListBody & { facets: { in_stock: number } | null; total_pages: number }>('/api/products?q=wombatcap&include=facets&page_size=100')
    expect([many.status, many.body.total, many.body.total_pages, many.body.search?.more_matches, many.body.facets]).toEqual([200, SEARCH_RESULTS_MAX, SEARCH_RESULTS_MAX / 100, true, null])
    expect(many.body.items[0]?.name).toBe(exact.name)

    const last = await getJson<ListBody & { next: string | null }>(`/api/products?q=wombatcap&page_size=100&page=${SEARCH_RESULTS_MAX / 100}`)
    expect([last.body.items.length, last.body.next]).toEqual([100, null])
    expect((await getJson<ListBody>(`/api/products?q=wombatcap&page_size=100&page=${SEARCH_RESULTS_MAX / 100 + 1}`)).body.items).toEqual([])

    const cheap = await getJson<ListBody>('/api/products?q=wombatcap&max_price=600&page_size=100')
    expect([cheap.body.total, cheap.body.search?.more_matches]).toEqual([100, false])
    expect(new Set(cheap.body.items.map((item) => item.name))).toEqual(new Set(rows.slice(0, 100).map((row) => row.name)))

    const page = await SELF.fetch(`${BASE}/products?q=wombatcap`)
    const html = await page.text()
    expect(html).toContain(`${SEARCH_RESULTS_MAX.toLocaleString('en-US')}+ products`)
    expect(html).toContain(`Showing the best ${SEARCH_RESULTS_MAX.toLocaleString('en-US')} matches for “wombatcap”`)
  }, 60_000)
})

describe('search syntax', () => {
  it('answers a long search mixing words with and without alternative forms (an FTS5 query of ANDs)', async () => {
    await insertProduct({ name: 'Organic Cotton Crew-Neck T-Shirt with Pocket, Navy Blue, XL', description: 'Soft.' })
    await bumpCatalogVersion(env)
    const { status, body } = await search('Organic Cotton Crew-Neck T-Shirt with Pocket, Navy Blue, XL')
    expect(status).toBe(200)
    expect(body.items[0]?.name).toBe('Organic Cotton Crew-Neck T-Shirt with Pocket, Navy Blue, XL')
    expect((await search('happy knives')).status).toBe(200)
  })
})
