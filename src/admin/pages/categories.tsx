/** Categories in the admin: the tree with a form per row (rename, move, reorder), a new category, deleting an empty one. */
import { Hono } from 'hono'
import type { AppEnv } from '../../platform/env'
import { csrfToken } from '../../accounts/csrf'
import { userOf } from '../../accounts/guard'
import type { FieldErrors } from '../../platform/errors'
import { Field, Form, Notice } from '../../ui/forms'
import { formNumber, formText, parseForm, type FormBody } from '../../ui/form-input'
import { redirectWithFlash } from '../../ui/flash'
import { createCategory, deleteCategory, listCategories, updateCategory } from '../categories'
import { AdminCategoryBody, AdminCategoryPatch } from '../schemas'
import { failureOf, flatten, formValues, id, type Ctx } from './layout'

export const categoriesPages = new Hono<AppEnv>()
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
  return c.render(
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
    { title: 'Categories', status },
  )
}
