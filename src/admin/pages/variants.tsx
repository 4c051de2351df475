/**
 * The product page's "Options and variants" editor: options with their values (add, rename, change values,
 * remove), "generate combinations", and the grid of variants saved as one form with bulk actions on the
 * ticked rows. No JavaScript: every action is a form that lands back on the product page, refusals shown
 * at their field with what was typed kept. Every action goes through src/admin/variants.ts.
 */
import { Hono } from 'hono'
import { userOf } from '../../accounts/guard'
import type { VariantSetView } from '../../catalog/variant-write'
import { PRODUCT_OPTIONS_MAX } from '../../db/schema'
import type { AppEnv } from '../../platform/env'
import { ApiError, type FieldErrors } from '../../platform/errors'
import { centsToDecimal, DecimalPrice } from '../../platform/money'
import { Form, Notice } from '../../ui/forms'
import { formAll, formNumber, formText, parseForm, readForm, type FormBody } from '../../ui/form-input'
import { formatMoney } from '../../ui/money'
import { redirectWithFlash } from '../../ui/flash'
import type { AdminProduct } from '../products'
import { AdminOptionBody, AdminVariantSetBody, BulkVariantBody, GenerateVariantsBody, VariantIdsBody } from '../schemas'
import { variantSetErrors } from '../../catalog/variants'
import { addOption, bulkEditVariants, deleteVariants, generateVariants, readVariantSet, removeOption, replaceVariants, updateOption, variantSetFromBody } from '../variants'
import { failureOf, id, plural, type Ctx } from './layout'

/** What a refused form of the editor shows again: which form, what was typed, what is wrong. */
export interface VariantsFeedback {
  form: 'grid' | 'options' | `option-${number}` | 'generate'
  values: Record<string, string>
  errors: FieldErrors
  message: string
}

const splitValues = (text: string) =>
  text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)

/** The messages of `errors` under any of `keys`, joined. */
const messages = (errors: FieldErrors | undefined, ...keys: string[]) => keys.flatMap((key) => errors?.[key] ?? [])

function Problem({ id: elementId, texts }: { id: string; texts: string[] }) {
  return texts.length ? (
    <p class="field-error" id={elementId}>
      {texts.join('; ')}
    </p>
  ) : null
}

/** A grid cell's input with its label (visually hidden on wide screens, where the column heads say it) and its errors. */
function Cell({
  name,
  label,
  value,
  errors,
  inputMode,
  size,
}: {
  name: string
  label: string
  value: string
  errors: string[]
  inputMode?: 'decimal' | 'numeric' | 'text'
  size?: number
}) {
  const elementId = `f-${name.replace(/\W/g, '-')}`
  return (
    <div class={`grid-cell${errors.length ? ' has-error' : ''}`}>
      <label for={elementId} class="cell-label">
        {label}
      </label>
      <input
        id={elementId}
        name={name}
        value={value}
        inputMode={inputMode}
        size={size}
        aria-invalid={errors.length ? 'true' : undefined}
        aria-describedby={errors.length ? `${elementId}-error` : undefined}
      />
      <Problem id={`${elementId}-error`} texts={errors} />
    </div>
  )
}

function OptionsCard({ product, set, csrf, feedback }: { product: AdminProduct; set: VariantSetView; csrf: string; feedback?: VariantsFeedback }) {
  const base = `/admin/products/${product.id}`
  const typed = (form: VariantsFeedback['form'], key: string, fallback: string) => (feedback?.form === form ? (feedback.values[key] ?? fallback) : fallback)
  const errorsOf = (form: VariantsFeedback['form']) => (feedback?.form === form ? feedback.errors : undefined)
  return (
    <div class="variants-card">
      <h3>Options</h3>
      {set.options.length === 0 && <p class="hint">No options: the product is sold as one variant. Add an option such as Size or Colour to sell it in several.</p>}
      {set.options.map((option, i) => {
        const form = `option-${option.id}` as const
        const errors = errorsOf(form)
        return (
          <div class="option-row" key={option.id}>
            <Form action={`${base}/options/${option.id}`} csrf={csrf} class="option-form">
              {feedback?.form === form && <Notice kind="error">{feedback.message}</Notice>}
              <div class="field">
                <label for={`f-option-${option.id}-name`}>Option {i + 1}</label>
                <input id={`f-option-${option.id}-name`} name="name" value={typed(form, 'name', option.name)} maxLength={100} required />
                <Problem id={`f-option-${option.id}-name-error`} texts={messages(errors, 'name', `options.${i}.name`)} />
              </div>
              <div class="field">
                <label for={`f-option-${option.id}-values`}>Values</label>
                <small class="hint" id={`f-option-${option.id}-values-hint`}>
                  Comma-separated, in order. Taking a value away deletes its variants.
                </small>
                <input
                  id={`f-option-${option.id}-values`}
                  name="values"
                  value={typed(form, 'values', option.values.map((v) => v.value).join(', '))}
                  aria-describedby={`f-option-${option.id}-values-hint`}
                />
                <Problem id={`f-option-${option.id}-values-error`} texts={messages(errors, 'values', `options.${i}.values`, `options.${i}`, 'variants', 'options')} />
              </div>
              <button type="submit" class="secondary">
                Save {option.name}
              </button>
            </Form>
            <Form action={`${base}/options/${option.id}/remove`} csrf={csrf} class="inline-form">
              <button type="submit" class="link-button">
                Remove option {option.name}
              </button>
            </Form>
          </div>
        )
      })}
      {set.options.length < PRODUCT_OPTIONS_MAX && (
        <Form action={`${base}/options`} csrf={csrf} class="option-form">
          {feedback?.form === 'options' && <Notice kind="error">{feedback.message}</Notice>}
          <div class="field">
            <label for="f-new-option-name">New option</label>
            <small class="hint" id="f-new-option-name-hint">
              e.g. Size or Colour. Every variant there is takes its first value.
            </small>
            <input id="f-new-option-name" name="name" value={typed('options', 'name', '')} maxLength={100} aria-describedby="f-new-option-name-hint" />
            <Problem id="f-new-option-name-error" texts={messages(errorsOf('options'), 'name', `options.${set.options.length}.name`, 'options')} />
          </div>
          <div class="field">
            <label for="f-new-option-values">Its values</label>
            <small class="hint" id="f-new-option-values-hint">
              Comma-separated, e.g. S, M, L
            </small>
            <input id="f-new-option-values" name="values" value={typed('options', 'values', '')} aria-describedby="f-new-option-values-hint" />
            <Problem id="f-new-option-values-error" texts={messages(errorsOf('options'), 'values', `options.${set.options.length}.values`)} />
          </div>
          <button type="submit" class="secondary">
            Add option
          </button>
        </Form>
      )}
      {set.options.length > 0 && (
        <Form action={`${base}/variants/generate`} csrf={csrf} class="option-form">
          {feedback?.form === 'generate' && <Notice kind="error">{feedback.message}</Notice>}
          <div class="field">
            <label for="f-generate-price">Price of the new variants</label>
            <small class="hint" id="f-generate-price-hint">
              Leave empty for the lowest variant price. Existing variants stay as they are; at most 100 in all.
            </small>
            <input id="f-generate-price" name="price" inputMode="decimal" value={typed('generate', 'price', '')} aria-describedby="f-generate-price-hint" />
            <Problem id="f-generate-price-error" texts={messages(errorsOf('generate'), 'price_cents', 'price', 'options', 'variants')} />
          </div>
          <button type="submit" class="secondary">
            Generate combinations
          </button>
        </Form>
      )}
    </div>
  )
}

function VariantGrid({ product, set, csrf, feedback }: { product: AdminProduct; set: VariantSetView; csrf: string; feedback?: VariantsFeedback }) {
  const mine = feedback?.form === 'grid' ? feedback : undefined
  const v = (key: string, fallback: string) => mine?.values[key] ?? fallback
  const money = (cents: number | null) => (cents === null ? '' : centsToDecimal(cents))
  const ticked = new Set(mine ? (mine.values['selected'] ?? '').split(',') : [])
  return (
    <Form action={`/admin/products/${product.id}/variants`} csrf={csrf} class="variants-card">
      <h3>Variants</h3>
      {mine && <Notice kind="error">{mine.message}</Notice>}
      {mine && <ErrorSummary set={set} errors={mine.errors} />}
      <Problem id="f-variants-error" texts={messages(mine?.errors, 'variants', 'variant_ids', '_')} />
      <p class="hint">
        Prices in {set.currency} (e.g. 12.50). Stock is what you have on hand; units held for unpaid orders cannot be removed, and if units sell while you edit, saving says so
        instead of putting them back. Position orders the rows (lowest first).
      </p>
      <div class="variant-grid" role="group" aria-label="Variants">
        {set.variants.map((variant, i) => {
          const at = `variants.${i}`
          const err = (...fields: string[]) => messages(mine?.errors, ...fields.map((f) => `${at}.${f}`))
          return (
            <fieldset class="variant-row" key={variant.id}>
              <legend>
                <label class="check">
                  <input type="checkbox" name="selected" value={String(variant.id)} checked={ticked.has(String(variant.id))} /> {variant.title}
                  <span class="visually-hidden"> (select for bulk actions)</span>
                </label>
                {!variant.is_active && <span class="badge">Inactive</span>}
              </legend>
              <input type="hidden" name={`${at}.id`} value={String(variant.id)} />
              <input type="hidden" name={`${at}.expected_stock_quantity`} value={v(`${at}.expected_stock_quantity`, String(variant.stock_quantity))} />
              <Problem id={`f-${at.replace('.', '-')}-error`} texts={err('id', 'option_values')} />
              <Cell name={`${at}.sku`} label="SKU" value={v(`${at}.sku`, variant.sku ?? '')} errors={err('sku')} size={12} />
              <Cell name={`${at}.price`} label="Price" value={v(`${at}.price`, money(variant.price_cents))} errors={err('price', 'price_cents')} inputMode="decimal" size={8} />
              <Cell name={`${at}.compare_at`} label="Compare-at" value={v(`${at}.compare_at`, money(variant.compare_at_cents))} errors={err('compare_at', 'compare_at_cents')} inputMode="decimal" size={8} />
              <Cell name={`${at}.stock_quantity`} label={`Stock (${variant.stock_held} held)`} value={v(`${at}.stock_quantity`, String(variant.stock_quantity))} errors={err('stock_quantity', 'expected_stock_quantity')} inputMode="numeric" size={6} />
              <Cell name={`${at}.weight_grams`} label="Weight (g)" value={v(`${at}.weight_grams`, String(variant.weight_grams))} errors={err('weight_grams')} inputMode="numeric" size={6} />
              <div class={`grid-cell${err('image_id').length ? ' has-error' : ''}`}>
                <label for={`f-${at.replace('.', '-')}-image_id`} class="cell-label">
                  Image
                </label>
                <select id={`f-${at.replace('.', '-')}-image_id`} name={`${at}.image_id`}>
                  <option value="">None</option>
                  {product.images.map((image, n) => (
                    <option key={image.id} value={String(image.id)} selected={v(`${at}.image_id`, String(variant.image_id ?? '')) === String(image.id)}>
                      {`Image ${n + 1}${image.alt_text ? `: ${image.alt_text.slice(0, 30)}` : ''}`}
                    </option>
                  ))}
                </select>
                <Problem id={`f-${at.replace('.', '-')}-image_id-error`} texts={err('image_id')} />
              </div>
              <Cell name={`${at}.position`} label="Position" value={v(`${at}.position`, String(i + 1))} errors={err('position')} inputMode="numeric" size={3} />
              <label class="check grid-cell">
                <input type="checkbox" name={`${at}.is_active`} value="on" checked={mine ? mine.values[`${at}.is_active`] === 'on' : variant.is_active} /> Active
              </label>
            </fieldset>
          )
        })}
      </div>
      <div class="save-bar">
        <button type="submit" name="intent" value="save">
          Save variants
        </button>
        <a href={`/admin/products/${product.id}#variants`}>Discard changes</a>
      </div>
      <fieldset class="bulk-actions">
        <legend>With the ticked variants</legend>
        <p class="hint">Bulk actions change the saved variants, not edits in the grid above that are not saved yet.</p>
        <div class="bulk-row">
          <Cell name="bulk_price" label="Set price to" value={v('bulk_price', '')} errors={messages(mine?.errors, 'bulk_price', 'price_cents', 'compare_at_cents')} inputMode="decimal" size={8} />
          <button type="submit" name="intent" value="price" class="secondary">
            Set price
          </button>
        </div>
        <div class="bulk-row">
          <Cell name="bulk_stock" label="Adjust stock by (±units)" value={v('bulk_stock', '')} errors={messages(mine?.errors, 'bulk_stock', 'stock_adjustment')} inputMode="numeric" size={6} />
          <button type="submit" name="intent" value="stock" class="secondary">
            Adjust stock
          </button>
        </div>
        <div class="bulk-row">
          <button type="submit" name="intent" value="activate" class="secondary">
            Activate
          </button>
          <button type="submit" name="intent" value="deactivate" class="secondary">
            Deactivate
          </button>
        </div>
        <div class="bulk-row danger-zone">
          <label class="check">
            <input type="checkbox" name="confirm_delete" value="yes" /> I understand that deleting removes the ticked variants for good
          </label>
          <Problem id="f-confirm-delete-error" texts={messages(mine?.errors, 'confirm_delete')} />
          <button type="submit" name="intent" value="delete" class="danger">
            Delete ticked variants
          </button>
        </div>
      </fieldset>
    </Form>
  )
}

/** The grid's input a writer's field names (`variants.1.price_cents`): the id of the input it is shown at. */
const INPUT_OF: Record<string, string> = { price_cents: 'price', compare_at_cents: 'compare_at', expected_stock_quantity: 'stock_quantity', stock_adjustment: 'stock_quantity' }

/** Every fault of a refused grid, each a link to its field (the form's summary at its top). */
function ErrorSummary({ set, errors }: { set: VariantSetView; errors: FieldErrors }) {
  const rows = Object.entries(errors).flatMap(([key, texts]) => {
    const match = /^variants\.(\d+)\.(\w+)/.exec(key)
    if (!match) return []
    const [, index = '0', field = ''] = match
    const input = INPUT_OF[field] ?? field
    const target = input === 'option_values' || input === 'id' ? `f-variants-${index}-sku` : `f-variants-${index}-${input}`
    const label = { sku: 'SKU', price: 'Price', compare_at: 'Compare-at', stock_quantity: 'Stock', weight_grams: 'Weight', image_id: 'Image', position: 'Position' }[input] ?? 'Values'
    return [{ key, href: `#${target}`, text: `${set.variants[Number(index)]?.title ?? `Row ${Number(index) + 1}`} — ${label}: ${texts.join('; ')}` }]
  })
  return rows.length ? (
    <ul class="error-summary">
      {rows.map((row) => (
        <li key={row.key}>
          <a href={row.href}>{row.text}</a>
        </li>
      ))}
    </ul>
  ) : null
}

/** The editor as it stands on the product page (its id `variants` is where every action lands). */
export function VariantsEditor({ product, set, csrf, feedback }: { product: AdminProduct; set: VariantSetView; csrf: string; feedback?: VariantsFeedback }) {
  return (
    <section id="variants" aria-labelledby="variants-heading" class="variants-editor">
      <h2 id="variants-heading">Options and variants</h2>
      <OptionsCard product={product} set={set} csrf={csrf} feedback={feedback} />
      <VariantGrid product={product} set={set} csrf={csrf} feedback={feedback} />
    </section>
  )
}

/** The product form's price and stock for a product with several variants: what they are and where they are set. */
export function DerivedPriceAndStock({ product }: { product: AdminProduct }) {
  return (
    <div class="field derived">
      <span class="label">Price and stock</span>
      <p>
        From {formatMoney(product.price_cents, product.currency)} · {plural(product.stock_quantity, 'unit')} on hand across {product.variant_count} variants.{' '}
        <a href="#variants">Set prices and stock per variant in the variant grid</a>.
      </p>
    </div>
  )
}

/** A decimal typed in the grid as cents, or the text itself (the schema then refuses it by its field); blank is `blank`. */
function cents(text: string, errors: FieldErrors, field: string, blank: number | null): number | null {
  if (text.trim() === '') return blank
  const parsed = DecimalPrice.safeParse(text)
  if (parsed.success) return parsed.data
  errors[field] = [parsed.error.issues[0]?.message ?? 'must be an amount like 12.50']
  return null
}

/** The grid's rows as the API's body, in the order of their positions; `order[k]` is the row shown k-th before. */
function gridBody(form: FormBody, set: VariantSetView, errors: FieldErrors): { body: unknown; order: number[] } {
  const rows = set.variants.map((variant, i) => {
    const at = `variants.${i}`
    const text = (field: string) => formText(form, `${at}.${field}`)
    const stock = text('stock_quantity').trim()
    const expected = text('expected_stock_quantity').trim()
    const untouched = stock === expected
    const position = Number(/^\d{1,6}$/.test(text('position').trim()) ? text('position').trim() : i + 1)
    if (!/^\d{1,6}$/.test(text('position').trim())) errors[`${at}.position`] = ['must be a whole number']
    const image = text('image_id').trim()
    return {
      position,
      i,
      body: {
        id: variant.id,
        option_values: variant.option_values,
        sku: text('sku'),
        price_cents: cents(text('price'), errors, `${at}.price_cents`, null) ?? ((errors[`${at}.price_cents`] ??= ['is required']), 0),
        compare_at_cents: cents(text('compare_at'), errors, `${at}.compare_at_cents`, null),
        weight_grams: formNumber(text('weight_grams').trim() || '0'),
        image_id: image ? formNumber(image) : null,
        is_active: text('is_active') === 'on',
        ...(!untouched && { stock_quantity: formNumber(stock), expected_stock_quantity: formNumber(expected) }),
      },
    }
  })
  const sorted = [...rows].sort((a, b) => a.position - b.position || a.i - b.i)
  return { body: { options: set.options.map((o) => ({ id: o.id, name: o.name, values: o.values.map((v) => v.value) })), variants: sorted.map((r) => r.body) }, order: sorted.map((r) => r.i) }
}

/** Field errors of a save of sorted rows (`variants.K.…`) said of the rows as shown (`variants.order[K].…`). */
const unsort = (fields: FieldErrors, order: number[]): FieldErrors =>
  Object.fromEntries(Object.entries(fields).map(([key, value]) => [key.replace(/^variants\.(\d+)\./, (_, k: string) => `variants.${order[Number(k)] ?? k}.`), value]))

/** The values of the form as typed, the ticked rows joined, for the editor to show again. */
function typedValues(form: FormBody): Record<string, string> {
  return { ...Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === 'string')), selected: formAll(form, 'selected').join(',') }
}

type EditPage = (c: Ctx, productId: number, extra: { variants: VariantsFeedback; status: 400 | 404 | 409 }) => Promise<Response>

/** The editor's form handlers; `editPage` renders the product page with a refused form shown again (src/admin/pages/products.tsx). */
export function variantsPages(editPage: EditPage) {
  const landed = (c: Ctx, productId: number, text: string) => redirectWithFlash(c, `/admin/products/${productId}#variants`, 'success', text)
  /** Runs an action; an expected refusal shows its form again with what was typed and what is wrong. */
  const act = async (c: Ctx, form: FormBody, which: VariantsFeedback['form'], run: () => Promise<Response>, fields: (f: FieldErrors) => FieldErrors = (f) => f) => {
    const productId = id(c)
    try {
      return await run()
    } catch (err) {
      const failure = failureOf(err)
      if (!failure || failure.status === 413 || failure.status === 415) throw err
      if (failure.status === 404 && !(err instanceof ApiError && /option|variant/.test(err.message))) throw err
      const errors = fields(failure.fields)
      const values = typedValues(form)
      // A stock that moved meanwhile: its row shows the figure now, ready to be saved again.
      if (err instanceof ApiError && err.code === 'stock_changed') {
        for (const key of Object.keys(errors)) {
          const row = /^(variants\.\d+)\.stock_quantity$/.exec(key)?.[1]
          if (row) for (const field of ['stock_quantity', 'expected_stock_quantity']) delete values[`${row}.${field}`]
        }
      }
      return editPage(c, productId, { variants: { form: which, values, errors, message: failure.message }, status: failure.status })
    }
  }
  return new Hono<AppEnv>()
    .post('/products/:id/options', async (c) => {
      const form = await readForm(c)
      const productId = id(c)
      return act(c, form, 'options', async () => {
        const option = parseForm(AdminOptionBody, { name: formText(form, 'name'), values: splitValues(formText(form, 'values')) })
        if (option.values.length === 0) throw new ApiError(400, 'validation_failed', 'Please correct the fields marked below.', { values: ['name at least one value'] })
        await addOption(c.env, userOf(c), productId, option.name, option.values)
        return landed(c, productId, `Option "${option.name}" added. Generate combinations to make its other variants.`)
      })
    })
    .post('/products/:id/options/:optionId', async (c) => {
      const form = await readForm(c)
      const productId = id(c)
      const optionId = id(c, 'optionId')
      return act(c, form, `option-${optionId}`, async () => {
        const option = parseForm(AdminOptionBody, { name: formText(form, 'name'), values: splitValues(formText(form, 'values')) })
        await updateOption(c.env, userOf(c), productId, optionId, option.name, option.values)
        return landed(c, productId, `Option "${option.name}" saved.`)
      })
    })
    .post('/products/:id/options/:optionId/remove', async (c) => {
      const form = await readForm(c)
      const productId = id(c)
      const optionId = id(c, 'optionId')
      return act(c, form, `option-${optionId}`, async () => {
        await removeOption(c.env, userOf(c), productId, optionId)
        return landed(c, productId, 'Option removed.')
      })
    })
    .post('/products/:id/variants/generate', async (c) => {
      const form = await readForm(c)
      const productId = id(c)
      return act(c, form, 'generate', async () => {
        const price = formText(form, 'price').trim()
        const errors: FieldErrors = {}
        const priceCents = cents(price, errors, 'price_cents', null)
        if (Object.keys(errors).length) throw new ApiError(400, 'validation_failed', 'Please correct the price.', errors)
        const body = parseForm(GenerateVariantsBody, priceCents === null ? {} : { price_cents: priceCents })
        const count = (await readVariantSet(c.env, productId)).variants.length
        const saved = await generateVariants(c.env, userOf(c), productId, body.price_cents)
        const made = saved.variants.length - count
        return landed(c, productId, made > 0 ? `${plural(made, 'variant')} generated.` : 'Every combination has its variant already.')
      })
    })
    .post('/products/:id/variants', async (c) => {
      const form = await readForm(c, { all: true })
      const productId = id(c)
      const intent = formText(form, 'intent') || 'save'
      const set = await readVariantSet(c.env, productId)
      let order: number[] = []
      let asShown = false
      return act(
        c,
        form,
        'grid',
        async () => {
          if (intent === 'save') {
            const errors: FieldErrors = {}
            const grid = gridBody(form, set, errors)
            order = grid.order
            if (Object.keys(errors).length) {
              // The amounts typed are named by row as shown; what the writer would say besides (the order saved) is added.
              const parsed = AdminVariantSetBody.safeParse(grid.body)
              const more = parsed.success ? unsort(variantSetErrors(variantSetFromBody(parsed.data)), order) : {}
              asShown = true
              throw new ApiError(400, 'validation_failed', 'Please correct the fields marked below; nothing was saved.', { ...more, ...errors })
            }
            await replaceVariants(c.env, userOf(c), productId, parseForm(AdminVariantSetBody, grid.body))
            return landed(c, productId, 'Variants saved.')
          }
          const ids = formAll(form, 'selected').map(formNumber)
          if (ids.length === 0) throw new ApiError(400, 'validation_failed', 'Tick the variants to change first.', { variant_ids: ['tick at least one variant'] })
          if (intent === 'delete') {
            if (formText(form, 'confirm_delete') !== 'yes') throw new ApiError(400, 'validation_failed', 'Nothing was deleted.', { confirm_delete: ['tick this to confirm the deletion'] })
            const body = parseForm(VariantIdsBody, { variant_ids: ids })
            await deleteVariants(c.env, userOf(c), productId, body.variant_ids)
            return landed(c, productId, `${plural(ids.length, 'variant')} deleted.`)
          }
          const errors: FieldErrors = {}
          const price = intent === 'price' ? cents(formText(form, 'bulk_price'), errors, 'bulk_price', null) : null
          if (intent === 'price' && price === null) errors['bulk_price'] ??= ['enter a price, e.g. 12.50']
          const change =
            intent === 'price'
              ? { price_cents: price ?? 0 }
              : intent === 'stock'
                ? { stock_adjustment: formNumber(formText(form, 'bulk_stock')) }
                : intent === 'activate' || intent === 'deactivate'
                  ? { is_active: intent === 'activate' }
                  : null
          if (change === null) throw new ApiError(400, 'bad_request', 'Choose an action.')
          if (Object.keys(errors).length) throw new ApiError(400, 'validation_failed', 'Please correct the fields marked below; nothing was changed.', errors)
          await bulkEditVariants(c.env, userOf(c), productId, parseForm(BulkVariantBody, { variant_ids: ids, ...change }))
          const done = { price: 'Price set', stock: 'Stock adjusted', activate: 'Activated', deactivate: 'Deactivated' }[intent as 'price']
          return landed(c, productId, `${done} for ${plural(ids.length, 'variant')}.`)
        },
        (fields) => {
          // Errors of this page's own checks name the rows as shown already; the writer's, in the order saved.
          const shown = asShown ? fields : unsort(fields, order)
          // The writer counts variants from 0 in the order saved ("the same SKU as variant 0"): said by their titles here.
          const saved = (n: number) => set.variants[order[n] ?? n]?.title ?? `row ${n + 1}`
          for (const key of Object.keys(shown)) shown[key] = (shown[key] ?? []).map((m) => m.replace(/\bvariant (\d+)\b/g, (_, n: string) => saved(Number(n))))
          // The bulk stock field speaks for the adjustment of any variant.
          if (shown['stock_adjustment']) shown['bulk_stock'] = shown['stock_adjustment']
          return shown
        },
      )
    })
}

