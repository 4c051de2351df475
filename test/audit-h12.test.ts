/**
 * Found auditing issue 12 ("Hardening"): each test failed before its fix.
 */
import { env } from 'cloudflare:test'
import { and, eq, inArray } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { getDb } from '../src/db/client'
import { auditLog, categories, payments, users } from '../src/db/schema'
import { startCheckout } from '../src/payments/checkout'
import { refundOrder } from '../src/payments/refunds'
import type { ErrorBody } from '../src/platform/errors'
import { BASE, Browser, callJson, insertProduct, registerUser, staffUser } from './helpers'
import { placeOrder, shopper } from './orders-helpers'
import { postWebhook, sessionObject, STRIPE_ENV, stripeEvent, stripeRequests, viewerOf } from './payments-helpers'

vi.setConfig({ testTimeout: 30_000 })

const roleOf = async (id: number) => (await getDb(env).select({ role: users.role }).from(users).where(eq(users.id, id)).get())?.role

describe('a role change stands or falls with its audit entry', () => {
  it('keeps the old role when the audit entry cannot be written', async () => {
    const boss = await staffUser('admin')
    const customer = await registerUser()
    await env.DB.prepare(`CREATE TRIGGER role_audit_fails BEFORE INSERT ON audit_log WHEN new.action = 'user.role' AND new.target_id = '${customer.user.id}' BEGIN SELECT RAISE(ABORT, 'D1 is down'); END`).run()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const changed = await callJson<ErrorBody>('PATCH', `/api/admin/users/${customer.user.id}`, { role: 'staff' }, boss.bearer)
    await env.DB.prepare('DROP TRIGGER role_audit_fails').run()
    vi.restoreAllMocks()
    expect(changed.status).toBe(500)
    expect(await roleOf(customer.user.id)).toBe('customer')
  })

  it('writes exactly one audit entry for a change and refuses the last admin in the same statement', async () => {
    const boss = await staffUser('admin')
    const customer = await registerUser()
    expect((await callJson('PATCH', `/api/admin/users/${customer.user.id}`, { role: 'admin' }, boss.bearer)).status).toBe(200)
    const entries = await getDb(env).select().from(auditLog).where(and(eq(auditLog.action, 'user.role'), eq(auditLog.targetId, String(customer.user.id))))
    expect(entries).toEqual([expect.objectContaining({ before: expect.objectContaining({ role: 'customer' }), after: { role: 'admin' } })])
  })
})

describe('CSRF on the API: only a bearer token skips it', () => {
  it.each(['Basic dXNlcjpwYXNz', '', 'Bearer'])('refuses a cross-site cookie request that carries Authorization %j', async (authorization) => {
    const browser = new Browser()
    await browser.fetch('/api/auth/csrf')
    const answer = await browser.fetch('/api/cart/items', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example', Authorization: authorization },
      body: JSON.stringify({ product_id: 1, quantity: 1 }),
    })
    expect(answer.status).toBe(403)
    expect(((await answer.json()) as ErrorBody).error.code).toBe('csrf_failed')
  })
})

describe('a store without AUTH_SECRET (outside development) still serves its pages', () => {
  it('shows the cart page: the flash messages need no access-token key', async () => {
    const bare = { ...env, ENVIRONMENT: 'production', AUTH_SECRET: undefined } as Env
    const page = await new Browser(bare).fetch('/cart')
    expect(page.status).toBe(200)
  })
})

describe('pay again after a Stripe session ran out of time without news from Stripe', () => {
  /** A pending order with a Stripe session whose time ran out (its expired event not arrived yet). */
  async function sessionTimedOut() {
    const product = await insertProduct({ stockQuantity: 5 })
    const who = await shopper()
    const placed = await placeOrder(who, [{ product_id: product.id, quantity: 1 }])
    const { url } = await startCheckout(STRIPE_ENV, viewerOf(who), placed.body.id, BASE)
    const sessionId = url.split('/').pop() ?? ''
    await getDb(env).update(payments).set({ checkoutExpiresAt: Date.now() - 1000 }).where(eq(payments.orderId, placed.body.id))
    return { who, orderId: placed.body.id as string, sessionId }
  }
  const sessionsOf = async (orderId: string) => (await stripeRequests('/v1/checkout/sessions')).filter((r) => r.form['metadata[order_id]'] === orderId)

  it('opens no second session when the first was paid in its last second: a second payment cannot be taken', async () => {
    const { who, orderId, sessionId } = await sessionTimedOut()
    await fetch(`https://api.stripe.com/__fake__/sessions/${sessionId}/complete`, { method: 'POST' })
    await expect(startCheckout(STRIPE_ENV, viewerOf(who), orderId, BASE)).rejects.toMatchObject({ status: 409, code: 'payment_in_progress' })
    expect(await sessionsOf(orderId)).toHaveLength(1)
  })

  it('expires the old session at Stripe before making the fresh one, so that it can no longer be paid', async () => {
    const { who, orderId, sessionId } = await sessionTimedOut()
    const { url } = await startCheckout(STRIPE_ENV, viewerOf(who), orderId, BASE)
    expect(url).not.toContain(sessionId)
    expect(await stripeRequests(`/v1/checkout/sessions/${sessionId}/expire`)).toHaveLength(1)
    expect(await sessionsOf(orderId)).toHaveLength(2)
  })
})

describe('a refund Stripe answers "pending"', () => {
  it('is counted once: after its charge.refunded, the rest of the payment can still be refunded', async () => {
    const product = await insertProduct({ stockQuantity: 5, priceCents: 1000 })
    const who = await shopper()
    const placed = await placeOrder(who, [{ product_id: product.id, quantity: 2 }])
    const order = placed.body as { id: string; total_cents: number; currency: string }
    const { url } = await startCheckout(STRIPE_ENV, viewerOf(who), order.id, BASE)
    const paymentIntent = `pi_pending_${crypto.randomUUID().slice(0, 8)}`
    await postWebhook(stripeEvent('checkout.session.completed', sessionObject(order, url.split('/').pop() ?? '', { payment_intent: paymentIntent })))
    const partial = await refundOrder(STRIPE_ENV, order.id, { amountCents: 500, restock: false, reason: 'Scratched' })
    expect(partial.status).toBe('pending')
    // Stripe counts a pending refund in the charge's amount_refunded at once.
    const charge = { id: `ch_${paymentIntent}`, object: 'charge', amount: 2000, amount_refunded: 500, refunded: false, currency: 'usd', payment_intent: paymentIntent, metadata: {} }
    expect((await postWebhook(stripeEvent('charge.refunded', charge))).body.outcome).toBe('partially_refunded')
    const rest = await refundOrder(STRIPE_ENV, order.id, { restock: false, reason: 'Returned' })
    expect(rest.amount_cents).toBe(1500)
  })
})

describe('a Stripe key without its webhook secret (outside development)', () => {
  it('takes no payment it could never record: checkout is a 503 payments_not_configured', async () => {
    const product = await insertProduct({ stockQuantity: 5 })
    const who = await shopper()
    const placed = await placeOrder(who, [{ product_id: product.id, quantity: 1 }])
    const keyOnly = { ...STRIPE_ENV, ENVIRONMENT: 'production', STRIPE_WEBHOOK_SECRET: undefined } as Env
    await expect(startCheckout(keyOnly, viewerOf(who), placed.body.id, BASE)).rejects.toMatchObject({ status: 503, code: 'payments_not_configured' })
    expect((await stripeRequests('/v1/checkout/sessions')).filter((r) => r.form['metadata[order_id]'] === placed.body.id)).toEqual([])
  })
})

describe('moving categories', () => {
  it('of two moves at once that would make a cycle (A under B, B under A), refuses one: the tree and the shop stay up', async () => {
    const boss = await staffUser()
    const tag = crypto.randomUUID().slice(0, 6)
    const a = await callJson<{ id: number }>('POST', '/api/admin/categories', { name: `Cycle A ${tag}` }, boss.bearer)
    const b = await callJson<{ id: number }>('POST', '/api/admin/categories', { name: `Cycle B ${tag}` }, boss.bearer)
    vi.spyOn(console, 'error').mockImplementation(() => {})
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const moves = await Promise.all([
      callJson('PATCH', `/api/admin/categories/${a.body.id}`, { parent_id: b.body.id }, boss.bearer),
      callJson('PATCH', `/api/admin/categories/${b.body.id}`, { parent_id: a.body.id }, boss.bearer),
    ])
    vi.restoreAllMocks()
    expect(moves.map((m) => m.status).sort()).toEqual([200, 400])
    const parents = await getDb(env).select({ id: categories.id, parentId: categories.parentId }).from(categories).where(inArray(categories.id, [a.body.id, b.body.id]))
    expect(parents.filter((row) => row.parentId !== null)).toHaveLength(1)
    expect((await callJson('GET', '/api/categories')).status).toBe(200)
  })
})

describe('deleting a category that gains a sub-category or a product between its check and its write', () => {
  // The trigger plays the other staff member: it adds to the category inside the delete's own batch,
  // after the emptiness check was read (the audit entry is the batch's first statement).
  it.each(['sub-category', 'product'] as const)('refuses with 409 (not a 500, not a silently dropped link) when a %s lands meanwhile', async (what) => {
    const boss = await staffUser()
    const tag = crypto.randomUUID().slice(0, 6)
    const parent = await callJson<{ id: number }>('POST', '/api/admin/categories', { name: `Doomed ${tag}` }, boss.bearer)
    const product = await insertProduct({ stockQuantity: 1 })
    const add =
      what === 'sub-category'
        ? `INSERT INTO categories (name, slug, parent_id, position) VALUES ('Late child', 'late-child-${tag}', ${parent.body.id}, 0)`
        : `INSERT INTO product_categories (product_id, category_id) VALUES (${product.id}, ${parent.body.id})`
    await env.DB.prepare(`CREATE TRIGGER lands_meanwhile BEFORE INSERT ON audit_log WHEN new.action = 'category.delete' AND new.target_id = '${parent.body.id}' BEGIN ${add}; END`).run()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    vi.spyOn(console, 'log').mockImplementation(() => {})
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const deleted = await callJson<ErrorBody>('DELETE', `/api/admin/categories/${parent.body.id}`, undefined, boss.bearer)
    await env.DB.prepare('DROP TRIGGER lands_meanwhile').run()
    vi.restoreAllMocks()
    expect(deleted.status).toBe(409)
    expect(await getDb(env).select().from(categories).where(eq(categories.id, parent.body.id)).get()).toBeDefined()
  })
})

describe('saving into a category deleted between its check and its write', () => {
  // The trigger plays the other staff member: it deletes the category inside the save's own batch.
  it.each(['product', 'sub-category', 'moved category'] as const)('refuses a %s with 409, not a 500 on the foreign key', async (what) => {
    const boss = await staffUser()
    const tag = crypto.randomUUID().slice(0, 6)
    const doomed = await callJson<{ id: number }>('POST', '/api/admin/categories', { name: `Vanishing ${tag}` }, boss.bearer)
    const other = await callJson<{ id: number }>('POST', '/api/admin/categories', { name: `Mover ${tag}` }, boss.bearer)
    const table = what === 'product' ? 'product_categories' : what === 'sub-category' ? 'categories' : 'audit_log'
    const when = what === 'product' ? `new.category_id = ${doomed.body.id}` : what === 'sub-category' ? `new.parent_id = ${doomed.body.id}` : `new.action = 'category.update' AND new.target_id = '${other.body.id}'`
    await env.DB.prepare(`CREATE TRIGGER vanishes_meanwhile BEFORE INSERT ON ${table} WHEN ${when} BEGIN DELETE FROM categories WHERE id = ${doomed.body.id}; END`).run()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    vi.spyOn(console, 'log').mockImplementation(() => {})
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const saved =
      what === 'product'
        ? await callJson<ErrorBody>('POST', '/api/admin/products', { name: `Orphan ${tag}`, price: '1', category_ids: [doomed.body.id] }, boss.bearer)
        : what === 'sub-category'
          ? await callJson<ErrorBody>('POST', '/api/admin/categories', { name: `Orphan ${tag}`, parent_id: doomed.body.id }, boss.bearer)
          : await callJson<ErrorBody>('PATCH', `/api/admin/categories/${other.body.id}`, { parent_id: doomed.body.id }, boss.bearer)
    await env.DB.prepare('DROP TRIGGER vanishes_meanwhile').run()
    vi.restoreAllMocks()
    expect(saved.status).toBe(409)
    expect(saved.body.error.code).toBe('conflict')
  })
})
