/** `/admin`: staff's pages for the catalog (products, images, categories) and the audit log. Forms work without JavaScript. */
import { TableHead } from '../ui/table-head'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { csrfProtection, csrfToken, FORM_MAX_BYTES } from '../accounts/csrf'
import { currentUser, userOf } from '../accounts/guard'
import type { AppEnv } from '../platform/env'
import { ApiError, forbidden, type FieldErrors } from '../platform/errors'
import { centsToDecimal } from '../platform/money'
import { wholeNumber } from '../platform/params'
import { fieldErrors } from '../platform/validate'
import { htmlErrorHandler } from '../ui/error-page'
import { Field, Form, Notice } from '../ui/forms'
import { formAll, formFailure, formNumber, formText, parseForm, type FormBody } from '../ui/form-input'
import { Layout, renderPage } from '../ui/layout'
import { formatMoney } from '../ui/money'
import { redirectWithFlash, takeFlash } from '../ui/flash'
import type { RefundView } from '../payments/responses'
import { listAudit } from './audit'
import { AdminOrderQuery, BulkShipBody, RefundBody, ShipBody, adminOrder, bulkShip, cancelByStaff, listAdminOrders, markDelivered, markShipped, refundByStaff } from './orders'
import { AdminUserQuery, RoleBody, changeRole, listUsers } from './users'
import { ORDER_STATUSES, PAYMENT_STATUSES, USER_ROLES } from '../db/schema'
import { OrderLines, STATUS_LABELS } from '../orders/pages'
import { randomToken } from '../platform/encoding'
import { dashboard } from './dashboard'
import { SalesChart } from './sales-chart'
import { createCategory, deleteCategory, listCategories, updateCategory } from './categories'
import { addImages, adminProduct, createProduct, deleteImage, deleteProduct, listAdminProducts, reorderImages, updateImageAlt, updateProduct, type AdminProduct } from './products'
import { AuditQuery, UPLOAD_MAX_BYTES, uploadedImages } from './routes'
import { ADMIN_SORTS, AdminCategoryBody, AdminCategoryPatch, AdminProductBody, AdminProductQuery, ImageOrder, ImagePatch, LOW_STOCK_THRESHOLD } from './schemas'

type Ctx = Context<AppEnv>
type Category = Awaited<ReturnType<typeof listCategories>>[number]

const id = (c: Ctx, name = 'id') => {
  const parsed = wholeNumber(1, Number.MAX_SAFE_INTEGER).safeParse(c.req.param(name))
  if (!parsed.success) throw new ApiError(404, 'not_found', 'Not found')
  return parsed.data
}

function AdminNav({ role }: { role: string }) {
  return (
    <nav class="admin-nav" aria-label="Admin">
      <a href="/admin">Dashboard</a>
      <a href="/admin/products">Products</a>
      <a href="/admin/categories">Categories</a>
      <a href="/admin/orders">Orders</a>
      {role === 'admin' && <a href="/admin/users">Users</a>}
      {role === 'admin' && <a href="/admin/audit">Audit log</a>}
    </nav>
  )
}

/** An admin page, with the message the last action left for it (see ui/flash.ts) above its content. */
const adminPage = async (c: Ctx, title: string, body: preact.ComponentChildren, status: 200 | 400 | 404 | 409 | 413 | 415 = 200) => {
  const flash = await takeFlash(c)
  c.header('Cache-Control', 'no-store')
  return c.html(
    renderPage(
      <Layout title={`${title} · Admin`} noindex>
        <AdminNav role={userOf(c).role} />
        {flash && (
          <div class="admin flash">
            <Notice kind={flash.kind}>{flash.text}</Notice>
          </div>
        )}
        {body}
      </Layout>,
    ),
    status,
  )
}

/** An order's short reference, as staff and customers see it. */
const orderRef = (orderId: string) => orderId.slice(0, 8).toUpperCase()
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

const failureOf = (err: unknown) => formFailure(err, [400, 404, 409, 413, 415])

const flatten = (items: Category[], parent: number | null = null, depth = 0): { category: Category; depth: number }[] =>
  items.filter((c) => c.parent_id === parent).flatMap((category) => [{ category, depth }, ...flatten(items, category.id, depth + 1)])

function ProductForm({ c, product, categories, values, errors, message }: { c: Ctx; product?: AdminProduct; categories: Category[]; values?: Record<string, string>; errors?: FieldErrors; message?: string }) {
  const v = (key: string, fallback?: string) => values?.[key] ?? fallback ?? ''
  const checked = new Set(values ? (values.category_ids ?? '').split(',').filter(Boolean).map(Number) : (product?.category_ids ?? []))
  return (
    <Form action={product ? `/admin/products/${product.id}` : '/admin/products/new'} csrf={csrfToken(c)}>
      {message && <Notice kind="error">{message}</Notice>}
      <Field name="name" label="Name" value={v('name', product?.name)} errors={errors} required maxLength={200} />
      <Field name="slug" label="Slug" value={v('slug', product?.slug)} errors={errors} hint="Leave empty to make one from the name." maxLength={100} />
      <div class="field">
        <label for="field-description">Description</label>
        <textarea id="field-description" name="description" rows={5} maxLength={10_000}>
          {v('description', product?.description)}
        </textarea>
      </div>
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
      {/* The figure this form was opened with: the save is a compare-and-set against it. */}
      {product && <input type="hidden" name="expected_stock_quantity" value={v('expected_stock_quantity', String(product.stock_quantity))} />}
      <label class="check">
        <input type="checkbox" name="is_active" value="on" checked={values ? values.is_active === 'on' : (product?.is_active ?? true)} /> Sold in the shop (active)
      </label>
      <fieldset class="categories-field">
        <legend>Categories</legend>
        {errors?.category_ids && <p class="field-error">{errors.category_ids.join('; ')}</p>}
        {flatten(categories).map(({ category, depth }) => (
          <label class={`check depth-${Math.min(depth, 4)}`} key={category.id}>
            <input type="checkbox" name="category_ids" value={String(category.id)} checked={checked.has(category.id)} /> {category.name}
          </label>
        ))}
      </fieldset>
      <button type="submit">{product ? 'Save product' : 'Create product'}</button>
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
    category_ids: formAll(form, 'category_ids').map(Number),
  }
}

const formValues = (form: FormBody) => ({
  ...Object.fromEntries(Object.entries(form).filter(([, value]) => typeof value === 'string')),
  category_ids: formAll(form, 'category_ids').join(','),
  is_active: formText(form, 'is_active'),
}) as Record<string, string>

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
  extra: { values?: Record<string, string>; errors?: FieldErrors; message?: string; status?: 200 | 400 | 404 | 409 | 413 | 415; currentStock?: boolean } = {},
) {
  const [product, categories] = await Promise.all([adminProduct(c.env, productId), listCategories(c.env)])
  const current = String(product.stock_quantity)
  const values = extra.currentStock && extra.values ? { ...extra.values, stock_quantity: current, expected_stock_quantity: current } : extra.values
  return adminPage(
    c,
    product.name,
    <section class="admin">
      <h1>{product.name}</h1>
      <p>
        <a href={`/products/${product.slug}`}>View in the shop</a> · {product.is_active ? 'Active' : 'Inactive'}
      </p>
      <ProductForm c={c} product={product} categories={categories} values={values} errors={extra.errors} message={extra.message} />
      <ImagesPanel c={c} product={product} />
      <section class="danger-zone" aria-labelledby="delete-heading">
        <h2 id="delete-heading">Delete</h2>
        <p>Deleting removes the product and its images for good; orders keep their own copy. To stop selling it, untick "active" instead.</p>
        <a class="button danger" href={`/admin/products/${product.id}/delete`}>
          Delete product…
        </a>
      </section>
    </section>,
    extra.status,
  )
}

const ProductListForm = z.object({ q: z.string().optional(), active: z.string().optional(), category: z.string().optional(), low_stock: z.string().optional(), sort: z.string().optional(), page: z.string().optional() })

export const adminPages = new Hono<AppEnv>()
  // Who asks is checked before the body is read: strangers never get their upload parsed.
  .use('*', async (c, next) => {
    const user = await currentUser(c)
    if (!user) return c.redirect(`/account/sign-in?next=${encodeURIComponent(c.req.path)}`, 303)
    if (user.role !== 'staff' && user.role !== 'admin') throw forbidden('The admin is for staff only.')
    await next()
  })
  .use(csrfProtection({ maxBytesFor: (path) => (/\/images$/.test(path) ? UPLOAD_MAX_BYTES : FORM_MAX_BYTES) }))
  .get('/', async (c) => {
    const data = await dashboard(c.env)
    const money = (cents: number) => formatMoney(cents, data.currency)
    return adminPage(
      c,
      'Dashboard',
      <section class="admin">
        <h1>Dashboard</h1>
        <ul class="stats">
          <li>
            Net sales today <strong>{money(data.net_today_cents)}</strong>
          </li>
          <li>
            Last 7 days <strong>{money(data.net_7_days_cents)}</strong>
          </li>
          <li>
            Last 30 days <strong>{money(data.net_30_days_cents)}</strong>
          </li>
          <li>
            Awaiting payment <strong>{data.pending_payment}</strong>
          </li>
          <li>
            To ship <strong>{data.to_ship}</strong>
          </li>
        </ul>
        <SalesChart days={data.days} currency={data.currency} />
        <div class="fieldset-grid">
          <section>
            <h2>Low stock</h2>
            {data.low_stock.length === 0 ? (
              <p class="hint">Nothing is running low.</p>
            ) : (
              <ul>
                {data.low_stock.map((p) => (
                  <li key={p.id}>
                    <a href={`/admin/products/${p.id}`}>{p.name}</a>: {p.stock_quantity} left
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section>
            <h2>Recent orders</h2>
            {data.recent_orders.length === 0 && <p class="hint">No orders yet.</p>}
            <ul>
              {data.recent_orders.map((o) => (
                <li key={o.id}>
                  <a href={`/admin/orders/${o.id}`}>{o.id.slice(0, 8).toUpperCase()}</a> · {formatMoney(o.total_cents, o.currency)} · {o.status}
                </li>
              ))}
            </ul>
          </section>
        </div>
      </section>,
    )
  })
  .get('/products', async (c) => {
    const raw = ProductListForm.parse(c.req.query())
    const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''))
    const query = AdminProductQuery.safeParse(cleaned)
    if (!query.success) throw new ApiError(400, 'validation_failed', `Please check the filters: ${Object.keys(fieldErrors(query.error)).join(', ')}`)
    const [list, categories] = await Promise.all([listAdminProducts(c.env, query.data), listCategories(c.env)])
    const link = (page: number) => `/admin/products?${new URLSearchParams({ ...(cleaned as Record<string, string>), page: String(page) })}`
    return adminPage(
      c,
      'Products',
      <section class="admin">
        <h1>Products</h1>
        <p>
          <a class="button" href="/admin/products/new">
            New product
          </a>
        </p>
        <form class="admin-filters" method="get" action="/admin/products" aria-label="Filter products">
          <div class="field">
            <label for="f-q">Search</label>
            <input id="f-q" name="q" value={query.data.q ?? ''} />
          </div>
          <div class="field">
            <label for="f-active">Status</label>
            <select id="f-active" name="active">
              <option value="">Any</option>
              <option value="true" selected={query.data.active === 'true'}>
                Active
              </option>
              <option value="false" selected={query.data.active === 'false'}>
                Inactive
              </option>
            </select>
          </div>
          <div class="field">
            <label for="f-category">Category</label>
            <select id="f-category" name="category">
              <option value="">Any</option>
              {flatten(categories).map(({ category, depth }) => (
                <option key={category.id} value={category.slug} selected={query.data.category === category.slug}>
                  {`${depth ? '— ' : ''}${category.name}`}
                </option>
              ))}
            </select>
          </div>
          <label class="check">
            <input type="checkbox" name="low_stock" value="true" checked={query.data.low_stock === 'true'} /> Low stock (≤ {LOW_STOCK_THRESHOLD})
          </label>
          <div class="field">
            <label for="f-sort">Sort</label>
            <select id="f-sort" name="sort">
              {ADMIN_SORTS.map((sort) => (
                <option key={sort} value={sort} selected={query.data.sort === sort}>
                  {sort}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">Filter</button>
        </form>
        <p class="count">{list.total} products</p>
        <table class="cart admin-table">
          <TableHead columns={['Name', 'Price', 'Stock', 'Status', 'Updated']} />
          <tbody>
            {list.items.map((p) => (
              <tr key={p.id}>
                <td>
                  <a href={`/admin/products/${p.id}`}>{p.name}</a>
                  <br />
                  <small>{p.slug}</small>
                </td>
                <td>{formatMoney(p.price_cents, p.currency)}</td>
                <td class={p.stock_quantity <= LOW_STOCK_THRESHOLD ? 'stock-out' : undefined}>{p.stock_quantity}</td>
                <td>{p.is_active ? 'Active' : 'Inactive'}</td>
                <td>{p.updated_at.slice(0, 16).replace('T', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <nav class="pager" aria-label="Pages">
          {query.data.page > 1 && <a href={link(query.data.page - 1)}>← Previous</a>}
          <span>
            Page {query.data.page} of {Math.max(list.total_pages, 1)}
          </span>
          {query.data.page < list.total_pages && <a href={link(query.data.page + 1)}>Next →</a>}
        </nav>
      </section>,
    )
  })
  .get('/products/new', async (c) =>
    adminPage(
      c,
      'New product',
      <section class="admin">
        <h1>New product</h1>
        <ProductForm c={c} categories={await listCategories(c.env)} />
      </section>,
    ),
  )
  .post('/products/new', async (c) => {
    const form = await c.req.parseBody({ all: true })
    try {
      const product = await createProduct(c.env, userOf(c), parseForm(AdminProductBody, productBodyFromForm(form)))
      return redirectWithFlash(c, `/admin/products/${product.id}`, 'success', `Product "${product.name}" created.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return adminPage(
        c,
        'New product',
        <section class="admin">
          <h1>New product</h1>
          <ProductForm c={c} categories={await listCategories(c.env)} values={formValues(form)} errors={failure.fields} message={failure.message} />
        </section>,
        failure.status,
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
      await updateProduct(c.env, userOf(c), productId, { ...body, slug: body.slug, expected_stock_quantity: /^\d{1,7}$/.test(expected) ? Number(expected) : undefined })
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
    return adminPage(
      c,
      `Delete ${product.name}?`,
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
    )
  })
  .post('/products/:id/delete', async (c) => {
    const productId = id(c)
    const form = await c.req.parseBody()
    if (formText(form, 'confirm') !== 'yes') return c.redirect(`/admin/products/${productId}/delete`, 303)
    try {
      const product = await adminProduct(c.env, productId)
      await deleteProduct(c.env, userOf(c), productId)
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
  .get('/categories', async (c) => categoriesPage(c))
  .post('/categories', async (c) => {
    const form = await c.req.parseBody()
    try {
      const created = await createCategory(c.env, userOf(c), parseForm(AdminCategoryBody, categoryBodyFromForm(form)))
      return redirectWithFlash(c, '/admin/categories', 'success', `Category "${created.name}" created.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return categoriesPage(c, { ...failure, form: { values: formValues(form) } })
    }
  })
  .post('/categories/:id', async (c) => {
    const form = await c.req.parseBody()
    const categoryId = id(c)
    try {
      const saved = await updateCategory(c.env, userOf(c), categoryId, parseForm(AdminCategoryPatch, categoryBodyFromForm(form)))
      return redirectWithFlash(c, '/admin/categories', 'success', `Category "${saved.name}" saved.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return categoriesPage(c, { ...failure, form: { categoryId, values: formValues(form) } })
    }
  })
  .post('/categories/:id/delete', async (c) => {
    try {
      await deleteCategory(c.env, userOf(c), id(c))
      return redirectWithFlash(c, '/admin/categories', 'success', 'Category deleted.')
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return categoriesPage(c, failure)
    }
  })
  .get('/orders', async (c) => {
    const cleaned = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''))
    const query = AdminOrderQuery.safeParse(cleaned)
    if (!query.success) throw new ApiError(400, 'validation_failed', `Please check the filters: ${Object.entries(fieldErrors(query.error)).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ')}`)
    const list = await listAdminOrders(c.env, query.data)
    const { page: _page, ...rest } = cleaned
    const link = (page: number) => `/admin/orders?${new URLSearchParams({ ...(rest as Record<string, string>), page: String(page) })}`
    const q = query.data
    return adminPage(
      c,
      'Orders',
      <section class="admin">
        <h1>Orders</h1>
        <form class="admin-filters" method="get" action="/admin/orders" aria-label="Filter orders">
          <div class="field">
            <label for="o-status">Status</label>
            <select id="o-status" name="status">
              <option value="">Any</option>
              {ORDER_STATUSES.map((status) => (
                <option key={status} value={status} selected={q.status === status}>
                  {STATUS_LABELS[status]}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="o-payment">Payment</label>
            <select id="o-payment" name="payment_status">
              <option value="">Any</option>
              {PAYMENT_STATUSES.map((status) => (
                <option key={status} value={status} selected={q.payment_status === status}>
                  {status.replace('_', ' ')}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="o-from">From</label>
            <input id="o-from" name="from" type="date" value={q.from ?? ''} />
          </div>
          <div class="field">
            <label for="o-to">To</label>
            <input id="o-to" name="to" type="date" value={q.to ?? ''} />
          </div>
          <div class="field">
            <label for="o-email">Customer email</label>
            <input id="o-email" name="email" type="email" value={q.email ?? ''} />
          </div>
          <button type="submit">Filter</button>
          <a href={`/api/admin/orders.csv?${new URLSearchParams(rest as Record<string, string>)}`}>Export CSV</a>
        </form>
        <Form action="/admin/orders/bulk-ship" csrf={csrfToken(c)} class="bulk-form">
          {/* Back to this very list (its filters and page) afterwards. */}
          <input type="hidden" name="back" value={new URLSearchParams(cleaned as Record<string, string>).toString()} />
          <p class="count">{list.total} orders</p>
          <table class="cart admin-table">
            <TableHead columns={[{ hidden: 'Select' }, 'Order', 'Placed (UTC)', 'Customer', 'Total', 'Status', 'Payment']} />
            <tbody>
              {list.items.map((o) => (
                <tr key={o.id}>
                  <td>
                    {o.status === 'paid' && (
                      <>
                        <label for={`pick-${o.id}`} class="visually-hidden">
                          Select order {o.id.slice(0, 8)}
                        </label>
                        <input id={`pick-${o.id}`} type="checkbox" name="order_ids" value={o.id} />
                      </>
                    )}
                  </td>
                  <td>
                    <a href={`/admin/orders/${o.id}`}>{o.id.slice(0, 8).toUpperCase()}</a>
                    {o.review_reason && <small class="stock-out"> needs review</small>}
                  </td>
                  <td>{o.created_at.slice(0, 16).replace('T', ' ')}</td>
                  <td>{o.customer_email}</td>
                  <td>{formatMoney(o.total_cents, o.currency)}</td>
                  <td>
                    <span class={`status status-${o.status}`}>{STATUS_LABELS[o.status]}</span>
                  </td>
                  <td>{o.payment_status.replace('_', ' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="category-row">
            <label for="bulk-carrier">Carrier for the selected paid orders</label>
            <input id="bulk-carrier" name="carrier" maxLength={60} />
            <button type="submit">Mark selected shipped</button>
          </div>
        </Form>
        <nav class="pager" aria-label="Pages">
          {q.page > 1 && <a href={link(q.page - 1)}>← Newer</a>}
          <span>
            Page {q.page} of {Math.max(list.total_pages, 1)}
          </span>
          {q.page < list.total_pages && <a href={link(q.page + 1)}>Older →</a>}
        </nav>
      </section>,
    )
  })
  .post('/orders/bulk-ship', async (c) => {
    const form = await c.req.parseBody({ all: true })
    const back = ordersListPath(formText(form, 'back'))
    const body = BulkShipBody.safeParse({ order_ids: formAll(form, 'order_ids'), carrier: formText(form, 'carrier') })
    if (!body.success) {
      const problems = fieldErrors(body.error)
      const what = [problems.order_ids && 'tick at least one paid order', problems.carrier && 'name the carrier'].filter(Boolean).join(' and ')
      return redirectWithFlash(c, back, 'error', `Nothing was shipped: ${what || 'check the form'}.`)
    }
    const result = await bulkShip(c.env, userOf(c), body.data)
    const shipped = result.shipped.length ? `Marked shipped with ${body.data.carrier}: ${plural(result.shipped.length, 'order')} (${result.shipped.map(orderRef).join(', ')}).` : 'No order was shipped.'
    const refused = result.refused.length ? ` Not shipped: ${result.refused.map((r) => `${orderRef(r.order_id)} (${r.reason})`).join('; ')}.` : ''
    return redirectWithFlash(c, back, result.refused.length ? (result.shipped.length ? 'info' : 'error') : 'success', `${shipped}${refused}`)
  })
  .get('/orders/:id', async (c) => orderPage(c, c.req.param('id')))
  // Cancelling asks first, on a page of its own: the order page only links here.
  .get('/orders/:id/cancel', async (c) => cancelConfirmPage(c, c.req.param('id')))
  .post('/orders/:id/:action{ship|deliver|cancel|refund}', async (c) => {
    const orderId = c.req.param('id')
    const action = c.req.param('action')
    const form = await c.req.parseBody({ all: true })
    const ref = orderRef(orderId)
    if (action === 'cancel' && formText(form, 'confirm') !== 'yes') return c.redirect(`/admin/orders/${orderId}/cancel`, 303)
    try {
      let done = ''
      if (action === 'ship') {
        const body = parseForm(ShipBody, { carrier: formText(form, 'carrier'), tracking_number: formText(form, 'tracking_number') })
        await markShipped(c.env, userOf(c), orderId, body)
        done = `Order ${ref} marked shipped with ${body.carrier}${body.tracking_number ? ` (tracking ${body.tracking_number})` : ''}.`
      }
      if (action === 'deliver') {
        await markDelivered(c.env, userOf(c), orderId)
        done = `Order ${ref} marked delivered.`
      }
      if (action === 'cancel') {
        const cancelled = await cancelByStaff(c.env, userOf(c), orderId)
        done = cancelled.refund
          ? `Order ${ref} cancelled: ${refundSummary(cancelled.refund, cancelled.currency, (await adminOrder(c.env, userOf(c), orderId)).items)}`
          : `Order ${ref} cancelled: its stock is released${cancelled.back && cancelled.back.returned ? ` and ${plural(cancelled.back.returned, 'line')} went back to the customer's cart` : ''}.`
      }
      if (action === 'refund') {
        const order = await adminOrder(c.env, userOf(c), orderId)
        const lines = order.items.map((item) => ({ product_id: item.product_id, quantity: Number(/^\d{1,4}$/.test(formText(form, `qty.${item.product_id}`).trim()) ? formText(form, `qty.${item.product_id}`).trim() : 0) }))
        const refund = await refundByStaff(
          c.env,
          userOf(c),
          orderId,
          parseForm(RefundBody, {
            amount: formText(form, 'amount'),
            lines: lines.filter((line) => line.quantity > 0),
            restock: formText(form, 'restock') === 'on',
            reason: formText(form, 'reason'),
            refund_id: formText(form, 'refund_id') || undefined,
          }),
        )
        done = refundSummary(refund, order.currency, order.items)
      }
      return redirectWithFlash(c, `/admin/orders/${orderId}`, 'success', done)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      const detail = Object.entries(failure.fields).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ')
      return orderPage(c, orderId, `${failure.message}${detail ? ` (${detail.replace(/^lines\.\d+ /, '').replace(/; lines\.\d+ /g, '; ')})` : ''}`, failure.status)
    }
  })
  .get('/users', async (c) => {
    if (userOf(c).role !== 'admin') throw forbidden('Managing accounts is for admins only.')
    const cleaned = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''))
    const query = AdminUserQuery.safeParse(cleaned)
    if (!query.success) throw new ApiError(400, 'validation_failed', 'Please check the filters.')
    const list = await listUsers(c.env, query.data)
    const csrf = csrfToken(c)
    return adminPage(
      c,
      'Users',
      <section class="admin">
        <h1>Users</h1>
        <form class="admin-filters" method="get" action="/admin/users" aria-label="Filter users">
          <div class="field">
            <label for="u-q">Email contains</label>
            <input id="u-q" name="q" value={query.data.q ?? ''} />
          </div>
          <div class="field">
            <label for="u-role">Role</label>
            <select id="u-role" name="role">
              <option value="">Any</option>
              {USER_ROLES.map((role) => (
                <option key={role} value={role} selected={query.data.role === role}>
                  {role}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">Filter</button>
        </form>
        <table class="cart admin-table">
          <TableHead columns={['Email', 'Name', 'Last sign-in', 'Role']} />
          <tbody>
            {list.items.map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>{u.name}</td>
                <td>{u.last_login_at?.slice(0, 16).replace('T', ' ') ?? 'never'}</td>
                <td>
                  <Form action={`/admin/users/${u.id}/role`} csrf={csrf} class="inline-form category-row">
                    <label for={`role-${u.id}`} class="visually-hidden">
                      Role of {u.email}
                    </label>
                    <select id={`role-${u.id}`} name="role">
                      {USER_ROLES.map((role) => (
                        <option key={role} value={role} selected={u.role === role}>
                          {role}
                        </option>
                      ))}
                    </select>
                    <button type="submit" class="secondary">
                      Save<span class="visually-hidden"> role of {u.email}</span>
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>,
    )
  })
  .post('/users/:id/role', async (c) => {
    if (userOf(c).role !== 'admin') throw forbidden('Managing accounts is for admins only.')
    const form = await c.req.parseBody()
    const body = RoleBody.safeParse({ role: formText(form, 'role') })
    if (!body.success) return redirectWithFlash(c, '/admin/users', 'error', 'No role was changed: choose customer, staff or admin.')
    try {
      const changed = await changeRole(c.env, userOf(c), id(c), body.data.role)
      return redirectWithFlash(c, '/admin/users', 'success', `${changed.email} is now ${changed.role}.`)
    } catch (err) {
      const failure = failureOf(err)
      if (!failure) throw err
      return redirectWithFlash(c, '/admin/users', 'error', `No role was changed: ${failure.message}.`)
    }
  })
  .get('/audit', async (c) => {
    if (userOf(c).role !== 'admin') throw forbidden('The audit log is for admins only.')
    const q = c.req.query()
    // The filter form sends every field, empty ones too; what is left goes through the API's schema.
    const query = AuditQuery.safeParse(Object.fromEntries(Object.entries(q).filter(([, v]) => v !== '')))
    if (!query.success) throw new ApiError(400, 'validation_failed', `Please check the filters: ${Object.entries(fieldErrors(query.error)).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ')}`)
    const page = query.data.page
    const log = await listAudit(c.env, { ...query.data, page_size: 50 })
    const link = (to: number) => `/admin/audit?${new URLSearchParams({ ...Object.fromEntries(Object.entries(q).filter(([k, v]) => k !== 'page' && v)), page: String(to) })}`
    return adminPage(
      c,
      'Audit log',
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
          <TableHead columns={['When (UTC)', 'Who', 'What', 'Target', 'Before → after']} />
          <tbody>
            {log.items.map((entry) => (
              <tr key={entry.id}>
                <td>{new Date(entry.at).toISOString().slice(0, 19).replace('T', ' ')}</td>
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
    )
  })

/** Runs an image action of the product page and lands back on it with what happened, or why not. */
/** An image form whose input the API's schema refuses: the product page again, saying what to fix (400). */
function imageFormRefused(c: Ctx, productId: number, what: string, error: { issues: readonly z.core.$ZodIssue[] }) {
  const fields = fieldErrors(error)
  return productEditPage(c, productId, { message: `${what}: ${Object.values(fields).flat().join('; ')}`, status: 400 })
}

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

/** The orders list to go back to: the filters the form came from, if they are a valid list query, else the first page. */
function ordersListPath(back: string): string {
  const params = Object.fromEntries(new URLSearchParams(back))
  const parsed = AdminOrderQuery.safeParse(Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '')))
  if (!parsed.success) return '/admin/orders'
  const kept = new URLSearchParams(Object.entries(params).filter(([k, v]) => v !== '' && k in AdminOrderQuery.shape)).toString()
  return kept ? `/admin/orders?${kept}` : '/admin/orders'
}

/** What a refund did, in words: the money, the units it was for, and what went back to stock. */
function refundSummary(refund: RefundView, currency: string, items: { product_id: number; name: string }[] = []): string {
  const money = formatMoney(refund.amount_cents, currency)
  const names = new Map(items.map((item) => [item.product_id, item.name]))
  const what = refund.lines.length ? ` for ${refund.lines.map((line) => `${line.quantity} × ${names.get(line.product_id) ?? `product ${line.product_id}`}`).join(', ')}` : ''
  const sent = refund.status === 'succeeded' ? `${money} refunded${what}` : refund.status === 'pending' ? `${money} refund${what} sent; the payment provider has not confirmed it yet` : `the refund of ${money} failed`
  const stock = !refund.restock ? 'nothing returned to stock' : refund.restocked_units > 0 ? `${plural(refund.restocked_units, 'unit')} returned to stock` : 'no unit returned to stock (none of them had been sold)'
  return `${sent[0]?.toUpperCase()}${sent.slice(1)}; ${stock}.`
}

async function cancelConfirmPage(c: Ctx, orderId: string) {
  const order = await adminOrder(c.env, userOf(c), orderId)
  const ref = orderRef(order.id)
  const paid = order.status === 'paid'
  if (order.status !== 'pending_payment' && !paid) return redirectWithFlash(c, `/admin/orders/${order.id}`, 'error', `Order ${ref} is ${STATUS_LABELS[order.status].toLowerCase()}: it can no longer be cancelled.`)
  const units = order.items.reduce((sum, item) => sum + item.quantity, 0)
  return adminPage(
    c,
    `Cancel order ${ref}?`,
    <section class="admin confirm">
      <h1>Cancel order {ref}?</h1>
      <p>
        {paid
          ? `The payment is refunded in full (${formatMoney(order.total_cents - order.refunded_cents, order.currency)}) and ${plural(units, 'unit')} go back to stock. This cannot be undone.`
          : `The ${plural(units, 'unit')} set aside for it are released and its lines go back to ${order.customer?.email ?? 'the customer'}'s cart.`}
      </p>
      <Form action={`/admin/orders/${order.id}/cancel`} csrf={csrfToken(c)} class="danger-zone">
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" class="danger">
          {paid ? 'Cancel and refund' : 'Cancel the order'}
        </button>{' '}
        <a href={`/admin/orders/${order.id}`}>Keep the order</a>
      </Form>
    </section>,
  )
}

async function orderPage(c: Ctx, orderId: string, message?: string, status: 200 | 400 | 404 | 409 | 413 | 415 = 200) {
  const order = await adminOrder(c.env, userOf(c), orderId)
  const csrf = csrfToken(c)
  const money = (cents: number) => formatMoney(cents, order.currency)
  const refundedUnits = new Map<number, number>()
  for (const refund of order.refunds.filter((r) => r.status !== 'failed')) {
    for (const line of refund.lines) refundedUnits.set(line.product_id, (refundedUnits.get(line.product_id) ?? 0) + line.quantity)
  }
  const productName = new Map(order.items.map((item) => [item.product_id, item.name]))
  return adminPage(
    c,
    `Order ${order.id.slice(0, 8).toUpperCase()}`,
    <section class="admin">
      <h1>Order {order.id.slice(0, 8).toUpperCase()}</h1>
      {message && <Notice kind="error">{message}</Notice>}
      {order.review_reason && <Notice kind="error">{`Needs review: ${order.review_reason}`}</Notice>}
      <p>
        <span class={`status status-${order.status}`}>{STATUS_LABELS[order.status]}</span> · payment {order.payment_status.replace('_', ' ')}
        {order.refunded_cents > 0 && ` (${money(order.refunded_cents)} refunded)`} · {order.customer?.email} · placed {order.created_at.slice(0, 16).replace('T', ' ')} UTC
      </p>
      <OrderLines order={order} productHref={(productId) => `/admin/products/${productId}`} />
      {order.shipment && (
        <p>
          Shipped with {order.shipment.carrier} {order.shipment.tracking_number && `(${order.shipment.tracking_number})`} on {order.shipment.shipped_at.slice(0, 10)}
          {order.shipment.delivered_at && `, delivered ${order.shipment.delivered_at.slice(0, 10)}`}.
        </p>
      )}
      <div class="fieldset-grid">
        {order.status === 'paid' && (
          <Form action={`/admin/orders/${order.id}/ship`} csrf={csrf}>
            <h2>Mark shipped</h2>
            <Field name="carrier" label="Carrier" required maxLength={60} />
            <Field name="tracking_number" label="Tracking number" maxLength={100} />
            <button type="submit">Mark shipped</button>
          </Form>
        )}
        {order.status === 'shipped' && (
          <Form action={`/admin/orders/${order.id}/deliver`} csrf={csrf}>
            <h2>Delivered?</h2>
            <button type="submit">Mark delivered</button>
          </Form>
        )}
        {(order.status === 'pending_payment' || order.status === 'paid') && (
          <section class="danger-zone" aria-labelledby="cancel-heading">
            <h2 id="cancel-heading">Cancel</h2>
            <p class="hint">{order.status === 'paid' ? 'Refunds the payment in full and returns the stock.' : "Releases the stock held for it; its lines go back to the customer's cart."}</p>
            <a class="button danger" href={`/admin/orders/${order.id}/cancel`}>
              Cancel order…
            </a>
          </section>
        )}
        {order.payment_status !== 'unpaid' && order.payment_status !== 'failed' && order.payment_status !== 'refunded' && (
          <Form action={`/admin/orders/${order.id}/refund`} csrf={csrf}>
            <h2>Refund</h2>
            <input type="hidden" name="refund_id" value={randomToken()} />
            <fieldset>
              <legend>Units to refund</legend>
              {order.items.map((item) => {
                const left = item.quantity - (refundedUnits.get(item.product_id) ?? 0)
                return (
                  <div class="field" key={item.product_id}>
                    <label for={`qty-${item.product_id}`}>
                      {item.name} ({left} of {item.quantity} left to refund, {money(item.price_at_purchase_cents)} each)
                    </label>
                    <input id={`qty-${item.product_id}`} name={`qty.${item.product_id}`} type="number" inputMode="numeric" min={0} max={left} value="0" class="narrow" disabled={left === 0} />
                  </div>
                )
              })}
            </fieldset>
            <Field name="amount" label="Amount" hint={`Leave empty for the price of the units chosen, or, with none chosen, for everything left (${money(order.total_cents - order.refunded_cents)}). Lower it for a goodwill refund; an amount with no units refunds money only.`} />
            <Field name="reason" label="Reason" required maxLength={500} />
            <label class="check">
              <input type="checkbox" name="restock" value="on" /> Return the chosen units to stock
            </label>
            <button type="submit">Refund</button>
          </Form>
        )}
      </div>
      <h2>History</h2>
      <ol>
        {order.history.map((event, i) => (
          <li key={i}>
            {event.at.slice(0, 19).replace('T', ' ')}: {event.from ?? 'new'} → {event.to}
            {event.note && ` (${event.note})`}
          </li>
        ))}
      </ol>
      {order.refunds.length > 0 && (
        <>
          <h2>Refunds</h2>
          <ul>
            {order.refunds.map((r) => (
              <li key={r.id}>
                {money(r.amount_cents)} · {r.status} · {r.reason}
                {r.lines.length > 0 && ` · ${r.lines.map((line) => `${line.quantity} × ${productName.get(line.product_id) ?? line.product_id}`).join(', ')}`}
                {r.restock && r.lines.length > 0 && ' · returned to stock'}
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Payments</h2>
      <ul>
        {order.payments.map((p, i) => (
          <li key={i}>
            {p.provider} · {p.status} · {formatMoney(p.amount_cents, p.currency.toUpperCase())} · {p.payment_intent_id ?? p.checkout_session_id}
          </li>
        ))}
      </ul>
    </section>,
    status,
  )
}

/**
 * A category form's fields as the API's body (the same schema validates both): numbers where they are
 * numbers, text otherwise, for the schema to name; an empty parent is the top level, an empty slug none.
 */
function categoryBodyFromForm(form: FormBody) {
  const text = (name: string) => formText(form, name).trim()
  return {
    name: formText(form, 'name'),
    ...(text('slug') && { slug: text('slug') }),
    parent_id: text('parent_id') ? formNumber(text('parent_id')) : null,
    ...(text('position') && { position: formNumber(text('position')) }),
  }
}

/** What went wrong with one category form: the failure, which form (a row's id, or the new one) and what was typed. */
interface CategoryFailure {
  message: string
  status: 400 | 404 | 409 | 413 | 415
  fields?: FieldErrors
  form?: { categoryId?: number; values: Record<string, string> }
}

/** The errors of one field of the failed form, next to it. */
function FieldProblem({ errors, name, id }: { errors?: FieldErrors; name: string; id: string }) {
  const problems = errors?.[name]
  return problems ? (
    <p id={id} class="field-error">
      {`${name.replace('_', ' ')} ${problems.join('; ')}`}
    </p>
  ) : null
}

async function categoriesPage(c: Ctx, failure?: CategoryFailure) {
  const message = failure?.message
  const status = failure?.status ?? 200
  const failedRow = failure?.form?.categoryId
  const rowErrors = failedRow !== undefined ? failure?.fields : undefined
  const newErrors = failure?.form && failedRow === undefined ? failure.fields : undefined
  const newValues = failure?.form && failedRow === undefined ? failure.form.values : undefined
  const categories = await listCategories(c.env)
  const csrf = csrfToken(c)
  const ParentSelect = ({ name, current, self }: { name: string; current: number | null; self?: number }) => (
    <select name={name} id={`${name}-${self ?? 'new'}`}>
      <option value="">(top level)</option>
      {flatten(categories)
        .filter(({ category }) => category.id !== self)
        .map(({ category, depth }) => (
          <option key={category.id} value={String(category.id)} selected={category.id === current}>
            {`${depth ? '— ' : ''}${category.name}`}
          </option>
        ))}
    </select>
  )
  return adminPage(
    c,
    'Categories',
    <section class="admin">
      <h1>Categories</h1>
      {message && <Notice kind="error">{message}</Notice>}
      <ul class="admin-categories">
        {flatten(categories).map(({ category, depth }) => (
          <li key={category.id} class={`depth-${Math.min(depth, 4)}`}>
            <Form action={`/admin/categories/${category.id}`} csrf={csrf} class="inline-form category-row">
              {failedRow === category.id && ['name', 'slug', 'parent_id', 'position', '_'].map((name) => <FieldProblem key={name} errors={rowErrors} name={name} id={`${name}-${category.id}-error`} />)}
              <label for={`name-${category.id}`} class="visually-hidden">
                Name of {category.name}
              </label>
              <input id={`name-${category.id}`} name="name" value={failedRow === category.id ? (failure?.form?.values.name ?? category.name) : category.name} maxLength={100} aria-invalid={failedRow === category.id && rowErrors?.name ? 'true' : undefined} />
              <label for={`parent_id-${category.id}`} class="visually-hidden">
                Parent of {category.name}
              </label>
              <ParentSelect name="parent_id" current={category.parent_id} self={category.id} />
              <label for={`position-${category.id}`} class="visually-hidden">
                Position of {category.name}
              </label>
              <input
                id={`position-${category.id}`}
                name="position"
                type="number"
                min={0}
                value={failedRow === category.id ? (failure?.form?.values.position ?? String(category.position)) : String(category.position)}
                class="narrow"
                aria-invalid={failedRow === category.id && rowErrors?.position ? 'true' : undefined}
              />
              <button type="submit" class="secondary">
                Save<span class="visually-hidden"> {category.name}</span>
              </button>
            </Form>
            <Form action={`/admin/categories/${category.id}/delete`} csrf={csrf} class="inline-form">
              <button type="submit" class="link-button">
                Delete<span class="visually-hidden"> {category.name}</span>
              </button>
            </Form>
            <small> /{category.slug}</small>
          </li>
        ))}
      </ul>
      <Form action="/admin/categories" csrf={csrf}>
        <h2>New category</h2>
        <Field name="name" label="Name" required maxLength={100} value={newValues?.name} errors={newErrors} />
        <Field name="slug" label="Slug" hint="Leave empty to make one from the name." value={newValues?.slug} errors={newErrors} />
        <div class={`field${newErrors?.parent_id ? ' has-error' : ''}`}>
          <label for="parent_id-new">Parent</label>
          <ParentSelect name="parent_id" current={null} />
          <FieldProblem errors={newErrors} name="parent_id" id="field-parent_id-error" />
        </div>
        <Field name="position" label="Position" hint="Lower comes first; 0 by default." value={newValues?.position} errors={newErrors} />
        <button type="submit">Create category</button>
      </Form>
    </section>,
    status,
  )
}

adminPages.onError(htmlErrorHandler)
