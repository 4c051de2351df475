/** `/admin/settings`: the store's time zone and low stock threshold, saved with an audit entry. */
import { Hono } from 'hono'
import { csrfToken } from '../../accounts/csrf'
import { userOf } from '../../accounts/guard'
import type { AppEnv } from '../../platform/env'
import type { FieldErrors } from '../../platform/errors'
import { Form, Notice } from '../../ui/forms'
import { formNumber, formText, parseForm } from '../../ui/form-input'
import { redirectWithFlash } from '../../ui/flash'
import { formatDateTime, localeOf } from '../../ui/dates'
import { LOW_STOCK_MAX, readStoreSettings, saveStoreSettings, StoreSettingsBody, timeZones } from '../settings'
import { PageHeader, failureOf, type Ctx } from './layout'

const FIELD_LABELS: Record<string, string> = { time_zone: 'Time zone', low_stock_threshold: 'Low stock threshold' }

async function settingsPage(c: Ctx, extra: { values?: Record<string, string>; errors?: FieldErrors; message?: string; status?: 200 | 400 } = {}) {
  const saved = await readStoreSettings(c.env)
  const zone = extra.values?.time_zone ?? saved.time_zone
  const threshold = extra.values?.low_stock_threshold ?? String(saved.low_stock_threshold)
  const errors = extra.errors ?? {}
  const locale = localeOf(c.req.header('Accept-Language'))
  const now = Date.now()
  const zones = timeZones()
  const describe = (name: string, hint: string) => [hint, errors[name] && `${hint.replace('-hint', '-error')}`].filter(Boolean).join(' ')
  return c.render(
    <>
      <PageHeader title="Store settings">
        <p>How the store shows dates and when it warns of low stock.</p>
      </PageHeader>
      <Form action="/admin/settings" csrf={csrfToken(c)} class="form admin-card admin-settings">
        {Object.keys(errors).length > 0 && (
          <div class="notice notice-error" role="alert">
            <p>{extra.message ?? 'Nothing was saved: please correct the fields below.'}</p>
            <ul>
              {Object.entries(errors).map(([name, problems]) => (
                <li key={name}>
                  <a href={`#settings-${name}`}>
                    {FIELD_LABELS[name] ?? name}: {problems.join('; ')}
                  </a>
                </li>
              ))}
            </ul>
          </div>
        )}
        {extra.message && Object.keys(errors).length === 0 && <Notice kind="error">{extra.message}</Notice>}
        <div class={`field${errors['time_zone'] ? ' has-error' : ''}`}>
          <label for="settings-time_zone">Time zone</label>
          <small id="settings-time_zone-hint" class="hint">
            Every date in the shop, the mails and the admin is shown in it, and the dashboard&rsquo;s days begin at its midnight. Now there:{' '}
            {zones.includes(zone) ? formatDateTime(now, { locale, timeZone: zone }) : '—'}.
          </small>
          <select id="settings-time_zone" name="time_zone" aria-describedby={describe('time_zone', 'settings-time_zone-hint')} aria-invalid={errors['time_zone'] ? 'true' : undefined}>
            {!zones.includes(zone) && (
              <option value={zone} selected>
                {zone}
              </option>
            )}
            {zones.map((name) => (
              <option key={name} value={name} selected={name === zone}>
                {name.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
          {errors['time_zone'] && (
            <p id="settings-time_zone-error" class="field-error">
              {errors['time_zone'].join('; ')}
            </p>
          )}
        </div>
        <div class={`field${errors['low_stock_threshold'] ? ' has-error' : ''}`}>
          <label for="settings-low_stock_threshold">Low stock threshold</label>
          <small id="settings-low_stock_threshold-hint" class="hint">
            A variant with this many units left to sell, or fewer, is listed under &ldquo;Low stock&rdquo; on the dashboard and by the products filter. 0 lists only what is sold out.
          </small>
          <input
            id="settings-low_stock_threshold"
            name="low_stock_threshold"
            type="number"
            inputMode="numeric"
            min={0}
            max={LOW_STOCK_MAX}
            step={1}
            required
            value={threshold}
            class="narrow"
            aria-describedby={describe('low_stock_threshold', 'settings-low_stock_threshold-hint')}
            aria-invalid={errors['low_stock_threshold'] ? 'true' : undefined}
          />
          {errors['low_stock_threshold'] && (
            <p id="settings-low_stock_threshold-error" class="field-error">
              {errors['low_stock_threshold'].join('; ')}
            </p>
          )}
        </div>
        <div class="admin-save-bar">
          <a class="button secondary" href="/admin/settings">
            Discard
          </a>
          <button type="submit">Save settings</button>
        </div>
      </Form>
    </>,
    { title: 'Store settings', status: extra.status },
  )
}

export const settingsPages = new Hono<AppEnv>()
  .get('/settings', (c) => settingsPage(c))
  .post('/settings', async (c) => {
    const form = await c.req.parseBody()
    const values = { time_zone: formText(form, 'time_zone'), low_stock_threshold: formText(form, 'low_stock_threshold') }
    try {
      const saved = await saveStoreSettings(c.env, userOf(c), parseForm(StoreSettingsBody, { time_zone: values.time_zone, low_stock_threshold: formNumber(values.low_stock_threshold) }))
      return redirectWithFlash(c, '/admin/settings', 'success', `Settings saved: dates in ${saved.time_zone}, low stock at ${saved.low_stock_threshold} units or fewer.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure || failure.status !== 400) throw err
      return settingsPage(c, { values, errors: failure.fields, message: 'Nothing was saved: please correct the fields below.', status: 400 })
    }
  })
