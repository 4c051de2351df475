/** Products in the admin: the list with its filters, create and edit (stock as a compare-and-set), images, and deleting after a confirmation. */
import { TableHead } from '../../ui/table-head'
import { Hono } from 'hono'
import { z } from 'zod'
import { csrfToken } from '../../accounts/csrf'
import { userOf } from '../../accounts/guard'
import type { AppEnv } from '../../platform/env'
import { ApiError, type FieldErrors } from '../../platform/errors'
import { centsToDecimal } from '../../platform/money'
import { fieldErrors } from '../../platform/validate'
import { Field, Form, Notice } from '../../ui/forms'
import { formAll, formNumber, formText, parseForm, type FormBody } from '../../ui/form-input'
import { formatMoney } from '../../ui/money'
import { redirectWithFlash } from '../../ui/flash'
import { listCategories } from '../categories'
import { addImages, adminProduct, createProduct, deleteImage, deleteProduct, listAdminProducts, reorderImages, updateImageAlt, updateProduct, type AdminProduct } from '../products'
import { uploadedImages } from '../routes'
import { inspectImage } from '../image-files'
import { ADMIN_SORTS, AdminProductBody, AdminProductQuery, ImageOrder, ImagePatch } from '../schemas'
import { withQuery } from '../../platform/query-string'
import { PageHeader, Pager, When, failureOf, flatten, formValues, id, plural, type Category, type Ctx } from './layout'
import { ActiveChip } from './chips'
import { dateStyleOf } from '../../ui/dates'
import { loadStoreSettings } from '../../platform/store-settings'
import { queryString } from '../../platform/query-string'
import { BULK_PRODUCT_ACTIONS, BulkProductsBody, bulkProducts } from '../product-bulk'
import { readVariantSet } from '../variants'
import { DerivedPriceAndStock, VariantsEditor, variantsPages, type VariantsFeedback } from './variants'
import { TAX_CLASSES } from '../../db/schema'
import { TAX_CLASS_LABELS } from './taxes'

function ProductForm({ c, product, categories, values, errors, message }: { c: Ctx; product?: AdminProduct; categories: Category[]; values?: Record<string, string>; errors?: FieldErrors; message?: string }) {
  const v = (key: string, fallback?: string) => values?.[key] ?? fallback ?? ''
  const checked = new Set(values ? (values.category_ids ?? '').split(',').filter(Boolean).map(Number) : (product?.category_ids ?? []))
  return (
    <Form action={product ? `/admin/products/${product.id}` : '/admin/products/new'} csrf={csrfToken(c)} multipart={!product}>
      {message && <Notice kind="error">{message}</Notice>}
      <Field name="name" label="Name" value={v('name', product?.name)} errors={errors} required maxLength={200} />
      <Field name="slug" label="Slug" value={v('slug', product?.slug)} errors={errors} hint="Leave empty to make one from the name." maxLength={100} />
      <div class="field">
        <label for="field-description">Description</label>
        <textarea id="field-description" name="description" rows={5} maxLength={10_000}>
          {v('description', product?.description)}
        </textarea>
      </div>
      {product && product.variant_count > 1 ? (
        <>
          <DerivedPriceAndStock product={product} />
          {/* Derived from the variants: sent back as they are, and not saved from here. */}
          <input type="hidden" name="price" value={centsToDecimal(product.price_cents)} />
          <input type="hidden" name="stock_quantity" value={String(product.stock_quantity)} />
          <Field name="currency" label="Currency" value={v('currency', product.currency)} errors={errors} required maxLength={3} />
        </>
      ) : (
      <div class="fieldset-grid">
        <Field name="price" label="Price" value={v('price', product ? centsToDecimal(product.price_cents) : '')} errors={errors} required hint="e.g. 12.50" />
        <Field name="currency" label="Currency" value={v('currency', product?.currency ?? 'USD')} errors={errors} required maxLength={3} />
        <Field
          name="stock_quantity"
          label="Stock on hand"
          value={v('stock_quantity', String(product?.stock_quantity ?? 0))}
          errors={errors}
          required
          hint={product ? 'Units held for unpaid orders cannot be removed. If units sell while you edit, saving says so instead of putting them back.' : 'Units held for unpaid orders cannot be removed.'}
        />
      </div>
      )}
      {/* The figure this form was opened with: the save is a compare-and-set against it. */}
      {product && product.variant_count <= 1 && <input type="hidden" name="expected_stock_quantity" value={v('expected_stock_quantity', String(product.stock_quantity))} />}
      <label class="check">
        <input type="checkbox" name="is_active" value="on" checked={values ? values.is_active === 'on' : (product?.is_active ?? true)} /> Sold in the shop (active)
      </label>
      <div class={`field${errors?.tax_class ? ' has-error' : ''}`}>
        <label for="field-tax_class">Tax class</label>
        <small id="field-tax_class-hint" class="hint">
          Which of the destination&rsquo;s <a href="/admin/taxes">tax rates</a> applies: reduced for books or food where the law says so.
        </small>
        <select id="field-tax_class" name="tax_class" aria-describedby="field-tax_class-hint">
          {TAX_CLASSES.map((taxClass) => (
            <option key={taxClass} value={taxClass} selected={v('tax_class', product?.tax_class ?? 'standard') === taxClass}>
              {TAX_CLASS_LABELS[taxClass]}
            </option>
          ))}
        </select>
        {errors?.tax_class && <p class="field-error">{errors.tax_class.join('; ')}</p>}
      </div>
      <fieldset class="categories-field">
        <legend>Categories</legend>
        {errors?.category_ids && <p class="field-error">{errors.category_ids.join('; ')}</p>}
        {flatten(categories).map(({ category, depth }) => (
          <label class={`check depth-${Math.min(depth, 4)}`} key={category.id}>
            <input type="checkbox" name="category_ids" value={String(category.id)} checked={checked.has(category.id)} /> {category.name}
          </label>
        ))}
      </fieldset>
      {!product && (
        <fieldset class="admin-new-images">
          <legend>Images</legend>
          <div class={`field${errors?.images ? ' has-error' : ''}`}>
            <label for="field-images">Add images</label>
            <small class="hint" id="field-images-hint">
              Optional. PNG, JPEG, WebP or AVIF, up to 5 MB each, up to 10 and 20 MB at once; the first is the main image. You can add, reorder and describe them after creating.
            </small>
            <input id="field-images" name="images" type="file" multiple accept="image/png,image/jpeg,image/webp,image/avif" aria-describedby={errors?.images ? 'field-images-hint field-images-error' : 'field-images-hint'} />
            {errors?.images && (
              <p id="field-images-error" class="field-error">
                {errors.images.join('; ')}
              </p>
            )}
          </div>
          <Field name="alt_text" label="Alt text for the images" hint="What the picture shows, for people who cannot see it." maxLength={300} value={v('alt_text')} />
        </fieldset>
      )}
      <div class="admin-save-bar">
        {product && (
          <a class="button secondary" href={`/admin/products/${product.id}`}>
            Discard
          </a>
        )}
        <button type="submit">{product ? 'Save product' : 'Create product'}</button>
      </div>
    </Form>
  )
}

/** The product form's fields as the API's body. */
function productBodyFromForm(form: FormBody) {
  const stock = formText(form, 'stock_quantity').trim()
  return {
    name: formText(form, 'name'),
    ...(formText(form, 'slug').trim() && { slug: formText(form, 'slug').trim() }),
    description: formText(form, 'description'),
    price: formText(form, 'price'),
    currency: formText(form, 'currency') || 'USD',
    stock_quantity: /^\d{1,7}$/.test(stock) ? Number(stock) : stock,
    is_active: formText(form, 'is_active') === 'on',
    tax_class: formText(form, 'tax_class') || 'standard',
    category_ids: formAll(form, 'category_ids').map(Number),
  }
}

function ImagesPanel({ c, product }: { c: Ctx; product: AdminProduct }) {
  const csrf = csrfToken(c)
  const order = product.images.map((i) => i.id)
  const moved = (from: number, to: number) => {
    const next = [...order]
    const [item] = next.splice(from, 1)
    if (item !== undefined) next.splice(to, 0, item)
    return next.join(',')
  }
  return (
    <section aria-labelledby="images-heading">
      <h2 id="images-heading">Images</h2>
      <ol class="admin-images">
        {product.images.map((image, i) => (
          <li key={image.id}>
            <img src={image.url} alt={image.alt_text} width={96} height={96} />
            <Form action={`/admin/products/${product.id}/images/${image.id}/alt`} csrf={csrf} class="inline-form">
              <label for={`alt-${image.id}`}>Alt text</label>
              <input id={`alt-${image.id}`} name="alt_text" value={image.alt_text} maxLength={300} />
              <button type="submit" class="secondary">
                Save
              </button>
            </Form>
            <div class="image-actions">
              {i > 0 && (
                <Form action={`/admin/products/${product.id}/images/order`} csrf={csrf} class="inline-form">
                  <input type="hidden" name="image_ids" value={moved(i, i - 1)} />
                  <button type="submit" class="secondary" aria-label={`Move image ${i + 1} up`}>
                    ↑
                  </button>
                </Form>
              )}
              {i < order.length - 1 && (
                <Form action={`/admin/products/${product.id}/images/order`} csrf={csrf} class="inline-form">
                  <input type="hidden" name="image_ids" value={moved(i, i + 1)} />
                  <button type="submit" class="secondary" aria-label={`Move image ${i + 1} down`}>
                    ↓
                  </button>
                </Form>
              )}
              <Form action={`/admin/products/${product.id}/images/${image.id}/delete`} csrf={csrf} class="inline-form">
                <button type="submit" class="link-button">
                  Delete<span class="visually-hidden"> image {i + 1}</span>
                </button>
              </Form>
            </div>
          </li>
        ))}
      </ol>
      <Form action={`/admin/products/${product.id}/images`} csrf={csrf} multipart>
        <div class="field">
          <label for="field-images">Add images</label>
          <small class="hint" id="field-images-hint">
            PNG, JPEG, WebP or AVIF, up to 5 MB each, up to 10 and 20 MB at once.
          </small>
          <input id="field-images" name="images" type="file" multiple accept="image/png,image/jpeg,image/webp,image/avif" aria-describedby="field-images-hint" />
        </div>
        <Field name="alt_text" label="Alt text for the new images" />
        <button type="submit">Upload</button>
      </Form>
    </section>
  )
}

async function productEditPage(
  c: Ctx,
  productId: number,
  extra: { values?: Record<string, string>; errors?: FieldErrors; message?: string; status?: 200 | 400 | 404 | 409 | 413 | 415; currentStock?: boolean; variants?: VariantsFeedback } = {},
) {
  const [product, categories, variantSet] = await Promise.all([adminProduct(c.env, productId), listCategories(c.env), readVariantSet(c.env, productId)])
  const current = String(product.stock_quantity)
  const values = extra.currentStock && extra.values ? { ...extra.values, stock_quantity: current, expected_stock_quantity: current } : extra.values
  return c.render(
    <section class="admin">
      <PageHeader
        title={product.name}
        parent={{ href: '/admin/products', label: 'Products' }}
        actions={
          <a class="button secondary" href={`/products/${product.slug}`}>
            View in the shop
          </a>
        }
      >
        <p>
          <ActiveChip active={product.is_active} />
        </p>
      </PageHeader>
      <ProductForm c={c} product={product} categories={categories} values={values} errors={extra.errors} message={extra.message} />
      <ImagesPanel c={c} product={product} />
      <VariantsEditor product={product} set={variantSet} csrf={csrfToken(c)} feedback={extra.variants} />
      <section class="danger-zone" aria-labelledby="delete-heading">
        <h2 id="delete-heading">Delete</h2>
        <p>Deleting removes the product and its images for good; orders keep their own copy. To stop selling it, untick "active" instead.</p>
        <a class="button danger" href={`/admin/products/${product.id}/delete`}>
          Delete product…
        </a>
      </section>
    </section>,
    { title: product.name, status: extra.status },
  )
}

const ProductListForm = z.object({ select: z.string().optional(), q: z.string().optional(), active: z.string().optional(), category: z.string().optional(), low_stock: z.string().optional(), sort: z.string().optional(), page: z.string().optional() })

/** The sort orders as staff read them. */
const SORT_LABELS: Record<(typeof ADMIN_SORTS)[number], string> = {
  newest: 'Newest first',
  oldest: 'Oldest first',
  name: 'Name A–Z',
  '-name': 'Name Z–A',
  price: 'Price, low to high',
  '-price': 'Price, high to low',
  stock: 'Stock, lowest first',
}

const BULK_LABELS: Record<BulkProductsBody['action'], string> = { activate: 'Activate', deactivate: 'Deactivate', move: 'Move to category', delete: 'Delete…' }

export const productsPages = new Hono<AppEnv>()
  .get('/products', async (c) => {
    const raw = ProductListForm.parse(c.req.query())
    const cleaned: Record<string, string> = Object.fromEntries(Object.entries(raw).filter(([key, v]) => v !== undefined && v !== '' && key !== 'select'))
    const parsed = AdminProductQuery.safeParse(cleaned)
    let problem: string | undefined
    let query = parsed.data
    if (!parsed.success) {
      // A bad filter is named and left out; the others still apply.
      const faults = fieldErrors(parsed.error)
      for (const key of Object.keys(faults)) delete cleaned[key]
      problem = `Some filters were left out: ${Object.entries(faults).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ')}.`
      query = AdminProductQuery.parse(cleaned)
    }
    const q = query as AdminProductQuery
    const [listed, categories, settings, style] = await Promise.all([
      listAdminProducts(c.env, q).then(
        (list) => ({ list, missing: false }),
        (err: unknown) => {
          if (err instanceof ApiError && err.status === 404) return { list: null, missing: true }
          throw err
        },
      ),
      listCategories(c.env),
      loadStoreSettings(c.env),
      dateStyleOf(c),
    ])
    if (listed.missing) {
      delete cleaned['category']
      problem = `There is no category “${q.category}” any more: showing every category.`
    }
    const list = listed.list ?? (await listAdminProducts(c.env, { ...q, category: undefined }))
    const { page: _page, ...rest } = cleaned
    const link = (page: number) => withQuery('/admin/products', { ...rest, page })
    const selectAll = c.req.query('select') === 'all'
    const selectLink = withQuery('/admin/products', { ...cleaned, select: selectAll ? undefined : 'all' })
    const filtered = Object.keys(rest).some((key) => key !== 'sort')
    return c.render(
      <>
        <PageHeader
          title="Products"
          actions={
            <>
              <a class="button secondary" href="/admin/imports">
                Import / export
              </a>
              <a class="button" href="/admin/products/new">
                Add product
              </a>
            </>
          }
        />
        {problem && <Notice kind="error">{problem}</Notice>}
        <form class="admin-filters" method="get" action="/admin/products" role="search" aria-label="Search and filter products">
          <div class="field wide">
            <label for="f-q">Search</label>
            <input id="f-q" name="q" type="search" value={q.q ?? ''} maxLength={200} placeholder="Name or slug" />
          </div>
          <div class="field">
            <label for="f-active">Status</label>
            <select id="f-active" name="active">
              <option value="">Any</option>
              <option value="true" selected={q.active === 'true'}>
                Active
              </option>
              <option value="false" selected={q.active === 'false'}>
                Inactive
              </option>
            </select>
          </div>
          <div class="field">
            <label for="f-category">Category</label>
            <select id="f-category" name="category">
              <option value="">Any</option>
              {flatten(categories).map(({ category, depth }) => (
                <option key={category.id} value={category.slug} selected={q.category === category.slug}>
                  {`${'— '.repeat(depth)}${category.name}`}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-sort">Sort by</label>
            <select id="f-sort" name="sort">
              {ADMIN_SORTS.map((sort) => (
                <option key={sort} value={sort} selected={q.sort === sort}>
                  {SORT_LABELS[sort]}
                </option>
              ))}
            </select>
          </div>
          <label class="check">
            <input type="checkbox" name="low_stock" value="true" checked={q.low_stock === 'true'} /> Low stock (≤ {settings.lowStockThreshold})
          </label>
          <button type="submit">Search</button>
          {filtered && <a href="/admin/products">Clear</a>}
        </form>
        <Form action="/admin/products/bulk" csrf={csrfToken(c)} class="admin-bulk-form">
          <input type="hidden" name="back" value={queryString(cleaned)} />
          <div class="admin-list-meta">
            <p class="count">{plural(list.total, 'product')}</p>
            {list.items.length > 0 && (
              <a href={selectLink} class="admin-pick-all">
                {selectAll ? 'Clear the selection' : `Select all ${plural(list.items.length, 'product')} on this page`}
              </a>
            )}
          </div>
          {list.items.length === 0 ? (
            <div class="admin-table-wrap admin-empty">
              <strong>{filtered ? 'No product matches these filters.' : 'No products yet.'}</strong>
              {filtered ? <a href="/admin/products">Show every product</a> : <a href="/admin/products/new">Add your first product</a>}
            </div>
          ) : (
            <div class="admin-table-wrap">
              <table class="admin-list">
                <caption class="visually-hidden">Products, {SORT_LABELS[q.sort].toLowerCase()}</caption>
                <TableHead columns={[{ hidden: 'Select' }, 'Product', 'Status', { label: 'Price', class: 'num' }, { label: 'Stock', class: 'num' }, 'Updated']} />
                <tbody>
                  {list.items.map((p) => (
                    <tr key={p.id}>
                      <td class="pick">
                        <label for={`pick-${p.id}`}>
                          <span class="visually-hidden">Select {p.name}</span>
                          <input id={`pick-${p.id}`} type="checkbox" name="product_ids" value={String(p.id)} checked={selectAll} />
                        </label>
                      </td>
                      <td>
                        <div class="admin-item">
                          {p.image_url ? <img class="admin-thumb" src={p.image_url} alt="" width={44} height={44} loading="lazy" /> : <span class="admin-thumb" aria-hidden="true" />}
                          <div>
                            <a href={`/admin/products/${p.id}`}>{p.name}</a>
                            <small>{p.slug}</small>
                          </div>
                        </div>
                      </td>
                      <td>
                        <ActiveChip active={p.is_active} />
                      </td>
                      <td class="num" data-label="Price">
                        {formatMoney(p.price_cents, p.currency)}
                      </td>
                      <td class={`num${p.low_stock ? ' low' : ''}`} data-label="Stock">
                        {p.stock_quantity}
                        {p.low_stock && <small>low</small>}
                      </td>
                      <td data-label="Updated">
                        <When ms={Date.parse(p.updated_at)} style={style} dateOnly />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {list.items.length > 0 && (
            <fieldset class="admin-bulk">
              <legend>With the selected products</legend>
              <div class="field">
                <label for="bulk-action">Action</label>
                <select id="bulk-action" name="action" required>
                  <option value="">Choose…</option>
                  {BULK_PRODUCT_ACTIONS.map((action) => (
                    <option key={action} value={action}>
                      {BULK_LABELS[action]}
                    </option>
                  ))}
                </select>
              </div>
              <div class="field">
                <label for="bulk-category">Category (to move to)</label>
                <select id="bulk-category" name="category_id">
                  <option value="">—</option>
                  {flatten(categories).map(({ category, depth }) => (
                    <option key={category.id} value={String(category.id)}>
                      {`${'— '.repeat(depth)}${category.name}`}
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit">Apply</button>
            </fieldset>
          )}
        </Form>
        <Pager info={list} link={link} back="← Previous" on="Next →" />
      </>,
      { title: 'Products', status: problem ? 400 : 200 },
    )
  })
  .post('/products/bulk', async (c) => {
    const form = await c.req.parseBody({ all: true })
    const back = productsListPath(formText(form, 'back'))
    const categoryId = formText(form, 'category_id')
    const body = BulkProductsBody.safeParse({
      product_ids: formAll(form, 'product_ids').map(formNumber),
      action: formText(form, 'action') || undefined,
      ...(categoryId && { category_id: formNumber(categoryId) }),
    })
    if (!body.success) {
      const problems = fieldErrors(body.error)
      const what = [problems['product_ids'] && 'tick at least one product', problems['action'] && 'choose an action', problems['category_id'] && 'choose the category to move them to'].filter(Boolean).join(' and ')
      return redirectWithFlash(c, back, 'error', `Nothing changed: ${what || 'check the form'}.`)
    }
    // Deleting asks first, on a page of its own that names every product.
    if (body.data.action === 'delete' && formText(form, 'confirm') !== 'yes') return bulkDeleteConfirmPage(c, body.data.product_ids, formText(form, 'back'))
    const result = await bulkProducts(c.env, userOf(c), body.data)
    const category = body.data.category_id ? (await listCategories(c.env)).find((cat) => cat.id === body.data.category_id)?.name : undefined
    const verb = { activate: 'Activated', deactivate: 'Deactivated', move: `Moved to ${category ?? 'the category'}`, delete: 'Deleted' }[result.action]
    const named = (items: { name: string | null; id: number }[]) => items.slice(0, 5).map((p) => `“${p.name ?? `#${p.id}`}”`).join(', ') + (items.length > 5 ? ` and ${items.length - 5} more` : '')
    const done = result.done.length ? `${verb}: ${plural(result.done.length, 'product')} (${named(result.done)}).` : 'No product was changed.'
    const refused = result.refused.length ? ` Not changed: ${result.refused.map((r) => `“${r.name ?? `#${r.id}`}” (${r.reason})`).join('; ')}.` : ''
    return redirectWithFlash(c, back, result.refused.length ? (result.done.length ? 'info' : 'error') : 'success', `${done}${refused}`)
  })
  .get('/products/new', async (c) =>
    c.render(
      <section class="admin">
        <PageHeader title="New product" parent={{ href: '/admin/products', label: 'Products' }} />
        <ProductForm c={c} categories={await listCategories(c.env)} />
      </section>,
      { title: 'New product' },
    ),
  )
  .post('/products/new', async (c) => {
    const form = await c.req.parseBody({ all: true })
    try {
      const body = parseForm(AdminProductBody, productBodyFromForm(form))
      // Every file is checked before the product is made: a bad image creates nothing.
      const uploads = await uploadedImages(form)
      try {
        if (uploads.length > 10) throw new ApiError(400, 'validation_failed', 'At most 10 images at once', { images: ['at most 10 at once'] })
        for (const upload of uploads) inspectImage(upload.bytes, upload.name)
      } catch (err) {
        const failure = failureOf(err)
        if (failure) throw new ApiError(failure.status, 'validation_failed', `Nothing was created: ${failure.message}. Choose other images, or none.`, { images: [failure.message] })
        throw err
      }
      const product = await createProduct(c.env, userOf(c), body)
      if (uploads.length === 0) return redirectWithFlash(c, `/admin/products/${product.id}`, 'success', `Product "${product.name}" created.`)
      try {
        await addImages(c.env, userOf(c), product.id, uploads, formText(form, 'alt_text').trim().slice(0, 300))
      } catch (err) {
        const failure = failureOf(err)
        if (!failure) throw err
        return redirectWithFlash(c, `/admin/products/${product.id}`, 'error', `Product "${product.name}" created, but its images were not stored: ${failure.message}. Add them again below.`)
      }
      return redirectWithFlash(c, `/admin/products/${product.id}`, 'success', `Product "${product.name}" created with ${plural(uploads.length, 'image')}.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return c.render(
        <section class="admin">
          <PageHeader title="New product" parent={{ href: '/admin/products', label: 'Products' }} />
          <ProductForm c={c} categories={await listCategories(c.env)} values={formValues(form)} errors={failure.fields} message={failure.message} />
        </section>,
        { title: 'New product', status: failure.status },
      )
    }
  })
  .get('/products/:id', async (c) => productEditPage(c, id(c)))
  .post('/products/:id', async (c) => {
    const form = await c.req.parseBody({ all: true })
    const productId = id(c)
    try {
      const body = parseForm(AdminProductBody, productBodyFromForm(form))
      const expected = formText(form, 'expected_stock_quantity').trim()
      const patch = { ...body, slug: body.slug, expected_stock_quantity: /^\d{1,7}$/.test(expected) ? Number(expected) : undefined }
      // Several variants: price and stock are theirs (the form only shows them), never saved from here.
      const { price: _price, stock_quantity: _stock, expected_stock_quantity: _expected, ...rest } = patch
      const derived = (await adminProduct(c.env, productId)).variant_count > 1
      await updateProduct(c.env, userOf(c), productId, derived ? rest : patch)
      return redirectWithFlash(c, `/admin/products/${productId}`, 'success', `Product "${body.name}" saved.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      // Stock moved since the form was opened: shown again with the stock as it is now, the rest as typed.
      const stockChanged = err instanceof ApiError && err.code === 'stock_changed'
      return productEditPage(c, productId, { values: formValues(form), errors: failure.fields, message: failure.message, status: failure.status, currentStock: stockChanged })
    }
  })
  // Deleting asks first, on a page of its own: the edit page only links here.
  .get('/products/:id/delete', async (c) => {
    const product = await adminProduct(c.env, id(c))
    return c.render(
      <section class="admin confirm">
        <h1>Delete "{product.name}"?</h1>
        <p>
          The product and its {plural(product.images.length, 'image')} are removed for good. Orders keep their own copy of it. To stop selling it but keep it, make it inactive
          instead.
        </p>
        <Form action={`/admin/products/${product.id}/delete`} csrf={csrfToken(c)} class="danger-zone">
          <input type="hidden" name="confirm" value="yes" />
          <button type="submit" class="danger">
            Delete for good
          </button>{' '}
          <a href={`/admin/products/${product.id}`}>Keep it</a>
        </Form>
      </section>,
      { title: `Delete ${product.name}?` },
    )
  })
  .post('/products/:id/delete', async (c) => {
    const productId = id(c)
    const form = await c.req.parseBody()
    if (formText(form, 'confirm') !== 'yes') return c.redirect(`/admin/products/${productId}/delete`, 303)
    try {
      const product = await deleteProduct(c.env, userOf(c), productId)
      return redirectWithFlash(c, '/admin/products', 'success', `Product "${product.name}" deleted.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return redirectWithFlash(c, '/admin/products', 'error', `Not deleted: ${failure.message}`)
    }
  })
  .post('/products/:id/images', async (c) => {
    const productId = id(c)
    try {
      const form = await c.req.parseBody({ all: true })
      const uploads = await uploadedImages(form)
      await addImages(c.env, userOf(c), productId, uploads, formText(form, 'alt_text').trim().slice(0, 300))
      return redirectWithFlash(c, `/admin/products/${productId}`, 'success', `${plural(uploads.length, 'image')} added.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return productEditPage(c, productId, { message: failure.message, errors: { images: [failure.message] }, status: failure.status })
    }
  })
  .post('/products/:id/images/order', async (c) => {
    const form = await c.req.parseBody()
    const productId = id(c)
    const body = ImageOrder.safeParse({ image_ids: formText(form, 'image_ids').split(',').filter(Boolean).map(formNumber) })
    if (!body.success) return imageFormRefused(c, productId, 'The images could not be reordered', body.error)
    return imageAction(c, 'Image order saved.', () => reorderImages(c.env, userOf(c), productId, body.data.image_ids))
  })
  .post('/products/:id/images/:imageId/alt', async (c) => {
    const form = await c.req.parseBody()
    const productId = id(c)
    const body = ImagePatch.safeParse({ alt_text: formText(form, 'alt_text') })
    if (!body.success) return imageFormRefused(c, productId, 'The alt text was not saved', body.error)
    return imageAction(c, 'Alt text saved.', () => updateImageAlt(c.env, userOf(c), productId, id(c, 'imageId'), body.data.alt_text ?? null))
  })
  .post('/products/:id/images/:imageId/delete', async (c) =>
    imageAction(c, 'Image deleted.', () => deleteImage(c.env, userOf(c), id(c), id(c, 'imageId'))),
  )

/** The products list to go back to: the filters the form came from, if they are a valid list query, else the first page. */
function productsListPath(back: string): string {
  const params = Object.fromEntries([...new URLSearchParams(back)].filter(([key, v]) => v !== '' && key in AdminProductQuery.shape))
  return AdminProductQuery.safeParse(params).success ? withQuery('/admin/products', params) : '/admin/products'
}

async function bulkDeleteConfirmPage(c: Ctx, ids: number[], back: string) {
  const chosen = await Promise.all(ids.map((productId) => adminProduct(c.env, productId).catch(() => null)))
  const found = chosen.filter((p): p is AdminProduct => p !== null)
  if (found.length === 0) return redirectWithFlash(c, productsListPath(back), 'error', 'Nothing was deleted: the products chosen are gone already.')
  return c.render(
    <>
      <PageHeader title={`Delete ${plural(found.length, 'product')}?`} parent={{ href: productsListPath(back), label: 'Products' }} />
      <section class="admin-card critical">
        <p>These products and their images are removed for good. Orders keep their own copy of them. To stop selling them but keep them, deactivate them instead.</p>
        <ul>
          {found.map((p) => (
            <li key={p.id}>
              {p.name} <small class="hint">({plural(p.images.length, 'image')})</small>
            </li>
          ))}
        </ul>
        <Form action="/admin/products/bulk" csrf={csrfToken(c)} class="danger-zone">
          <input type="hidden" name="action" value="delete" />
          <input type="hidden" name="confirm" value="yes" />
          <input type="hidden" name="back" value={back} />
          {found.map((p) => (
            <input key={p.id} type="hidden" name="product_ids" value={String(p.id)} />
          ))}
          <div class="admin-page-actions">
            <button type="submit" class="danger">
              Delete {plural(found.length, 'product')} for good
            </button>
            <a class="button secondary" href={productsListPath(back)}>
              Keep them
            </a>
          </div>
        </Form>
      </section>
    </>,
    { title: `Delete ${plural(found.length, 'product')}?` },
  )
}

/** An image form whose input the API's schema refuses: the product page again, saying what to fix (400). */
function imageFormRefused(c: Ctx, productId: number, what: string, error: { issues: readonly z.core.$ZodIssue[] }) {
  const fields = fieldErrors(error)
  return productEditPage(c, productId, { message: `${what}: ${Object.values(fields).flat().join('; ')}`, status: 400 })
}

/** Runs an image action of the product page and lands back on it with what happened, or why not. */
async function imageAction(c: Ctx, success: string, act: () => Promise<unknown>) {
  const productId = id(c)
  try {
    await act()
    return redirectWithFlash(c, `/admin/products/${productId}`, 'success', success)
  } catch (err) {
    const failure = failureOf(err)
    if (!failure) throw err
    return redirectWithFlash(c, `/admin/products/${productId}`, 'error', `Nothing changed: ${failure.message}`)
  }
}

/** The options and variants editor's forms, landing back on this page. */
export const productVariantsPages = variantsPages((c, productId, extra) => productEditPage(c, productId, extra))
