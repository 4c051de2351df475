/**
 * The content pages' rows (content_pages), read through an isolate cache: the footer's pages are read by
 * shoppers far more often than staff edit them. A save forgets this isolate's copy (the edit shows here at
 * once); other isolates see it within CONTENT_FRESH_MS.
 */
import { eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { contentPages } from '../db/schema'
import { auditStatement } from '../admin/audit'
import type { CurrentUser } from '../platform/env'
import { DEFAULT_CONTENT } from './defaults'
import type { AdminPutContentPage, ContentPageView } from './schemas'
import { CONTENT_PAGES, contentPagePath, type ContentSlug } from './slugs'

export const CONTENT_FRESH_MS = 30_000

let cached: { at: number; rows: Map<string, typeof contentPages.$inferSelect> } | undefined

async function rows(env: Env, now = Date.now()) {
  if (cached && now - cached.at < CONTENT_FRESH_MS) return cached.rows
  const all = await getDb(env).select().from(contentPages)
  cached = { at: now, rows: new Map(all.map((row) => [row.slug, row])) }
  return cached.rows
}

function view(slug: ContentSlug, row: typeof contentPages.$inferSelect | undefined): ContentPageView {
  const text = row ?? DEFAULT_CONTENT[slug]
  return { slug, title: text.title, body: text.body, url: contentPagePath(slug), is_default: !row, updated_at: row ? new Date(row.updatedAt).toISOString() : null }
}

/** One page: the staff's text, or the default while they have written none. */
export async function contentPage(env: Env, slug: ContentSlug): Promise<ContentPageView> {
  return view(slug, (await rows(env)).get(slug))
}

/** Every page, in the footer's order. */
export async function listContentPages(env: Env): Promise<ContentPageView[]> {
  const found = await rows(env)
  return CONTENT_PAGES.map(({ slug }) => view(slug, found.get(slug)))
}

/** Saves a page's title and body, with its audit entry in the same batch. */
export async function saveContentPage(env: Env, actor: CurrentUser, slug: ContentSlug, input: AdminPutContentPage): Promise<ContentPageView> {
  const db = getDb(env)
  const before = await contentPage(env, slug)
  const updatedAt = Date.now()
  await db.batch([
    db
      .insert(contentPages)
      .values({ slug, title: input.title, body: input.body, updatedAt })
      .onConflictDoUpdate({ target: contentPages.slug, set: { title: input.title, body: input.body, updatedAt } }),
    auditStatement(db, actor, {
      action: 'content_page.update',
      targetType: 'content_page',
      targetId: slug,
      before: before.is_default ? null : { title: before.title, body: before.body },
      after: { title: input.title, body: input.body },
    }),
  ])
  cached = undefined
  const saved = await db.select().from(contentPages).where(eq(contentPages.slug, slug)).get()
  return view(slug, saved)
}

/** Tests and the seed: forget this isolate's copy. */
export function forgetContentPages() {
  cached = undefined
}
