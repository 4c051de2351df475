/**
 * A content page's body as staff type it: plain text, never HTML. Blank lines separate paragraphs, a line
 * break inside one is kept, a paragraph of one line starting with "## " is a heading, and links are
 * `[label](target)` or bare https:// addresses and email addresses. Every piece is text to Preact (which
 * escapes it) and a link's target is only ever https://, http://, mailto: or a path of this site, so a
 * body cannot inject markup or a `javascript:` link. (markdown-it was considered: a whole Markdown
 * dialect is more than five pages of shop text need, and its HTML option is one setting away from unsafe.)
 */
import { Fragment, type ComponentChildren } from 'preact'

/** A safe target for a link, or null: http(s) and mailto, or a path on this site (not `//host`). */
export function safeHref(target: string): string | null {
  const t = target.trim()
  if (/^\/(?!\/)[^\s\\]*$/.test(t)) return t
  if (/^mailto:[^\s@]+@[^\s@]+$/i.test(t)) return t
  try {
    const url = new URL(t)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null
  } catch {
    return null
  }
}

// [label](target) | https://… | name@host.tld
const LINK = /\[([^\]\n]{1,200})\]\(([^)\s]{1,2000})\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])|([\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,})/gi

/** One line's text with its links. */
function inline(line: string, keyBase: string): ComponentChildren[] {
  const out: ComponentChildren[] = []
  let at = 0
  for (const match of line.matchAll(LINK)) {
    const [whole, label, target, bare, email] = match
    const start = match.index ?? 0
    if (start > at) out.push(line.slice(at, start))
    const href = label !== undefined ? safeHref(target ?? '') : bare !== undefined ? safeHref(bare) : `mailto:${email}`
    const text = label ?? bare ?? email ?? whole
    out.push(href ? <a key={`${keyBase}-${start}`} href={href}>{text}</a> : whole)
    at = start + whole.length
  }
  if (at < line.length) out.push(line.slice(at))
  return out
}

/** The lines of one paragraph, with their line breaks. */
function Paragraph({ lines, keyBase }: { lines: string[]; keyBase: string }) {
  return (
    <p>
      {lines.map((line, j) => (
        <Fragment key={j}>
          {j > 0 && <br />}
          {inline(line, `${keyBase}-${j}`)}
        </Fragment>
      ))}
    </p>
  )
}

/** The body as paragraphs and headings (a block's first line "## …" is its heading). */
export function ContentBody({ body }: { body: string }) {
  const blocks = body.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/).map((block) => block.trim()).filter(Boolean)
  return (
    <>
      {blocks.map((block, i) => {
        const [first = '', ...rest] = block.split('\n')
        if (!/^##\s+\S/.test(first)) return <Paragraph key={i} lines={[first, ...rest]} keyBase={`p${i}`} />
        return (
          <Fragment key={i}>
            <h2>{inline(first.replace(/^##\s+/, ''), `h${i}`)}</h2>
            {rest.length > 0 && <Paragraph lines={rest} keyBase={`p${i}`} />}
          </Fragment>
        )
      })}
    </>
  )
}

/** The body as one line of plain words (a page's meta description): links to their labels, no "##". */
export const plainText = (body: string, max = 155) =>
  body
    .replace(/\[([^\]\n]+)\]\([^)\s]+\)/g, '$1')
    .replace(/^##\s+/gm, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max)
