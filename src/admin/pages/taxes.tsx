/** Taxes in the admin: whether prices include tax, and the rates by country, region and product tax class. Staff read; admins change. */
import { Hono } from 'hono'
import { csrfToken } from '../../accounts/csrf'
import { userOf } from '../../accounts/guard'
import { TAX_CLASSES, type TaxClass } from '../../db/schema'
import { COUNTRIES, countryName, regionName } from '../../platform/countries'
import type { AppEnv } from '../../platform/env'
import { ApiError, type FieldErrors } from '../../platform/errors'
import { fieldErrors } from '../../platform/validate'
import { CountrySelect } from '../../ui/country-select'
import { Form, Notice } from '../../ui/forms'
import { formText, type FormBody } from '../../ui/form-input'
import { redirectWithFlash } from '../../ui/flash'
import { percentToBp, TaxRateBody, TaxRatePatch } from '../../shipping/schemas'
import { createTaxRate, deleteTaxRate, listTaxRates, readCheckoutSettings, updateCheckoutSettings, updateTaxRate } from '../../shipping/taxes'
import { failureOf, id, type Ctx } from './layout'
import { ErrorSummary, formFieldErrors, mayWrite, requireAdmin, RowField } from './shipping-forms'

export const TAX_CLASS_LABELS: Record<TaxClass, string> = { standard: 'Standard', reduced: 'Reduced', zero: 'Zero-rated' }
const RATE_MESSAGE = 'must be a percentage like 7.25 (at most two decimals, from 0 to 100)'

interface Failure {
  form: string
  message: string
  status: 400 | 404 | 409 | 413 | 415
  fields: FieldErrors
  values: Record<string, string>
}

/** A form's rate ("7.25") as basis points, or a 400 naming the rate field; the rest through `schema`. */
function parseRateForm<T>(schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false; error: Parameters<typeof fieldErrors>[0] } }, form: FormBody, fields: Record<string, unknown>): T {
  const bp = percentToBp(formText(form, 'rate'))
  const parsed = schema.safeParse({ ...fields, rate_bp: bp ?? 0 })
  const errors = parsed.success ? {} : formFieldErrors(fieldErrors(parsed.error), { rate_bp: 'rate' })
  if (bp === null) errors.rate = [RATE_MESSAGE]
  if (parsed.success && bp !== null) return parsed.data
  throw new ApiError(400, 'validation_failed', 'Please correct the fields marked below.', errors)
}

const textValues = (form: FormBody) => Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === 'string'))

export const taxesPages = new Hono<AppEnv>()
  .get('/taxes', (c) => taxesPage(c))
  .post('/taxes/settings', async (c) => {
    requireAdmin(c)
    const form = await c.req.parseBody()
    const choice = formText(form, 'prices_include_tax')
    if (choice !== 'yes' && choice !== 'no') return redirectWithFlash(c, '/admin/taxes', 'error', 'Nothing changed: choose whether prices include tax.')
    const saved = await updateCheckoutSettings(c.env, userOf(c), { prices_include_tax: choice === 'yes' })
    return redirectWithFlash(c, '/admin/taxes', 'success', saved.prices_include_tax ? 'Saved: prices include tax. Totals stay as priced and show the tax they include.' : 'Saved: prices exclude tax. Tax is added at checkout.')
  })
  .post('/taxes/rates', async (c) => {
    requireAdmin(c)
    const form = await c.req.parseBody()
    try {
      const body = parseRateForm(TaxRateBody, form, { country: formText(form, 'country'), region: formText(form, 'region'), tax_class: formText(form, 'tax_class'), name: formText(form, 'name') })
      const rate = await createTaxRate(c.env, userOf(c), body)
      return redirectWithFlash(c, '/admin/taxes', 'success', `${rate.name} of ${rate.rate_percent} % added for ${placeName(rate.country, rate.region)} (${TAX_CLASS_LABELS[rate.tax_class].toLowerCase()} class).`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return taxesPage(c, { form: 'new', message: failure.message, status: failure.status, fields: failure.fields, values: textValues(form) })
    }
  })
  .post('/taxes/rates/:id', async (c) => {
    requireAdmin(c)
    const rateId = id(c)
    const form = await c.req.parseBody()
    try {
      const rate = await updateTaxRate(c.env, userOf(c), rateId, parseRateForm(TaxRatePatch, form, { name: formText(form, 'name') }))
      return redirectWithFlash(c, '/admin/taxes', 'success', `${rate.name} for ${placeName(rate.country, rate.region)} is now ${rate.rate_percent} %.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return taxesPage(c, { form: `rate-${rateId}`, message: failure.message, status: failure.status, fields: failure.fields, values: textValues(form) })
    }
  })
  .post('/taxes/rates/:id/delete', async (c) => {
    requireAdmin(c)
    const rateId = id(c)
    const form = await c.req.parseBody()
    const rate = (await listTaxRates(c.env)).items.find((r) => r.id === rateId)
    if (formText(form, 'confirm') !== 'yes') return redirectWithFlash(c, '/admin/taxes', 'error', `${rate?.name ?? 'The rate'} was not deleted: tick the box to confirm.`)
    await deleteTaxRate(c.env, userOf(c), rateId)
    return redirectWithFlash(c, '/admin/taxes', 'success', `${rate?.name ?? 'The rate'} for ${rate ? placeName(rate.country, rate.region) : 'its destination'} deleted.`)
  })

const placeName = (country: string, region: string) => (region ? `${regionName(country, region)}, ${countryName(country)}` : countryName(country))

async function taxesPage(c: Ctx, failure?: Failure) {
  const [settings, rates] = await Promise.all([readCheckoutSettings(c.env), listTaxRates(c.env)])
  const write = mayWrite(c)
  const csrf = csrfToken(c)
  const failed = (form: string) => (failure?.form === form ? failure : undefined)
  const newValues = failed('new')?.values ?? {}
  return c.render(
    <section class="admin">
      <h1>Taxes</h1>
      <p class="hint">
        Tax is worked out per order line after its discount, rounded half-up per line, at the rate of the shipping address and the product&rsquo;s tax class (set on each product). A region&rsquo;s rate (a US state) wins over
        its country&rsquo;s. Whether shipping is taxed is set per <a href="/admin/shipping">shipping zone</a>.
      </p>
      <h2>Prices</h2>
      {write ? (
        <Form action="/admin/taxes/settings" csrf={csrf}>
          <fieldset>
            <legend>How prices are entered</legend>
            <label class="check">
              <input type="radio" name="prices_include_tax" value="no" checked={!settings.prices_include_tax} /> Prices exclude tax: tax is added at checkout (US style)
            </label>
            <label class="check">
              <input type="radio" name="prices_include_tax" value="yes" checked={settings.prices_include_tax} /> Prices include tax: the total stays as priced and shows the tax it includes (EU, UK, AU style)
            </label>
          </fieldset>
          <button type="submit">Save</button>
        </Form>
      ) : (
        <p>{settings.prices_include_tax ? 'Prices include tax.' : 'Prices exclude tax: tax is added at checkout.'}</p>
      )}
      <h2>Rates</h2>
      {rates.items.length === 0 ? (
        <p class="empty">No tax rate yet: orders carry no tax. Add the rates of the places you ship to below.</p>
      ) : (
        <table class="cart admin-table">
          <caption class="visually-hidden">Tax rates</caption>
          <thead>
            <tr>
              <th scope="col">Destination</th>
              <th scope="col">Class</th>
              <th scope="col">Rate and name</th>
              {write && <th scope="col">Delete</th>}
            </tr>
          </thead>
          <tbody>
            {rates.items.map((rate) => {
              const f = failed(`rate-${rate.id}`)
              const where = placeName(rate.country, rate.region)
              return (
                <tr key={rate.id}>
                  <td>{where}</td>
                  <td>{TAX_CLASS_LABELS[rate.tax_class]}</td>
                  <td>
                    {write ? (
                      <Form action={`/admin/taxes/rates/${rate.id}`} csrf={csrf} class="inline-form category-row">
                        {f && <ErrorSummary errors={f.fields} idSuffix={`-${rate.id}`}>{<p>{`Not saved: ${f.message}`}</p>}</ErrorSummary>}
                        <RowField name="rate" label={`Rate (%) of ${rate.name}, ${where}, ${rate.tax_class}`} value={f?.values.rate ?? rate.rate_percent} errors={f?.fields} idSuffix={String(rate.id)} inputMode="decimal" />
                        <RowField name="name" label="Name" value={f?.values.name ?? rate.name} errors={f?.fields} idSuffix={String(rate.id)} maxLength={100} />
                        <button type="submit" class="secondary">
                          Save<span class="visually-hidden"> {`${rate.name}, ${where}, ${rate.tax_class}`}</span>
                        </button>
                      </Form>
                    ) : (
                      `${rate.rate_percent} % ${rate.name}`
                    )}
                  </td>
                  {write && (
                    <td>
                      <Form action={`/admin/taxes/rates/${rate.id}/delete`} csrf={csrf} class="inline-form category-row">
                        <label class="check">
                          <input type="checkbox" name="confirm" value="yes" required /> Yes<span class="visually-hidden">, delete {`${rate.name}, ${where}, ${rate.tax_class}`}</span>
                        </label>
                        <button type="submit" class="danger">
                          Delete<span class="visually-hidden"> {`${rate.name}, ${where}, ${rate.tax_class}`}</span>
                        </button>
                      </Form>
                    </td>
                  )}
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {write && (
        <Form action="/admin/taxes/rates" csrf={csrf}>
          <h2>New rate</h2>
          {failed('new') && (Object.keys(failed('new')?.fields ?? {}).length ? <ErrorSummary errors={failed('new')?.fields} idSuffix="-new">{<p>{`The rate was not added: ${failure?.message}`}</p>}</ErrorSummary> : <Notice kind="error">{failure?.message}</Notice>)}
          <div class="fieldset-grid">
            <CountrySelect name="country" label="Country" countries={COUNTRIES.map((country) => country.code)} value={newValues.country} errors={failed('new')?.fields} required />
            <RowField name="region" label="Region" value={newValues.region} errors={failed('new')?.fields} idSuffix="new" maxLength={10} hint='Empty for the whole country; a US state, Canadian province or Australian state by its code ("CA" for California).' />
            <div class="field">
              <label for="field-tax_class-new">Tax class</label>
              <select id="field-tax_class-new" name="tax_class">
                {TAX_CLASSES.map((taxClass) => (
                  <option key={taxClass} value={taxClass} selected={(newValues.tax_class ?? 'standard') === taxClass}>
                    {TAX_CLASS_LABELS[taxClass]}
                  </option>
                ))}
              </select>
            </div>
            <RowField name="rate" label="Rate (%)" value={newValues.rate} errors={failed('new')?.fields} idSuffix="new" inputMode="decimal" hint="At most two decimals: 7.25, 19, 5.5." required />
            <RowField name="name" label="Name on receipts" value={newValues.name} errors={failed('new')?.fields} idSuffix="new" maxLength={100} hint='"VAT", "Sales tax".' required />
          </div>
          <button type="submit">Add rate</button>
        </Form>
      )}
      {!write && <p class="hint">Only admins can change taxes.</p>}
    </section>,
    { title: 'Taxes', status: failure?.status ?? 200 },
  )
}
