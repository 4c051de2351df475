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
