import { env } from 'cloudflare:test'
import { and, eq, ne } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { markShipped } from '../src/admin/orders'
import { getDb } from '../src/db/client'
import { categories, orderEvents, orders, products, shipments, users } from '../src/db/schema'
import { localCheckoutEvent } from '../src/payments/local'
import { localCheckoutFor, startCheckout } from '../src/payments/checkout'
import { handleStripeEvent } from '../src/payments/events'
import { BASE, Browser, insertProduct, registerUser } from './helpers'
import { defaultVariant, placeOrder, stockView } from './orders-helpers'
import { viewerOf } from './payments-helpers'

/** A signed-in staff (or admin) browser. */
async function staffBrowser(role: 'staff' | 'admin' = 'staff') {
  const user = await registerUser()
  await getDb(env).update(users).set({ role }).where(eq(users.id, user.user.id))
  const browser = new Browser()
  await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
  return { user, browser }
}

/** A paid order of `quantity` units of a fresh product (40.00 each, 5 in stock), paid offline. */
async function paidOrder(quantity = 1) {
  const product = await insertProduct({ stockQuantity: 5, priceCents: 4000 })
  const who = await registerUser()
  const orderId = (await placeOrder(who, [{ product_id: product.id, quantity }])).body.id
  const { url } = await startCheckout(env, viewerOf(who), orderId, BASE)
  const { payment } = await localCheckoutFor(env, viewerOf(who), url.split('/').pop() ?? '')
  await handleStripeEvent(env, localCheckoutEvent(payment, 'pay'))
  return { product, orderId, ref: orderId.slice(0, 8).toUpperCase() }
}

/** Follows a redirect and answers the page it lands on. */
async function landing(browser: Browser, answer: Response) {
  expect(answer.status).toBe(303)
  const location = answer.headers.get('Location') ?? ''
  const page = await browser.fetch(location)
  return { location, status: page.status, html: await page.text() }
}

describe('admin actions answer on the page they came from', () => {
  it('bulk "mark shipped" lands back on the orders list with what it did (not a 400), shown once', async () => {
    const { browser } = await staffBrowser()
    const { orderId, ref } = await paidOrder()
    const done = await landing(browser, await browser.submit('/admin/orders', '/admin/orders/bulk-ship', { order_ids: orderId, carrier: 'UPS', back: 'status=paid' }))
    expect(done.location).toBe('/admin/orders?status=paid')
    expect(done.status).toBe(200)
    expect(done.html).toContain(`Marked shipped with UPS: 1 order (${ref}).`)
    expect(await (await browser.fetch('/admin/orders?status=paid')).text()).not.toContain('Marked shipped')
    const again = await landing(browser, await browser.submit('/admin/orders', '/admin/orders/bulk-ship', { order_ids: orderId, carrier: 'UPS' }))
    expect(again.html).toContain(`Not shipped: ${ref} (An order cannot go from shipped to shipped)`)
    const [first, second] = [await paidOrder(), await paidOrder()]
    const both = new URLSearchParams({ _csrf: await browser.csrfFrom('/admin/orders'), carrier: 'DHL' })
    both.append('order_ids', first.orderId)
    both.append('order_ids', second.orderId)
    const two = await landing(browser, await browser.fetch('/admin/orders/bulk-ship', { method: 'POST', body: both, headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE } }))
    expect(two.html).toContain(`Marked shipped with DHL: 2 orders (${first.ref}, ${second.ref}).`)
    const nothing = await landing(browser, await browser.submit('/admin/orders', '/admin/orders/bulk-ship', { carrier: '' }))
    expect(nothing.status).toBe(200)
    expect(nothing.html).toContain('Nothing was shipped: tick at least one paid order and name the carrier.')
  })

  it('role changes and the last-admin refusal land on the users page with their message, never in the URL', async () => {
    const { browser, user: boss } = await staffBrowser('admin')
    const customer = await registerUser()
    const promoted = await landing(browser, await browser.submit('/admin/users', `/admin/users/${customer.user.id}/role`, { role: 'staff' }))
    expect(promoted.location).toBe('/admin/users')
    expect(promoted.status).toBe(200)
    expect(promoted.html).toContain(`${customer.email} is now staff.`)
    await getDb(env).update(users).set({ role: 'customer' }).where(and(eq(users.role, 'admin'), ne(users.id, boss.user.id)))
    const refused = await landing(browser, await browser.submit('/admin/users', `/admin/users/${boss.user.id}/role`, { role: 'customer' }))
    expect(refused.location).toBe('/admin/users')
    expect(refused.html).toContain('No role was changed: This is the last admin: make another admin first.')
  })

  it('shows only messages it signed: a forged flash cookie or URL text is not shown', async () => {
    const { browser } = await staffBrowser()
    browser.cookies.set('flash', encodeURIComponent(JSON.stringify({ kind: 'error', text: 'Forged words' })))
    const page = await (await browser.fetch('/admin/users?error=Forged%20words')).text()
    expect(page).not.toContain('Forged words')
  })

  it('says what a refund from the order page refunded and returned to stock', async () => {
    const { browser } = await staffBrowser()
    const { orderId, product } = await paidOrder(2)
    const page = `/admin/orders/${orderId}`
    const html = await (await browser.fetch(page)).text()
    // One field per order line, named by the line's variant.
    const variantId = await defaultVariant(product.id)
    expect(html).toContain(`name="qty.${variantId}"`)
    const done = await landing(browser, await browser.submit(page, `${page}/refund`, { [`qty.${variantId}`]: '1', restock: 'on', reason: 'one came back', amount: '' }))
    expect(done.location).toBe(page)
    expect(done.html).toContain(`$40.00 refunded for 1 × ${product.name}; 1 unit returned to stock.`)
    expect((await stockView(product.id)).onHand).toBe(4)
    const beyond = await browser.submit(page, `${page}/refund`, { [`qty.${variantId}`]: '2', reason: 'too many' })
    expect(beyond.status).toBe(400)
    expect(await beyond.text()).toContain('at most 1 of 2 left to refund')
  })
})

describe('catalog form actions', () => {
  it('each land on their page with what they did, or why not', async () => {
    const { browser } = await staffBrowser()
    const name = `Flash Kettle ${crypto.randomUUID().slice(0, 6)}`
    const fields = { name, price: '12.00', currency: 'USD', stock_quantity: '3', is_active: 'on' }
    const created = await landing(browser, await browser.submit('/admin/products/new', '/admin/products/new', fields))
    expect(created.location).toMatch(/^\/admin\/products\/\d+$/)
    expect(created.html).toContain(`Product &quot;${name}&quot; created.`)
    const page = created.location
    const saved = await landing(browser, await browser.submit(page, page, { ...fields, price: '13.00', expected_stock_quantity: '3' }))
    expect(saved.location).toBe(page)
    expect(saved.html).toContain(`Product &quot;${name}&quot; saved.`)
    const noImage = await landing(browser, await browser.submit(page, `${page}/images/999999/delete`, {}))
    expect(noImage.location).toBe(page)
    expect(noImage.html).toContain('Nothing changed:')
    const badOrder = await landing(browser, await browser.submit(page, `${page}/images/order`, { image_ids: '999999' }))
    expect(badOrder.html).toContain('Nothing changed:')

    const category = `Flash Shelf ${crypto.randomUUID().slice(0, 6)}`
    const made = await landing(browser, await browser.submit('/admin/categories', '/admin/categories', { name: category }))
    expect(made.location).toBe('/admin/categories')
    expect(made.html).toContain(`Category &quot;${category}&quot; created.`)
    const row = await getDb(env).query.categories.findFirst({ where: eq(categories.name, category) })
    const renamed = await landing(browser, await browser.submit('/admin/categories', `/admin/categories/${row?.id}`, { name: `${category} 2`, position: '0', parent_id: '' }))
    expect(renamed.html).toContain(`Category &quot;${category} 2&quot; saved.`)
    const deleted = await landing(browser, await browser.submit('/admin/categories', `/admin/categories/${row?.id}/delete`, {}))
    expect(deleted.html).toContain('Category deleted.')
  })
})

describe('destructive admin actions ask first', () => {
  it('deletes a product only from its confirmation page', async () => {
    const { browser } = await staffBrowser()
    const product = await insertProduct()
    const edit = await (await browser.fetch(`/admin/products/${product.id}`)).text()
    expect(edit).toContain(`href="/admin/products/${product.id}/delete"`)
    expect(edit).not.toContain(`action="/admin/products/${product.id}/delete"`)
    const oneClick = await browser.submit(`/admin/products/${product.id}`, `/admin/products/${product.id}/delete`, {})
    expect(oneClick.headers.get('Location')).toBe(`/admin/products/${product.id}/delete`)
    expect(await getDb(env).query.products.findFirst({ where: eq(products.id, product.id) })).toBeDefined()
    const confirm = await (await browser.fetch(`/admin/products/${product.id}/delete`)).text()
    expect(confirm).toContain(`Delete &quot;${product.name}&quot;?`)
    expect(confirm).toContain('name="confirm" value="yes"')
    const done = await landing(browser, await browser.submit(`/admin/products/${product.id}/delete`, `/admin/products/${product.id}/delete`, { confirm: 'yes' }))
    expect(done.location).toBe('/admin/products')
    expect(done.html).toContain(`Product &quot;${product.name}&quot; deleted.`)
    expect(await getDb(env).query.products.findFirst({ where: eq(products.id, product.id) })).toBeUndefined()
  })

  it('cancels a paid order only from its confirmation page, saying what was refunded and restocked', async () => {
    const { browser } = await staffBrowser()
    const { orderId, product, ref } = await paidOrder(2)
    const page = `/admin/orders/${orderId}`
    const oneClick = await browser.submit(page, `${page}/cancel`, {})
    expect(oneClick.headers.get('Location')).toBe(`${page}/cancel`)
    expect((await getDb(env).query.orders.findFirst({ where: eq(orders.id, orderId) }))?.status).toBe('paid')
    const confirm = await (await browser.fetch(`${page}/cancel`)).text()
    expect(confirm).toContain('The payment is refunded in full ($80.00) and 2 units go back to stock.')
    const done = await landing(browser, await browser.submit(`${page}/cancel`, `${page}/cancel`, { confirm: 'yes' }))
    expect(done.location).toBe(page)
    expect(done.html).toContain(`Order ${ref} cancelled: $80.00 refunded for 2 × ${product.name}; 2 units returned to stock.`)
    expect((await stockView(product.id)).onHand).toBe(5)
  })
})

describe('mark shipped', () => {
  it('stands or falls as one: when its audit entry cannot be written, the order stays paid with no shipment and no event', async () => {
    const { orderId } = await paidOrder()
    const { user } = await staffBrowser()
    const broken = { id: user.user.id, email: null as unknown as string, name: 'x', role: 'staff' as const, tokenVersion: 0 }
    await expect(markShipped(env, broken, orderId, { carrier: 'DHL', tracking_number: 'X1' })).rejects.toThrow()
    const db = getDb(env)
    expect((await db.query.orders.findFirst({ where: eq(orders.id, orderId) }))?.status).toBe('paid')
    expect(await db.select().from(shipments).where(eq(shipments.orderId, orderId))).toEqual([])
    expect((await db.select().from(orderEvents).where(eq(orderEvents.orderId, orderId))).map((e) => e.toStatus)).toEqual(['pending_payment', 'paid'])
  })

  it('of two at once, writes one shipment, one event and one audit entry', async () => {
    const { orderId } = await paidOrder()
    const { user } = await staffBrowser()
    const actor = { id: user.user.id, email: user.email, name: 'x', role: 'staff' as const, tokenVersion: 0 }
    const results = await Promise.allSettled(['DHL', 'UPS'].map((carrier) => markShipped(env, actor, orderId, { carrier, tracking_number: null })))
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    const db = getDb(env)
    expect((await db.select().from(orderEvents).where(eq(orderEvents.orderId, orderId))).filter((e) => e.toStatus === 'shipped')).toHaveLength(1)
  })
})

describe('admin lists link their pages', () => {
  it('the users list pages through its filtered results, keeping the filter', async () => {
    const { browser } = await staffBrowser('admin')
    const tag = `pager${crypto.randomUUID().slice(0, 8)}`
    for (let i = 0; i < 3; i++) await registerUser({ email: `${tag}-${i}@example.com` })
    const first = await (await browser.fetch(`/admin/users?q=${tag}&page_size=2`)).text()
    expect(first).toContain('Page 1 of 2')
    expect(first).toContain(`href="/admin/users?q=${tag}&amp;page_size=2&amp;page=2"`)
    expect(first).not.toContain('← Previous')
    const second = await (await browser.fetch(`/admin/users?q=${tag}&page_size=2&page=2`)).text()
    expect(second).toContain('Page 2 of 2')
    expect(second).toContain(`href="/admin/users?q=${tag}&amp;page_size=2&amp;page=1"`)
    expect(second).not.toContain('Next →')
  })
})
