/** `/admin/pages`: the content pages in the admin, a list and a form per page (title, body) with a preview of the saved text. */
import { Hono } from 'hono'
import { csrfToken } from '../accounts/csrf'
import { userOf } from '../accounts/guard'
import type { Ctx } from '../admin/pages/layout'
import type { AppEnv } from '../platform/env'
import { notFound, type FieldErrors } from '../platform/errors'
import { dateStyleOf, formatDateTime, type DateStyle } from '../ui/dates'
import { redirectWithFlash } from '../ui/flash'
import { Field, Form, LabelledControl, Notice } from '../ui/forms'
import { formFailure, formText, parseForm } from '../ui/form-input'
import { AdminPutContentPage, CONTENT_BODY_MAX, CONTENT_TITLE_MAX, type ContentPageView } from './schemas'
import { contentPage, listContentPages, saveContentPage } from './service'
import { isContentSlug, type ContentSlug } from './slugs'
import { ContentBody } from './text'

const slugOf = (c: Ctx): ContentSlug => {
  const slug = c.req.param('slug') ?? ''
  if (!isContentSlug(slug)) throw notFound('content page')
  return slug
}

function Updated({ page, style }: { page: ContentPageView; style: DateStyle }) {
  if (!page.updated_at) return <span class="status status-inactive">Default text</span>
  const at = Date.parse(page.updated_at)
  return (
    <>
      <span class="status status-active">Saved</span> <time datetime={page.updated_at}>{formatDateTime(at, style)}</time>
    </>
  )
}

async function listPage(c: Ctx) {
  const [pages, style] = await Promise.all([listContentPages(c.env), dateStyleOf(c)])
  return c.render(
    <section class="admin">
      <h1>Content pages</h1>
      <p class="hint">The store&rsquo;s pages linked in the shop&rsquo;s footer. A page nobody has written yet shows its default text.</p>
      <table class="admin-table content-pages-table">
        <caption class="visually-hidden">Content pages</caption>
        <thead>
          <tr>
            <th scope="col">Page</th>
            <th scope="col">Address</th>
            <th scope="col">Last change</th>
          </tr>
        </thead>
        <tbody>
          {pages.map((page) => (
            <tr key={page.slug}>
              <td data-label="Page">
                <a href={`/admin/pages/${page.slug}`}>{page.title}</a>
              </td>
              <td data-label="Address">
                <a href={page.url}>{page.url}</a>
              </td>
              <td data-label="Last change">
                <Updated page={page} style={style} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>,
    { title: 'Content pages' },
  )
}

interface EditState {
  values?: { title: string; body: string }
  errors?: FieldErrors
  message?: string
  status?: 400 | 404 | 409 | 413 | 415
}

async function editPage(c: Ctx, slug: ContentSlug, state: EditState = {}) {
  const [page, style] = await Promise.all([contentPage(c.env, slug), dateStyleOf(c)])
  const values = state.values ?? { title: page.title, body: page.body }
  return c.render(
    <section class="admin content-edit">
      <p class="breadcrumbs">
        <a href="/admin/pages">Content pages</a> ›
      </p>
      <h1>{page.title}</h1>
      <p>
        <Updated page={page} style={style} /> · <a href={page.url}>View in the shop</a>
      </p>
      {state.message && <Notice kind="error">{state.message}</Notice>}
      <Form action={`/admin/pages/${slug}`} csrf={csrfToken(c)}>
        <Field name="title" label="Title" value={values.title} errors={state.errors} required maxLength={CONTENT_TITLE_MAX} />
        <LabelledControl
          id="field-body"
          name="body"
          label="Text"
          errors={state.errors}
          hint={'Plain text. Leave a blank line between paragraphs; start a line with "## " for a heading; links as [label](https://example.com) or /pages/returns. Web and email addresses become links by themselves.'}
        >
          {(described, invalid) => (
            <textarea id="field-body" name="body" rows={18} required maxLength={CONTENT_BODY_MAX} aria-describedby={described} aria-invalid={invalid ? 'true' : undefined}>
              {values.body}
            </textarea>
          )}
        </LabelledControl>
        <button type="submit">Save page</button>
      </Form>
      <section class="content-preview" aria-labelledby="preview-title">
        <h2 id="preview-title">As the shop shows it now</h2>
        <div class="prose">
          <ContentBody body={page.body} />
        </div>
      </section>
    </section>,
    { title: page.title, status: state.status ?? 200 },
  )
}

export const contentAdminPages = new Hono<AppEnv>()
  .get('/pages', (c) => listPage(c))
  .get('/pages/:slug', (c) => editPage(c, slugOf(c)))
  .post('/pages/:slug', async (c) => {
    const slug = slugOf(c)
    const form = await c.req.parseBody()
    const values = { title: formText(form, 'title'), body: formText(form, 'body') }
    try {
      const saved = await saveContentPage(c.env, userOf(c), slug, parseForm(AdminPutContentPage, values))
      return redirectWithFlash(c, `/admin/pages/${slug}`, 'success', `Page "${saved.title}" saved: the shop shows it now.`)
    } catch (err) {
      const failure = formFailure(err, [400, 404, 409, 413, 415])
      if (!failure) throw err
      return editPage(c, slug, { values, errors: failure.fields, message: failure.status === 400 ? 'The page was not saved: correct the fields below.' : failure.message, status: failure.status })
    }
  })
