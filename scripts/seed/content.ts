/**
 * The demo store's content pages (shipping, returns, contact, privacy, terms): the default texts of
 * src/content/defaults.ts written as rows, so that staff find them in the admin to edit. A page that
 * already has a row (staff wrote it) is left as it is.
 */
import { DEFAULT_CONTENT } from '../../src/content/defaults'
import { quote, runOnD1 } from './users'

export async function seedContentPages(db: D1Database): Promise<number> {
  const entries = Object.entries(DEFAULT_CONTENT)
  await runOnD1(
    db,
    entries.map(([slug, { title, body }]) => `INSERT INTO content_pages (slug, title, body) VALUES (${quote(slug)}, ${quote(title)}, ${quote(body)}) ON CONFLICT (slug) DO NOTHING`),
  )
  return entries.length
}
