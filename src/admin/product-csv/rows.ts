/**
 * Shopify's product CSV, row by row: its columns, a product's rows (same Handle, together) turned into one
 * draft — the product, its options, variants and images — and everything wrong with them by row and column.
 * Columns we do not keep (Vendor, Type, Tags and Shopify's other columns) are read and ignored.
 * @see https://help.shopify.com/en/manual/products/import-export/using-csv
 */
import xss, { type IFilterXSSOptions } from 'xss'
import { PRODUCT_OPTIONS_MAX, PRODUCT_VARIANTS_MAX, type ImportRowError } from '../../db/schema'
import { DecimalPrice } from '../../platform/money'
import { variantSetErrors } from '../../catalog/variants'

export const COLUMNS = {
  handle: 'Handle',
  title: 'Title',
  body: 'Body (HTML)',
  vendor: 'Vendor',
  type: 'Type',
  tags: 'Tags',
  published: 'Published',
  sku: 'Variant SKU',
  grams: 'Variant Grams',
  qty: 'Variant Inventory Qty',
  price: 'Variant Price',
  compareAt: 'Variant Compare At Price',
  imageSrc: 'Image Src',
  imagePosition: 'Image Position',
  imageAlt: 'Image Alt Text',
  variantImage: 'Variant Image',
  status: 'Status',
} as const

export const optionName = (n: number) => `Option${n} Name`
export const optionValue = (n: number) => `Option${n} Value`

/** The header of an export, in Shopify's order. */
export const EXPORT_COLUMNS = [
  COLUMNS.handle,
  COLUMNS.title,
  COLUMNS.body,
  COLUMNS.vendor,
  COLUMNS.type,
  COLUMNS.tags,
  COLUMNS.published,
  optionName(1),
  optionValue(1),
  optionName(2),
  optionValue(2),
  optionName(3),
  optionValue(3),
  COLUMNS.sku,
  COLUMNS.grams,
  COLUMNS.qty,
  COLUMNS.price,
  COLUMNS.compareAt,
  COLUMNS.imageSrc,
  COLUMNS.imagePosition,
  COLUMNS.imageAlt,
  COLUMNS.variantImage,
  COLUMNS.status,
]

/** Without these the file cannot describe a product. */
const REQUIRED_COLUMNS = [COLUMNS.handle, COLUMNS.title, COLUMNS.price]

/** Shopify's spelling of "no options": Option1 Name "Title", Option1 Value "Default Title". */
export const DEFAULT_OPTION_NAME = 'Title'
export const DEFAULT_OPTION_VALUE = 'Default Title'

const HANDLE = /^(?=.*[a-z])[a-z0-9]+(?:-[a-z0-9]+)*$/
const BODY_MAX_CHARS = 64 * 1024
const STATUSES = { active: true, draft: false, archived: false } as const

/** One data row: its cells by column name, and its row number in the file (the header is row 1). */
export interface Row {
  row: number
  get: (column: string) => string
}

/** A row reader over a header: cells by column name, trimmed; absent columns read as ''. */
export function rowReader(columns: string[]) {
  const at = new Map<string, number>()
  columns.forEach((name, i) => {
    const key = name.trim()
    if (!at.has(key)) at.set(key, i)
  })
  return (cells: string[], row: number): Row => ({ row, get: (column) => (cells[at.get(column) ?? -1] ?? '').trim() })
}

export const missingColumns = (columns: string[]) => REQUIRED_COLUMNS.filter((name) => !columns.some((c) => c.trim() === name))

export interface DraftImage {
  src: string
  position: number
  altText: string
  row: number
}

export interface DraftVariant {
  optionValues: string[]
  sku: string | null
  priceCents: number
  compareAtCents: number | null
  weightGrams: number
  /** Units on hand to set; null when the column is empty (stock left as it is). */
  quantity: number | null
  imageSrc: string | null
  row: number
}

/** A product as its rows describe it. */
export interface ProductDraft {
  handle: string
  name: string
  description: string
  isActive: boolean
  options: { name: string; values: string[] }[]
  variants: DraftVariant[]
  images: DraftImage[]
  firstRow: number
  rowCount: number
}

/** Allowed tags of a product body: what a description needs, no script, no style, no event handlers. */
const BODY_WHITELIST = {
  a: ['href', 'title'],
  b: [],
  blockquote: [],
  br: [],
  code: [],
  em: [],
  h2: [],
  h3: [],
  h4: [],
  hr: [],
  i: [],
  li: [],
  ol: [],
  p: [],
  pre: [],
  s: [],
  small: [],
  strong: [],
  sub: [],
  sup: [],
  table: [],
  tbody: [],
  td: [],
  th: [],
  thead: [],
  tr: [],
  u: [],
  ul: [],
}

/** A product body made safe to show: `xss`'s whitelist filter, disallowed tags dropped with their script and style content. */
// xss is CommonJS: its class is reached through the default export, which bundlers and vite agree on.
const { FilterXSS } = xss as unknown as { FilterXSS: new (options: IFilterXSSOptions) => { process: (html: string) => string } }
const bodyFilter = new FilterXSS({ whiteList: BODY_WHITELIST, stripIgnoreTag: true, stripIgnoreTagBody: ['script', 'style'] })
const sanitizeBody = (html: string) => bodyFilter.process(html).trim()

const wholeNumber = (text: string) => (/^\d{1,9}$/.test(text) ? Number(text) : null)
const cents = (text: string) => {
  const parsed = DecimalPrice.safeParse(text)
  return parsed.success ? parsed.data : null
}

/** A URL an import may fetch: http(s) only. Whether its host is public is checked when it is fetched. */
const imageUrl = (text: string) => {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}

const NOT_A_PRICE = 'not a price (an amount like 12 or 12.50, at least 0, at most two decimals)'

/**
 * One product from its rows (all with its Handle, in file order), and what is wrong with them by row and
 * column. The first row names the product and its options; every row that carries a variant (a price, an
 * option value or a SKU) is one variant; a row with an Image Src adds an image.
 */
export function draftOf(rows: Row[]): { draft: ProductDraft; errors: ImportRowError[] } {
  const errors: ImportRowError[] = []
  const fail = (row: number, column: string, message: string) => errors.push({ row, column, message })
  const first = rows[0]!
  const handle = first.get(COLUMNS.handle)
  if (!HANDLE.test(handle) || handle.length > 100) fail(first.row, COLUMNS.handle, 'not a handle (lower-case letters, digits and single hyphens, with a letter)')
  const name = first.get(COLUMNS.title)
  if (!name) fail(first.row, COLUMNS.title, "required on a product's first row")
  else if (name.length > 200) fail(first.row, COLUMNS.title, 'longer than 200 characters')
  const body = first.get(COLUMNS.body)
  if (body.length > BODY_MAX_CHARS) fail(first.row, COLUMNS.body, 'longer than 64 KB')
  let isActive = true
  const status = first.get(COLUMNS.status).toLowerCase()
  const published = first.get(COLUMNS.published).toLowerCase()
  if (status) {
    if (status in STATUSES) isActive = STATUSES[status as keyof typeof STATUSES]
    else fail(first.row, COLUMNS.status, `not a status ("${first.get(COLUMNS.status)}"): active, draft or archived`)
  } else if (published) {
    if (published === 'true' || published === 'false') isActive = published === 'true'
    else fail(first.row, COLUMNS.published, 'true or false')
  }

  const optionNames: string[] = []
  for (let n = 1; n <= PRODUCT_OPTIONS_MAX; n++) {
    const optName = first.get(optionName(n))
    if (!optName) break
    optionNames.push(optName)
  }
  const noOptions = optionNames.length === 1 && optionNames[0] === DEFAULT_OPTION_NAME && first.get(optionValue(1)) === DEFAULT_OPTION_VALUE
  const named = noOptions ? [] : optionNames
  named.forEach((optName, i) => {
    if (optName.length > 100) fail(first.row, optionName(i + 1), 'longer than 100 characters')
  })
  rows.slice(1).forEach((row) => {
    for (let n = 1; n <= PRODUCT_OPTIONS_MAX; n++) {
      if (row.get(optionName(n)) && row.get(optionName(n)) !== first.get(optionName(n))) fail(row.row, optionName(n), "options are named on a product's first row only")
    }
  })

  const variants: DraftVariant[] = []
  const images: DraftImage[] = []
  for (const row of rows) {
    if (row.get(COLUMNS.handle) !== handle) fail(row.row, COLUMNS.handle, `expected "${handle}"`)
    const values = [1, 2, 3].map((n) => row.get(optionValue(n)))
    const carriesVariant = row === first || !!row.get(COLUMNS.price) || !!row.get(COLUMNS.sku) || values.some(Boolean)
    if (carriesVariant) {
      const optionValues: string[] = []
      if (!noOptions) {
        named.forEach((optName, i) => {
          const value = values[i]!
          if (!value) fail(row.row, optionValue(i + 1), `a value for ${optName} is required`)
          else if (value.length > 100) fail(row.row, optionValue(i + 1), 'longer than 100 characters')
          optionValues.push(value)
        })
      }
      values.forEach((value, i) => {
        if (value && i >= named.length && !(noOptions && i === 0)) fail(row.row, optionValue(i + 1), `a value for an option the first row does not name (${optionName(i + 1)} is empty)`)
      })
      const priceCents = cents(row.get(COLUMNS.price))
      if (priceCents === null) fail(row.row, COLUMNS.price, row.get(COLUMNS.price) ? NOT_A_PRICE : 'required on a variant row')
      const compareText = row.get(COLUMNS.compareAt)
      const compareAtCents = compareText ? cents(compareText) : null
      if (compareText && compareAtCents === null) fail(row.row, COLUMNS.compareAt, NOT_A_PRICE)
      else if (compareAtCents !== null && priceCents !== null && compareAtCents <= priceCents) fail(row.row, COLUMNS.compareAt, 'must be above the Variant Price (or empty)')
      const gramsText = row.get(COLUMNS.grams)
      const weightGrams = gramsText ? wholeNumber(gramsText.replace(/\.0+$/, '')) : 0
      if (weightGrams === null) fail(row.row, COLUMNS.grams, 'a whole number of grams, 0 or more')
      const qtyText = row.get(COLUMNS.qty)
      const quantity = qtyText ? wholeNumber(qtyText) : null
      if (qtyText && quantity === null) fail(row.row, COLUMNS.qty, 'a whole number of units, 0 or more')
      const sku = row.get(COLUMNS.sku) || null
      if (sku && sku.length > 100) fail(row.row, COLUMNS.sku, 'longer than 100 characters')
      const variantImage = row.get(COLUMNS.variantImage)
      const imageSrc = variantImage ? imageUrl(variantImage) : null
      if (variantImage && !imageSrc) fail(row.row, COLUMNS.variantImage, 'not an http(s) URL')
      variants.push({ optionValues, sku, priceCents: priceCents ?? 0, compareAtCents, weightGrams: weightGrams ?? 0, quantity, imageSrc, row: row.row })
    }
    const src = row.get(COLUMNS.imageSrc)
    if (src) {
      const url = imageUrl(src)
      const positionText = row.get(COLUMNS.imagePosition)
      const position = positionText ? wholeNumber(positionText) : images.length + 1
      if (!url) fail(row.row, COLUMNS.imageSrc, 'not an http(s) URL')
      if (position === null || position < 1) fail(row.row, COLUMNS.imagePosition, 'a whole number, 1 or more')
      const altText = row.get(COLUMNS.imageAlt)
      if (altText.length > 300) fail(row.row, COLUMNS.imageAlt, 'longer than 300 characters')
      if (url && !images.some((image) => image.src === url)) images.push({ src: url, position: position ?? images.length + 1, altText, row: row.row })
    }
  }
  images.sort((a, b) => a.position - b.position || a.row - b.row)

  const options = named.map((optName, i) => ({ name: optName, values: [...new Set(variants.map((v) => v.optionValues[i] ?? '').filter(Boolean))] }))
  if (variants.length > PRODUCT_VARIANTS_MAX) fail(first.row, COLUMNS.handle, `${variants.length} variants: a product has at most ${PRODUCT_VARIANTS_MAX}`)
  else if (!errors.length) {
    // The rules of a set of variants (src/catalog/variants.ts), mapped back to the row and column.
    const setErrors = variantSetErrors({ options, variants })
    for (const [field, messages] of Object.entries(setErrors)) {
      const [, index, part] = /^variants\.(\d+)\.([a-z_]+)/.exec(field) ?? []
      const variant = index === undefined ? undefined : variants[Number(index)]
      const column = part === 'sku' ? COLUMNS.sku : part === 'option_values' ? optionValue(1) : part === 'compare_at_cents' ? COLUMNS.compareAt : part === 'price_cents' ? COLUMNS.price : COLUMNS.handle
      for (const message of messages) fail(variant?.row ?? first.row, column, message.replace(/variant (\d+)$/, (_, i: string) => `row ${variants[Number(i)]?.row ?? '?'}`))
    }
  }
  const draft: ProductDraft = { handle, name, description: sanitizeBody(body), isActive, options, variants, images, firstRow: first.row, rowCount: rows.length }
  return { draft, errors }
}

