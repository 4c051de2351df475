/** The admin's frame (its navigation and the message the last action left) and what its screens share. */
import type { Context } from 'hono'
import { userOf } from '../../accounts/guard'
import type { AppEnv } from '../../platform/env'
import { ApiError } from '../../platform/errors'
import { pageLinks, type PageInfo } from '../../platform/pagination'
import { wholeNumber } from '../../platform/params'
import { Notice } from '../../ui/forms'
import { formAll, formFailure, formText, type FormBody } from '../../ui/form-input'
import { Layout } from '../../ui/layout'
import { takeFlash } from '../../ui/flash'
import type { PageLayout } from '../../ui/renderer'
import type { listCategories } from '../categories'

export type Ctx = Context<AppEnv>
export type Category = Awaited<ReturnType<typeof listCategories>>[number]

/** A path's numeric id (`:id`, `:imageId`): anything but a whole number is no such page (404). */
export const id = (c: Ctx, name = 'id') => {
  const parsed = wholeNumber(1, Number.MAX_SAFE_INTEGER).safeParse(c.req.param(name))
  if (!parsed.success) throw new ApiError(404, 'not_found', 'Not found')
  return parsed.data
}

function AdminNav({ role }: { role: string }) {
  return (
    <nav class="admin-nav" aria-label="Admin">
      <a href="/admin">Dashboard</a>
      <a href="/admin/products">Products</a>
      <a href="/admin/categories">Categories</a>
      <a href="/admin/orders">Orders</a>
      <a href="/admin/discounts">Discounts</a>
      <a href="/admin/shipping">Shipping</a>
      <a href="/admin/taxes">Taxes</a>
      <a href="/admin/imports">Import / export</a>
      <a href="/admin/pages">Content</a>
      {role === 'admin' && <a href="/admin/users">Users</a>}
      {role === 'admin' && <a href="/admin/audit">Audit log</a>}
      <a href="/admin/outbox">Notifications</a>
      {role === 'admin' && <a href="/admin/webhooks">Webhooks</a>}
    </nav>
  )
}

/** An admin page: the navigation, the message the last action left for it (see ui/flash.ts) above its content. */
export const adminLayout: PageLayout = async (c, content, { title, ...props }) => {
  const flash = await takeFlash(c)
  return (
    <Layout {...props} title={`${title} · Admin`} noindex>
      <AdminNav role={userOf(c).role} />
      {flash && (
        <div class="admin flash">
          <Notice kind={flash.kind}>{flash.text}</Notice>
        </div>
      )}
      {content}
    </Layout>
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

/** An admin list's pager: the link back, "Page x of y", the link on (from `pageLinks`, none past either end). */
export function Pager({ info, link, back, on }: { info: PageInfo; link: (page: number) => string; back: string; on: string }) {
  const { prev, next } = pageLinks(info, link)
  return (
    <nav class="pager" aria-label="Pages">
      {prev && <a href={prev}>{back}</a>}
      <span>
        Page {info.page} of {Math.max(info.total_pages, 1)}
      </span>
      {next && <a href={next}>{on}</a>}
    </nav>
  )
}
