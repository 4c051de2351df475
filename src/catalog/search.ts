/**
 * What a shopper's words mean to the search index (products_fts: FTS5, unicode61 with diacritics removed,
 * so "creme" finds "Crème"): each word prefix-matched as typed, plurals and other inflections through
 * their Porter stem ("mugs" finds "Mug", "headphones" finds "Headphone"), and a misspelt word corrected
 * from the index's own vocabulary (`products_fts_vocab`, FTS5's list of the words it holds, always current
 * with the catalog): up to 1 edit for a word of 5–6 letters, 2 from 7 letters ("skilet" → "skillet",
 * "headphnes" → "headphones"). SKUs rank first, then exact names (src/catalog/queries.ts).
 */
import { distance } from 'fastest-levenshtein'
import { stemmer } from 'stemmer'
import { and, gte, lt, ne, or, sql } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import type { Db } from '../db/client'
import { searchWords } from './schemas'

/** The words of one query the index is asked for; more are ignored. */
const QUERY_WORDS_MAX = 16
/** A word shorter than this is never corrected (too many words are one edit away from a short one). */
const CORRECTABLE_MIN = 5
/** A word the index holds in at most this many products may still be a typo… */
const RARE_DOCS = 2
/** …of a close word that this many times as many products hold. */
const COMMONER = 2
/** Candidate words read from the vocabulary per misspelt word, at most. */
const CANDIDATES_MAX = 5_000

/** FTS5's vocabulary of products_fts (migration 0016): one row per word, `doc` the products holding it. */
const productsFtsVocab = sqliteTable('products_fts_vocab', { term: text('term').notNull(), doc: integer('doc').notNull() })

const isLatinWord = (word: string) => /^[a-z]+$/.test(word)

/** The Porter stem of an English word of 4+ letters, when it is shorter than the word and keeps 3+ letters ("mugs" → "mug"). */
function stemOf(word: string): string | null {
  if (word.length < 4 || !isLatinWord(word)) return null
  const stem = stemmer(word)
  return stem.length >= 3 && stem !== word ? stem : null
}

/**
 * The prefixes a word is matched by: as typed, or by its stem when the stem begins the word (it matches
 * all the word matches and more), else both ("happy" → "happi"); and the singular of the English plurals
 * the stem misses: "knives" → "knif", "batteries" → "battery".
 */
function formsOf(word: string): string[] {
  const stem = stemOf(word)
  const forms = !stem ? [word] : word.startsWith(stem) ? [stem] : [word, stem]
  if (isLatinWord(word) && word.length >= 5 && word.endsWith('ves')) forms.push(`${word.slice(0, -3)}f`)
  if (isLatinWord(word) && word.length >= 5 && word.endsWith('ies')) forms.push(`${word.slice(0, -3)}y`)
  return [...new Set(forms)]
}

/**
 * The search text as an FTS5 query: every word required, each quoted (nothing the shopper types is FTS
 * syntax) and prefix-matched by its forms.
 * @example ftsQuery('blue mugs') // '"blue"* AND "mug"*'
 * @example ftsQuery('blue knives') // '"blue"* AND ("knive"* OR "knif"*)'
 */
export function ftsQuery(text: string): string {
  return searchWords(text)
    .slice(0, QUERY_WORDS_MAX)
    .map((word) => {
      const forms = formsOf(word).map((form) => `"${form}"*`)
      return forms.length === 1 ? forms[0] : `(${forms.join(' OR ')})`
    })
    // Explicit ANDs: FTS5 reads a phrase followed by a parenthesised group without one as a syntax error.
    .join(' AND ')
}

/** The edits a word of this length may be away from a correction. */
const editsAllowed = (length: number) => (length >= 7 ? 2 : 1)

/** The next string after every string that starts with `prefix`, for a range scan of the vocabulary. */
const afterPrefix = (prefix: string) => prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)

/**
 * The search text with its misspelt words corrected, or null when none is. A word is kept when a word of
 * the index starts with it or with its stem (prefix search finds those), or when the index holds it in
 * more than RARE_DOCS products; else it is replaced by the closest word of the index (fewest edits, then
 * the word most products hold) that at least COMMONER times as many products hold, if one is close
 * enough. One D1 batch for all the words: per word, a look for a word that begins with one of its forms,
 * and a scan of the vocabulary's words that start with the same letter and are about as long.
 */
export async function correctedQuery(db: Db, text: string): Promise<string | null> {
  const words = searchWords(text).slice(0, QUERY_WORDS_MAX)
  const asked = words.map((word, i) => ({ word, i })).filter(({ word }) => word.length >= CORRECTABLE_MIN && isLatinWord(word))
  if (asked.length === 0) return null
  const term = productsFtsVocab.term
  // Per word: another word of the index that begins with one of its forms (then prefix search finds it), and the candidates.
  const lookups = asked.flatMap(({ word }) => {
    const edits = editsAllowed(word.length)
    const first = word.slice(0, 1)
    const begun = or(...formsOf(word).map((form) => and(gte(term, form), lt(term, afterPrefix(form)), ne(term, word))))
    return [
      db.select({ term, doc: productsFtsVocab.doc }).from(productsFtsVocab).where(begun).limit(1),
      db
        .select({ term, doc: productsFtsVocab.doc })
        .from(productsFtsVocab)
        .where(and(gte(term, first), lt(term, afterPrefix(first)), sql`length(${term}) between ${word.length - edits} and ${word.length + edits}`))
        .limit(CANDIDATES_MAX),
    ]
  })
  const [firstLookup, ...otherLookups] = lookups
  if (!firstLookup) return null
  const found = await db.batch([firstLookup, ...otherLookups])
  const corrected = [...words]
  let changed = false
  asked.forEach(({ word, i }, n) => {
    // Known as the beginning of another word, or by its stem: kept.
    if ((found[2 * n]?.length ?? 0) > 0) return
    const terms = found[2 * n + 1] ?? []
    // A word the index holds is kept, unless few products hold it and a close word many more (a typo in the catalogue).
    const held = terms.find(({ term }) => term === word)?.doc ?? 0
    if (held > RARE_DOCS) return
    const edits = editsAllowed(word.length)
    let best: { term: string; edits: number; doc: number } | null = null
    for (const { term, doc } of terms) {
      if (term === word || doc < held * COMMONER) continue
      const d = distance(word, term)
      if (d > edits) continue
      if (!best || d < best.edits || (d === best.edits && doc > best.doc)) best = { term, edits: d, doc }
    }
    if (best) {
      corrected[i] = best.term
      changed = true
    }
  })
  return changed ? corrected.join(' ') : null
}
