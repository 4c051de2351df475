/**
 * What a discount code may look like, and how a typed one is read: the shop's field, the cart's stored
 * code and the admin's form all go through `readCode`, so "welcome 10", "ＷＥＬＣＯＭＥ１０" (full width)
 * and " Welcome10 " are the one code WELCOME10, while a look-alike that NFKC does not fold (Cyrillic "Е"
 * in "WЕLCOME10") is refused in words rather than matched or silently ignored.
 */

/** The longest code the store keeps. */
export const CODE_MAX_LENGTH = 32
/** Longer input is not read at all (a code is short; NFKC of a megabyte is not work worth doing). */
const INPUT_MAX_LENGTH = 200

/** Latin capitals, digits, and - or _ inside. */
const CODE_PATTERN = /^[A-Z0-9](?:[A-Z0-9_-]*[A-Z0-9])?$/

/**
 * Spaces of every kind and the invisible format characters (zero-width space and joiner, soft hyphen,
 * byte-order mark…) that a copy from a mail or a chat carries along.
 */
const INVISIBLE = /[\s\p{Cf}]+/gu

export type CodeReading = { ok: true; code: string } | { ok: false; message: string }

/**
 * A code as typed, in its stored form: NFKC, without spaces, upper case; refused (with the reason in
 * words) when empty, too long, or not made of Latin letters, digits, - and _.
 * @example readCode(' welcome 10 ') // { ok: true, code: 'WELCOME10' }
 */
export function readCode(typed: string): CodeReading {
  if (typed.length > INPUT_MAX_LENGTH) return { ok: false, message: `Discount codes are at most ${CODE_MAX_LENGTH} characters long.` }
  const folded = typed.normalize('NFKC').replace(INVISIBLE, '')
  if (folded === '') return { ok: false, message: 'Enter a discount code.' }
  // Checked before upper-casing: "ß" and the dotless "ı" become ASCII only through toUpperCase, and a code
  // that matched that way would be a look-alike too.
  if (/[^\x20-\x7e]/.test(folded)) return { ok: false, message: 'Discount codes use Latin letters (A–Z) and digits only: this one has other characters, perhaps a look-alike letter. Type it again by hand.' }
  const code = folded.toUpperCase()
  if (code.length > CODE_MAX_LENGTH) return { ok: false, message: `Discount codes are at most ${CODE_MAX_LENGTH} characters long.` }
  if (!CODE_PATTERN.test(code)) return { ok: false, message: 'Discount codes use letters A–Z, digits, and - or _ between them.' }
  return { ok: true, code }
}
