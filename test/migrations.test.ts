/**
 * Schema changes keep existing data: a store populated at one migration level is migrated to the latest
 * and still answers through the real Worker (its own empty D1, MIGRATION_DB, so the other tests' data
 * and the already migrated DB stay out of it).
 */
import { applyD1Migrations, createExecutionContext, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { hashPassword } from '../src/accounts/passwords'
import { BASE } from './helpers'
import { exportProductsCsv } from '../src/admin/product-csv/export'

/** The migrations a store deployed before the hardening work had (0000–0006). */
const number = (name: string) => Number(name.slice(0, 4))
const before = env.TEST_MIGRATIONS.filter((m) => number(m.name) <= 6)
/** Up to the last migration before variants (0009): products carry stock_held by then. */
const beforeVariants = env.TEST_MIGRATIONS.filter((m) => number(m.name) <= 8)
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

    await applyD1Migrations(db, after)

    // No row lost, none made up; the new columns and tables start from what the old rows mean.
    for (const table of tables) expect(await count(table), table).toBe(counts[table])
    expect(await db.prepare('SELECT id, stock_quantity, stock_held FROM products ORDER BY id').all()).toMatchObject({
      results: [
        { id: 1, stock_quantity: 7, stock_held: 1 },
        { id: 2, stock_quantity: 0, stock_held: 0 },
        { id: 3, stock_quantity: 2, stock_held: 0 },
      ],
    })
    expect(await count('refund_items')).toBe(0)
    // Each product got its one default variant carrying its price and its stock (on hand and held), no options.
    expect(await db.prepare('SELECT product_id, sku, title, price_cents, compare_at_cents, is_active, stock_quantity, stock_held FROM product_variants ORDER BY product_id').all()).toMatchObject({
      results: [
        { product_id: 1, sku: null, title: 'Default', price_cents: 1800, compare_at_cents: null, is_active: 1, stock_quantity: 7, stock_held: 1 },
        { product_id: 2, sku: null, title: 'Default', price_cents: 4500, compare_at_cents: null, is_active: 1, stock_quantity: 0, stock_held: 0 },
        { product_id: 3, sku: null, title: 'Default', price_cents: 3000, compare_at_cents: null, is_active: 1, stock_quantity: 2, stock_held: 0 },
      ],
    })
    expect([await count('product_options'), await count('variant_option_values')]).toEqual([0, 0])
    // 0010: the import tables start empty, and the migrated catalog exports as Shopify CSV (default variants as "Default Title").
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
    const inStock = (await (await call('/api/products?in_stock=true')).json()) as { items: { slug: string }[] }
    expect(inStock.items.map((p) => p.slug)).toEqual(['harbor-mug'])
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
    expect(await paid.json()).toMatchObject({ id: 'ord_paid', total_cents: 3600, items: [{ product_id: 1, quantity: 2 }] })
  })
})
