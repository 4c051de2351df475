import { conflict } from './errors'

/**
 * A URL slug from a name: lower-case ASCII letters, digits and hyphens, accents dropped
 * ("Crème Brûlée Set" → "creme-brulee-set"). Always contains a letter (an all-digit slug would read as an id).
 */
export function slugify(text: string, fallback = 'item'): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80)
    .replace(/-$/, '')
  return /[a-z]/.test(slug) ? slug : `${fallback}-${slug || '1'}`.replace(/-$/, '')
}

/** The rows whose slug is `base` or `base-<something>`, with their ids. */
export type SlugOwners = (base: string) => Promise<{ slug: string; id: number }[]>

/**
 * A slug free for the record `selfId` (undefined when it is new): the one asked for (409 naming the field
 * if another record has it), or one made from the name, with -2, -3… added until free. One query.
 */
export async function uniqueSlug(
  { name, asked, selfId, fallback }: { name: string; asked?: string; selfId?: number; fallback: string },
  owners: SlugOwners,
): Promise<string> {
  const base = asked ?? slugify(name, fallback)
  const taken = new Map((await owners(base)).map((row) => [row.slug, row.id]))
  const free = (slug: string) => !taken.has(slug) || taken.get(slug) === selfId
  if (asked) {
    if (!free(asked)) throw conflict(`The slug '${asked}' is taken`, { slug: [`is already used by another ${fallback}`] })
    return asked
  }
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`
    if (free(slug)) return slug
  }
}
