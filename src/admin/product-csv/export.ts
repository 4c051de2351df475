/**
 * Every product as Shopify's product CSV, streamed a page of products at a time (never the whole catalog
 * in memory): a product's first row carries it and its first variant and image, the next rows its other
 * variants and images. Published and Status follow is_active; Variant Inventory Qty is the units on hand
 * the store holds (the stock objects' write-through copy in D1). Quoting is csv-stringify's (RFC 4180).
 */
import { asc, gt } from 'drizzle-orm'
import { stringify } from 'csv-stringify/browser/esm/sync'
import { getDb } from '../../db/client'
import { products } from '../../db/schema'
import { existingProducts } from './apply'
import { COLUMNS, DEFAULT_OPTION_NAME, DEFAULT_OPTION_VALUE, EXPORT_COLUMNS, optionName, optionValue } from './rows'

const PAGE = 50

/** 1250 → "12.50": Shopify's form, exact (no float). */
const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`

type Product = Awaited<ReturnType<typeof existingProducts>>[number]

/** A product's rows, in EXPORT_COLUMNS order. `origin` makes the image URLs absolute (this store's /images/). */
function productRows(p: Product, origin: string): string[][] {
  const imageUrl = (key: string) => `${origin}/images/${key}`
  const valueById = new Map(p.options.flatMap((o) => o.values.map((v) => [v.id, v.value] as const)))
  const rows: string[][] = []
  const count = Math.max(p.variants.length, p.images.length, 1)
  for (let i = 0; i < count; i++) {
    const cells: Record<string, string> = { [COLUMNS.handle]: p.slug }
    if (i === 0) {
      Object.assign(cells, { [COLUMNS.title]: p.name, [COLUMNS.body]: p.description, [COLUMNS.published]: p.isActive ? 'true' : 'false', [COLUMNS.status]: p.isActive ? 'active' : 'draft' })
      if (p.options.length) p.options.forEach((o, n) => (cells[optionName(n + 1)] = o.name))
      else cells[optionName(1)] = DEFAULT_OPTION_NAME
    }
    const variant = p.variants[i]
    if (variant) {
      if (p.options.length) {
        p.options.forEach((o, n) => {
          const own = variant.optionValues.find((ov) => ov.optionId === o.id)
          cells[optionValue(n + 1)] = own ? (valueById.get(own.optionValueId) ?? '') : ''
        })
      } else cells[optionValue(1)] = DEFAULT_OPTION_VALUE
      Object.assign(cells, {
        [COLUMNS.sku]: variant.sku ?? '',
        [COLUMNS.grams]: String(variant.weightGrams),
        [COLUMNS.qty]: String(variant.stockQuantity),
        [COLUMNS.price]: money(variant.priceCents),
        [COLUMNS.compareAt]: variant.compareAtCents === null ? '' : money(variant.compareAtCents),
        [COLUMNS.variantImage]: variant.image ? imageUrl(variant.image.r2Key) : '',
      })
    }
    const image = p.images[i]
    if (image) Object.assign(cells, { [COLUMNS.imageSrc]: imageUrl(image.r2Key), [COLUMNS.imagePosition]: String(i + 1), [COLUMNS.imageAlt]: image.altText })
    rows.push(EXPORT_COLUMNS.map((column) => cells[column] ?? ''))
  }
  return rows
}

/** The whole catalog as a CSV stream: the header, then PAGE products per read of D1, in id order. */
export function exportProductsCsv(env: Env, origin: string): ReadableStream<Uint8Array> {
  const db = getDb(env)
  const encoder = new TextEncoder()
  let afterId = 0
  let started = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true
        controller.enqueue(encoder.encode(stringify([EXPORT_COLUMNS], { record_delimiter: 'unix' })))
        return
      }
      const page = await db.select({ slug: products.slug, id: products.id }).from(products).where(gt(products.id, afterId)).orderBy(asc(products.id)).limit(PAGE)
      if (!page.length) {
        controller.close()
        return
      }
      afterId = page[page.length - 1]!.id
      const full = await existingProducts(db, page.map((p) => p.slug))
      full.sort((a, b) => a.id - b.id)
      controller.enqueue(encoder.encode(stringify(full.flatMap((p) => productRows(p, origin)), { record_delimiter: 'unix' })))
    },
  })
}
