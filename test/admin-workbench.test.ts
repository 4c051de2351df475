/** The admin as a place to work: its frame, store settings, order search and notes, product bulk actions, the dashboard's periods. */
import { env } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../src/db/client'
import { auditLog, categories, orderNotes, products, users } from '../src/db/schema'
import { localCheckoutEvent } from '../src/payments/local'
import { localCheckoutFor, startCheckout } from '../src/payments/checkout'
import { handleStripeEvent } from '../src/payments/events'
import { forgetStoreSettings } from '../src/platform/store-settings'
import { bucketsOf } from '../src/admin/dashboard'
import { zonedDayStart } from '../src/admin/zoned-time'
import { BASE, Browser, callJson, insertProduct, registerUser, staffUser } from './helpers'
import { ADDRESS, placeOrder } from './orders-helpers'
import { viewerOf } from './payments-helpers'

async function staffBrowser(role: 'staff' | 'admin' = 'staff', name = 'Test Shopper') {
  const user = await registerUser({ name })
  await getDb(env).update(users).set({ role }).where(eq(users.id, user.user.id))
  const browser = new Browser()
  await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
  return { user, browser }
}

const api = <T,>(who: { bearer: Record<string, string> }, method: string, path: string, body?: unknown) => callJson<T & { error?: { code: string; message: string; fields?: Record<string, string[]> } }>(method, `/api/admin${path}`, body, who.bearer)

/** A paid order by a fresh customer shipping to `name`. */
async function paidOrder(name = 'Ada Lovelace', email?: string) {
  const product = await insertProduct({ stockQuantity: 5, priceCents: 4000 })
  const who = await registerUser({ name: 'Account Holder', ...(email && { email }) })
  const orderId = (await placeOrder(who, [{ product_id: product.id, quantity: 1 }], { address: { ...ADDRESS, name } })).body.id
  const { url } = await startCheckout(env, viewerOf(who), orderId, BASE)
  const { payment } = await localCheckoutFor(env, viewerOf(who), url.split('/').pop() ?? '')
  await handleStripeEvent(env, localCheckoutEvent(payment, 'pay'))
  return { product, orderId, ref: orderId.slice(0, 8).toUpperCase(), who }
}

async function landing(browser: Browser, answer: Response) {
  expect(answer.status).toBe(303)
  const page = await browser.fetch(answer.headers.get('Location') ?? '')
  return { status: page.status, html: await page.text(), location: answer.headers.get('Location') ?? '' }
}

const postForm = (browser: Browser, action: string, fields: [string, string][]) =>
  browser.fetch(action, { method: 'POST', body: new URLSearchParams(fields), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } })

describe('the admin frame', () => {
  it('has its own header and grouped navigation with the current page marked, a CSRF sign-out, and no shop search', async () => {
    const { browser, user } = await staffBrowser('staff', 'Grace Staff')
    const html = await (await browser.fetch('/admin/orders')).text()
    expect(html).toContain('class="admin-header"')
    expect(html).not.toContain('id="site-search"')
    expect(html).toMatch(/<a href="\/admin\/orders" aria-current="page">Orders<\/a>/)
    expect(html).not.toMatch(/<a href="\/admin" aria-current="page">/)
    for (const group of ['Sales', 'Catalog', 'Settings', 'Activity']) expect(html).toContain(`<h2 class="admin-nav-title">${group}</h2>`)
    expect(html).toContain('Grace Staff')
    expect(html).toMatch(/<form method="post" action="\/account\/sign-out" class="admin-sign-out"><input type="hidden" name="_csrf" value="[^"]+"/)
    expect(html).toContain('<details class="admin-menu">')
    // Staff do not see the admin-only screens; an admin does.
    expect(html).not.toContain('href="/admin/users"')
    const admin = await staffBrowser('admin')
    expect(await (await admin.browser.fetch('/admin/products/new')).text()).toMatch(/<a href="\/admin\/products" aria-current="page">Products<\/a>[\s\S]*href="\/admin\/users"/)
    const out = await postForm(browser, '/account/sign-out', [['_csrf', await browser.csrfFrom('/admin')]])
    expect(out.status).toBe(303)
    expect((await browser.fetch('/admin')).status).toBe(303)
    void user
  })
})

describe('store settings', () => {
  it('reads and replaces the time zone and threshold over the API (audited), refusing bad values with nothing saved', async () => {
    const admin = await staffUser('admin')
    const customer = await registerUser()
    expect((await api(customer, 'GET', '/settings')).status).toBe(403)
    const before = await api<{ time_zone: string; low_stock_threshold: number }>(admin, 'GET', '/settings')
    expect(before.status).toBe(200)
    const bad = await api(admin, 'PUT', '/settings', { time_zone: 'Mars/Olympus', low_stock_threshold: -1 })
    expect(bad.status).toBe(400)
    expect(Object.keys(bad.body.error?.fields ?? {}).sort()).toEqual(['low_stock_threshold', 'time_zone'])
    expect((await api(admin, 'PUT', '/settings', { time_zone: 'UTC' })).status).toBe(400)
    expect((await api<{ time_zone: string }>(admin, 'GET', '/settings')).body.time_zone).toBe(before.body.time_zone)
    const saved = await api<{ time_zone: string; low_stock_threshold: number }>(admin, 'PUT', '/settings', { time_zone: 'Asia/Tokyo', low_stock_threshold: 2 })
    expect(saved.status).toBe(200)
    expect(saved.body).toMatchObject({ time_zone: 'Asia/Tokyo', low_stock_threshold: 2 })
    expect((await api<{ time_zone: string }>(admin, 'GET', '/settings')).body.time_zone).toBe('Asia/Tokyo')
    const [entry] = await getDb(env).select().from(auditLog).where(and(eq(auditLog.action, 'settings.update'), eq(auditLog.actorId, admin.user.id)))
    expect(entry?.after).toEqual({ time_zone: 'Asia/Tokyo', low_stock_threshold: 2 })
    await api(admin, 'PUT', '/settings', { time_zone: 'UTC', low_stock_threshold: 5 })
  })

  it('saves from its page, shows dates in the new zone at once, and answers a bad form on the page with a 400', async () => {
    const { browser } = await staffBrowser()
    const page = await (await browser.fetch('/admin/settings')).text()
    expect(page).toContain('<option value="Europe/Berlin">Europe/Berlin</option>')
    const saved = await landing(browser, await browser.submit('/admin/settings', '/admin/settings', { time_zone: 'America/New_York', low_stock_threshold: '3' }))
    expect(saved.html).toContain('Settings saved: dates in America/New_York, low stock at 3 units or fewer.')
    expect(saved.html).toContain('<option value="America/New_York" selected>')
    const refused = await browser.submit('/admin/settings', '/admin/settings', { time_zone: 'Nowhere/Land', low_stock_threshold: 'lots' })
    expect(refused.status).toBe(400)
    const html = await refused.text()
    expect(html).toContain('Nothing was saved: please correct the fields below.')
    expect(html).toContain('href="#settings-time_zone"')
    expect(html).toMatch(/Low stock threshold: must be a whole number/)
    forgetStoreSettings()
    expect((await (await browser.fetch('/admin/settings')).text())).toContain('<option value="America/New_York" selected>')
    // A form without its token changes nothing.
    const forged = await browser.fetch('/admin/settings', { method: 'POST', body: new URLSearchParams({ time_zone: 'UTC', low_stock_threshold: '9' }), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } })
    expect(forged.status).toBe(403)
    await browser.submit('/admin/settings', '/admin/settings', { time_zone: 'UTC', low_stock_threshold: '5' })
  })
})

describe('orders search and notes', () => {
  it('finds an order by its id, its short reference, part of an email or a name, and takes % and _ and long text literally', async () => {
    const staff = await staffUser()
    const unique = `zq${Date.now().toString(36)}`
    const { orderId, ref } = await paidOrder(`Hedy ${unique} Lamarr`, `${unique}_buyer@example.com`)
    const other = await paidOrder('Someone Else')
    const ids = async (q: string) => (await api<{ items: { id: string }[] }>(staff, 'GET', `/orders?q=${encodeURIComponent(q)}`)).body.items.map((o) => o.id)
    expect(await ids(orderId)).toEqual([orderId])
    expect(await ids(ref)).toEqual([orderId])
    expect(await ids(`#${ref.toLowerCase()}`)).toEqual([orderId])
    expect(await ids(`${unique}_BUYER@`)).toEqual([orderId])
    expect(await ids(unique.toUpperCase())).toEqual([orderId])
    expect(await ids('%')).not.toContain(other.orderId)
    expect(await ids(`${unique}%`)).toEqual([])
    expect(await ids('x'.repeat(120))).toEqual([])
    const { browser } = await staffBrowser()
    const page = await (await browser.fetch(`/admin/orders?q=${unique}`)).text()
    expect(page).toContain(`#${ref}`)
    expect(page).not.toContain(`#${other.ref}`)
    expect(page).toContain(`Hedy ${unique} Lamarr`)
    // The CSV takes the same search.
    const csv = await (await browser.fetch(`/api/admin/orders.csv?q=${unique}`)).text()
    expect(csv.trim().split('\r\n')).toHaveLength(2)
  })

  it('names a bad filter on the list (400) and keeps the others, and ticks every paid order with ?select=all', async () => {
    const { browser } = await staffBrowser()
    const { ref } = await paidOrder()
    const answer = await browser.fetch('/admin/orders?status=paid&from=yesterday')
    expect(answer.status).toBe(400)
    const html = await answer.text()
    expect(html).toContain('Some filters were left out: “from” date must be a date like 2026-11-25')
    expect(html).toContain(`#${ref}`)
    expect(html).toContain('<option value="paid" selected>')
    const all = await (await browser.fetch('/admin/orders?status=paid&select=all')).text()
    const boxes = all.match(/name="order_ids" value="[^"]+"[^>]*>/g) ?? []
    expect(boxes.length).toBeGreaterThan(0)
    expect(boxes.every((box) => box.includes('checked'))).toBe(true)
    expect(all).toContain('Clear the selection')
  })

  it('keeps staff notes on the order (page and API, audited), refuses an empty one on the page, and never shows them to the customer', async () => {
    const { browser } = await staffBrowser()
    const staff = await staffUser()
    const { orderId, ref, who } = await paidOrder()
    const added = await landing(browser, await browser.submit(`/admin/orders/${orderId}`, `/admin/orders/${orderId}/note`, { body: 'Customer asked for gift wrap.' }))
    expect(added.html).toContain(`Note added to order ${ref}.`)
    expect(added.html).toContain('Customer asked for gift wrap.')
    const empty = await browser.submit(`/admin/orders/${orderId}`, `/admin/orders/${orderId}/note`, { body: '   ' })
    expect(empty.status).toBe(400)
    expect(await empty.text()).toContain('The note was not added: write it first')
    const viaApi = await api<{ id: number; body: string }>(staff, 'POST', `/orders/${orderId}/notes`, { body: 'Called the carrier.' })
    expect(viaApi.status).toBe(201)
    expect((await api(staff, 'POST', `/orders/${orderId}/notes`, { body: 'x'.repeat(2001) })).status).toBe(400)
    expect((await api(staff, 'POST', '/orders/no-such-order/notes', { body: 'hello' })).status).toBe(404)
    expect((await api(who, 'POST', `/orders/${orderId}/notes`, { body: 'me too' })).status).toBe(403)
    const order = await api<{ notes: { body: string }[]; item_images: unknown[] }>(staff, 'GET', `/orders/${orderId}`)
    expect(order.body.notes.map((n) => n.body)).toEqual(['Customer asked for gift wrap.', 'Called the carrier.'])
    expect(await getDb(env).select().from(orderNotes).where(eq(orderNotes.orderId, orderId))).toHaveLength(2)
    expect((await getDb(env).select().from(auditLog).where(and(eq(auditLog.action, 'order.note'), eq(auditLog.targetId, orderId)))).length).toBe(2)
    const mine = await callJson<Record<string, unknown>>('GET', `/api/orders/${orderId}`, undefined, who.bearer)
    expect(JSON.stringify(mine.body)).not.toContain('gift wrap')
  })

  it('shows the order as staff work it: items with SKU, the address, a timeline with dates, and a toolbar', async () => {
    const { browser } = await staffBrowser()
    const { orderId } = await paidOrder('Katherine Johnson')
    const html = await (await browser.fetch(`/admin/orders/${orderId}`)).text()
    expect(html).toContain('aria-label="Order actions"')
    expect(html).toContain('Katherine Johnson\n12 St James Square')
    expect(html).toContain('United Kingdom')
    expect(html).toMatch(/Payment received/)
    expect(html).toMatch(/<time datetime="\d{4}-\d{2}-\d{2}T[^"]+">/)
    expect(html).not.toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/)
  })
})

describe('products bulk actions', () => {
  it('deactivates, moves and, after a page naming them, deletes the products ticked, landing back on the list', async () => {
    const { browser } = await staffBrowser()
    const [a, b] = [await insertProduct({ name: 'Bulk Alpha' }), await insertProduct({ name: 'Bulk Beta' })]
    const [category] = await getDb(env).insert(categories).values({ name: 'Bulk Target', slug: `bulk-${Date.now().toString(36)}` }).returning()
    const csrf = await browser.csrfFrom('/admin/products')
    const pick = [['product_ids', String(a.id)], ['product_ids', String(b.id)]] as [string, string][]
    const off = await landing(browser, await postForm(browser, '/admin/products/bulk', [['_csrf', csrf], ['back', 'sort=name'], ['action', 'deactivate'], ...pick]))
    expect(off.location).toBe('/admin/products?sort=name')
    expect(off.html).toContain('Deactivated: 2 products (“Bulk Alpha”, “Bulk Beta”).')
    expect((await getDb(env).select().from(products).where(eq(products.id, a.id)))[0]?.isActive).toBe(false)
    const noCategory = await landing(browser, await postForm(browser, '/admin/products/bulk', [['_csrf', csrf], ['action', 'move'], ...pick]))
    expect(noCategory.html).toContain('Nothing changed: choose the category to move them to.')
    const moved = await landing(browser, await postForm(browser, '/admin/products/bulk', [['_csrf', csrf], ['action', 'move'], ['category_id', String(category?.id)], ...pick]))
    expect(moved.html).toContain('Moved to Bulk Target: 2 products')
    const listed = await (await browser.fetch(`/admin/products?category=${category?.slug}`)).text()
    expect(listed).toContain('Bulk Alpha')
    expect(listed).toContain('2 products')
    const ask = await postForm(browser, '/admin/products/bulk', [['_csrf', csrf], ['action', 'delete'], ...pick])
    expect(ask.status).toBe(200)
    const question = await ask.text()
    expect(question).toContain('Delete 2 products?')
    expect(question).toContain('Bulk Beta')
    expect(await getDb(env).select().from(products).where(eq(products.id, b.id))).toHaveLength(1)
    const gone = await landing(browser, await postForm(browser, '/admin/products/bulk', [['_csrf', csrf], ['action', 'delete'], ['confirm', 'yes'], ...pick]))
    expect(gone.html).toContain('Deleted: 2 products')
    expect(await getDb(env).select().from(products).where(eq(products.id, b.id))).toHaveLength(0)
    const nothing = await landing(browser, await postForm(browser, '/admin/products/bulk', [['_csrf', csrf], ['action', 'activate']]))
    expect(nothing.html).toContain('Nothing changed: tick at least one product.')
    expect((await postForm(browser, '/admin/products/bulk', [['action', 'delete'], ['confirm', 'yes'], ...pick])).status).toBe(403)
  })

  it('answers over the API with what changed and what was refused', async () => {
    const staff = await staffUser()
    const p = await insertProduct({ name: 'Api Bulk', isActive: false })
    const done = await api<{ done: { id: number }[]; refused: { id: number; reason: string }[] }>(staff, 'POST', '/products/bulk', { action: 'activate', product_ids: [p.id, 99_999_999] })
    expect(done.status).toBe(200)
    expect(done.body.done.map((d) => d.id)).toEqual([p.id])
    expect(done.body.refused).toEqual([{ id: 99_999_999, name: null, reason: 'no such product' }])
    expect((await api(staff, 'POST', '/products/bulk', { action: 'move', product_ids: [p.id] })).body.error?.fields).toHaveProperty('category_id')
    expect((await api(staff, 'POST', '/products/bulk', { action: 'explode', product_ids: [p.id] })).status).toBe(400)
  })

  it('lists thumbnails, human sort labels, and low stock by the store threshold', async () => {
    const { browser } = await staffBrowser()
    const admin = await staffUser('admin')
    const name = `Threshold ${Date.now().toString(36)}`
    await insertProduct({ name, stockQuantity: 4, images: ['products/thumb.png'] })
    const page = await (await browser.fetch(`/admin/products?q=${encodeURIComponent(name)}&low_stock=true`)).text()
    expect(page).toContain('Name Z–A')
    expect(page).not.toMatch(/>-name</)
    expect(page).toContain('class="admin-thumb" src="/images/products/thumb.png"')
    expect(page).toContain(name)
    await api(admin, 'PUT', '/settings', { time_zone: 'UTC', low_stock_threshold: 3 })
    expect(await (await browser.fetch(`/admin/products?q=${encodeURIComponent(name)}&low_stock=true`)).text()).toContain('0 products')
    await api(admin, 'PUT', '/settings', { time_zone: 'UTC', low_stock_threshold: 5 })
  })
})

describe('the dashboard', () => {
  it('answers the period asked for, in the store time zone, and refuses an unknown one', async () => {
    const staff = await staffUser()
    await paidOrder()
    const year = await api<{ period: string; series: { label: string; net_cents: number }[]; top_products: { units: number }[]; to_ship_oldest: unknown[] }>(staff, 'GET', '/dashboard?period=12m')
    expect(year.status).toBe(200)
    expect(year.body.series).toHaveLength(12)
    expect(year.body.series.at(-1)?.net_cents).toBeGreaterThan(0)
    expect(year.body.top_products[0]?.units).toBeGreaterThan(0)
    expect(year.body.to_ship_oldest.length).toBeGreaterThan(0)
    expect((await api<{ series: unknown[] }>(staff, 'GET', '/dashboard?period=7d')).body.series).toHaveLength(7)
    expect((await api(staff, 'GET', '/dashboard?period=1y')).status).toBe(400)
    const { browser } = await staffBrowser()
    const page = await browser.fetch('/admin?period=1y')
    expect(page.status).toBe(400)
    expect(await page.text()).toContain('There is no period “1y”: showing the last 30 days.')
    const html = await (await browser.fetch('/admin?period=90d')).text()
    expect(html).toMatch(/<a href="\/admin\?period=90d" aria-current="page">90 days<\/a>/)
    expect(html).toContain('href="/admin/orders?status=paid"')
    expect(html).toContain('href="/admin/products?low_stock=true&amp;sort=stock"')
  })

  it("cuts days at the store's midnight, daylight saving included", () => {
    const now = Date.parse('2026-03-29T12:00:00Z') // Berlin moved to summer time at 01:00 UTC that day
    const days = bucketsOf('7d', now, 'Europe/Berlin')
    expect(days.at(-1)).toEqual({ label: '2026-03-29', start: Date.parse('2026-03-28T23:00:00Z'), end: Date.parse('2026-03-29T22:00:00Z') })
    expect(days[0]?.label).toBe('2026-03-23')
    const months = bucketsOf('12m', now, 'Asia/Kolkata')
    expect(months[0]).toMatchObject({ label: '2025-04', start: Date.parse('2025-03-31T18:30:00Z') })
    expect(zonedDayStart('2026-12-01', 'America/New_York')).toBe(Date.parse('2026-12-01T05:00:00Z'))
  })
})
