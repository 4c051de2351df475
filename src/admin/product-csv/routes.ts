/** `/api/admin/product-imports` and `/api/admin/products.csv`: Shopify product CSV import and export for automation. */
import { Hono } from 'hono'
import { z } from 'zod'
import { userOf } from '../../accounts/guard'
import { docs, type RouteDocs } from '../../openapi/describe'
import type { AppEnv } from '../../platform/env'
import { notFound } from '../../platform/errors'
import { validate } from '../../platform/validate'
import { IMPORT_JOB_STATES } from '../../db/schema'
import { exportProductsCsv } from './export'
import { importJob, importJobView, startImport } from './jobs'
import { receiveCsv } from './upload'

export const ImportJobView = z
  .object({
    id: z.string(),
    file_name: z.string(),
    byte_size: z.int(),
    state: z.enum(IMPORT_JOB_STATES).describe('validating → importing → done, or failed (a file with any error imports nothing)'),
    rows_total: z.int().nullable().describe('Rows after the header, once the validation pass has read them all'),
    rows_validated: z.int(),
    rows_imported: z.int(),
    products_imported: z.int(),
    error_count: z.int(),
    errors: z.array(z.object({ row: z.int().describe('The row of the file; the header is row 1'), column: z.string(), message: z.string() })).describe('The first 100 errors'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'ImportJob' })

const ImportIdParam = z.object({ id: z.uuid() })

const csvDocs = (route: Omit<RouteDocs, 'tag' | 'access'>) => docs({ tag: 'Admin', access: 'staff', ...route })

const startImportDocs = csvDocs({
  id: 'adminStartProductImport',
  summary: "Import products from Shopify's product CSV",
  description:
    'The raw file as text/csv (with Content-Length), or multipart/form-data with the file in `file`; at most 50 MB. Answers the job at once: it validates every row, then upserts the products by Handle and their variants by SKU (else by option combination). A file with any error imports nothing; poll the job for its state and errors.',
  rawBody: {
    description: "A Shopify product CSV: Handle, Title, Body (HTML), Published, Option1–3 Name/Value, Variant SKU, Grams, Inventory Qty, Price, Compare At Price, Image Src, Image Position, Image Alt Text, Variant Image, Status; other columns are ignored",
    content: {
      'text/csv': { schema: { type: 'string' } },
      'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', contentMediaType: 'text/csv' } }, required: ['file'] } },
    },
  },
  responses: { 202: { description: 'The job, validating', schema: ImportJobView } },
  errors: { 411: 'A raw body without Content-Length', 413: 'The file is larger than 50 MB (nothing is stored)', 415: 'Neither text/csv nor multipart/form-data' },
})
const getImportDocs = csvDocs({
  id: 'adminGetProductImport',
  summary: 'An import job: its state, rows done of total, and its errors by row and column',
  responses: { 200: { description: 'The job', schema: ImportJobView } },
  errors: { 404: 'No such import' },
})
const exportDocs = csvDocs({
  id: 'adminExportProducts',
  summary: "Every product with its variants and images, as Shopify's product CSV",
  responses: { 200: { description: 'One row per variant or image; a product starts with its first row', media: { type: 'text/csv', schema: { type: 'string' } } } },
})

export const productCsvApi = new Hono<AppEnv>()
  .post('/product-imports', startImportDocs, async (c) => {
    const file = await receiveCsv(c.req.raw)
    return c.json(importJobView(await startImport(c.env, userOf(c), file.body, file.byteSize, file.fileName)), 202)
  })
  .get('/product-imports/:id', getImportDocs, validate('param', ImportIdParam), async (c) => {
    const job = await importJob(c.env, c.req.valid('param').id)
    if (!job) throw notFound('import')
    return c.json(importJobView(job))
  })
  .get('/products.csv', exportDocs, (c) =>
    c.body(exportProductsCsv(c.env, new URL(c.req.url).origin), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="products.csv"' }),
  )
