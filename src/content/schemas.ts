/** What the content API reads and answers: a page's title and body (plain text, see text.tsx). */
import { z } from 'zod'
import { Instant } from '../catalog/responses'
import { CONTENT_PAGES, type ContentSlug } from './slugs'

export const CONTENT_TITLE_MAX = 120
export const CONTENT_BODY_MAX = 20_000

const SLUGS = CONTENT_PAGES.map((page) => page.slug) as [ContentSlug, ...ContentSlug[]]

export const ContentSlugParam = z.object({ slug: z.string().describe(`One of ${SLUGS.join(', ')} (any other is a 404)`) })

export const AdminPutContentPage = z.strictObject({
  title: z.string().trim().min(1, 'is required').max(CONTENT_TITLE_MAX, `must be at most ${CONTENT_TITLE_MAX} characters`),
  body: z
    .string()
    .overwrite((text) => text.replace(/\r\n?/g, '\n'))
    .trim()
    .min(1, 'is required')
    .max(CONTENT_BODY_MAX, `must be at most ${CONTENT_BODY_MAX.toLocaleString('en-US')} characters`),
})
export type AdminPutContentPage = z.infer<typeof AdminPutContentPage>

export const ContentPageView = z
  .object({
    slug: z.string(),
    title: z.string(),
    body: z.string().describe('Plain text: blank lines between paragraphs, "## " headings, [label](https://…) links'),
    url: z.string().describe('Where the shop shows it'),
    is_default: z.boolean().describe('True while staff have not written it: the default text is shown'),
    updated_at: Instant.nullable(),
  })
  .meta({ id: 'ContentPage' })
export type ContentPageView = z.infer<typeof ContentPageView>

export const ContentPageList = z.object({ items: z.array(ContentPageView) }).meta({ id: 'ContentPageList' })
