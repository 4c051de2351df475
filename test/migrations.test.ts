/**
 * Schema changes keep existing data: a store populated at one migration level is migrated to the latest
 * and still answers through the real Worker (its own empty D1, MIGRATION_DB, so the other tests' data
 * and the already migrated DB stay out of it).
 */
import { applyD1Migrations, createExecutionContext, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { hashPassword } from '../src/accounts/passwords'
import { getDb } from '../src/db/client'
import { webhookEventStatements } from '../src/webhooks/events'
import { BASE } from './helpers'
import { drizzle } from 'drizzle-orm/d1'
import * as schema from '../src/db/schema'
import { orderOutboxInsert } from '../src/notifications/outbox'
import { exportProductsCsv } from '../src/admin/product-csv/export'

/** The migrations a store deployed before the hardening work had (0000–0006). */
const number = (name: string) => Number(name.slice(0, 4))
const before = env.TEST_MIGRATIONS.filter((m) => number(m.name) <= 6)
/** Up to the last migration before variants (0009): products carry stock_held and refunds their lines by then. */
const beforeVariants = env.TEST_MIGRATIONS.filter((m) => number(m.name) <= 8)
/** Variants without the listing's columns (0010): products' own price and stock are all the list knew. */
const beforeListing = env.TEST_MIGRATIONS.filter((m) => number(m.name) <= 9)
const after = env.TEST_MIGRATIONS

const ADDRESS = JSON.stringify({ name: 'Ada Shopper', line1: '1 Harbour Road', city: 'Portland', postal_code: '97201', country: 'US' })
const PASSWORD = 'migrated-customer-password'

/** Rows as the store at migration 0006 wrote them: catalog, an account, a paid order partly refunded, a pending one. */
async function populateAt0006(db: D1Database) {
  const hash = await hashPassword(PASSWORD, 1_000)
  const now = Date.now()
  await db.batch([
    db.prepare("INSERT INTO categories (id, name, slug, position) VALUES (1, 'Kitchen', 'kitchen', 0)"),
    db.prepare(
      "INSERT INTO products (id, name, slug, description, price_cents, currency, stock_quantity, is_active) VALUES (1, 'Harbor Mug', 'harbor-mug', 'A stoneware mug', 1800, 'USD', 7, 1), (2, 'Cast Iron Skillet', 'cast-iron-skillet', 'Seasoned', 4500, 'USD', 0, 1), (3, 'Old Kettle', 'old-kettle', '', 3000, 'USD', 2, 0)",
    ),
    db.prepare('INSERT INTO product_categories (product_id, category_id) VALUES (1, 1), (2, 1), (3, 1)'),
    db.prepare(`INSERT INTO product_images (product_id, r2_key, alt_text, position, content_type, byte_size, width, height) VALUES (1, 'products/${'a'.repeat(64)}.png', 'The mug', 0, 'image/png', 120, 10, 10)`),
    db.prepare("INSERT INTO users (id, email, password_hash, name, role) VALUES (1, 'ada@example.com', ?, 'Ada Shopper', 'customer')").bind(hash),
    db.prepare('INSERT INTO user_profiles (user_id, default_shipping_address) VALUES (1, ?)').bind(ADDRESS),
    db
      .prepare(
        "INSERT INTO orders (id, user_id, status, payment_status, currency, subtotal_cents, total_cents, shipping_address, hold_expires_at, created_at) VALUES ('ord_paid', 1, 'paid', 'partially_refunded', 'USD', 3600, 3600, ?, ?, ?), ('ord_pending', 1, 'pending_payment', 'unpaid', 'USD', 1800, 1800, ?, ?, ?)",
      )
      .bind(ADDRESS, now - 60_000, now - 120_000, ADDRESS, now + 600_000, now - 30_000),
    db.prepare(
      "INSERT INTO order_items (order_id, product_id, product_name, price_at_purchase_cents, quantity, line_total_cents, reservation_id) VALUES ('ord_paid', 1, 'Harbor Mug', 1800, 2, 3600, 'res_paid_1'), ('ord_pending', 1, 'Harbor Mug', 1800, 1, 1800, 'res_pending_1')",
    ),
    db.prepare(
      "INSERT INTO payments (order_id, provider, status, amount_cents, currency, received_cents, refunded_cents) VALUES ('ord_paid', 'local', 'complete', 3600, 'USD', 3600, 1000)",
    ),
    db.prepare("INSERT INTO refunds (id, order_id, provider_refund_id, amount_cents, restock, reason, status) VALUES ('ref_1', 'ord_paid', 're_local_ref_1', 1000, 0, 'goodwill', 'succeeded')"),
  ])
}

const call = (path: string, init: RequestInit = {}) => worker.request(`${BASE}${path}`, init, { ...env, DB: env.MIGRATION_DB }, createExecutionContext())

describe('migrating a populated store', () => {
  it('keeps every row of a 0006 store and serves it through the Worker afterwards', async () => {
    const db = env.MIGRATION_DB
    await applyD1Migrations(db, before)
    await populateAt0006(db)
    const count = async (table: string) => ((await db.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())?.n ?? -1)
    const tables = ['categories', 'products', 'product_categories', 'product_images', 'users', 'user_profiles', 'orders', 'order_items', 'payments', 'refunds']
    const counts = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)] as const)))

    // At 0008 the units held are written through: the pending order holds one mug.
    await applyD1Migrations(db, beforeVariants)
    await db.prepare('UPDATE products SET stock_held = 1 WHERE id = 1').run()
    // Carts (a user's and a guest's, one line of a product deleted since), a refund by line, and an order
    // line of a product deleted since: each by product, as the store wrote them before variants.
    await db.batch([
      db.prepare("INSERT INTO carts (id, user_id, token_hash) VALUES (1, 1, NULL), (2, NULL, 'guest-token-hash')"),
      db.prepare('INSERT INTO cart_items (cart_id, product_id, quantity) VALUES (1, 1, 2), (1, 2, 1), (2, 1, 1), (2, 9, 3)'),
      db.prepare("INSERT INTO order_items (order_id, product_id, product_name, price_at_purchase_cents, quantity, line_total_cents, reservation_id) VALUES ('ord_paid', 9, 'Gone Teapot', 0, 1, 0, 'res_paid_9')"),
      db.prepare("INSERT INTO refund_items (refund_id, order_id, product_id, quantity) VALUES ('ref_1', 'ord_paid', 1, 1)"),
    ])
    const linesBefore = Object.fromEntries(await Promise.all(['cart_items', 'order_items', 'refund_items'].map(async (t) => [t, await count(t)] as const)))
    Object.assign(counts, linesBefore)

    // At 0009 a product was given options and variants (as the admin will): a T-shirt in two sizes, M on
    // sale and in stock, L sold out, an inactive XL; its row still has the price and stock of before.
    await applyD1Migrations(db, beforeListing)
    await db.batch([
      db.prepare("INSERT INTO products (id, name, slug, price_cents, currency, stock_quantity, is_active) VALUES (4, 'Harbor Tee', 'harbor-tee', 3000, 'USD', 0, 1)"),
      db.prepare('DELETE FROM product_variants WHERE product_id = 4'),
      db.prepare("INSERT INTO product_options (id, product_id, name, position) VALUES (1, 4, 'Size', 0)"),
      db.prepare("INSERT INTO product_option_values (id, option_id, value, position) VALUES (1, 1, 'M', 0), (2, 1, 'L', 1), (3, 1, 'XL', 2)"),
      db.prepare(
        "INSERT INTO product_variants (id, product_id, sku, title, price_cents, compare_at_cents, is_active, position, stock_quantity, stock_held) VALUES (100, 4, 'HT-M', 'M', 2500, 4000, 1, 0, 6, 2), (101, 4, 'HT-L', 'L', 2800, NULL, 1, 1, 0, 0), (102, 4, 'HT-XL', 'XL', 900, 5000, 0, 2, 9, 0)",
      ),
      db.prepare('INSERT INTO variant_option_values (variant_id, option_id, option_value_id) VALUES (100, 1, 1), (101, 1, 2), (102, 1, 3)'),
      db.prepare('UPDATE products SET stock_quantity = 15, stock_held = 2 WHERE id = 4'),
    ])
    // One product more than at 0006: the one made at 0009.
    counts.products = (counts.products ?? 0) + 1

    await applyD1Migrations(db, after)

    // No row lost, none made up; the new columns and tables start from what the old rows mean.
    for (const table of tables) expect(await count(table), table).toBe(counts[table])
    // 0010 filled the listing's columns from the variants: the lowest and highest active price, the highest
    // active compare-at, the units the active variants sell; a product sold as one variant keeps its figures.
    expect(await db.prepare('SELECT id, price_cents, price_max_cents, compare_at_max_cents, available_units, stock_quantity, stock_held FROM products ORDER BY id').all()).toMatchObject({
      results: [
        { id: 1, price_cents: 1800, price_max_cents: 1800, compare_at_max_cents: null, available_units: 6, stock_quantity: 7, stock_held: 1 },
        { id: 2, price_cents: 4500, price_max_cents: 4500, compare_at_max_cents: null, available_units: 0, stock_quantity: 0, stock_held: 0 },
        { id: 3, price_cents: 3000, price_max_cents: 3000, compare_at_max_cents: null, available_units: 2, stock_quantity: 2, stock_held: 0 },
        { id: 4, price_cents: 2500, price_max_cents: 2800, compare_at_max_cents: 4000, available_units: 4, stock_quantity: 15, stock_held: 2 },
      ],
    })
    // Every cart, order and refund line is kept, now of its product's default variant (a product deleted
    // before variants had none: -product_id), order lines titled 'Default' without SKU or option values.
    for (const table of ['cart_items', 'order_items', 'refund_items']) expect(await count(table), table).toBe(linesBefore[table])
    const defaultOf = async (productId: number) => (await db.prepare('SELECT id FROM product_variants WHERE product_id = ?').bind(productId).first<{ id: number }>())?.id
    const [mug, skillet] = [await defaultOf(1), await defaultOf(2)]
    expect((await db.prepare('SELECT cart_id, product_id, variant_id, quantity FROM cart_items ORDER BY cart_id, product_id').all()).results).toEqual([
      { cart_id: 1, product_id: 1, variant_id: mug, quantity: 2 },
      { cart_id: 1, product_id: 2, variant_id: skillet, quantity: 1 },
      { cart_id: 2, product_id: 1, variant_id: mug, quantity: 1 },
      { cart_id: 2, product_id: 9, variant_id: -9, quantity: 3 },
    ])
    expect((await db.prepare('SELECT order_id, product_id, variant_id, product_name, sku, variant_title, option_values, quantity, reservation_id FROM order_items ORDER BY order_id, product_id').all()).results).toEqual([
      { order_id: 'ord_paid', product_id: 1, variant_id: mug, product_name: 'Harbor Mug', sku: null, variant_title: 'Default', option_values: '[]', quantity: 2, reservation_id: 'res_paid_1' },
      { order_id: 'ord_paid', product_id: 9, variant_id: -9, product_name: 'Gone Teapot', sku: null, variant_title: 'Default', option_values: '[]', quantity: 1, reservation_id: 'res_paid_9' },
      { order_id: 'ord_pending', product_id: 1, variant_id: mug, product_name: 'Harbor Mug', sku: null, variant_title: 'Default', option_values: '[]', quantity: 1, reservation_id: 'res_pending_1' },
    ])
    expect((await db.prepare('SELECT refund_id, product_id, variant_id, quantity FROM refund_items').all()).results).toEqual([{ refund_id: 'ref_1', product_id: 1, variant_id: mug, quantity: 1 }])
    // Each product got its one default variant carrying its price and its stock (on hand and held), no options.
    expect(await db.prepare('SELECT product_id, sku, title, price_cents, compare_at_cents, is_active, stock_quantity, stock_held FROM product_variants WHERE product_id < 4 ORDER BY product_id').all()).toMatchObject({
      results: [
        { product_id: 1, sku: null, title: 'Default', price_cents: 1800, compare_at_cents: null, is_active: 1, stock_quantity: 7, stock_held: 1 },
        { product_id: 2, sku: null, title: 'Default', price_cents: 4500, compare_at_cents: null, is_active: 1, stock_quantity: 0, stock_held: 0 },
        { product_id: 3, sku: null, title: 'Default', price_cents: 3000, compare_at_cents: null, is_active: 1, stock_quantity: 2, stock_held: 0 },
      ],
    })
    expect([await count('product_options'), await count('variant_option_values'), await count('product_variants')]).toEqual([1, 3, 6])
    // The import tables start empty, and the migrated catalog exports as Shopify CSV (default variants as "Default Title").
    expect([await count('import_jobs'), await count('import_job_keys')]).toEqual([0, 0])
    const csv = await new Response(exportProductsCsv({ ...env, DB: db }, BASE)).text()
    expect(csv.split('\n').slice(1, 4)).toEqual([
      `harbor-mug,Harbor Mug,A stoneware mug,,,,true,Title,Default Title,,,,,,0,7,18.00,,${BASE}/images/products/${'a'.repeat(64)}.png,1,The mug,,active`,
      'cast-iron-skillet,Cast Iron Skillet,Seasoned,,,,true,Title,Default Title,,,,,,0,0,45.00,,,,,,active',
      'old-kettle,Old Kettle,,,,,false,Title,Default Title,,,,,,0,2,30.00,,,,,,draft',
    ])
    const applied = await db.prepare('SELECT name FROM d1_migrations ORDER BY id').all<{ name: string }>()
    expect(applied.results.map((r) => r.name)).toEqual(after.map((m) => m.name))

    // The catalog answers from the migrated rows: detail, list with the in-stock filter, search (FTS kept).
    const detail = await call('/api/products/harbor-mug')
    expect(detail.status).toBe(200)
    expect(await detail.json()).toMatchObject({ id: 1, name: 'Harbor Mug', price_cents: 1800, stock_quantity: 6, in_stock: true, categories: [{ slug: 'kitchen' }] })
    const inStock = (await (await call('/api/products?in_stock=true&sort=name')).json()) as { items: { slug: string }[] }
    expect(inStock.items.map((p) => p.slug)).toEqual(['harbor-mug', 'harbor-tee'])
    const tee = (await (await call('/api/products?option.size=M&in_stock=true')).json()) as { items: { slug: string; price_min_cents: number; price_max_cents: number }[] }
    expect(tee.items).toMatchObject([{ slug: 'harbor-tee', price_min_cents: 2500, price_max_cents: 2800 }])
    expect(((await (await call('/api/products?option.size=L&in_stock=true')).json()) as { items: unknown[] }).items).toEqual([])
    const found = (await (await call('/api/products?q=skillet')).json()) as { items: { slug: string }[] }
    expect(found.items.map((p) => p.slug)).toEqual(['cast-iron-skillet'])
    expect((await call('/api/products/old-kettle')).status).toBe(404)

    // The migrated account signs in, and sees its orders with the refund it had.
    const signIn = await call('/api/auth/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'ada@example.com', password: PASSWORD }) })
    expect(signIn.status).toBe(200)
    const { access_token } = (await signIn.json()) as { access_token: string }
    const orders = (await (await call('/api/orders', { headers: { Authorization: `Bearer ${access_token}` } })).json()) as { items: { id: string; status: string }[] }
    expect(orders.items.map((o) => [o.id, o.status]).sort()).toEqual([
      ['ord_paid', 'paid'],
      ['ord_pending', 'pending_payment'],
    ])
    const paid = await call('/api/orders/ord_paid', { headers: { Authorization: `Bearer ${access_token}` } })
    expect(paid.status).toBe(200)
    expect(await paid.json()).toMatchObject({
      id: 'ord_paid',
      total_cents: 3600,
      items: [
        { product_id: 1, variant_id: mug, variant_title: 'Default', option_values: [], sku: null, quantity: 2 },
        { product_id: 9, variant_id: -9, name: 'Gone Teapot', quantity: 1 },
      ],
    })
    // The migrated cart answers by variant: the mug and the skillet (sold out, but still sold) with their default variants.
    const cart = (await (await call('/api/cart', { headers: { Authorization: `Bearer ${access_token}` } })).json()) as { items: { variant_id: number; product_id: number; quantity: number; unavailable: string | null }[] }
    expect(cart.items.map((line) => [line.product_id, line.variant_id, line.quantity, line.unavailable])).toEqual([
      [1, mug, 2, null],
      [2, skillet, 1, null],
    ])

    // Notifications (0010) start empty, and an event about a migrated order carries its migrated lines.
    expect(await Promise.all(['outbox', 'dev_mailbox', 'marketing_opt_outs', 'back_in_stock_requests'].map(count))).toEqual([0, 0, 0, 0])
    const migrated = drizzle(db, { schema })
    const note = orderOutboxInsert(migrated, 'order.shipped', 'ord_paid', { shipment: { carrier: 'UPS', tracking_number: '1Z1' } })
    await migrated.batch([note.statement])
    expect((await db.prepare('SELECT type, recipient, payload FROM outbox').first<{ type: string; recipient: string; payload: string }>())).toMatchObject({ type: 'order.shipped', recipient: 'ada@example.com' })
    expect(JSON.parse((await db.prepare('SELECT payload FROM outbox').first<{ payload: string }>())?.payload ?? '{}')).toMatchObject({
      order_id: 'ord_paid',
      status: 'paid',
      total_cents: 3600,
      lines: [
        { product_id: 1, variant_id: mug, variant_title: 'Default', sku: null, name: 'Harbor Mug', quantity: 2, unit_price_cents: 1800, line_total_cents: 3600 },
        { product_id: 9, variant_id: -9, name: 'Gone Teapot', quantity: 1 },
      ],
      shipment: { carrier: 'UPS', tracking_number: '1Z1' },
    })
    // Outbound webhooks (0011) start with no endpoints, and the migrated store's changes record events for new ones.
    expect([await count('webhook_endpoints'), await count('webhook_events'), await count('webhook_deliveries'), await count('webhook_attempts')]).toEqual([0, 0, 0, 0])
    await db.prepare("INSERT INTO webhook_endpoints (url, event_types, secret_sealed, created_at) VALUES ('https://erp.example.com/in', '[\"stock.changed\"]', 'v1.x.y', 0)").run()
    const migratedEnv = { ...env, DB: db }
    const [first, ...rest] = webhookEventStatements(getDb(migratedEnv), { type: 'stock.changed', sourceKey: 'migrated:1', data: { product_id: 1 }, createdAt: Date.now() })
    await getDb(migratedEnv).batch([first!, ...rest])
    expect(await db.prepare("SELECT d.status, e.type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id").all()).toMatchObject({ results: [{ status: 'pending', type: 'stock.changed' }] })
  })
})
