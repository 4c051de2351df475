import { env, SELF } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../src/db/client'
import { categories, products, users } from '../src/db/schema'
import { stockOf } from '../src/stock/client'
import type { ErrorBody } from '../src/platform/errors'
import { BASE, Browser, callJson, registerUser, staffUser } from './helpers'
import { ADDRESS, placeOrder } from './orders-helpers'
import { localCheckoutFor, startCheckout } from '../src/payments/checkout'
import { handleStripeEvent } from '../src/payments/events'
import { localCheckoutEvent } from '../src/payments/local'

type Product = { id: number; slug: string; price_cents: number; stock_quantity: number; is_active: boolean; images: { id: number; r2_key: string; position: number; alt_text: string; width: number | null; height: number | null }[]; category_ids: number[] }

const admin = <T = Product>(who: { bearer: Record<string, string> }, method: string, path: string, body?: unknown) => callJson<T & Partial<ErrorBody>>(method, `/api/admin${path}`, body, who.bearer)

// A 2×3 PNG and a 4×5 JPEG, as their headers say.
const png = () => {
  const bytes = new Uint8Array(64)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 2, 0, 0, 0, 3])
  bytes[40] = Math.floor(Math.random() * 255)
  bytes[41] = Math.floor(Math.random() * 255)
  return bytes
}
const jpeg = () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0, 5, 0, 4, 3, 1, 2, 3, Math.floor(Math.random() * 255)])

function upload(who: { bearer: Record<string, string> }, productId: number, files: { bytes: Uint8Array<ArrayBuffer>; name: string; type: string }[], alt = '') {
  const form = new FormData()
  for (const f of files) form.append('images', new File([f.bytes], f.name, { type: f.type }))
  if (alt) form.set('alt_text', alt)
  return SELF.fetch(`${BASE}/api/admin/products/${productId}/images`, { method: 'POST', headers: who.bearer, body: form })
}

const newProduct = (who: { bearer: Record<string, string> }, fields: Record<string, unknown> = {}) =>
  admin(who, 'POST', '/products', { name: `Admin Lamp ${crypto.randomUUID().slice(0, 6)}`, price: '19.99', stock_quantity: 10, ...fields })

describe('admin access', () => {
  it('is 401 for strangers and 403 for customers, on the API and the pages', async () => {
    const customer = await registerUser()
    expect((await callJson('GET', '/api/admin/products')).status).toBe(401)
    expect((await admin(customer, 'GET', '/products')).status).toBe(403)
    const stranger = new Browser()
    const page = await stranger.fetch('/admin/products')
    expect(page.status).toBe(303)
    expect(page.headers.get('Location')).toBe('/account/sign-in?next=%2Fadmin%2Fproducts')
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: customer.email, password: customer.password })
    const refused = await browser.fetch('/admin/products')
    expect(refused.status).toBe(403)
    expect(await refused.text()).toContain('for staff only')
  })
})

describe('admin products', () => {
  it('stores decimal prices as exact cents and refuses bad price strings, naming the field', async () => {
    const staff = await staffUser()
    for (const [text, cents] of [['19.99', 1999], ['0.1', 10], ['12', 1200], ['1234567.89', 123456789], ['0.29', 29]] as const) {
      const created = await newProduct(staff, { price: text })
      expect(created.status, text).toBe(201)
      expect(created.body.price_cents, text).toBe(cents)
    }
    for (const bad of ['12.345', '-1', '1e3', 'abc', '', '12,50', '1.']) {
      const refused = await newProduct(staff, { price: bad })
      expect(refused.status, bad).toBe(400)
      expect(refused.body.error?.fields?.price, bad).toBeDefined()
    }
  })

  it('makes unique slugs from names and refuses a taken slug', async () => {
    const staff = await staffUser()
    const name = `Crème Brûlée Set ${crypto.randomUUID().slice(0, 4)}`
    const first = await newProduct(staff, { name })
    const second = await newProduct(staff, { name })
    expect(first.body.slug).toMatch(/^creme-brulee-set-[a-z0-9]{4}$/)
    expect(second.body.slug).toBe(`${first.body.slug}-2`)
    const taken = await newProduct(staff, { slug: first.body.slug })
    expect(taken.status).toBe(409)
    expect(taken.body.error?.fields?.slug).toBeDefined()
  })

  it('shows a new product and every change on the storefront and the API at once', async () => {
    const staff = await staffUser()
    const created = await newProduct(staff, { price: '25.00' })
    const shop = await callJson<{ price_cents: number }>('GET', `/api/products/${created.body.slug}`)
    expect(shop.body.price_cents).toBe(2500)
    await admin(staff, 'PATCH', `/products/${created.body.id}`, { price: '21.50' })
    expect((await callJson<{ price_cents: number }>('GET', `/api/products/${created.body.slug}`)).body.price_cents).toBe(2150)
    expect(await (await SELF.fetch(`${BASE}/products/${created.body.slug}`)).text()).toContain('$21.50')
    await admin(staff, 'PATCH', `/products/${created.body.id}`, { is_active: false })
    expect((await callJson('GET', `/api/products/${created.body.slug}`)).status).toBe(404)
  })

  it('changes stock through the product object, which D1 follows, and never below the units held', async () => {
    const staff = await staffUser()
    const created = await newProduct(staff, { stock_quantity: 10 })
    const id = created.body.id
    const set = await admin(staff, 'PATCH', `/products/${id}`, { stock_quantity: 7, expected_stock_quantity: 10 })
    expect(set.body.stock_quantity).toBe(7)
    const stock = await stockOf(env, id).get(id)
    expect(stock.ok && stock.onHand).toBe(7)
    const shopper = await registerUser()
    expect((await placeOrder(shopper, [{ product_id: id, quantity: 3 }], { address: ADDRESS })).status).toBe(201)
    const below = await admin(staff, 'PATCH', `/products/${id}`, { stock_quantity: 2, expected_stock_quantity: 7 })
    expect(below.status).toBe(409)
    expect(below.body.error?.code).toBe('stock_below_held')
    const row = await getDb(env).query.products.findFirst({ where: eq(products.id, id) })
    expect(row?.stockQuantity).toBe(7)
  })

  it('lists with search, filters, sort and pages', async () => {
    const staff = await staffUser()
    const tag = crypto.randomUUID().slice(0, 6)
    await newProduct(staff, { name: `Filter ${tag} A`, price: '5', stock_quantity: 2 })
    await newProduct(staff, { name: `Filter ${tag} B`, price: '50', stock_quantity: 40, is_active: false })
    await newProduct(staff, { name: `Filter ${tag} C`, price: '15', stock_quantity: 30 })
    const all = await admin<{ items: { name: string }[]; total: number }>(staff, 'GET', `/products?q=${tag}&sort=price`)
    expect(all.body.items.map((p) => p.name)).toEqual([`Filter ${tag} A`, `Filter ${tag} C`, `Filter ${tag} B`])
    expect((await admin<{ total: number }>(staff, 'GET', `/products?q=${tag}&active=false`)).body.total).toBe(1)
    expect((await admin<{ items: { name: string }[] }>(staff, 'GET', `/products?q=${tag}&low_stock=true`)).body.items.map((p) => p.name)).toEqual([`Filter ${tag} A`])
    const paged = await admin<{ items: unknown[]; total_pages: number }>(staff, 'GET', `/products?q=${tag}&page_size=2&page=2`)
    expect(paged.body.items).toHaveLength(1)
    expect(paged.body.total_pages).toBe(2)
    expect((await admin(staff, 'GET', '/products?sort=sideways')).status).toBe(400)
  })
})

describe('admin images', () => {
  it('uploads several at once with their pixel sizes, reorders, edits alt text and deletes (the R2 object too)', async () => {
    const staff = await staffUser()
    const { body: product } = await newProduct(staff)
    const answer = await upload(staff, product.id, [
      { bytes: png(), name: 'front.png', type: 'image/png' },
      { bytes: jpeg(), name: 'back.jpg', type: 'image/jpeg' },
    ], 'Lamp')
    expect(answer.status).toBe(201)
    const withImages = (await answer.json()) as Product
    expect(withImages.images.map((i) => [i.position, i.width, i.height, i.alt_text])).toEqual([
      [0, 2, 3, 'Lamp'],
      [1, 4, 5, 'Lamp'],
    ])
    for (const image of withImages.images) expect(await env.IMAGES.head(image.r2_key)).not.toBeNull()
    const [front, back] = withImages.images as [Product['images'][number], Product['images'][number]]
    const reordered = await admin(staff, 'PUT', `/products/${product.id}/images/order`, { image_ids: [back.id, front.id] })
    expect(reordered.body.images.map((i) => i.id)).toEqual([back.id, front.id])
    expect((await admin(staff, 'PUT', `/products/${product.id}/images/order`, { image_ids: [back.id] })).status).toBe(400)
    const alt = await admin(staff, 'PATCH', `/products/${product.id}/images/${front.id}`, { alt_text: 'Lamp, front' })
    expect(alt.body.images.find((i) => i.id === front.id)?.alt_text).toBe('Lamp, front')
    const shop = await callJson<{ images: { alt: string }[] }>('GET', `/api/products/${product.slug}`)
    expect(shop.body.images.map((i) => i.alt)).toEqual(['Lamp', 'Lamp, front'])
    await admin(staff, 'DELETE', `/products/${product.id}/images/${front.id}`)
    expect(await env.IMAGES.head(front.r2_key)).toBeNull()
  })

  it('refuses a file that is not an image, or is over 5 MB, and stores none of the batch', async () => {
    const staff = await staffUser()
    const { body: product } = await newProduct(staff)
    const before = (await env.IMAGES.list({ prefix: 'products/' })).objects.length
    const fake = await upload(staff, product.id, [
      { bytes: png(), name: 'ok.png', type: 'image/png' },
      { bytes: new TextEncoder().encode('<html>not an image</html>'), name: 'evil.png', type: 'image/png' },
    ])
    expect(fake.status).toBe(415)
    const big = new Uint8Array(5 * 1024 * 1024 + 1)
    big.set(png())
    expect((await upload(staff, product.id, [{ bytes: big, name: 'big.png', type: 'image/png' }])).status).toBe(413)
    expect((await env.IMAGES.list({ prefix: 'products/' })).objects.length).toBe(before)
    expect((await admin(staff, 'GET', `/products/${product.id}`)).body.images).toEqual([])
  })

  it('deletes a product with its image objects', async () => {
    const staff = await staffUser()
    const { body: product } = await newProduct(staff)
    const withImage = (await (await upload(staff, product.id, [{ bytes: png(), name: 'a.png', type: 'image/png' }])).json()) as Product
    expect((await admin(staff, 'DELETE', `/products/${product.id}`)).status).toBe(204)
    expect(await env.IMAGES.head(withImage.images[0]?.r2_key ?? '')).toBeNull()
    expect((await admin(staff, 'GET', `/products/${product.id}`)).status).toBe(404)
  })
})

describe('admin categories', () => {
  it('creates, moves, refuses a cycle, and deletes only when empty', async () => {
    const staff = await staffUser()
    const tag = crypto.randomUUID().slice(0, 6)
    type Cat = { id: number; slug: string; parent_id: number | null }
    const parent = await admin<Cat>(staff, 'POST', '/categories', { name: `Garden ${tag}` })
    const child = await admin<Cat>(staff, 'POST', '/categories', { name: `Pots ${tag}`, parent_id: parent.body.id })
    expect(child.body.parent_id).toBe(parent.body.id)
    const cycle = await admin(staff, 'PATCH', `/categories/${parent.body.id}`, { parent_id: child.body.id })
    expect(cycle.status).toBe(400)
    expect(cycle.body.error?.fields?.parent_id).toBeDefined()
    const moved = await admin<Cat>(staff, 'PATCH', `/categories/${child.body.id}`, { parent_id: null })
    expect(moved.body.parent_id).toBeNull()
    const product = await newProduct(staff, { category_ids: [child.body.id] })
    expect((await admin(staff, 'DELETE', `/categories/${child.body.id}`)).status).toBe(409)
    await admin(staff, 'PATCH', `/products/${product.body.id}`, { category_ids: [] })
    expect((await admin(staff, 'DELETE', `/categories/${child.body.id}`)).status).toBe(204)
    expect(await getDb(env).query.categories.findFirst({ where: eq(categories.id, child.body.id) })).toBeUndefined()
    const tree = await callJson<{ slug: string }[]>('GET', '/api/categories')
    expect(tree.body.some((c) => c.slug === parent.body.slug)).toBe(true)
  })
})

describe('audit log', () => {
  it('records who changed what with before and after; only admins read it', async () => {
    const staff = await staffUser()
    const boss = await staffUser('admin')
    const { body: product } = await newProduct(staff, { price: '10' })
    await admin(staff, 'PATCH', `/products/${product.id}`, { price: '12.50' })
    type Log = { items: { actorEmail: string; action: string; before: { price_cents: number } | null; after: { price_cents: number } | null }[] }
    expect((await admin(staff, 'GET', '/audit')).status).toBe(403)
    const log = await admin<Log>(boss, 'GET', `/audit?target_type=product&target_id=${product.id}`)
    expect(log.body.items.map((e) => e.action)).toEqual(['product.update', 'product.create'])
    const update = log.body.items[0]
    expect(update?.actorEmail).toBe(staff.email)
    expect(update?.before?.price_cents).toBe(1000)
    expect(update?.after?.price_cents).toBe(1250)
  })
})

describe('admin pages', () => {
  it('lets staff create a product from the form (price typed as a decimal), and refuses a form without its CSRF token', async () => {
    const staff = await staffUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: staff.email, password: staff.password })
    const list = await browser.fetch('/admin/products')
    expect(list.status).toBe(200)
    const name = `Form Kettle ${crypto.randomUUID().slice(0, 6)}`
    const created = await browser.submit('/admin/products/new', '/admin/products/new', { name, price: '34.90', currency: 'USD', stock_quantity: '4', is_active: 'on', description: 'Made in a form.' })
    expect(created.status).toBe(303)
    const edit = await browser.fetch(created.headers.get('Location') ?? '')
    expect(await edit.text()).toContain('value="34.90"')
    const row = await getDb(env).query.products.findFirst({ where: eq(products.name, name) })
    expect(row?.priceCents).toBe(3490)
    const bad = await browser.submit('/admin/products/new', '/admin/products/new', { name: 'Bad price', price: '3,50', currency: 'USD', stock_quantity: '1' })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('at most two decimals')
    const forged = await browser.submit('/admin/products/new', '/admin/products/new', { name: 'No token', price: '1' }, { csrf: false })
    expect(forged.status).toBe(403)
  })
})

describe('admin orders', () => {
  type AdminOrderBody = { id: string; status: string; payment_status: string; refunded_cents: number; shipment: { carrier: string; tracking_number: string | null } | null; history: { to: string }[]; customer: { email: string } }

  /** A paid order for one unit of a fresh product (paid through the local provider, as offline checkout does). */
  async function paidOrder(priceText = '40.00') {
    const staff = await staffUser()
    const { body: product } = await newProduct(staff, { price: priceText, stock_quantity: 5 })
    const shopper = await registerUser()
    const placed = await placeOrder(shopper, [{ product_id: product.id, quantity: 1 }], { address: ADDRESS })
    const orderId = placed.body.id as string
    const viewer = { id: shopper.user.id, email: shopper.email, name: shopper.name, role: 'customer' as const, tokenVersion: 0 }
    const { url } = await startCheckout(env, viewer, orderId, BASE)
    const sessionId = url.split('/').pop() as string
    const { payment } = await localCheckoutFor(env, viewer, sessionId)
    await handleStripeEvent(env, localCheckoutEvent(payment, 'pay'))
    return { staff, shopper, product, orderId }
  }

  it('lists with filters (status, payment status, dates, customer email) and exports the same as CSV', async () => {
    const { staff, shopper, orderId } = await paidOrder()
    const mine = await admin<{ items: { id: string; customer_email: string; status: string }[]; total: number }>(staff, 'GET', `/orders?email=${encodeURIComponent(shopper.email.toUpperCase())}`)
    expect(mine.body.items.map((o) => o.id)).toEqual([orderId])
    const today = new Date().toISOString().slice(0, 10)
    expect((await admin<{ items: { id: string }[] }>(staff, 'GET', `/orders?status=paid&payment_status=paid&from=${today}&to=${today}&page_size=200`)).body.items.map((o) => o.id)).toContain(orderId)
    expect((await admin<{ total: number }>(staff, 'GET', `/orders?email=${encodeURIComponent(shopper.email)}&status=shipped`)).body.total).toBe(0)
    expect((await admin(staff, 'GET', '/orders?from=2026-13-45')).status).toBe(400)
    const csv = await SELF.fetch(`${BASE}/api/admin/orders.csv?email=${encodeURIComponent(shopper.email)}`, { headers: staff.bearer })
    expect(csv.headers.get('Content-Type')).toMatch(/text\/csv/)
    const lines = (await csv.text()).trim().split('\r\n')
    expect(lines[0]).toBe('order_id,created_at,email,customer_email,status,payment_status,currency,subtotal,discount,shipping,tax,tax_inclusive,total,refunded,shipping_method,address,review_reason,items,discounts_applied')
    expect(lines[1]).toContain(`${orderId},`)
    expect(lines[1]).toContain(',paid,paid,USD,40.00,0.00,0.00,0.00,no,40.00,0.00,')
  })

  it('ships (with carrier and tracking), then delivers; the customer sees it; illegal moves are refused', async () => {
    const { staff, shopper, orderId } = await paidOrder()
    expect((await admin(staff, 'POST', `/orders/${orderId}/deliver`)).status).toBe(409)
    expect((await admin(staff, 'POST', `/orders/${orderId}/ship`, { carrier: '' })).status).toBe(400)
    const shipped = await admin<AdminOrderBody>(staff, 'POST', `/orders/${orderId}/ship`, { carrier: 'DHL', tracking_number: 'JD0142' })
    expect(shipped.body.status).toBe('shipped')
    expect(shipped.body.shipment).toMatchObject({ carrier: 'DHL', tracking_number: 'JD0142' })
    expect((await admin(staff, 'POST', `/orders/${orderId}/ship`, { carrier: 'DHL' })).status).toBe(409)
    expect((await admin(staff, 'POST', `/orders/${orderId}/cancel`)).status).toBe(409)
    const delivered = await admin<AdminOrderBody>(staff, 'POST', `/orders/${orderId}/deliver`)
    expect(delivered.body.history.map((h) => h.to)).toEqual(['pending_payment', 'paid', 'shipped', 'delivered'])
    expect((await callJson<{ status: string }>('GET', `/api/orders/${orderId}`, undefined, shopper.bearer)).body.status).toBe('delivered')
  })

  it('refunds part, then the rest with restock; refuses more than was paid and a bad amount string', async () => {
    const { staff, product, orderId } = await paidOrder('40.00')
    expect((await admin(staff, 'POST', `/orders/${orderId}/refund`, { amount: '12,00', reason: 'scratch' })).status).toBe(400)
    expect((await admin(staff, 'POST', `/orders/${orderId}/refund`, { amount: '40.01', reason: 'too much' })).status).toBe(400)
    const part = await admin<{ order: AdminOrderBody }>(staff, 'POST', `/orders/${orderId}/refund`, { amount: '10.50', reason: 'scratch' })
    expect(part.body.order.payment_status).toBe('partially_refunded')
    expect(part.body.order.refunded_cents).toBe(1050)
    const rest = await admin<{ order: AdminOrderBody }>(staff, 'POST', `/orders/${orderId}/refund`, { reason: 'returned', restock: true })
    expect(rest.body.order.status).toBe('refunded')
    expect(rest.body.order.refunded_cents).toBe(4000)
    const stock = await stockOf(env, product.id).get(product.id)
    expect(stock.ok && stock.onHand).toBe(5)
    expect((await getDb(env).query.products.findFirst({ where: eq(products.id, product.id) }))?.stockQuantity).toBe(5)
  })

  it('cancels an unpaid order (holds released) and a paid one (refunded in full); a customer can do neither', async () => {
    const staff = await staffUser()
    const { body: product } = await newProduct(staff, { stock_quantity: 3 })
    const shopper = await registerUser()
    const unpaid = await placeOrder(shopper, [{ product_id: product.id, quantity: 2 }], { address: ADDRESS })
    expect((await admin(shopper, 'POST', `/orders/${unpaid.body.id}/cancel`)).status).toBe(403)
    const cancelled = await admin<AdminOrderBody>(staff, 'POST', `/orders/${unpaid.body.id}/cancel`)
    expect(cancelled.body.status).toBe('cancelled')
    const stock = await stockOf(env, product.id).get(product.id)
    expect(stock.ok && [stock.onHand, stock.held]).toEqual([3, 0])
    const paid = await paidOrder()
    const refunded = await admin<AdminOrderBody>(paid.staff, 'POST', `/orders/${paid.orderId}/cancel`)
    expect([refunded.body.status, refunded.body.payment_status]).toEqual(['refunded', 'refunded'])
  })

  it('marks many paid orders shipped at once and names the ones it refused', async () => {
    const first = await paidOrder()
    const second = await paidOrder()
    const shopper = await registerUser()
    const unpaid = await placeOrder(shopper, [{ product_id: first.product.id, quantity: 1 }], { address: ADDRESS })
    const result = await admin<{ shipped: string[]; refused: { order_id: string; reason: string }[] }>(first.staff, 'POST', '/orders/bulk-ship', {
      order_ids: [first.orderId, second.orderId, unpaid.body.id, 'no-such-order'],
      carrier: 'UPS',
    })
    expect(result.body.shipped.sort()).toEqual([first.orderId, second.orderId].sort())
    expect(result.body.refused.map((r) => r.order_id).sort()).toEqual([unpaid.body.id as string, 'no-such-order'].sort())
  })

  it('puts every order action in the audit log', async () => {
    const { staff, orderId } = await paidOrder()
    await admin(staff, 'POST', `/orders/${orderId}/ship`, { carrier: 'DHL' })
    const boss = await staffUser('admin')
    const log = await admin<{ items: { action: string; actorEmail: string }[] }>(boss, 'GET', `/audit?target_type=order&target_id=${orderId}`)
    expect(log.body.items.map((e) => [e.action, e.actorEmail])).toEqual([['order.ship', staff.email]])
  })
})

describe('dashboard', () => {
  it('adds up sales paid today net of refunds, exactly as the orders say', async () => {
    const staff = await staffUser()
    const before = (await admin<{ net_today_cents: number; net_30_days_cents: number; to_ship: number }>(staff, 'GET', '/dashboard')).body
    const shopper = await registerUser()
    const { body: product } = await newProduct(staff, { price: '12.34', stock_quantity: 10 })
    const viewer = { id: shopper.user.id, email: shopper.email, name: shopper.name, role: 'customer' as const, tokenVersion: 0 }
    const placed = await placeOrder(shopper, [{ product_id: product.id, quantity: 3 }], { address: ADDRESS })
    const { url } = await startCheckout(env, viewer, placed.body.id as string, BASE)
    const { payment } = await localCheckoutFor(env, viewer, url.split('/').pop() as string)
    await handleStripeEvent(env, localCheckoutEvent(payment, 'pay'))
    await admin(staff, 'POST', `/orders/${placed.body.id}/refund`, { amount: '2.00', reason: 'discount' })
    const after = (await admin<{ net_today_cents: number; net_7_days_cents: number; net_30_days_cents: number; to_ship: number; days: { net_cents: number }[] }>(staff, 'GET', '/dashboard')).body
    expect(after.net_today_cents - before.net_today_cents).toBe(3 * 1234 - 200)
    expect(after.net_30_days_cents - before.net_30_days_cents).toBe(3 * 1234 - 200)
    expect(after.days).toHaveLength(30)
    expect(after.days.reduce((sum, d) => sum + d.net_cents, 0)).toBe(after.net_30_days_cents)
    expect(after.to_ship).toBe(before.to_ship + 1)
    const page = await new Browser()
    await page.submit('/account/sign-in', '/account/sign-in', { email: staff.email, password: staff.password })
    const html = await (await page.fetch('/admin')).text()
    expect(html).toContain('<svg class="chart"')
    expect(html).toContain('Net sales, last 30 days')
  })
})

describe('admin users', () => {
  it('lets admins change roles (audited) but never demote the last admin; staff cannot', async () => {
    const staff = await staffUser()
    const boss = await staffUser('admin')
    const customer = await registerUser()
    expect((await admin(staff, 'PATCH', `/users/${customer.user.id}`, { role: 'staff' })).status).toBe(403)
    const promoted = await admin<{ role: string }>(boss, 'PATCH', `/users/${customer.user.id}`, { role: 'staff' })
    expect(promoted.body.role).toBe('staff')
    expect((await admin(customer, 'GET', '/products')).status).toBe(200)
    // Demote every other admin, then the last one cannot go.
    const admins = await getDb(env).select().from(users).where(eq(users.role, 'admin'))
    for (const other of admins.filter((u) => u.id !== boss.user.id)) await admin(boss, 'PATCH', `/users/${other.id}`, { role: 'customer' })
    const last = await admin(boss, 'PATCH', `/users/${boss.user.id}`, { role: 'customer' })
    expect(last.status).toBe(409)
    expect((await admin(boss, 'PATCH', `/users/${customer.user.id}`, { role: 'emperor' })).status).toBe(400)
  })
})
