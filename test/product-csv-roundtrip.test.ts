/**
 * Export → import into an empty store → export again: the same catalog and the same CSV. A file of its
 * own, so that its storage holds only its catalog.
 */
import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { parse } from 'csv-parse/sync'
import { getDb } from '../src/db/client'
import { products } from '../src/db/schema'
import { BASE, staffUser } from './helpers'

const HEADER = 'Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Compare At Price,Image Src,Image Position,Image Alt Text,Variant Image,Status,Gift Card'
const img = (name: string) => `https://images.test/png/${name}.png`

/** A catalog with options, variants, images (one a variant's), compare-at prices, HTML bodies full of commas, quotes and line breaks. */
const SEED = [
  HEADER,
  `linen-shirt,Linen Shirt,"<p>Breathes, wrinkles, ""lives"".</p>\n<ul><li>Linen</li><li>Shell buttons</li></ul>",Acme,Shirts,linen,true,Size,S,Colour,Sand,Fit,Slim,LS-S-SAND,180,4,49.00,65.00,${img('ls-front')},1,"Front, sand",${img('ls-front')},active,false`,
  `linen-shirt,,,,,,,,S,,Navy,,Slim,LS-S-NAVY,180,0,49.00,,${img('ls-navy')},2,Navy,${img('ls-navy')},,`,
  `linen-shirt,,,,,,,,M,,Sand,,Slim,LS-M-SAND,190,9,52.50,65.00,${img('ls-detail')},3,,,,`,
  `linen-shirt,,,,,,,,M,,Navy,,Slim,,190,2,52.50,,,,,,,`,
  `stone-mug,Stone Mug,Holds <em>tea</em>,Acme,Mugs,,true,Title,Default Title,,,,,MUG-1,350,12,9.00,12.00,${img('mug')},1,Mug,,active,`,
  `draft-poster,Draft Poster,,,,,false,Title,Default Title,,,,,,0,0,15.00,,,,,,draft,`,
].join('\n')

async function importCsv(bearer: Record<string, string>, csv: string) {
  const started = await SELF.fetch(`${BASE}/api/admin/product-imports`, { method: 'POST', headers: { ...bearer, 'Content-Type': 'text/csv' }, body: csv })
  expect(started.status).toBe(202)
  const { id } = (await started.json()) as { id: string }
  for (let i = 0; i < 350; i++) {
    const job = (await (await SELF.fetch(`${BASE}/api/admin/product-imports/${id}`, { headers: bearer })).json()) as { state: string; errors: unknown[] }
    if (job.state === 'done' || job.state === 'failed') return job
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  throw new Error('the import did not finish')
}

async function exportCsv(bearer: Record<string, string>) {
  const answer = await SELF.fetch(`${BASE}/api/admin/products.csv`, { headers: bearer })
  expect(answer.status).toBe(200)
  expect(answer.headers.get('Content-Type')).toBe('text/csv; charset=utf-8')
  return answer.text()
}

/** The catalog without its ids: what a merchant would recognise. */
async function catalog() {
  const rows = await getDb(env).query.products.findMany({
    orderBy: (p, { asc }) => [asc(p.slug)],
    with: {
      options: { orderBy: (o, { asc }) => [asc(o.position)], with: { values: { orderBy: (v, { asc }) => [asc(v.position)] } } },
      variants: { orderBy: (v, { asc }) => [asc(v.position)], with: { image: true } },
      images: { orderBy: (i, { asc }) => [asc(i.position)] },
    },
  })
  return rows.map((p) => ({
    slug: p.slug,
    name: p.name,
    description: p.description,
    isActive: p.isActive,
    priceCents: p.priceCents,
    stockQuantity: p.stockQuantity,
    options: p.options.map((o) => [o.name, o.values.map((v) => v.value)]),
    variants: p.variants.map((v) => [v.title, v.sku, v.priceCents, v.compareAtCents, v.weightGrams, v.stockQuantity, v.image?.r2Key ?? null]),
    images: p.images.map((i) => [i.r2Key, i.altText, i.contentType, i.byteSize, i.width, i.height]),
  }))
}

describe('the Shopify CSV round trip', { timeout: 60_000 }, () => {
  it('export, import into an empty store, export again: the same catalog and the same CSV', async () => {
    const { bearer } = await staffUser()
    expect(await importCsv(bearer, SEED)).toMatchObject({ state: 'done', errors: [] })
    const seeded = await catalog()
    expect(seeded.map((p) => p.slug)).toEqual(['draft-poster', 'linen-shirt', 'stone-mug'])
    expect(seeded[1]!.description).toBe('<p>Breathes, wrinkles, "lives".</p>\n<ul><li>Linen</li><li>Shell buttons</li></ul>')
    expect(seeded[1]!.variants.map(([title, sku, , , , stock]) => [title, sku, stock])).toEqual([
      ['S / Sand / Slim', 'LS-S-SAND', 4],
      ['S / Navy / Slim', 'LS-S-NAVY', 0],
      ['M / Sand / Slim', 'LS-M-SAND', 9],
      ['M / Navy / Slim', null, 2],
    ])
    expect(seeded[1]!.images.map(([, alt]) => alt)).toEqual(['Front, sand', 'Navy', ''])
    expect(seeded[1]!.variants.map((v) => v[6])).toEqual([seeded[1]!.images[0]![0], seeded[1]!.images[1]![0], null, null])
    expect(seeded.map((p) => p.isActive)).toEqual([false, true, true])
    const first = await exportCsv(bearer)
    const records = parse(first) as string[][]
    expect(records).toHaveLength(1 + 4 + 1 + 1)
    expect(records[1]!.slice(0, 3)).toEqual(['linen-shirt', 'Linen Shirt', seeded[1]!.description])

    // The new store fetches the images from the old one's public /images/ URLs: copy them there.
    for (const url of new Set(records.flatMap((r) => r.filter((cell) => cell.startsWith(`${BASE}/images/`))))) {
      const object = await env.IMAGES.get(url.slice(`${BASE}/images/`.length))
      await fetch(url, { method: 'PUT', headers: { 'X-Fake-Mirror': 'put', 'Content-Type': object!.httpMetadata?.contentType ?? '' }, body: await object!.arrayBuffer() })
    }
    // An empty store: no product, no image object.
    await getDb(env).delete(products)
    for (const object of (await env.IMAGES.list()).objects) await env.IMAGES.delete(object.key)
    expect(await catalog()).toEqual([])

    expect(await importCsv(bearer, first)).toMatchObject({ state: 'done', errors: [] })
    expect(await catalog()).toEqual(seeded)
    expect(await exportCsv(bearer)).toBe(first)
  })
})
