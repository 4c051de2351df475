/** The admin's frame (its navigation and the message the last action left) and what its screens share. */
import type { Context } from 'hono'
import { userOf } from '../../accounts/guard'
import type { AppEnv } from '../../platform/env'
import { ApiError } from '../../platform/errors'
import { pageLinks, type PageInfo } from '../../platform/pagination'
import { wholeNumber } from '../../platform/params'
import { Form, Notice } from '../../ui/forms'
import { formAll, formFailure, formText, type FormBody } from '../../ui/form-input'
import { Document, SITE_NAME } from '../../ui/layout'
import { csrfToken } from '../../accounts/csrf'
import type { ComponentChildren } from 'preact'
import { takeFlash } from '../../ui/flash'
import type { PageLayout } from '../../ui/renderer'
import type { listCategories } from '../categories'
import { formatDate, formatDateTime, type DateStyle } from '../../ui/dates'

export type Ctx = Context<AppEnv>
export type Category = Awaited<ReturnType<typeof listCategories>>[number]

/** A path's numeric id (`:id`, `:imageId`): anything but a whole number is no such page (404). */
export const id = (c: Ctx, name = 'id') => {
  const parsed = wholeNumber(1, Number.MAX_SAFE_INTEGER).safeParse(c.req.param(name))
  if (!parsed.success) throw new ApiError(404, 'not_found', 'Not found')
  return parsed.data
}

interface NavLink {
  href: string
  label: string
  /** Shown to admins only (staff get a 403 there). */
  adminOnly?: boolean
}

/** The navigation, by what staff come to do. One link per line: a screen adds itself with one. */
const NAV_GROUPS: { title: string; links: NavLink[] }[] = [
  {
    title: 'Sales',
    links: [
      { href: '/admin', label: 'Dashboard' },
      { href: '/admin/orders', label: 'Orders' },
      { href: '/admin/discounts', label: 'Discounts' },
    ],
  },
  {
    title: 'Catalog',
    links: [
      { href: '/admin/products', label: 'Products' },
      { href: '/admin/categories', label: 'Categories' },
      { href: '/admin/imports', label: 'Import / export' },
    ],
  },
  {
    title: 'Content',
    links: [
      { href: '/admin/pages', label: 'Pages' },
    ],
  },
  {
    title: 'Settings',
    links: [
      { href: '/admin/settings', label: 'Store settings' },
      { href: '/admin/shipping', label: 'Shipping' },
      { href: '/admin/taxes', label: 'Taxes' },
      { href: '/admin/users', label: 'Users', adminOnly: true },
      { href: '/admin/webhooks', label: 'Webhooks', adminOnly: true },
    ],
  },
  {
    title: 'Activity',
    links: [
      { href: '/admin/outbox', label: 'Notifications' },
      { href: '/admin/audit', label: 'Audit log', adminOnly: true },
    ],
  },
]

/** The link of the screen at `path`: the longest one that is the path or a folder above it (`/admin` only itself). */
export function currentNavHref(path: string): string | undefined {
  const hrefs = NAV_GROUPS.flatMap((group) => group.links.map((link) => link.href))
  return hrefs.filter((href) => path === href || (href !== '/admin' && path.startsWith(`${href}/`))).sort((a, b) => b.length - a.length)[0]
}

function AdminNavLinks({ role, current }: { role: string; current: string | undefined }) {
  return (
    <>
      {NAV_GROUPS.map((group) => {
        const links = group.links.filter((link) => !link.adminOnly || role === 'admin')
        if (links.length === 0) return null
        return (
          <div class="admin-nav-group" key={group.title}>
            <h2 class="admin-nav-title">{group.title}</h2>
            <ul>
              {links.map((link) => (
                <li key={link.href}>
                  <a href={link.href} aria-current={link.href === current ? 'page' : undefined}>
                    {link.label}
                  </a>
                </li>
              ))}
            </ul>
          </div>
        )
      })}
    </>
  )
}

/**
 * The admin's own frame: a header (the store, "View shop", who is signed in, sign out) and the grouped
 * navigation, a sidebar on a desktop and a `<details>` menu on a phone (rendered once for each: CSS shows
 * one, and `display: none` keeps the other out of the accessibility tree), then the page.
 */
function AdminFrame({ c, current, children }: { c: Ctx; current: string | undefined; children: ComponentChildren }) {
  const user = userOf(c)
  const currentLabel = NAV_GROUPS.flatMap((g) => g.links).find((link) => link.href === current)?.label
  return (
    <div class="admin-frame">
      <header class="admin-header">
        <a class="admin-brand" href="/admin">
          {SITE_NAME} <span>Admin</span>
        </a>
        <div class="admin-header-actions">
          <a href="/" class="admin-view-shop">
            View shop
          </a>
          <span class="admin-who" title={user.email}>
            <span class="visually-hidden">Signed in as </span>
            {user.name || user.email}
          </span>
          <Form action="/account/sign-out" csrf={csrfToken(c)} class="admin-sign-out">
            <button type="submit" class="admin-button-plain">
              Sign out
            </button>
          </Form>
        </div>
      </header>
      <details class="admin-menu">
        <summary>
          Menu{currentLabel && <span class="admin-menu-current">: {currentLabel}</span>}
        </summary>
        <nav aria-label="Admin menu">
          <AdminNavLinks role={user.role} current={current} />
        </nav>
      </details>
      <div class="admin-body">
        <nav class="admin-sidebar" aria-label="Admin">
          <AdminNavLinks role={user.role} current={current} />
        </nav>
        <main id="main" class="admin-main">
          {children}
        </main>
      </div>
    </div>
  )
}

/** An admin page: its frame, the message the last action left for it (see ui/flash.ts) above its content. */
export const adminLayout: PageLayout = async (c, content, { title, ...props }) => {
  const flash = await takeFlash(c)
  return (
    <Document {...props} title={`${title} · Admin`} noindex bodyClass="admin">
      <AdminFrame c={c} current={currentNavHref(c.req.path)}>
        {flash && (
          <div class="admin-flash" role={flash.kind === 'error' ? 'alert' : 'status'}>
            <Notice kind={flash.kind}>{flash.text}</Notice>
          </div>
        )}
        {content}
      </AdminFrame>
    </Document>
  )
}

/**
 * A screen's header: its breadcrumb back to the parent, the title, and at most one primary action at the
 * top right with any secondary ones beside it.
 */
export function PageHeader({ title, parent, actions, children }: { title: ComponentChildren; parent?: { href: string; label: string }; actions?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <div class="admin-page-header">
      <div class="admin-page-title">
        {parent && (
          <nav aria-label="Breadcrumb" class="admin-breadcrumb">
            <a href={parent.href}>
              <span aria-hidden="true">← </span>
              {parent.label}
            </a>
          </nav>
        )}
        <h1>{title}</h1>
        {children}
      </div>
      {actions && <div class="admin-page-actions">{actions}</div>}
    </div>
  )
}

/** An order's short reference, as staff and customers see it. */
export const orderRef = (orderId: string) => orderId.slice(0, 8).toUpperCase()
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

export const failureOf = (err: unknown) => formFailure(err, [400, 404, 409, 413, 415])

export const flatten = (items: Category[], parent: number | null = null, depth = 0): { category: Category; depth: number }[] =>
  items.filter((c) => c.parent_id === parent).flatMap((category) => [{ category, depth }, ...flatten(items, category.id, depth + 1)])

/** A form's fields as typed, to show the form again after a refusal. */
export const formValues = (form: FormBody) => ({
  ...Object.fromEntries(Object.entries(form).filter(([, value]) => typeof value === 'string')),
  category_ids: formAll(form, 'category_ids').join(','),
  is_active: formText(form, 'is_active'),
}) as Record<string, string>

/** The page numbers a pager shows: the first, the last, and two either side of the current one, with gaps. */
export function pageNumbers(page: number, last: number): (number | 'gap')[] {
  const shown = new Set([1, last, page - 2, page - 1, page, page + 1, page + 2].filter((n) => n >= 1 && n <= last))
  const sorted = [...shown].sort((a, b) => a - b)
  return sorted.flatMap((n, i) => (i > 0 && n - (sorted[i - 1] as number) > 1 ? ['gap' as const, n] : [n]))
}

/** An admin list's pager: the link back, numbered pages, the link on (none past either end). */
export function Pager({ info, link, back, on }: { info: PageInfo; link: (page: number) => string; back: string; on: string }) {
  const { prev, next } = pageLinks(info, link)
  const last = Math.max(info.total_pages, 1)
  if (last === 1) return null
  return (
    <nav class="pager admin-pager" aria-label="Pages">
      <span class="admin-pager-of">
        Page {info.page} of {last}
      </span>
      {prev && <a href={prev}>{back}</a>}
      <ol class="page-numbers">
        {pageNumbers(info.page, last).map((n, i) =>
          n === 'gap' ? (
            <li key={`gap-${i}`} aria-hidden="true">
              …
            </li>
          ) : (
            <li key={n}>
              {n === info.page ? (
                <span aria-current="page">
                  <span class="visually-hidden">Page </span>
                  {n}
                </span>
              ) : (
                <a href={link(n)}>
                  <span class="visually-hidden">Page </span>
                  {n}
                </a>
              )}
            </li>
          ),
        )}
      </ol>
      {next && <a href={next}>{on}</a>}
    </nav>
  )
}

/** A moment as staff read it (their locale, the store's time zone), with its machine copy. */
export function When({ ms, style, dateOnly }: { ms: number; style: DateStyle; dateOnly?: boolean }) {
  return <time datetime={new Date(ms).toISOString()}>{dateOnly ? formatDate(ms, style) : formatDateTime(ms, style)}</time>
}
