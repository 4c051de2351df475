import transliterate from '@sindresorhus/slugify'
import { conflict } from './errors'

/** The longest slug made from a name (a slug asked for is bounded by its schema). */
const SLUG_MAX_LENGTH = 80

/**
 * A URL slug from a name: lower-case ASCII letters, digits and hyphens, transliterated by
 * `@sindresorhus/slugify` ("Smørrebrød Plate" → "smorrebrod-plate", "Чайник" → "chaynik"). Always contains
 * a letter (an all-digit slug would read as an id): a name with no letters or digits left ("!!!") is
 * `fallback`, an all-digit one `fallback-<digits>`.
 */
export function slugify(text: string, fallback = 'item'): string {
  // decamelize off: "iPhone" is "iphone", not "i-phone".
  const slug = transliterate(text, { decamelize: false }).slice(0, SLUG_MAX_LENGTH).replace(/-+$/, '')
  if (/[a-z]/.test(slug)) return slug
  return slug ? `${fallback}-${slug}` : fallback
}

/** The rows whose slug is `base` or `base-<something>`, with their ids. */
export type SlugOwners = (base: string) => Promise<{ slug: string; id: number }[]>

export type SlugRequest = { name: string; asked?: string; selfId?: number; fallback: string }

const slugTaken = (asked: string, fallback: string) => conflict(`The slug '${asked}' is taken`, { slug: [`is already used by another ${fallback}`] })

/**
 * A slug free for the record `selfId` (undefined when it is new): the one asked for (409 naming the field
 * if another record has it), or one made from the name, with -2, -3… added until free. One query.
 * `attempt` > 0 (a retry after losing a race for the slug, see `withUniqueSlug`) picks one of the first
 * few free slugs at random, so that the writers who lost the same race do not all collide again.
 */
export async function uniqueSlug({ name, asked, selfId, fallback }: SlugRequest, owners: SlugOwners, attempt = 0): Promise<string> {
  const base = asked ?? slugify(name, fallback)
  const taken = new Map((await owners(base)).map((row) => [row.slug, row.id]))
  const free = (slug: string) => !taken.has(slug) || taken.get(slug) === selfId
  if (asked) {
    if (!free(asked)) throw slugTaken(asked, fallback)
    return asked
  }
  let skip = attempt === 0 ? 0 : Math.floor(Math.random() * (2 * attempt + 1))
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`
    if (free(slug) && skip-- === 0) return slug
  }
}

/** How often a write retries with another slug after losing a race for one (10 concurrent writers of one name need at most a few). */
const SLUG_ATTEMPTS = 10

/** True when `err` (or what caused it: drizzle wraps D1's error) is SQLite's unique-constraint failure on `table.slug`. */
function isSlugTaken(err: unknown, table: string): boolean {
  for (let cause = err, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    if (String((cause as { message?: unknown }).message ?? cause).includes(`UNIQUE constraint failed: ${table}.slug`)) return true
  }
  return false
}

/**
 * Writes with a free slug: `uniqueSlug` picks it and `write` stores it. Two writers may pick the same
 * slug at once (the check and the insert are two D1 round trips); the unique index refuses the second,
 * which then picks again, up to SLUG_ATTEMPTS times, so a race is never a 500: a slug asked for and
 * lost is a 409, as is (hardly ever) a name fought over by more writers than attempts.
 */
export async function withUniqueSlug<T>(request: SlugRequest, owners: SlugOwners, table: string, write: (slug: string) => Promise<T>): Promise<T> {
  for (let attempt = 0; attempt < SLUG_ATTEMPTS; attempt++) {
    const slug = await uniqueSlug(request, owners, attempt)
    try {
      return await write(slug)
    } catch (err) {
      if (!isSlugTaken(err, table)) throw err
      if (request.asked) throw slugTaken(request.asked, request.fallback)
    }
  }
  throw conflict(`Another ${request.fallback} was saved with the same name at the same moment: please try again`, { name: ['was being used by another save at the same moment; try again'] })
}
