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
import { ADMIN_SORTS, AdminProductBody, AdminProductQuery, ImageOrder, ImagePatch, LOW_STOCK_THRESHOLD } from '../schemas'
import { withQuery } from '../../platform/query-string'
import { Pager, failureOf, flatten, formValues, id, plural, type Category, type Ctx } from './layout'
import { readVariantSet } from '../variants'
import { DerivedPriceAndStock, VariantsEditor, variantsPages, type VariantsFeedback } from './variants'
import { TAX_CLASSES } from '../../db/schema'
import { TAX_CLASS_LABELS } from './taxes'

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
      <h1>{product.name}</h1>
      <p>
        <a href={`/products/${product.slug}`}>View in the shop</a> · {product.is_active ? 'Active' : 'Inactive'}
      </p>
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

const ProductListForm = z.object({ q: z.string().optional(), active: z.string().optional(), category: z.string().optional(), low_stock: z.string().optional(), sort: z.string().optional(), page: z.string().optional() })

export const productsPages = new Hono<AppEnv>()
  .get('/products', async (c) => {
    const raw = ProductListForm.parse(c.req.query())
    const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''))
    const query = AdminProductQuery.safeParse(cleaned)
    if (!query.success) throw new ApiError(400, 'validation_failed', `Please check the filters: ${Object.keys(fieldErrors(query.error)).join(', ')}`)
    const [list, categories] = await Promise.all([listAdminProducts(c.env, query.data), listCategories(c.env)])
    const link = (page: number) => withQuery('/admin/products', { ...cleaned, page })
    return c.render(
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
        <Pager info={list} link={link} back="← Previous" on="Next →" />
      </section>,
      { title: 'Products' },
    )
  })
  .get('/products/new', async (c) =>
    c.render(
      <section class="admin">
        <h1>New product</h1>
        <ProductForm c={c} categories={await listCategories(c.env)} />
      </section>,
      { title: 'New product' },
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
      return c.render(
        <section class="admin">
          <h1>New product</h1>
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
