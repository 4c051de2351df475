/**
 * `/admin/discounts`: codes and automatic promotions. The index (status chips, uses "12 / 50"), a new
 * discount, one discount's page (its form, deactivate, delete while no order used it). Staff read; only
 * admins see the forms and may send them. Mounted by the admin's pages, behind their role guard and CSRF.
 */
import { Hono, type Context } from 'hono'
import type { ComponentChildren } from 'preact'
import { csrfToken } from '../accounts/csrf'
import { userOf } from '../accounts/guard'
import { listCategories } from '../admin/categories'
import type { AppEnv } from '../platform/env'
import { ApiError, forbidden, type FieldErrors } from '../platform/errors'
import { centsToDecimal } from '../platform/money'
import { wholeNumber } from '../platform/params'
import { withQuery } from '../platform/query-string'
import { fieldErrors } from '../platform/validate'
import { redirectWithFlash } from '../ui/flash'
import { formAll, formFailure, formNumber, formText, parseForm, readForm, type FormBody } from '../ui/form-input'
import { Field, Form, Notice } from '../ui/forms'
import { formatMoney } from '../ui/money'
import { TableHead } from '../ui/table-head'
import { createDiscount, deactivateDiscount, deactivateDiscounts, deleteDiscount, eligibilityNames, getDiscount, listDiscounts, updateDiscount } from './admin'
import type { AdminDiscount } from './responses'
import { AdminDiscountBody, AdminDiscountPatch, AdminDiscountQuery } from './schemas'
import { discountMoment } from './service'
import { DISCOUNT_STATUSES, STATUS_LABELS } from './status'

type Ctx = Context<AppEnv>
/** A refusal to show on the form: faults by field get one sentence above them (the list links to each). */
function failureOf(err: unknown) {
  const failure = formFailure(err, [400, 404, 409])
  if (failure && failure.status === 400 && Object.keys(failure.fields).length) return { ...failure, message: 'Please correct the fields marked below.' }
  return failure
}
/** The store's currency for amounts typed in the form (the catalog's default). */
const CURRENCY = 'USD'

const pathId = (c: Ctx) => {
  const parsed = wholeNumber(1, Number.MAX_SAFE_INTEGER).safeParse(c.req.param('id'))
  if (!parsed.success) throw new ApiError(404, 'not_found', 'Not found')
  return parsed.data
}

const isAdmin = (c: Ctx) => userOf(c).role === 'admin'
const adminOnly = (c: Ctx) => {
  if (!isAdmin(c)) throw forbidden('Only admins change discounts; staff may look.')
}

/** The form's fields as typed, to show them again after a refusal. */
type FormValues = Partial<Record<(typeof TEXT_FIELDS)[number], string>>
interface FormState {
  message?: string
  fields?: FieldErrors
  values?: FormValues
  categoryIds?: number[]
}

/** A datetime-local field ("2026-12-24T09:00", read as UTC) as the API's instant; blank is none. */
const momentFromForm = (text: string) => (text.trim() === '' ? null : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(text.trim()) ? `${text.trim()}:00Z` : text)
const limitFromForm = (text: string) => (text.trim() === '' ? null : formNumber(text))

/** The form as the API's body: the same schemas validate both. Products are ids or slugs, separated by commas or spaces. */
function bodyFromForm(form: FormBody) {
  const products = formText(form, 'products')
    .split(/[\s,]+/)
    .filter(Boolean)
  return {
    code: formText(form, 'type') === 'automatic' ? null : formText(form, 'code'),
    title: formText(form, 'title'),
    kind: formText(form, 'kind'),
    value: formText(form, 'value'),
    min_subtotal: formText(form, 'min_subtotal').trim() === '' ? null : formText(form, 'min_subtotal'),
    product_ids: products.filter((p) => /^\d{1,15}$/.test(p)).map(Number),
    product_slugs: products.filter((p) => !/^\d{1,15}$/.test(p)),
    category_ids: formAll(form, 'category_ids').map(formNumber),
    starts_at: momentFromForm(formText(form, 'starts_at')),
    ends_at: momentFromForm(formText(form, 'ends_at')),
    usage_limit: limitFromForm(formText(form, 'usage_limit')),
    per_customer_limit: limitFromForm(formText(form, 'per_customer_limit')),
    is_active: formText(form, 'is_active') === 'on',
  }
}

const TEXT_FIELDS = ['type', 'code', 'title', 'kind', 'value', 'min_subtotal', 'products', 'starts_at', 'ends_at', 'usage_limit', 'per_customer_limit', 'is_active'] as const
const valuesOf = (form: FormBody): FormState => ({
  values: Object.fromEntries(TEXT_FIELDS.map((name) => [name, formText(form, name)])) as FormValues,
  categoryIds: formAll(form, 'category_ids').map(Number),
})

/** A discount as its form shows it. */
function valuesOfDiscount(d: AdminDiscount): FormState {
  return {
    values: {
      type: d.automatic ? 'automatic' : 'code',
      code: d.code ?? '',
      title: d.title,
      kind: d.kind,
      value: d.percent_off ?? (d.amount_off_cents !== null ? centsToDecimal(d.amount_off_cents) : ''),
      min_subtotal: d.min_subtotal_cents === null ? '' : centsToDecimal(d.min_subtotal_cents),
      products: d.product_ids.join(', '),
      starts_at: d.starts_at?.slice(0, 16) ?? '',
      ends_at: d.ends_at?.slice(0, 16) ?? '',
      usage_limit: d.usage_limit === null ? '' : String(d.usage_limit),
      per_customer_limit: d.per_customer_limit === null ? '' : String(d.per_customer_limit),
      is_active: d.is_active ? 'on' : '',
    } as FormValues,
    categoryIds: d.category_ids,
  }
}

/** "10% off", "$5.00 off", "Free shipping". */
export const discountValueText = (d: Pick<AdminDiscount, 'kind' | 'percent_off' | 'amount_off_cents'>) =>
  d.kind === 'percentage' ? `${d.percent_off}% off` : d.kind === 'fixed' ? `${formatMoney(d.amount_off_cents ?? 0, CURRENCY)} off` : 'Free shipping'
const usageText = (d: AdminDiscount) => (d.usage_limit === null ? String(d.times_used) : `${d.times_used} / ${d.usage_limit}`)
const datesText = (d: AdminDiscount) => {
  const from = d.starts_at ? `from ${discountMoment(Date.parse(d.starts_at))}` : ''
  const to = d.ends_at ? `until ${discountMoment(Date.parse(d.ends_at))}` : ''
  return [from, to].filter(Boolean).join(' ') || 'No end date'
}

export const StatusChip = ({ status }: { status: AdminDiscount['status'] }) => <span class={`status status-${status}`}>{STATUS_LABELS[status]}</span>

/** Form field names the API's fields are shown under. */
const FIELD_OF: Record<string, string> = { product_ids: 'products', product_slugs: 'products' }
function formErrors(fields: FieldErrors = {}): FieldErrors {
  const shown: FieldErrors = {}
  for (const [field, messages] of Object.entries(fields)) {
    const name = FIELD_OF[field] ?? field
    shown[name] = [...(shown[name] ?? []), ...messages]
  }
  return shown
}

const LABELS: Record<string, string> = {
  code: 'Code',
  title: 'Title',
  kind: 'Type of discount',
  value: 'Value',
  min_subtotal: 'Minimum subtotal',
  products: 'Products',
  category_ids: 'Categories',
  starts_at: 'Starts',
  ends_at: 'Ends',
  usage_limit: 'Uses in all',
  per_customer_limit: 'Uses per customer',
  _: 'Form',
}

function ErrorSummary({ errors }: { errors: FieldErrors }) {
  const entries = Object.entries(errors)
  if (!entries.length) return null
  return (
    <ul class="error-summary">
      {entries.map(([name, messages]) => (
        <li key={name}>
          <a href={`#field-${name.replace(/\W/g, '-')}`}>{`${LABELS[name] ?? name}: ${messages.join('; ')}`}</a>
        </li>
      ))}
    </ul>
  )
}

function Radio({ name, value, label, checked }: { name: string; value: string; label: string; checked: boolean }) {
  return (
    <label class="check">
      <input type="radio" name={name} value={value} checked={checked} id={checked ? `field-${name}` : undefined} /> {label}
    </label>
  )
}

function DiscountFields({ state, categories }: { state: FormState; categories: { id: number; name: string }[] }) {
  const v = state.values ?? ({} as FormValues)
  const errors = formErrors(state.fields)
  const chosen = new Set(state.categoryIds ?? [])
  const kind = v.kind || 'percentage'
  return (
    <>
      <ErrorSummary errors={errors} />
      <fieldset class="field">
        <legend>Applied</legend>
        <Radio name="type" value="code" label="With a code the shopper enters" checked={v.type !== 'automatic'} />
        <Radio name="type" value="automatic" label="Automatically, to every cart that qualifies (no code)" checked={v.type === 'automatic'} />
      </fieldset>
      <Field name="code" label="Code" value={v.code} errors={errors} maxLength={32} hint="Latin letters, digits, - and _; saved in capitals without spaces. Ignored for an automatic promotion." />
      <Field name="title" label="Title" value={v.title} errors={errors} maxLength={100} hint="What shoppers read in their cart, e.g. “10% off above $100”. The code when left empty; required without one." />
      <fieldset class={`field${errors.kind ? ' has-error' : ''}`}>
        <legend>Type of discount</legend>
        <Radio name="kind" value="percentage" label="Percentage off" checked={kind === 'percentage'} />
        <Radio name="kind" value="fixed" label="Fixed amount off" checked={kind === 'fixed'} />
        <Radio name="kind" value="free_shipping" label="Free shipping" checked={kind === 'free_shipping'} />
        {errors.kind && <p class="field-error">{errors.kind.join('; ')}</p>}
      </fieldset>
      <Field name="value" label="Value" value={v.value} errors={errors} maxLength={20} hint="Percent off (10 or 12.5) for a percentage; the amount (5 or 5.00) for a fixed amount; empty for free shipping." />
      <Field name="min_subtotal" label="Minimum subtotal (optional)" value={v.min_subtotal} errors={errors} maxLength={12} hint="The cart's subtotal before discounts must reach it, e.g. 100.00." />
      <Field name="products" label="Products (optional)" value={v.products} errors={errors} maxLength={4000} hint="Product ids or slugs, separated by commas. With no products and no categories, it applies to everything." />
      <fieldset class={`field${errors.category_ids ? ' has-error' : ''}`}>
        <legend>Categories (optional)</legend>
        {categories.length === 0 && <p class="hint">No categories yet.</p>}
        {categories.map((category) => (
          <label key={category.id} class="check">
            <input type="checkbox" name="category_ids" value={String(category.id)} checked={chosen.has(category.id)} /> {category.name}
          </label>
        ))}
        {errors.category_ids && <p class="field-error">{errors.category_ids.join('; ')}</p>}
      </fieldset>
      <div class="fieldset-grid">
        <DateField name="starts_at" label="Starts (UTC, optional)" value={v.starts_at} errors={errors} />
        <DateField name="ends_at" label="Ends (UTC, optional)" value={v.ends_at} errors={errors} />
        <Field name="usage_limit" label="Uses in all (optional)" value={v.usage_limit} errors={errors} maxLength={9} hint="Orders that may use it; empty for no limit." />
        <Field name="per_customer_limit" label="Uses per customer (optional)" value={v.per_customer_limit} errors={errors} maxLength={4} hint="Per email address; empty for no limit." />
      </div>
      <label class="check">
        <input type="checkbox" name="is_active" checked={v.is_active === undefined ? true : v.is_active === 'on'} /> Active
      </label>
    </>
  )
}

function DateField({ name, label, value, errors }: { name: string; label: string; value?: string; errors: FieldErrors }) {
  const id = `field-${name.replace(/\W/g, '-')}`
  const problems = errors[name]
  return (
    <div class={`field${problems ? ' has-error' : ''}`}>
      <label for={id}>{label}</label>
      <input id={id} name={name} type="datetime-local" value={value ?? ''} aria-invalid={problems ? 'true' : undefined} aria-describedby={problems ? `${id}-error` : undefined} />
      {problems && (
        <p id={`${id}-error`} class="field-error">
          {problems.join('; ')}
        </p>
      )}
    </div>
  )
}

async function indexPage(c: Ctx) {
  const cleaned = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''))
  const query = AdminDiscountQuery.safeParse(cleaned)
  if (!query.success) throw new ApiError(400, 'validation_failed', `Please check the filters: ${Object.keys(fieldErrors(query.error)).join(', ')}`)
  const list = await listDiscounts(c.env, query.data)
  const link = (page: number) => withQuery('/admin/discounts', { ...cleaned, page })
  return c.render(
    <section class="admin">
      <h1>Discounts</h1>
      {isAdmin(c) && (
        <p>
          <a class="button" href="/admin/discounts/new">
            Create discount
          </a>
        </p>
      )}
      <form class="admin-filters" method="get" action="/admin/discounts" aria-label="Filter discounts">
        <div class="field">
          <label for="d-q">Search</label>
          <input id="d-q" name="q" value={query.data.q ?? ''} />
        </div>
        <div class="field">
          <label for="d-status">Status</label>
          <select id="d-status" name="status">
            <option value="">Any</option>
            {DISCOUNT_STATUSES.map((status) => (
              <option key={status} value={status} selected={query.data.status === status}>
                {STATUS_LABELS[status]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
      </form>
      {list.total === 0 ? (
        <p>{query.data.q || query.data.status ? 'No discount matches these filters.' : 'No discounts yet. Create a code such as WELCOME10, or an automatic promotion such as 10% off above $100.'}</p>
      ) : (
        <>
          <p class="count">{`${list.total} discount${list.total === 1 ? '' : 's'}`}</p>
          <BulkForm admin={isAdmin(c)} csrf={csrfToken(c)}>
            <table class="cart admin-table">
              <TableHead columns={[...(isAdmin(c) ? [{ hidden: 'Select' }] : []), 'Discount', 'Value', 'Status', 'Used', 'Dates']} />
              <tbody>
                {list.items.map((d) => (
                  <tr key={d.id}>
                    {isAdmin(c) && (
                      <td>
                        <label class="check grid-cell">
                          <input type="checkbox" name="ids" value={String(d.id)} />
                          <span class="visually-hidden">Select {d.code ?? d.title}</span>
                        </label>
                      </td>
                    )}
                    <td>
                      <a href={`/admin/discounts/${d.id}`}>{d.code ?? d.title}</a>
                      <small> {d.automatic ? 'Automatic promotion' : d.title !== d.code ? d.title : 'Code'}</small>
                    </td>
                    <td>{discountValueText(d)}</td>
                    <td>
                      <StatusChip status={d.status} />
                    </td>
                    <td>{usageText(d)}</td>
                    <td>{datesText(d)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </BulkForm>
          {list.total_pages > 1 && (
            <nav class="pager" aria-label="Pages">
              {list.page > 1 && <a href={link(list.page - 1)}>← Newer</a>}
              <span>{`Page ${list.page} of ${list.total_pages}`}</span>
              {list.page < list.total_pages && <a href={link(list.page + 1)}>Older →</a>}
            </nav>
          )}
        </>
      )}
    </section>,
    { title: 'Discounts' },
  )
}

/** The index's table inside the bulk form (admins), or as it is (staff). */
function BulkForm({ admin, csrf, children }: { admin: boolean; csrf: string; children: ComponentChildren }) {
  if (!admin) return <>{children}</>
  return (
    <Form action="/admin/discounts/deactivate" csrf={csrf} class="bulk-form">
      {children}
      <button type="submit" class="secondary">
        Deactivate selected
      </button>
    </Form>
  )
}

async function newPage(c: Ctx, state: FormState = {}, status: 200 | 400 | 404 | 409 = 200) {
  const categories = await listCategories(c.env)
  return c.render(
    <section class="admin">
      <p>
        <a href="/admin/discounts">← Discounts</a>
      </p>
      <h1>Create discount</h1>
      {state.message && <Notice kind="error">{state.message}</Notice>}
      <Form action="/admin/discounts" csrf={csrfToken(c)}>
        <DiscountFields state={state} categories={categories} />
        <div class="save-bar">
          <button type="submit">Save discount</button> <a href="/admin/discounts">Discard</a>
        </div>
      </Form>
    </section>,
    { title: 'Create discount', status },
  )
}

async function discountPage(c: Ctx, discount: AdminDiscount, state?: FormState, status: 200 | 400 | 404 | 409 = 200) {
  const [categories, names] = await Promise.all([listCategories(c.env), eligibilityNames(c.env, discount)])
  const csrf = csrfToken(c)
  const base = `/admin/discounts/${discount.id}`
  const name = discount.code ?? discount.title
  const eligible = [names.products.join(', '), names.categories.length ? `products in ${names.categories.join(', ')}` : ''].filter(Boolean).join(' and ')
  return c.render(
    <section class="admin">
      <p>
        <a href="/admin/discounts">← Discounts</a>
      </p>
      <h1>
        {name} <StatusChip status={discount.status} />
      </h1>
      <div class="card">
        <h2>Summary</h2>
        <ul>
          <li>{discount.automatic ? `Automatic promotion “${discount.title}”` : `Code ${discount.code}: “${discount.title}”`}</li>
          <li>{discountValueText(discount)}</li>
          {discount.min_subtotal_cents !== null && <li>{`On a subtotal of ${formatMoney(discount.min_subtotal_cents, CURRENCY)} or more`}</li>}
          <li>{eligible ? `For ${eligible}` : 'For every product'}</li>
          <li>{datesText(discount)}</li>
          <li>{`Used ${usageText(discount)}${discount.per_customer_limit === null ? '' : `, at most ${discount.per_customer_limit} per customer`}; on ${discount.redemptions} order${discount.redemptions === 1 ? '' : 's'} in all, counting those that ended unpaid`}</li>
        </ul>
      </div>
      {isAdmin(c) ? (
        <>
          {state?.message && <Notice kind="error">{state.message}</Notice>}
          <Form action={base} csrf={csrf}>
            <h2>Edit</h2>
            <DiscountFields state={state ?? valuesOfDiscount(discount)} categories={categories} />
            <div class="save-bar">
              <button type="submit">Save</button> <a href={base}>Discard</a>
            </div>
          </Form>
          {discount.is_active && (
            <Form action={`${base}/deactivate`} csrf={csrf} class="inline-form">
              <button type="submit" class="secondary">
                Deactivate
              </button>
            </Form>
          )}
          <div class="card danger-zone">
            <h2>Delete discount</h2>
            {discount.redemptions > 0 ? (
              <p>{`Orders used this discount, so it cannot be deleted (they keep what it took off). Deactivate it instead.`}</p>
            ) : (
              <Form action={`${base}/delete`} csrf={csrf}>
                <label class="check">
                  <input type="checkbox" name="confirm" required /> Delete {name} for good
                </label>
                <button type="submit" class="danger">
                  Delete discount
                </button>
              </Form>
            )}
          </div>
        </>
      ) : (
        <p class="hint">Only admins change discounts.</p>
      )}
    </section>,
    { title: `Discount ${name}`, status },
  )
}

export const discountsPages = new Hono<AppEnv>()
  .get('/discounts', (c) => indexPage(c))
  .get('/discounts/new', (c) => {
    adminOnly(c)
    return newPage(c)
  })
  .post('/discounts', async (c) => {
    adminOnly(c)
    const form = await readForm(c, { all: true })
    try {
      const created = await createDiscount(c.env, userOf(c), parseForm(AdminDiscountBody, bodyFromForm(form)))
      return redirectWithFlash(c, `/admin/discounts/${created.id}`, 'success', `Discount ${created.code ?? `“${created.title}”`} created.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return newPage(c, { message: failure.message, fields: failure.fields, ...valuesOf(form) }, failure.status)
    }
  })
  .post('/discounts/deactivate', async (c) => {
    adminOnly(c)
    const form = await readForm(c, { all: true })
    const ids = formAll(form, 'ids').flatMap((text) => (/^\d{1,15}$/.test(text) ? [Number(text)] : [])).slice(0, 500)
    if (!ids.length) return redirectWithFlash(c, '/admin/discounts', 'error', 'Nothing was deactivated: tick the discounts first.')
    const n = await deactivateDiscounts(c.env, userOf(c), ids)
    return redirectWithFlash(c, '/admin/discounts', 'success', n === 0 ? 'Those discounts were already inactive.' : `${n} discount${n === 1 ? '' : 's'} deactivated: new orders no longer get ${n === 1 ? 'it' : 'them'}.`)
  })
  .get('/discounts/:id', async (c) => discountPage(c, await getDiscount(c.env, pathId(c))))
  .post('/discounts/:id', async (c) => {
    adminOnly(c)
    const id = pathId(c)
    const form = await readForm(c, { all: true })
    try {
      const saved = await updateDiscount(c.env, userOf(c), id, parseForm(AdminDiscountPatch, bodyFromForm(form)))
      return redirectWithFlash(c, `/admin/discounts/${id}`, 'success', `Discount ${saved.code ?? `“${saved.title}”`} saved.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return discountPage(c, await getDiscount(c.env, id), { message: failure.message, fields: failure.fields, ...valuesOf(form) }, failure.status)
    }
  })
  .post('/discounts/:id/deactivate', async (c) => {
    adminOnly(c)
    const saved = await deactivateDiscount(c.env, userOf(c), pathId(c))
    return redirectWithFlash(c, `/admin/discounts/${saved.id}`, 'success', `Discount ${saved.code ?? `“${saved.title}”`} deactivated: new orders no longer get it.`)
  })
  .post('/discounts/:id/delete', async (c) => {
    adminOnly(c)
    const id = pathId(c)
    const form = await readForm(c)
    if (formText(form, 'confirm') !== 'on') return redirectWithFlash(c, `/admin/discounts/${id}`, 'error', 'Nothing was deleted: tick the box to confirm.')
    const before = await getDiscount(c.env, id)
    try {
      await deleteDiscount(c.env, userOf(c), id)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return redirectWithFlash(c, `/admin/discounts/${id}`, 'error', failure.message)
    }
    return redirectWithFlash(c, '/admin/discounts', 'success', `Discount ${before.code ?? `“${before.title}”`} deleted.`)
  })
