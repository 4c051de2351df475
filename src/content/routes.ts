/** `/api/admin/pages`: the content pages for automation (staff; mounted inside the admin API, which checks the role). */
import { Hono } from 'hono'
import { userOf } from '../accounts/guard'
import { docs } from '../openapi/describe'
import { limitBody } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { notFound } from '../platform/errors'
import { validate } from '../platform/validate'
import { AdminPutContentPage, ContentPageList, ContentPageView, ContentSlugParam } from './schemas'
import { contentPage, listContentPages, saveContentPage } from './service'
import { isContentSlug, type ContentSlug } from './slugs'

const listDocs = docs({
  id: 'adminListContentPages',
  tag: 'Admin',
  access: 'staff',
  summary: "The store's content pages (shipping, returns, contact, privacy, terms)",
  responses: { 200: { description: 'Every page, the default text where staff wrote none', schema: ContentPageList } },
})
const getDocs = docs({
  id: 'adminGetContentPage',
  tag: 'Admin',
  access: 'staff',
  summary: 'One content page',
  params: ContentSlugParam,
  responses: { 200: { description: 'The page', schema: ContentPageView } },
  errors: { 404: 'Not one of the content pages' },
})
const putDocs = docs({
  id: 'adminPutContentPage',
  tag: 'Admin',
  access: 'staff',
  summary: "Write a content page's title and body",
  description: 'The body is plain text (never HTML): blank lines between paragraphs, "## " headings, [label](https://…) links. The shop shows it at once.',
  params: ContentSlugParam,
  responses: { 200: { description: 'The page as saved', schema: ContentPageView } },
  errors: { 404: 'Not one of the content pages' },
})

/** A page's body is longer than the API's usual 16 KB: 20,000 characters, up to 4 bytes each in JSON. */
const pageBodyLimit = limitBody(128 * 1024)

/** The slug of the path, or the 404 an unknown page is. */
const slugOf = (slug: string): ContentSlug => {
  if (!isContentSlug(slug)) throw notFound('content page')
  return slug
}

export const contentAdminApi = new Hono<AppEnv>()
  .get('/', listDocs, async (c) => c.json({ items: await listContentPages(c.env) }))
  .get('/:slug', getDocs, async (c) => c.json(await contentPage(c.env, slugOf(c.req.param('slug')))))
  .put('/:slug', putDocs, pageBodyLimit, validate('json', AdminPutContentPage), async (c) => c.json(await saveContentPage(c.env, userOf(c), slugOf(c.req.param('slug')), c.req.valid('json'))))
