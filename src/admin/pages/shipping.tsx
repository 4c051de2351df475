/** Shipping in the admin: zones (countries and regions), each with its methods and rates; warnings for zones that cannot sell. Staff read; admins change. */
import { Hono } from 'hono'
import { csrfToken } from '../../accounts/csrf'
import { userOf } from '../../accounts/guard'
import type { AppEnv } from '../../platform/env'
import { ApiError, type FieldErrors } from '../../platform/errors'
import { fieldErrors } from '../../platform/validate'
import { centsToDecimal } from '../../platform/money'
import { Form, Notice } from '../../ui/forms'
import { formNumber, formText, parseForm, type FormBody } from '../../ui/form-input'
import { redirectWithFlash } from '../../ui/flash'
import type { ShippingMethodView, ShippingZoneView } from '../../shipping/responses'
import { ShippingMethodBody, ShippingZoneBody } from '../../shipping/schemas'
import { createMethod, createZone, deleteMethod, deleteZone, listZones, updateMethod, updateZone, zoneById } from '../../shipping/zones'
import { failureOf, id, type Ctx } from './layout'
import { areasFromText, areasToText, bandsFromText, bandsToText, centsFromText, ErrorSummary, formFieldErrors, mayWrite, requireAdmin, RowField, TextArea } from './shipping-forms'

type Status = 400 | 404 | 409 | 413 | 415
/** What went wrong with one form of the page: which form, what was typed, and the errors by field. */
interface Failure {
  form: string
  message: string
  status: Status
  fields: FieldErrors
  values: Record<string, string>
}

const textValues = (form: FormBody) => Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === 'string'))

/** A zone form as the API's body; the typed area codes are kept to name them in errors. */
function zoneBodyFromForm(form: FormBody) {
  const { tokens, areas } = areasFromText(formText(form, 'areas'))
  const position = formText(form, 'position').trim()
  return { tokens, body: { name: formText(form, 'name'), shipping_taxable: formText(form, 'shipping_taxable') === 'on', ...(position && { position: formNumber(position) }), areas } }
}

/** A method form as the API's body: amounts in the currency to cents, bands one per line; what could not be read is in `problems`, by the API's field. */
function methodBodyFromForm(form: FormBody) {
  const kind = formText(form, 'rate_kind')
  const problems: Record<string, string[]> = {}
  const { bands, problems: bandProblems } = kind === 'flat' ? { bands: [], problems: [] } : bandsFromText(formText(form, 'bands'), kind === 'weight' ? 'grams' : 'money')
  if (bandProblems.length) problems.bands = bandProblems
  const amount = (field: string, text: string) => {
    const cents = centsFromText(text)
    if (typeof cents === 'string') problems[field] = ['must be an amount like 12 or 12.50 (at most two decimals, not negative)']
    return cents
  }
  const freeAbove = formText(form, 'free_above').trim()
  const position = formText(form, 'position').trim()
  return {
    problems,
    body: {
      name: formText(form, 'name'),
      estimate: formText(form, 'estimate'),
      rate_kind: kind,
      flat_cents: kind === 'flat' ? amount('flat_cents', formText(form, 'flat_price')) : 0,
      bands,
      free_above_cents: freeAbove ? amount('free_above_cents', freeAbove) : null,
      is_active: formText(form, 'is_active') === 'on',
      ...(position && { position: formNumber(position) }),
    },
  }
}

const METHOD_FIELDS = { flat_cents: 'flat_price', free_above_cents: 'free_above' }

/** Runs a write and redirects with its message, or shows the failure on the form it came from. */
async function attempt(c: Ctx, formName: string, form: FormBody, render: (failure: Failure) => Promise<Response>, write: () => Promise<{ to: string; message: string }>, fieldsOf: (fields: FieldErrors) => FieldErrors) {
  try {
    const done = await write()
    return redirectWithFlash(c, done.to, 'success', done.message)
  } catch (err) {
    const failure = failureOf(err)
    if (!failure) throw err
    return render({ form: formName, message: failure.message, status: failure.status, fields: fieldsOf(failure.fields), values: textValues(form) })
  }
}

export const shippingPages = new Hono<AppEnv>()
  .get('/shipping', (c) => shippingPage(c))
  .post('/shipping/zones', async (c) => {
    requireAdmin(c)
    const form = await c.req.parseBody()
    const { tokens, body } = zoneBodyFromForm(form)
    return attempt(
      c,
      'zone',
      form,
      (failure) => shippingPage(c, failure),
      async () => {
        const zone = await createZone(c.env, userOf(c), parseForm(ShippingZoneBody, body))
        return { to: `/admin/shipping/zones/${zone.id}`, message: `Zone "${zone.name}" created with ${zone.areas.length} area${zone.areas.length === 1 ? '' : 's'}. Add its shipping methods below.` }
      },
      (fields) => formFieldErrors(fields, {}, (_f, i) => `"${tokens[i] ?? ''}"`),
    )
  })
  .get('/shipping/zones/:id', (c) => zonePage(c, id(c)))
  .post('/shipping/zones/:id', async (c) => {
    requireAdmin(c)
    const zoneId = id(c)
    const form = await c.req.parseBody()
    const { tokens, body } = zoneBodyFromForm(form)
    return attempt(
      c,
      'zone',
      form,
      (failure) => zonePage(c, zoneId, failure),
      async () => {
        const zone = await updateZone(c.env, userOf(c), zoneId, parseForm(ShippingZoneBody, body))
        return { to: `/admin/shipping/zones/${zone.id}`, message: `Zone "${zone.name}" saved.` }
      },
      (fields) => formFieldErrors(fields, {}, (_f, i) => `"${tokens[i] ?? ''}"`),
    )
  })
  .post('/shipping/zones/:id/delete', async (c) => {
    requireAdmin(c)
    const zoneId = id(c)
    const form = await c.req.parseBody()
    const zone = await zoneById(c.env, zoneId)
    if (formText(form, 'confirm') !== 'yes') return redirectWithFlash(c, `/admin/shipping/zones/${zoneId}`, 'error', `Zone "${zone.name}" was not deleted: tick the box to confirm.`)
    await deleteZone(c.env, userOf(c), zoneId)
    return redirectWithFlash(c, '/admin/shipping', 'success', `Zone "${zone.name}" deleted with its ${zone.methods.length} method${zone.methods.length === 1 ? '' : 's'}.`)
  })
  .post('/shipping/zones/:id/methods', async (c) => {
    requireAdmin(c)
    const zoneId = id(c)
    const form = await c.req.parseBody()
    const { problems, body } = methodBodyFromForm(form)
    return attempt(
      c,
      'method-new',
      form,
      (failure) => zonePage(c, zoneId, failure),
      async () => {
        const parsed = parseFormWithBands(body, problems)
        const zone = await createMethod(c.env, userOf(c), zoneId, parsed)
        return { to: `/admin/shipping/zones/${zoneId}`, message: `Method "${parsed.name}" added to zone "${zone.name}".` }
      },
      (fields) => formFieldErrors(fields, METHOD_FIELDS, (_f, i) => `band ${i + 1}`),
    )
  })
  .post('/shipping/zones/:id/methods/:methodId', async (c) => {
    requireAdmin(c)
    const zoneId = id(c)
    const methodId = id(c, 'methodId')
    const form = await c.req.parseBody()
    const { problems, body } = methodBodyFromForm(form)
    return attempt(
      c,
      `method-${methodId}`,
      form,
      (failure) => zonePage(c, zoneId, failure),
      async () => {
        const parsed = parseFormWithBands(body, problems)
        await updateMethod(c.env, userOf(c), zoneId, methodId, parsed)
        return { to: `/admin/shipping/zones/${zoneId}`, message: `Method "${parsed.name}" saved${parsed.is_active ? '' : ' (inactive: shoppers do not see it)'}.` }
      },
      (fields) => formFieldErrors(fields, METHOD_FIELDS, (_f, i) => `band ${i + 1}`),
    )
  })
  .post('/shipping/zones/:id/methods/:methodId/delete', async (c) => {
    requireAdmin(c)
    const zoneId = id(c)
    const methodId = id(c, 'methodId')
    const form = await c.req.parseBody()
    const before = await zoneById(c.env, zoneId)
    const name = before.methods.find((m) => m.id === methodId)?.name ?? 'The method'
    if (formText(form, 'confirm') !== 'yes') return redirectWithFlash(c, `/admin/shipping/zones/${zoneId}`, 'error', `Method "${name}" was not deleted: tick the box to confirm.`)
    const zone = await deleteMethod(c.env, userOf(c), zoneId, methodId)
    return redirectWithFlash(c, `/admin/shipping/zones/${zoneId}`, zone.warnings.length ? 'info' : 'success', `Method "${name}" deleted.${zone.warnings.length ? ` ${zone.warnings.join(' ')}` : ''}`)
  })

/** The method body through its schema; what the form could not read is refused in the form's words, beside the schema's other errors. */
function parseFormWithBands(body: ReturnType<typeof methodBodyFromForm>['body'], problems: Record<string, string[]>) {
  const parsed = ShippingMethodBody.safeParse(body)
  if (parsed.success && Object.keys(problems).length === 0) return parsed.data
  const fields = { ...(parsed.success ? {} : fieldErrors(parsed.error)), ...problems }
  throw new ApiError(400, 'validation_failed', 'Please correct the fields marked below.', fields)
}

const kindLabel = { flat: 'Flat rate', weight: 'By weight', subtotal: 'By subtotal' } as const

/** A method's rate in words: "4.50", "0–999 g: 4.50; 1000 g and more: 9", "free from 75". */
export function rateText(m: ShippingMethodView): string {
  const bound = (n: number) => (m.rate_kind === 'weight' ? `${n} g` : centsToDecimal(n))
  const rate = m.rate_kind === 'flat' ? centsToDecimal(m.flat_cents) : m.bands.map((b) => `${bound(b.min)}${b.max === null ? ' and more' : ` to ${bound(b.max)}`}: ${centsToDecimal(b.price_cents)}`).join('; ')
  return `${rate}${m.free_above_cents !== null ? ` · free from ${centsToDecimal(m.free_above_cents)}` : ''}`
}

function ZoneFields({ values, errors, suffix }: { values: Record<string, string>; errors?: FieldErrors; suffix: string }) {
  return (
    <>
      <RowField name="name" label="Zone name" value={values.name} errors={errors} idSuffix={suffix} required maxLength={100} />
      <TextArea
        name="areas"
        label="Countries and regions"
        idSuffix={`-${suffix}`}
        value={values.areas}
        errors={errors}
        hint='ISO codes separated by commas or spaces: a country ("DE"), or a region of the US, Canada or Australia ("US-CA" for California). An area is in one zone only; a region’s zone wins over its country’s.'
      />
      <label class="check">
        <input type="checkbox" name="shipping_taxable" value="on" checked={values.shipping_taxable === 'on'} /> Charge tax on shipping to this zone (at the destination’s standard rate)
      </label>
      <RowField name="position" label="Position" value={values.position} errors={errors} idSuffix={suffix} inputMode="numeric" hint="Lower comes first; 0 by default." />
    </>
  )
}

async function shippingPage(c: Ctx, failure?: Failure) {
  const list = await listZones(c.env)
  const write = mayWrite(c)
  const values = failure?.form === 'zone' ? failure.values : {}
  return c.render(
    <section class="admin">
      <h1>Shipping</h1>
      <p class="hint">
        Where the store ships and what it costs. A cart ships only to a country some zone covers. Tax rates are under <a href="/admin/taxes">Taxes</a>.
      </p>
      {list.warnings.map((warning) => (
        <Notice key={warning} kind="info">
          {`Warning: ${warning}`}
        </Notice>
      ))}
      {list.items.length === 0 ? (
        <p class="empty">No shipping zone yet: until there is one, orders are placed without shipping charges. Create the first zone below.</p>
      ) : (
        <table class="cart admin-table">
          <caption class="visually-hidden">Shipping zones</caption>
          <thead>
            <tr>
              <th scope="col">Zone</th>
              <th scope="col">Countries and regions</th>
              <th scope="col">Methods</th>
              <th scope="col">Shipping taxed</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((zone) => (
              <tr key={zone.id}>
                <td>
                  <a href={`/admin/shipping/zones/${zone.id}`}>{zone.name}</a>
                  {zone.warnings.length > 0 && <small class="stock-out"> needs attention</small>}
                </td>
                <td>{zone.areas.length > 8 ? `${zone.areas.slice(0, 8).map((a) => a.name).join(', ')} and ${zone.areas.length - 8} more` : zone.areas.map((a) => a.name).join(', ') || '—'}</td>
                <td>{zone.methods.map((m) => `${m.name}${m.is_active ? '' : ' (inactive)'}`).join(', ') || '—'}</td>
                <td>{zone.shipping_taxable ? 'Yes' : 'No'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {write ? (
        <Form action="/admin/shipping/zones" csrf={csrfToken(c)}>
          <h2>New zone</h2>
          {failure?.form === 'zone' && <ErrorSummary errors={failure.fields} idSuffix="-new">{<p>{`The zone was not created: ${failure.message}`}</p>}</ErrorSummary>}
          {failure?.form === 'zone' && Object.keys(failure.fields).length === 0 && <Notice kind="error">{failure.message}</Notice>}
          <ZoneFields values={values} errors={failure?.form === 'zone' ? failure.fields : undefined} suffix="new" />
          <button type="submit">Create zone</button>
        </Form>
      ) : (
        <p class="hint">Only admins can change shipping.</p>
      )}
    </section>,
    { title: 'Shipping', status: failure?.status ?? 200 },
  )
}

function MethodFields({ values, errors, suffix }: { values: Record<string, string>; errors?: FieldErrors; suffix: string }) {
  const kind = values.rate_kind || 'flat'
  return (
    <>
      <div class="fieldset-grid">
        <RowField name="name" label="Name" value={values.name} errors={errors} idSuffix={suffix} required maxLength={100} />
        <RowField name="estimate" label="Delivery estimate" value={values.estimate} errors={errors} idSuffix={suffix} maxLength={100} hint='Shown as written, e.g. "3–5 business days".' />
      </div>
      <fieldset>
        <legend>Rate</legend>
        {(['flat', 'weight', 'subtotal'] as const).map((k) => (
          <label class="check" key={k}>
            <input type="radio" name="rate_kind" value={k} checked={kind === k} /> {kindLabel[k]}
          </label>
        ))}
        <RowField name="flat_price" label="Flat price" value={values.flat_price} errors={errors} idSuffix={suffix} inputMode="decimal" hint="For a flat rate: an amount like 4.50." />
        <TextArea
          name="bands"
          label="Bands"
          idSuffix={`-${suffix}`}
          rows={4}
          value={values.bands}
          errors={errors}
          hint="For a weight or subtotal rate, one band per line, lowest first, each starting where the one before ends: “0-1000: 4.50” then “1000+: 9” (weight in grams, subtotal as an amount)."
        />
      </fieldset>
      <div class="fieldset-grid">
        <RowField name="free_above" label="Free from (subtotal)" value={values.free_above} errors={errors} idSuffix={suffix} inputMode="decimal" hint="Leave empty for never." />
        <RowField name="position" label="Position" value={values.position} errors={errors} idSuffix={suffix} inputMode="numeric" hint="Lower is listed first." />
      </div>
      <label class="check">
        <input type="checkbox" name="is_active" value="on" checked={values.is_active === 'on'} /> Active (offered at checkout)
      </label>
    </>
  )
}

const methodValues = (m: ShippingMethodView): Record<string, string> => ({
  name: m.name,
  estimate: m.estimate,
  rate_kind: m.rate_kind,
  flat_price: m.rate_kind === 'flat' ? centsToDecimal(m.flat_cents) : '',
  bands: m.rate_kind === 'flat' ? '' : bandsToText(m.bands, m.rate_kind === 'weight' ? 'grams' : 'money'),
  free_above: m.free_above_cents === null ? '' : centsToDecimal(m.free_above_cents),
  position: String(m.position),
  is_active: m.is_active ? 'on' : '',
})

const zoneValues = (zone: ShippingZoneView): Record<string, string> => ({ name: zone.name, areas: areasToText(zone.areas), shipping_taxable: zone.shipping_taxable ? 'on' : '', position: String(zone.position) })

async function zonePage(c: Ctx, zoneId: number, failure?: Failure) {
  const zone = await zoneById(c.env, zoneId)
  const write = mayWrite(c)
  const csrf = csrfToken(c)
  const failed = (form: string) => (failure?.form === form ? failure : undefined)
  const Problem = ({ form }: { form: string }) => {
    const f = failed(form)
    if (!f) return null
    return Object.keys(f.fields).length ? <ErrorSummary errors={f.fields} idSuffix={`-${form.replace('method-', '')}`}>{<p>{`Not saved: ${f.message}`}</p>}</ErrorSummary> : <Notice kind="error">{f.message}</Notice>
  }
  return c.render(
    <section class="admin">
      <p class="breadcrumb">
        <a href="/admin/shipping">Shipping</a> ›
      </p>
      <h1>Zone {zone.name}</h1>
      {zone.warnings.map((warning) => (
        <Notice key={warning} kind="info">
          {`Warning: ${warning}`}
        </Notice>
      ))}
      <p>{zone.areas.map((a) => a.name).join(', ') || 'No country or region yet.'}</p>
      <h2>Methods</h2>
      {zone.methods.length === 0 && <p class="empty">No method yet: add one below so that shoppers in this zone can check out.</p>}
      {zone.methods.map((m) =>
        write ? (
          <Form key={m.id} action={`/admin/shipping/zones/${zone.id}/methods/${m.id}`} csrf={csrf}>
            <h3>
              {m.name} <small>{`${kindLabel[m.rate_kind]} · ${rateText(m)}${m.is_active ? '' : ' · inactive'}`}</small>
            </h3>
            <Problem form={`method-${m.id}`} />
            <MethodFields values={failed(`method-${m.id}`)?.values ?? methodValues(m)} errors={failed(`method-${m.id}`)?.fields} suffix={String(m.id)} />
            <button type="submit">
              Save method<span class="visually-hidden"> {m.name}</span>
            </button>
          </Form>
        ) : (
          <p key={m.id}>
            <strong>{m.name}</strong> — {kindLabel[m.rate_kind]}: {rateText(m)}
            {m.estimate && ` · ${m.estimate}`}
            {!m.is_active && ' · inactive'}
          </p>
        ),
      )}
      {write && zone.methods.length > 0 && (
        <div class="danger-zone">
          {zone.methods.map((m) => (
            <Form key={m.id} action={`/admin/shipping/zones/${zone.id}/methods/${m.id}/delete`} csrf={csrf} class="inline-form category-row">
              <label class="check">
                <input type="checkbox" name="confirm" value="yes" required /> Yes, delete method {m.name}
              </label>
              <button type="submit" class="danger">
                Delete<span class="visually-hidden"> method {m.name}</span>
              </button>
            </Form>
          ))}
        </div>
      )}
      {write && (
        <>
          <Form action={`/admin/shipping/zones/${zone.id}/methods`} csrf={csrf}>
            <h2>New method</h2>
            <Problem form="method-new" />
            <MethodFields values={failed('method-new')?.values ?? { rate_kind: 'flat', is_active: 'on' }} errors={failed('method-new')?.fields} suffix="new" />
            <button type="submit">Add method</button>
          </Form>
          <Form action={`/admin/shipping/zones/${zone.id}`} csrf={csrf}>
            <h2>Zone settings</h2>
            <Problem form="zone" />
            <ZoneFields values={failed('zone')?.values ?? zoneValues(zone)} errors={failed('zone')?.fields} suffix="zone" />
            <button type="submit">Save zone</button>
          </Form>
          <Form action={`/admin/shipping/zones/${zone.id}/delete`} csrf={csrf} class="form danger-zone">
            <h2>Delete this zone</h2>
            <p class="hint">Its countries are no longer shipped to and its methods go with it. Orders keep the method they were shipped with.</p>
            <label class="check">
              <input type="checkbox" name="confirm" value="yes" required /> Yes, delete zone {zone.name}
            </label>
            <button type="submit" class="danger">
              Delete zone
            </button>
          </Form>
        </>
      )}
    </section>,
    { title: `Zone ${zone.name}`, status: failure?.status ?? 200 },
  )
}
