/**
 * Products in and out as Shopify's product CSV: the upload form (the file streams to R2 and an import job
 * takes it from there), each job's progress refreshing itself while it runs (no script), the export link.
 */
import { Hono } from 'hono'
import { csrfToken } from '../../accounts/csrf'
import { userOf } from '../../accounts/guard'
import type { ImportJob } from '../../db/schema'
import type { AppEnv } from '../../platform/env'
import { ApiError } from '../../platform/errors'
import { Notice } from '../../ui/forms'
import { redirectWithFlash } from '../../ui/flash'
import { formFailure } from '../../ui/form-input'
import { exportProductsCsv } from '../product-csv/export'
import { importJob, recentImports, shownState, startImport } from '../product-csv/jobs'
import { receiveCsv } from '../product-csv/upload'
import type { Ctx } from './layout'

const STATE_LABELS: Record<ImportJob['state'], string> = { validating: 'Validating', importing: 'Importing', done: 'Done', failed: 'Failed' }
const running = (job: ImportJob) => shownState(job) === 'validating' || shownState(job) === 'importing'

function progressOf(job: ImportJob) {
  if (job.state === 'validating') return `${job.rowsValidated} rows checked`
  const total = job.rowsTotal ?? 0
  return `${job.rowsImported} of ${total} rows imported (${job.productsImported} products)`
}

async function importsPage(c: Ctx, failure?: { status: number; message: string }) {
  const jobs = await recentImports(c.env)
  const token = csrfToken(c)
  return c.render(
    <section class="admin">
      <h1>Import and export products</h1>
      {failure && <Notice kind="error">{failure.message}</Notice>}
      <h2>Export</h2>
      <p>
        <a href="/admin/products.csv">Download every product as a Shopify CSV</a> (variants, images, stock on hand).
      </p>
      <h2>Import a Shopify product CSV</h2>
      <p>
        Every row is checked first. <strong>A file with any error imports nothing</strong>: the errors are listed by row and column, fix them and upload the file again.
        Products are matched by Handle, variants by SKU (or by their option values when the SKU is empty), so importing the same file again changes nothing.
      </p>
      <form method="post" action={`/admin/imports?_csrf=${encodeURIComponent(token)}`} enctype="multipart/form-data" class="form">
        <div class="field">
          <label for="import-file">CSV file (at most 50 MB)</label>
          <input id="import-file" type="file" name="file" accept=".csv,text/csv" required />
        </div>
        <button type="submit">Import</button>
      </form>
      {jobs.length > 0 && (
        <>
          <h2>Recent imports</h2>
          <table class="cart admin-table">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">State</th>
                <th scope="col">Progress</th>
                <th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => (
                <tr>
                  <td>
                    <a href={`/admin/imports/${job.id}`}>{job.fileName || job.id}</a>
                  </td>
                  <td>{STATE_LABELS[shownState(job)]}</td>
                  <td>{progressOf(job)}</td>
                  <td>{job.errorCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>,
    { title: 'Import and export', status: (failure?.status ?? 200) as 200 },
  )
}

export const importsPages = new Hono<AppEnv>()
  .get('/imports', (c) => importsPage(c))
  .post('/imports', async (c) => {
    try {
      const file = await receiveCsv(c.req.raw)
      const job = await startImport(c.env, userOf(c), file.body, file.byteSize, file.fileName)
      return redirectWithFlash(c, `/admin/imports/${job.id}`, 'info', `"${job.fileName}" uploaded: checking its rows.`)
    } catch (err) {
      const failure = formFailure(err, [400, 404, 409, 413, 415])
      if (!failure && !(err instanceof ApiError && err.status === 411)) throw err
      return importsPage(c, failure ?? { status: 400, message: (err as ApiError).message })
    }
  })
  .get('/imports/:id', async (c) => {
    const job = /^[0-9a-f-]{36}$/.test(c.req.param('id')) ? await importJob(c.env, c.req.param('id')) : undefined
    if (!job) throw new ApiError(404, 'not_found', 'There is no such import.')
    return c.render(
      <section class="admin">
        <p>
          <a href="/admin/imports">← Import and export</a>
        </p>
        <h1>Import of {job.fileName || 'a CSV file'}</h1>
        <p>
          State: <strong>{STATE_LABELS[shownState(job)]}</strong> · {progressOf(job)}
        </p>
        {running(job) && <p>This page reloads every few seconds until the import is finished.</p>}
        {job.state === 'failed' && <Notice kind="error">Nothing was imported: fix the rows below and upload the file again.</Notice>}
        {shownState(job) === 'done' && (
          <Notice kind={job.errorCount ? 'info' : 'success'}>
            {job.productsImported} products imported{job.errorCount ? `; ${job.errorCount} rows could not be saved (below)` : ''}.
          </Notice>
        )}
        {job.errorCount > 0 && (
          <>
            <h2>
              {job.errorCount} {job.errorCount === 1 ? 'error' : 'errors'}
              {job.errorCount > job.errors.length && ` (the first ${job.errors.length} shown)`}
            </h2>
            <ul class="import-errors">
              {job.errors.map((e) => (
                <li>
                  row {e.row}
                  {e.column && `, ${e.column}`}: {e.message}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>,
      { title: 'Import', ...(running(job) && { refreshSeconds: 3 }) },
    )
  })
  .get('/products.csv', (c) =>
    c.body(exportProductsCsv(c.env, new URL(c.req.url).origin), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="products.csv"' }),
  )
