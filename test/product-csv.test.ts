import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from 'cloudflare:test'
import { eq, inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { getDb } from '../src/db/client'
import { importJobs, products, productVariants } from '../src/db/schema'
import { stockOf } from '../src/stock/client'
import { fetchImageIntoR2 } from '../src/admin/product-csv/image-fetch'
import { BASE, Browser, staffUser } from './helpers'

type Job = { id: string; state: string; rows_total: number | null; rows_imported: number; products_imported: number; error_count: number; errors: { row: number; column: string; message: string }[] }

const HEADER =
  'Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Compare At Price,Image Src,Image Position,Image Alt Text,Status'

let n = 0
/** A fresh handle prefix: storage is shared by the tests of this file. */
const fresh = (base: string) => `${base}-${Date.now().toString(36)}-${++n}`

/** A T-shirt in two sizes and two colours with two images, a mug without options: the CSV Shopify exports. */
function catalogCsv(tee: string, mug: string, sku = tee) {
  return [
    HEADER,
    `${tee},Oak Tee,"<p>Soft <strong>cotton</strong>, ""classic"" fit</p><script>alert(1)</script>",Acme,Shirts,"tee, cotton",true,Size,S,Colour,Navy,,,${sku}-s-navy,200,5,25.00,30.00,https://images.test/png/${tee}-front.png,1,Front,active`,
    `${tee},,,,,,,,S,,Red,,,${sku}-s-red,200,3,25.00,,https://images.test/png/${tee}-back.png,2,Back,`,
    `${tee},,,,,,,,M,,Navy,,,${sku}-m-navy,210,0,26.50,,,,,`,
    `${tee},,,,,,,,M,,Red,,,,210,7,26.50,,,,,`,
    `${mug},Stone Mug,Holds tea,Acme,Mugs,,false,Title,Default Title,,,,,${sku}-mug,350,12,9.00,,,,,draft`,
  ].join('\n')
}

async function upload(bearer: Record<string, string>, csv: string | Uint8Array) {
  const response = await SELF.fetch(`${BASE}/api/admin/product-imports`, { method: 'POST', headers: { ...bearer, 'Content-Type': 'text/csv' }, body: csv as BodyInit })
  return { status: response.status, body: (await response.json()) as Job & { error?: { code: string; message: string } } }
}

/** Polls the job until it is done or failed (the local queue runs its steps). */
async function finished(bearer: Record<string, string>, id: string): Promise<Job> {
  for (let i = 0; i < 350; i++) {
    const job = (await (await SELF.fetch(`${BASE}/api/admin/product-imports/${id}`, { headers: bearer })).json()) as Job
    if (job.state === 'done' || job.state === 'failed') return job
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  throw new Error(`import ${id} did not finish`)
}

async function importCsv(bearer: Record<string, string>, csv: string) {
  const started = await upload(bearer, csv)
  expect(started.status).toBe(202)
  return finished(bearer, started.body.id)
}

async function productOf(handle: string) {
  return getDb(env).query.products.findFirst({
    where: eq(products.slug, handle),
    with: { variants: { orderBy: (v, { asc }) => [asc(v.position)], with: { image: true } }, images: { orderBy: (i, { asc }) => [asc(i.position)] }, options: { orderBy: (o, { asc }) => [asc(o.position)], with: { values: { orderBy: (v, { asc }) => [asc(v.position)] } } } },
  })
}

describe('importing a Shopify product CSV', { timeout: 60_000 }, () => {
  it('creates the products with their options, variants, images, stock and a sanitised body', async () => {
    const { bearer } = await staffUser()
    const tee = fresh('tee')
    const mug = fresh('mug')
    const job = await importCsv(bearer, catalogCsv(tee, mug))
    expect(job).toMatchObject({ state: 'done', error_count: 0, rows_total: 5, rows_imported: 5, products_imported: 2 })
    const shirt = await productOf(tee)
    expect(shirt).toMatchObject({ name: 'Oak Tee', isActive: true, description: '<p>Soft <strong>cotton</strong>, "classic" fit</p>' })
    expect(shirt!.options.map((o) => [o.name, o.values.map((v) => v.value)])).toEqual([
      ['Size', ['S', 'M']],
      ['Colour', ['Navy', 'Red']],
    ])
    expect(shirt!.variants.map((v) => [v.title, v.sku, v.priceCents, v.compareAtCents, v.weightGrams])).toEqual([
      ['S / Navy', `${tee}-s-navy`, 2500, 3000, 200],
      ['S / Red', `${tee}-s-red`, 2500, null, 200],
      ['M / Navy', `${tee}-m-navy`, 2650, null, 210],
      ['M / Red', null, 2650, null, 210],
    ])
    expect(shirt!.images.map((i) => i.altText)).toEqual(['Front', 'Back'])
    const stock = await Promise.all(shirt!.variants.map(async (v) => (await stockOf(env, shirt!.id).get(shirt!.id, v.id)) as { onHand: number }))
    expect(stock.map((s) => s.onHand)).toEqual([5, 3, 0, 7])
    const cup = await productOf(mug)
    expect(cup).toMatchObject({ name: 'Stone Mug', isActive: false })
    expect(cup!.variants.map((v) => [v.title, v.sku, v.priceCents, v.stockQuantity])).toEqual([['Default', `${tee}-mug`, 900, 12]])
  })

  it('is idempotent: the same file again changes nothing', async () => {
    const { bearer } = await staffUser()
    const tee = fresh('tee')
    const mug = fresh('mug')
    const csv = catalogCsv(tee, mug)
    await importCsv(bearer, csv)
    const before = await productOf(tee)
    const again = await importCsv(bearer, csv)
    expect(again).toMatchObject({ state: 'done', error_count: 0 })
    expect(await productOf(tee)).toEqual(before)
  })

  it('a re-delivered step does nothing twice', async () => {
    const { bearer } = await staffUser()
    const tee = fresh('tee')
    const job = await importCsv(bearer, catalogCsv(tee, fresh('mug')))
    const before = { product: await productOf(tee), job: await getDb(env).query.importJobs.findFirst({ where: eq(importJobs.id, job.id) }) }
    // The queue delivers at least once: every step of the job again, and the first one twice.
    const messages = [0, 0, 1, 2].map((step, i) => ({ id: `again-${i}`, timestamp: new Date(), attempts: 2, body: { jobId: job.id, step } }))
    const batch = createMessageBatch('cato-imports', messages)
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks.sort()).toEqual(messages.map((m) => m.id).sort())
    expect(await productOf(tee)).toEqual(before.product)
    expect(await getDb(env).query.importJobs.findFirst({ where: eq(importJobs.id, job.id) })).toEqual(before.job)
  })
})

describe('a file of many products, read in steps', { timeout: 60_000 }, () => {
  /** `count` products of two variants each, bodies with commas, quotes, line breaks and accents, so that steps start mid-file on multi-byte text. */
  const manyProducts = (prefix: string, count: number, skuOf = (i: number, size: string) => `${prefix}-${i}-${size}`) =>
    [
      HEADER,
      ...Array.from({ length: count }, (_, i) => [
        `${prefix}-${i},Thé ${i},"<p>Crème, ""brûlée""\nno. ${i}</p>",,,,true,Size,S,,,,,${skuOf(i, 's')},100,${i},1${i}.50,,,,,active`,
        `${prefix}-${i},,,,,,,,L,,,,,${skuOf(i, 'l')},120,1,2${i}.00,,,,,`,
      ]).flat(),
    ].join('\r\n')

  it('imports every product of a file longer than one step, resuming each step where the last one stopped', async () => {
    const { bearer } = await staffUser()
    const prefix = fresh('many')
    const job = await importCsv(bearer, manyProducts(prefix, 23))
    expect(job).toMatchObject({ state: 'done', error_count: 0, rows_total: 46, rows_imported: 46, products_imported: 23 })
    const rows = await getDb(env).query.products.findMany({ where: inArray(products.slug, Array.from({ length: 23 }, (_, i) => `${prefix}-${i}`)), with: { variants: true } })
    expect(rows).toHaveLength(23)
    const p22 = rows.find((p) => p.slug === `${prefix}-22`)!
    expect(p22).toMatchObject({ name: 'Thé 22', description: '<p>Crème, "brûlée"\nno. 22</p>' })
    expect(p22.variants.map((v) => [v.sku, v.priceCents, v.stockQuantity]).sort()).toEqual([
      [`${prefix}-22-l`, 22200, 1],
      [`${prefix}-22-s`, 12250, 22],
    ])
  })

  it('finds a SKU used twice in steps far apart, and imports nothing', async () => {
    const { bearer } = await staffUser()
    const prefix = fresh('twice')
    const job = await importCsv(bearer, manyProducts(prefix, 23, (i, size) => (i === 21 && size === 's' ? `${prefix}-0-s` : `${prefix}-${i}-${size}`)))
    expect(job.state).toBe('failed')
    expect(job.errors).toEqual([{ row: 44, column: 'Variant SKU', message: `"${prefix}-0-s" is already the SKU of row 2` }])
    expect(await getDb(env).select({ slug: products.slug }).from(products).where(eq(products.slug, `${prefix}-0`))).toEqual([])
  })
})

describe('image URLs', { timeout: 60_000 }, () => {
  it('outside development, only public hosts are fetched', async () => {
    const production = { ...env, ENVIRONMENT: 'production' }
    for (const url of ['http://127.0.0.1/a.png', 'http://localhost:8787/a.png', 'http://10.0.0.7/a.png', 'http://[::1]/a.png', 'http://printer.local/a.png']) {
      await expect(fetchImageIntoR2(production, url)).rejects.toThrow('is not a public host')
    }
    await expect(fetchImageIntoR2(production, 'https://images.test/png/public.png')).resolves.toMatchObject({ contentType: 'image/png', width: 4, height: 3 })
  })
})

describe('uploads', { timeout: 60_000 }, () => {
  it('a raw CSV without Content-Length is a 411, and neither CSV nor a form a 415', async () => {
    const { bearer } = await staffUser()
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(`${HEADER}\n`)), c.close()) })
    const chunked = await SELF.fetch(`${BASE}/api/admin/product-imports`, { method: 'POST', headers: { ...bearer, 'Content-Type': 'text/csv' }, body: stream })
    expect(chunked.status).toBe(411)
    const json = await SELF.fetch(`${BASE}/api/admin/product-imports`, { method: 'POST', headers: { ...bearer, 'Content-Type': 'application/json' }, body: '{}' })
    expect(json.status).toBe(415)
  })
})

describe('bad files are refused by row and column, and import nothing', { timeout: 60_000 }, () => {
  async function errorsOf(csv: string) {
    const { bearer } = await staffUser()
    const job = await importCsv(bearer, csv)
    expect(job.state).toBe('failed')
    return job.errors
  }
  async function nothingImported(handles: string[]) {
    const found = await getDb(env).select({ slug: products.slug }).from(products).where(inArray(products.slug, handles))
    expect(found).toEqual([])
  }

  it('broken quoting', async () => {
    const tee = fresh('tee')
    const errors = await errorsOf(`${HEADER}\n${tee},Tee,"never closed,true,,,,,,,,,,1,,1.00,,,,,active\n`)
    expect(errors).toEqual([{ row: 2, column: '', message: 'a quoted field is never closed' }])
    await nothingImported([tee])
  })

  it('missing required columns', async () => {
    const errors = await errorsOf('Handle,Body (HTML)\nsome-thing,<p>x</p>\n')
    expect(errors).toEqual([{ row: 1, column: '', message: 'missing required columns: Title, Variant Price' }])
  })

  it('negative, fractional and non-numeric prices, an unknown Status, a variant without a value for an option', async () => {
    const a = fresh('a')
    const errors = await errorsOf(
      [
        HEADER,
        `${a},Tee,,,,,true,Size,S,Colour,Navy,,,${a}-1,0,1,-5.00,,,,,active`,
        `${a},,,,,,,,M,,Red,,,${a}-2,0,1,12.345,,,,,`,
        `${a},,,,,,,,L,,,,,${a}-3,0,1,twelve,,,,,`,
        `${fresh('b')},Mug,,,,,true,Title,Default Title,,,,,,0,1,3.00,,,,,sold-out`,
      ].join('\n'),
    )
    expect(errors).toEqual([
      { row: 2, column: 'Variant Price', message: expect.stringContaining('not a price') },
      { row: 3, column: 'Variant Price', message: expect.stringContaining('not a price') },
      { row: 4, column: 'Option2 Value', message: 'a value for Colour is required' },
      { row: 4, column: 'Variant Price', message: expect.stringContaining('not a price') },
      { row: 5, column: 'Status', message: 'not a status ("sold-out"): active, draft or archived' },
    ])
    await nothingImported([a])
  })

  it('duplicate SKUs across rows and against the store, duplicate combinations', async () => {
    const { bearer } = await staffUser()
    const owner = fresh('owner')
    expect((await importCsv(bearer, `${HEADER}\n${owner},Owner,,,,,true,Title,Default Title,,,,,${owner}-sku,0,1,1.00,,,,,active`)).state).toBe('done')
    const a = fresh('a')
    const b = fresh('b')
    const errors = await errorsOf(
      [
        HEADER,
        `${a},Tee,,,,,true,Size,S,,,,,${a}-1,0,1,5.00,,,,,active`,
        `${a},,,,,,,,S,,,,,${a}-2,0,1,5.00,,,,,`,
        `${b},Other,,,,,true,Title,Default Title,,,,,${a}-1,0,1,5.00,,,,,active`,
        `${fresh('c')},Third,,,,,true,Title,Default Title,,,,,${owner}-sku,0,1,5.00,,,,,active`,
      ].join('\n'),
    )
    expect(errors).toEqual([
      { row: 3, column: 'Option1 Value', message: 'the same combination as row 2' },
      { row: 4, column: 'Variant SKU', message: `"${a}-1" is already the SKU of row 2` },
      { row: 5, column: 'Variant SKU', message: `"${owner}-sku" is the SKU of product "${owner}" in the store` },
    ])
    await nothingImported([a, b])
  })

  it('more than 100 variants', async () => {
    const a = fresh('a')
    const rows = Array.from({ length: 101 }, (_, i) => (i === 0 ? `${a},Tee,,,,,true,Size,v${i},,,,,,0,1,1.00,,,,,active` : `${a},,,,,,,,v${i},,,,,,0,1,1.00,,,,,`))
    const errors = await errorsOf([HEADER, ...rows].join('\n'))
    expect(errors).toEqual([{ row: 2, column: 'Handle', message: '101 variants: a product has at most 100' }])
    await nothingImported([a])
  })

  it('an image URL that 404s or is not an image', async () => {
    const a = fresh('a')
    const errors = await errorsOf(
      [HEADER, `${a},Tee,,,,,true,Title,Default Title,,,,,,0,1,1.00,,https://images.test/missing.png,1,,active`, `${a},,,,,,,,,,,,,,,,,,https://images.test/page.png,2,,`].join('\n'),
    )
    expect(errors).toEqual([
      { row: 2, column: 'Image Src', message: 'https://images.test/missing.png: answered 404' },
      { row: 3, column: 'Image Src', message: 'https://images.test/page.png: not a PNG, JPEG, WebP or AVIF image' },
    ])
    await nothingImported([a])
  })

  it('a file over 50 MB is a 413 and nothing is stored', async () => {
    const { bearer } = await staffUser()
    const before = await env.IMPORTS.list({ prefix: 'imports/' })
    const big = new Uint8Array(50 * 1024 * 1024 + 100 * 1024).fill(0x61)
    const answer = await upload(bearer, big)
    expect(answer.status).toBe(413)
    expect(answer.body.error?.code).toBe('payload_too_large')
    expect((await env.IMPORTS.list({ prefix: 'imports/' })).objects.length).toBe(before.objects.length)
  })
})

describe('the admin import page', { timeout: 60_000 }, () => {
  it('uploads a file from the form and shows the job, refreshing while it runs', async () => {
    const user = await staffUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const page = await (await browser.fetch('/admin/imports')).text()
    const action = /action="(\/admin\/imports\?_csrf=[^"]+)"/.exec(page)?.[1]?.replace(/&amp;/g, '&')
    expect(action).toBeDefined()
    const form = new FormData()
    const tee = fresh('tee')
    form.set('file', new File([catalogCsv(tee, fresh('mug'))], 'shopify.csv', { type: 'text/csv' }))
    const posted = await browser.fetch(action!, { method: 'POST', body: form, headers: { Origin: BASE } })
    expect(posted.status).toBe(303)
    const location = posted.headers.get('Location')!
    expect(location).toMatch(/^\/admin\/imports\/[0-9a-f-]{36}$/)
    const first = await (await browser.fetch(location)).text()
    expect(first).toContain('shopify.csv')
    await finished(user.bearer, location.split('/').pop()!)
    const done = await (await browser.fetch(location)).text()
    expect(done).toContain('Done')
    expect(done).not.toContain('http-equiv="refresh"')
    expect(await productOf(tee)).toBeDefined()
  })

  it('refuses a form without the token', async () => {
    const user = await staffUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
    const form = new FormData()
    form.set('file', new File(['Handle\n'], 'x.csv', { type: 'text/csv' }))
    expect((await browser.fetch('/admin/imports', { method: 'POST', body: form, headers: { Origin: BASE } })).status).toBe(403)
  })
})
void productVariants
