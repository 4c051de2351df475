/**
 * The one pagination of every list the app answers (the catalog, a customer's orders, the admin's products,
 * orders, users and audit log): the LIMIT/OFFSET of a page, and the page's answer with its total, its number
 * of pages and, where the list links its pages, `next`/`prev`.
 */
import { z } from 'zod'

/** A page asked for: its 1-based number and its size. */
export type PageRequest = { page: number; page_size: number }

/** The page fields of a counted list, as zod shapes for the response schemas. */
export const PAGE_FIELDS = { page: z.int(), page_size: z.int(), total: z.int(), total_pages: z.int() }

/** The links of a list that links its pages (null at either end). */
export const PAGE_LINK_FIELDS = { next: z.string().nullable(), prev: z.string().nullable() }

export type PageInfo = { page: number; page_size: number; total: number; total_pages: number }
export type PageLinks = { next: string | null; prev: string | null }
export type Page<T> = { items: T[] } & PageInfo

/**
 * The LIMIT and OFFSET of a page.
 * @example const slice = pageWindow(query); db.select().from(users).limit(slice.limit).offset(slice.offset)
 */
export const pageWindow = ({ page, page_size }: PageRequest) => ({ limit: page_size, offset: (page - 1) * page_size })

/** The page, its size, the total and the number of pages (0 for an empty list). */
export const pageInfo = ({ page, page_size }: PageRequest, total: number): PageInfo => ({ page, page_size, total, total_pages: Math.ceil(total / page_size) })

/**
 * The next and previous pages' links: none past the last page; `prev` from beyond the end leads back to the last page.
 * @example pageLinks(info, (page) => withQuery('/api/orders', { page, page_size: info.page_size }))
 */
export function pageLinks({ page, total_pages }: PageInfo, link: (page: number) => string): PageLinks {
  return {
    next: page < total_pages ? link(page + 1) : null,
    prev: page > 1 ? link(Math.min(page - 1, Math.max(total_pages, 1))) : null,
  }
}

/** A counted page's answer: its rows and where it stands. */
export const pageOf = <T>(items: T[], request: PageRequest, total: number): Page<T> => ({ items, ...pageInfo(request, total) })

/** A counted page's answer with its links. */
export function linkedPageOf<T>(items: T[], request: PageRequest, total: number, link: (page: number) => string): Page<T> & PageLinks {
  const info = pageInfo(request, total)
  return { items, ...info, ...pageLinks(info, link) }
}

/**
 * A page read without a count (a log too long to count at every view): ask for `page_size + 1` rows
 * (`peekWindow`) and the extra one says whether another page follows.
 */
export const peekWindow = ({ page, page_size }: PageRequest) => ({ limit: page_size + 1, offset: (page - 1) * page_size })

/** The answer of a page read with `peekWindow`. */
export const peekedPageOf = <T>(rows: T[], { page, page_size }: PageRequest) => ({ items: rows.slice(0, page_size), has_more: rows.length > page_size, page })
