/**
 * Matching user-typed text against a column without LIKE or GLOB. D1 refuses a LIKE/GLOB pattern over 50
 * bytes (SQLite's LIKE_PATTERN_LENGTH limit, lowered by D1; local D1 may not enforce it), so a pattern built
 * from a 49-character name or search fails in production. These predicates take the text as a plain
 * bound value of any length, with nothing to escape: the one way the app matches text.
 */
import { and, gte, lt, sql, type SQL } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'

/** D1's limit on a LIKE or GLOB pattern, in bytes: why nothing here builds one from user text. */
export const LIKE_PATTERN_MAX_BYTES = 50

/**
 * `column` contains `text` anywhere, ignoring ASCII case as LIKE does (SQLite's lower() and LIKE both fold
 * ASCII only). A scan, as `LIKE '%…%'` was.
 * @example where(containsText(products.name, query.q))
 */
export const containsText = (column: SQLiteColumn | SQL, text: string): SQL => sql`instr(lower(${column}), lower(${text})) > 0`

/** The least string above every string that starts with `prefix` (its last code point raised by one). */
function prefixEnd(prefix: string): string | null {
  const points = [...prefix]
  while (points.length) {
    const last = (points.pop() as string).codePointAt(0) as number
    if (last < 0x10ffff) return points.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1)
  }
  return null
}

/**
 * `column` starts with `prefix`, exactly (case-sensitive, BINARY collation): a range, so it walks the
 * column's index where one exists (`LIKE 'x%'` never did: SQLite's LIKE is case-insensitive).
 * @example where(or(eq(products.slug, base), startsWith(products.slug, `${base}-`)))
 */
export function startsWith(column: SQLiteColumn, prefix: string): SQL | undefined {
  const end = prefixEnd(prefix)
  if (prefix === '') return undefined
  return end === null ? gte(column, prefix) : and(gte(column, prefix), lt(column, end))
}
