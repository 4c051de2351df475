/** The audit log of every staff action, with before and after (admins only). */
import { TableHead } from '../../ui/table-head'
import { Hono } from 'hono'
import { dateStyleOf } from '../../ui/dates'
import { When } from './layout'
import type { AppEnv } from '../../platform/env'
import { userOf } from '../../accounts/guard'
import { ApiError, forbidden } from '../../platform/errors'
import { fieldErrors } from '../../platform/validate'
import { listAudit } from '../audit'
import { AuditQuery } from '../routes'
import { withQuery } from '../../platform/query-string'

export const auditPages = new Hono<AppEnv>()
  .get('/audit', async (c) => {
    if (userOf(c).role !== 'admin') throw forbidden('The audit log is for admins only.')
    const q = c.req.query()
    // The filter form sends every field, empty ones too; what is left goes through the API's schema.
    const query = AuditQuery.safeParse(Object.fromEntries(Object.entries(q).filter(([, v]) => v !== '')))
    if (!query.success) throw new ApiError(400, 'validation_failed', `Please check the filters: ${Object.entries(fieldErrors(query.error)).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ')}`)
    const page = query.data.page
    const log = await listAudit(c.env, { ...query.data, page_size: 50 })
    const { page: _page, ...filters } = q
    const link = (to: number) => withQuery('/admin/audit', { ...filters, page: to })
    const style = await dateStyleOf(c)
    return c.render(
      <section class="admin">
        <h1>Audit log</h1>
        <form class="admin-filters" method="get" action="/admin/audit" aria-label="Filter the audit log">
          <div class="field">
            <label for="a-actor">Who (email)</label>
            <input id="a-actor" name="actor" value={q.actor ?? ''} />
          </div>
          <div class="field">
            <label for="a-action">Action starts with</label>
            <input id="a-action" name="action" value={q.action ?? ''} placeholder="product." />
          </div>
          <div class="field">
            <label for="a-type">Target type</label>
            <input id="a-type" name="target_type" value={q.target_type ?? ''} placeholder="product, order…" />
          </div>
          <div class="field">
            <label for="a-id">Target id</label>
            <input id="a-id" name="target_id" value={q.target_id ?? ''} />
          </div>
          <button type="submit">Filter</button>
        </form>
        <table class="cart admin-table">
          <TableHead columns={['When', 'Who', 'What', 'Target', 'Before → after']} />
          <tbody>
            {log.items.map((entry) => (
              <tr key={entry.id}>
                <td>
                  <When ms={entry.at} style={style} />
                </td>
                <td>{entry.actorEmail}</td>
                <td>{entry.action}</td>
                <td>
                  {entry.targetType} {entry.targetId}
                </td>
                <td>
                  <details>
                    <summary>Show</summary>
                    <pre>{JSON.stringify({ before: entry.before, after: entry.after }, null, 2)}</pre>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <nav class="pager" aria-label="Pages">
          {page > 1 && <a href={link(page - 1)}>← Newer</a>}
          {log.has_more && <a href={link(page + 1)}>Older →</a>}
        </nav>
      </section>,
      { title: 'Audit log' },
    )
  })
