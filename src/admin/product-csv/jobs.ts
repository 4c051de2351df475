/**
 * Product CSV imports as jobs: the file goes to R2 (IMPORTS) as it is uploaded, a row in import_jobs
 * tracks it, and the cato-imports queue carries one message per step. A step reads a few products from
 * where the last one stopped (an R2 range read, parsed as it streams) and writes what it did with its
 * cursor in one D1 batch that also claims the step's number: a message delivered twice finds its step
 * claimed and does nothing. First a validation pass over the whole file (rows, SKUs against each other
 * and the store, handles together, images fetched into R2); a file with any error imports nothing. Then
 * the import pass upserts the products by Handle.
 *
 * A queue rather than a Durable Object alarm: retries with back-off and at-least-once delivery come with
 * it, a step runs with a Worker's full limits, and nothing per job needs to stay in memory between steps.
 */
import { and, eq, inArray } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { bumpCatalogVersionStatement, forgetCatalogVersion } from '../../catalog/cache'
import { chunkRows, getDb } from '../../db/client'
import { importJobKeys, importJobs, users, type ImportJob, type ImportRowError, type PendingProduct } from '../../db/schema'
import type { CurrentUser } from '../../platform/env'
import { logError, logEvent } from '../../platform/logging'
import { auditStatement } from '../audit'
import { existingProducts, pendingOf, productStatements, saveImportedVariants, skuOwners } from './apply'
import { CsvSyntaxError, csvRecords } from './csv-reader'
import { fetchImageIntoR2, type FetchedImage } from './image-fetch'
import { COLUMNS, draftOf, missingColumns, rowReader, type ProductDraft, type Row } from './rows'

/** The largest file an import takes. */
export const IMPORT_MAX_BYTES = 50 * 1024 * 1024
/** Errors kept on a job (the count says how many there were). */
export const IMPORT_ERRORS_KEPT = 100
/** A step ends after this many products, or once it holds this many variants (one product at least). */
const STEP_PRODUCTS = 10
const STEP_VARIANTS = 150
/** A step message that finds its step done hands on the next only if the job has not moved for this long (the hand-off was lost). */
const HANDOFF_GRACE_MS = 10_000

export const IMPORT_QUEUE_NAME = 'cato-imports'
export interface ImportMessage {
  jobId: string
  step: number
}

/** Stores the uploaded file, makes its job and queues its first step. */
export async function startImport(env: Env, actor: CurrentUser, file: ReadableStream | Blob, byteSize: number, fileName: string): Promise<ImportJob> {
  const id = crypto.randomUUID()
  const r2Key = `imports/${id}.csv`
  await env.IMPORTS.put(r2Key, file, { httpMetadata: { contentType: 'text/csv' } })
  const [job] = await getDb(env)
    .insert(importJobs)
    .values({ id, r2Key, byteSize, fileName: fileName.slice(0, 200), createdBy: actor.id })
    .returning()
  await env.IMPORT_QUEUE.send({ jobId: id, step: 0 } satisfies ImportMessage)
  logEvent(env, 'import.started', { job_id: id, byte_size: byteSize })
  return job!
}

export const importJob = (env: Env, id: string) => getDb(env).query.importJobs.findFirst({ where: eq(importJobs.id, id) })

export const recentImports = (env: Env) => getDb(env).query.importJobs.findMany({ orderBy: (j, { desc }) => [desc(j.createdAt)], limit: 10 })

/** The queue's consumer: one step per message; a failing step is retried later (its claim never stood). */
export async function importQueue(batch: MessageBatch<ImportMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    try {
      const next = await runStep(env, message.body.jobId, message.body.step)
      if (next !== null) await env.IMPORT_QUEUE.send({ jobId: message.body.jobId, step: next } satisfies ImportMessage)
      message.ack()
    } catch (err) {
      logError('import step failed', { job_id: message.body.jobId, step: message.body.step, error: String(err) })
      message.retry({ delaySeconds: 15 })
    }
  }
}

const now = () => Date.now()
const appendErrors = (job: ImportJob, more: ImportRowError[]) => ({
  errors: [...job.errors, ...more].slice(0, IMPORT_ERRORS_KEPT),
  errorCount: job.errorCount + more.length,
})

/** Runs step `step` of the job if it is the job's next; answers the step to queue next, or null. */
async function runStep(env: Env, jobId: string, step: number): Promise<number | null> {
  const db = getDb(env)
  let job = await importJob(env, jobId)
  if (!job) return null
  if (job.pendingProducts) job = await finishPending(env, job)
  const running = job.state === 'validating' || job.state === 'importing'
  if (!running) return null
  if (job.step !== step) {
    return job.step === step + 1 && now() - job.updatedAt > HANDOFF_GRACE_MS ? job.step : null
  }
  const read = await readStep(env, job)
  const claim = db.insert(importJobKeys).values({ jobId, kind: 'step', key: String(step) })
  const cursor = { step: step + 1, byteOffset: job.byteOffset + read.endByte, rowNumber: read.lastRow, updatedAt: now() }
  if (read.syntaxError || read.missing) {
    const error = read.syntaxError ?? { row: 1, column: '', message: `missing required columns: ${read.missing!.join(', ')}` }
    await db.batch([claim, db.update(importJobs).set({ ...cursor, state: 'failed', ...appendErrors(job, [error]) }).where(eq(importJobs.id, jobId))]).catch(claimTaken)
    return null
  }
  const drafts = read.groups.map((rows) => draftOf(rows))
  const rowCount = read.groups.reduce((n, rows) => n + rows.length, 0)
  if (job.state === 'validating') {
    const { errors, keys } = await validateStep(env, job, drafts)
    const all = appendErrors(job, errors)
    const finished = read.eof ? { state: all.errorCount ? ('failed' as const) : ('importing' as const), rowsTotal: job.rowsValidated + rowCount, byteOffset: 0, rowNumber: 0 } : {}
    const written = await db
      .batch([
        claim,
        ...chunkRows(keys, 0, importJobKeys).map((chunk) => db.insert(importJobKeys).values(chunk).onConflictDoNothing()),
        db.update(importJobs).set({ ...cursor, columns: read.columns, rowsValidated: job.rowsValidated + rowCount, ...all, ...finished }).where(eq(importJobs.id, jobId)),
      ])
      .catch(claimTaken)
    if (!written) return null
    return read.eof && all.errorCount ? null : step + 1
  }
  const images = await imagesOf(env, jobId, drafts.map((d) => d.draft))
  const existing = await existingProducts(db, drafts.map((d) => d.draft.handle))
  const statements: BatchItem<'sqlite'>[] = []
  const pending: PendingProduct[] = []
  for (const { draft } of drafts) {
    statements.push(...productStatements(db, draft, existing.find((p) => p.slug === draft.handle), images))
    pending.push(pendingOf(draft, images))
  }
  const actor = await actorOf(env, job)
  const catalog = statements.length
    ? [...statements, auditStatement(db, actor, { action: 'product.import', targetType: 'import', targetId: jobId, after: { step, handles: drafts.map((d) => d.draft.handle) } }), bumpCatalogVersionStatement(db)]
    : []
  const written = await db
    .batch([
      claim,
      ...catalog,
      db
        .update(importJobs)
        .set({ ...cursor, rowsImported: job.rowsImported + rowCount, productsImported: job.productsImported + drafts.length, pendingProducts: pending.length ? pending : null, ...(read.eof && { state: 'done' as const }) })
        .where(eq(importJobs.id, jobId)),
    ])
    .catch(claimTaken)
  if (!written) return null
  if (catalog.length) forgetCatalogVersion()
  const after = await importJob(env, jobId)
  if (after?.pendingProducts) await finishPending(env, after)
  if (read.eof) logEvent(env, 'import.done', { job_id: jobId, products: job.productsImported + drafts.length })
  return read.eof ? null : step + 1
}

/** A batch refused because its step was claimed already: another delivery did it. */
function claimTaken(err: unknown): null {
  if (/UNIQUE constraint failed: import_job_keys/i.test(String(err))) return null
  throw err
}

/**
 * Saves the variants (and stock) of the products the last import step wrote, then forgets them; what the
 * variant writer refuses becomes the job's errors. Safe to run again: a product already saved is left alone.
 */
async function finishPending(env: Env, job: ImportJob): Promise<ImportJob> {
  const errors = await saveImportedVariants(env, await actorOf(env, job), job.pendingProducts ?? [])
  const [updated] = await getDb(env)
    .update(importJobs)
    .set({ pendingProducts: null, ...appendErrors(job, errors) })
    .where(and(eq(importJobs.id, job.id), eq(importJobs.step, job.step)))
    .returning()
  return updated ?? job
}

async function actorOf(env: Env, job: ImportJob): Promise<CurrentUser> {
  const user = job.createdBy === null ? undefined : await getDb(env).query.users.findFirst({ where: eq(users.id, job.createdBy) })
  return user ?? { id: 0, email: 'import', name: 'import', role: 'staff', tokenVersion: 0 }
}

interface StepRead {
  columns: string[]
  groups: Row[][]
  /** Bytes read past the step's start up to the end of its last record. */
  endByte: number
  lastRow: number
  eof: boolean
  missing?: string[]
  syntaxError?: ImportRowError
}

/** The next products of the file, from the job's cursor: at most STEP_PRODUCTS, each with all its rows. */
async function readStep(env: Env, job: ImportJob): Promise<StepRead> {
  const object = await env.IMPORTS.get(job.r2Key, job.byteOffset ? { range: { offset: job.byteOffset } } : undefined)
  if (!object) throw new Error(`import file ${job.r2Key} is missing`)
  let columns = job.columns ?? []
  let reader = rowReader(columns)
  const groups: Row[][] = []
  let endByte = 0
  let lastRow = job.rowNumber
  let eof = true
  let variants = 0
  try {
    for await (const record of csvRecords(object.body)) {
      const rowNumber = job.rowNumber + record.index
      if (job.byteOffset === 0 && record.index === 1) {
        // The header: read by the first step of each pass.
        if (!job.columns) {
          columns = record.cells.map((c) => c.trim())
          reader = rowReader(columns)
          const missing = missingColumns(columns)
          if (missing.length) return { columns, groups, endByte: record.endByte, lastRow: rowNumber, eof: true, missing }
        }
        endByte = record.endByte
        lastRow = rowNumber
        continue
      }
      const row = reader(record.cells, rowNumber)
      const current = groups[groups.length - 1]
      const isVariant = !!(row.get(COLUMNS.price) || row.get(COLUMNS.sku) || row.get('Option1 Value'))
      if (current && current[0]!.get(COLUMNS.handle) === row.get(COLUMNS.handle)) current.push(row)
      else {
        if (groups.length >= STEP_PRODUCTS || variants >= STEP_VARIANTS) {
          eof = false
          break
        }
        groups.push([row])
      }
      if (isVariant) variants++
      endByte = record.endByte
      lastRow = rowNumber
    }
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err
    return { columns, groups: [], endByte, lastRow, eof: true, syntaxError: { row: job.rowNumber + err.records, column: '', message: err.message } }
  }
  return { columns, groups, endByte, lastRow, eof }
}

type KeyRow = typeof importJobKeys.$inferInsert

/** Everything wrong with this step's products, and what the next steps must remember of them. */
async function validateStep(env: Env, job: ImportJob, drafts: { draft: ProductDraft; errors: ImportRowError[] }[]) {
  const db = getDb(env)
  const errors = drafts.flatMap((d) => d.errors)
  const keys: KeyRow[] = []
  const fail = (row: number, column: string, message: string) => errors.push({ row, column, message })
  const handles = drafts.map((d) => d.draft.handle)
  const skus = drafts.flatMap(({ draft }) => draft.variants.flatMap((v) => (v.sku ? [{ sku: v.sku, row: v.row, handle: draft.handle }] : [])))
  const seen = await knownKeys(env, job.id, 'handle', handles)
  const seenSkus = await knownKeys(env, job.id, 'sku', skus.map((s) => s.sku))
  const owners = await skuOwners(db, skus.map((s) => s.sku))
  for (const { draft } of drafts) {
    const before = seen.get(draft.handle)
    if (before !== undefined) fail(draft.firstRow, COLUMNS.handle, `the rows of "${draft.handle}" must be together: it started at row ${before}`)
    else {
      seen.set(draft.handle, draft.firstRow)
      keys.push({ jobId: job.id, kind: 'handle', key: draft.handle, row: draft.firstRow })
    }
  }
  const skuRows = new Map<string, { row: number; handle: string }>()
  for (const { sku, row, handle } of skus) {
    const earlier = seenSkus.get(sku)
    const here = skuRows.get(sku)
    if (earlier !== undefined) fail(row, COLUMNS.sku, `"${sku}" is already the SKU of row ${earlier}`)
    else if (here && here.handle !== handle) fail(row, COLUMNS.sku, `"${sku}" is already the SKU of row ${here.row}`)
    else if (!here) {
      skuRows.set(sku, { row, handle })
      keys.push({ jobId: job.id, kind: 'sku', key: sku, row })
    }
    const owner = owners.get(sku)
    if (owner !== undefined && owner !== handle) fail(row, COLUMNS.sku, `"${sku}" is the SKU of product "${owner}" in the store`)
  }
  // Images, fetched into R2 now so that the import pass only links them; one URL is fetched once per job.
  const wanted = new Map<string, { row: number; column: string }>()
  for (const { draft } of drafts) {
    for (const image of draft.images) if (!wanted.has(image.src)) wanted.set(image.src, { row: image.row, column: COLUMNS.imageSrc })
    for (const v of draft.variants) if (v.imageSrc && !wanted.has(v.imageSrc)) wanted.set(v.imageSrc, { row: v.row, column: COLUMNS.variantImage })
  }
  const fetched = await knownKeys(env, job.id, 'image', [...wanted.keys()])
  for (const [src, at] of wanted) {
    if (fetched.has(src)) continue
    try {
      const image = await fetchImageIntoR2(env, src)
      keys.push({ jobId: job.id, kind: 'image', key: src, row: at.row, value: JSON.stringify(image) })
    } catch (err) {
      fail(at.row, at.column, `${src}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  for (const { draft } of drafts) {
    for (const v of draft.variants) {
      if (v.imageSrc && !draft.images.some((i) => i.src === v.imageSrc)) fail(v.row, COLUMNS.variantImage, 'not one of the Image Src of this product')
    }
  }
  errors.sort((a, b) => a.row - b.row)
  return { errors, keys }
}

/** Keys of `kind` the job has recorded among `keys`, with their row. */
async function knownKeys(env: Env, jobId: string, kind: KeyRow['kind'], keys: string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>()
  const unique = [...new Set(keys)]
  for (let i = 0; i < unique.length; i += 90) {
    const rows = await getDb(env)
      .select({ key: importJobKeys.key, row: importJobKeys.row })
      .from(importJobKeys)
      .where(and(eq(importJobKeys.jobId, jobId), eq(importJobKeys.kind, kind), inArray(importJobKeys.key, unique.slice(i, i + 90))))
    for (const r of rows) found.set(r.key, r.row)
  }
  return found
}

/** The images the validation pass fetched for these drafts, by URL. */
async function imagesOf(env: Env, jobId: string, drafts: ProductDraft[]): Promise<Map<string, FetchedImage>> {
  const srcs = [...new Set(drafts.flatMap((d) => [...d.images.map((i) => i.src), ...d.variants.flatMap((v) => (v.imageSrc ? [v.imageSrc] : []))]))]
  const images = new Map<string, FetchedImage>()
  for (let i = 0; i < srcs.length; i += 90) {
    const rows = await getDb(env)
      .select({ key: importJobKeys.key, value: importJobKeys.value })
      .from(importJobKeys)
      .where(and(eq(importJobKeys.jobId, jobId), eq(importJobKeys.kind, 'image'), inArray(importJobKeys.key, srcs.slice(i, i + 90))))
    for (const r of rows) if (r.value) images.set(r.key, JSON.parse(r.value) as FetchedImage)
  }
  return images
}

/** A job's state as staff see it: not done while the variants of its last step are still being saved. */
export const shownState = (job: ImportJob): ImportJob['state'] => (job.state === 'done' && job.pendingProducts ? 'importing' : job.state)

/** A job as the API answers it. */
export function importJobView(job: ImportJob) {
  return {
    id: job.id,
    file_name: job.fileName,
    byte_size: job.byteSize,
    state: shownState(job),
    rows_total: job.rowsTotal,
    rows_validated: job.rowsValidated,
    rows_imported: job.rowsImported,
    products_imported: job.productsImported,
    error_count: job.errorCount,
    errors: job.errors,
    created_at: new Date(job.createdAt).toISOString(),
    updated_at: new Date(job.updatedAt).toISOString(),
  }
}
