import { env } from 'cloudflare:test'
import { eq, inArray } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { getDb } from '../src/db/client'
import { cartItems, carts, devMailbox, idempotencyKeys, outbox, passwordResets, productVariants, rateLimits, refreshTokens, sessions } from '../src/db/schema'
import { pruneExpired } from '../src/platform/pruning'
import { PRUNE_CRON } from '../src/platform/scheduled'
import { insertProduct, registerUser, runCron } from './helpers'

const HOUR_MS = 60 * 60 * 1000
const DAY_MS = 24 * HOUR_MS


const id = () => crypto.randomUUID()
const db = () => getDb(env)

/** The ids among `ids` that are still in `table`'s `column`. */
async function remaining<T extends string | number>(rows: Promise<{ id: T }[]>) {
  return (await rows).map((row) => row.id).sort()
}

describe('the hourly prune', () => {
  it('deletes what is past its retention, keeps the rest, and logs one line with the counts', async () => {
    const now = Date.now()
    const { user } = await registerUser()
    const userId = user.id
    const product = await insertProduct()

    const session = { expired: id(), live: id() }
    await db()
      .insert(sessions)
      .values([
        { id: session.expired, userId, persistent: false, expiresAt: now - 1 },
        { id: session.live, userId, persistent: true, expiresAt: now + HOUR_MS },
      ])

    const refresh = { expired: id(), revokedLongAgo: id(), revokedYesterday: id(), usedLive: id(), live: id() }
    const family = id()
    await db()
      .insert(refreshTokens)
      .values([
        { id: refresh.expired, familyId: family, userId, expiresAt: now - 1, usedAt: now - 2 * DAY_MS },
        { id: refresh.revokedLongAgo, familyId: id(), userId, expiresAt: now + DAY_MS, revokedAt: now - 8 * DAY_MS },
        { id: refresh.revokedYesterday, familyId: id(), userId, expiresAt: now + DAY_MS, revokedAt: now - DAY_MS },
        // A used token of a live family must stay until it expires: presenting it again is reuse.
        { id: refresh.usedLive, familyId: family, userId, expiresAt: now + DAY_MS, usedAt: now - HOUR_MS },
        { id: refresh.live, familyId: family, userId, expiresAt: now + 29 * DAY_MS },
      ])

    const reset = { usedLongAgo: id(), expiredLongAgo: id(), usedJustNow: id(), live: id() }
    await db()
      .insert(passwordResets)
      .values([
        { id: reset.usedLongAgo, userId, expiresAt: now - DAY_MS, usedAt: now - 2 * DAY_MS },
        { id: reset.expiredLongAgo, userId, expiresAt: now - 2 * DAY_MS },
        { id: reset.usedJustNow, userId, expiresAt: now + HOUR_MS, usedAt: now - HOUR_MS },
        { id: reset.live, userId, expiresAt: now + HOUR_MS },
      ])

    const limit = { old: `prune-test:${id()}`, current: `prune-test:${id()}` }
    await db()
      .insert(rateLimits)
      .values([
        { key: limit.old, windowStart: now - 2 * DAY_MS, count: 3 },
        { key: limit.current, windowStart: now - 60_000, count: 3 },
      ])

    const key = { old: `old-${id()}`, recent: `recent-${id()}` }
    await db()
      .insert(idempotencyKeys)
      .values([
        { userId, key: key.old, orderId: id(), requestHash: 'x', createdAt: now - 8 * DAY_MS },
        { userId, key: key.recent, orderId: id(), requestHash: 'x', createdAt: now - 2 * DAY_MS },
      ])

    const [abandoned, recent, usersOwn] = await db()
      .insert(carts)
      .values([
        { tokenHash: id(), updatedAt: now - 31 * DAY_MS },
        { tokenHash: id(), updatedAt: now - 29 * DAY_MS },
        { userId, updatedAt: now - 90 * DAY_MS },
      ])
      .returning({ id: carts.id })
    const cartIds = [abandoned, recent, usersOwn].map((cart) => cart?.id as number)
    const variant = await db().select({ id: productVariants.id }).from(productVariants).where(eq(productVariants.productId, product.id)).get()
    await db()
      .insert(cartItems)
      .values(cartIds.map((cartId) => ({ cartId, productId: product.id, variantId: variant!.id, quantity: 1 })))

    const mail = { old: crypto.randomUUID(), recent: crypto.randomUUID(), failed: crypto.randomUUID() }
    await db()
      .insert(outbox)
      .values([
        { id: mail.old, type: 'order.paid', payload: {}, recipient: null, state: 'sent', sentAt: now - 31 * DAY_MS },
        { id: mail.recent, type: 'order.paid', payload: {}, recipient: null, state: 'sent', sentAt: now - 29 * DAY_MS },
        { id: mail.failed, type: 'order.paid', payload: {}, recipient: null, state: 'dead', createdAt: now - 90 * DAY_MS },
      ])
    await db()
      .insert(devMailbox)
      .values([
        { id: mail.old, recipient: 'a@example.com', subject: 'old', html: '', text: '', createdAt: now - 8 * DAY_MS },
        { id: mail.recent, recipient: 'a@example.com', subject: 'recent', html: '', text: '', createdAt: now - 6 * DAY_MS },
      ])

    const log = vi.spyOn(console, 'log')
    await runCron(PRUNE_CRON, now)
    const line = log.mock.calls.map(([text]) => String(text)).find((text) => text.includes('"event":"prune.completed"'))
    log.mockRestore()

    expect(await remaining(db().select({ id: sessions.id }).from(sessions).where(inArray(sessions.id, Object.values(session))))).toEqual([session.live])
    expect(await remaining(db().select({ id: refreshTokens.id }).from(refreshTokens).where(inArray(refreshTokens.id, Object.values(refresh))))).toEqual(
      [refresh.revokedYesterday, refresh.usedLive, refresh.live].sort(),
    )
    expect(await remaining(db().select({ id: passwordResets.id }).from(passwordResets).where(inArray(passwordResets.id, Object.values(reset))))).toEqual(
      [reset.usedJustNow, reset.live].sort(),
    )
    expect(await remaining(db().select({ id: rateLimits.key }).from(rateLimits).where(inArray(rateLimits.key, Object.values(limit))))).toEqual([limit.current])
    expect(await remaining(db().select({ id: idempotencyKeys.key }).from(idempotencyKeys).where(inArray(idempotencyKeys.key, Object.values(key))))).toEqual([key.recent])
    expect(await remaining(db().select({ id: carts.id }).from(carts).where(inArray(carts.id, cartIds)))).toEqual([recent?.id, usersOwn?.id].sort())
    // The abandoned cart's lines went with it; the others' stayed.
    expect(await remaining(db().select({ id: cartItems.cartId }).from(cartItems).where(inArray(cartItems.cartId, cartIds)))).toEqual([recent?.id, usersOwn?.id].sort())

    expect(await remaining(db().select({ id: outbox.id }).from(outbox).where(inArray(outbox.id, Object.values(mail))))).toEqual([mail.recent, mail.failed].sort())
    expect(await remaining(db().select({ id: devMailbox.id }).from(devMailbox).where(inArray(devMailbox.id, Object.values(mail))))).toEqual([mail.recent])

    expect(JSON.parse(line ?? '{}')).toEqual({
      level: 'info',
      event: 'prune.completed',
      rows: 10,
      tables: [
        { table: 'sessions', rows: 1 },
        { table: 'refresh_tokens', rows: 2 },
        { table: 'password_resets', rows: 2 },
        { table: 'rate_limits', rows: 1 },
        { table: 'idempotency_keys', rows: 1 },
        { table: 'guest_carts', rows: 1 },
        { table: 'sent_outbox', rows: 1 },
        { table: 'dev_mailbox', rows: 1 },
        { table: 'webhook_events', rows: 0 },
      ],
      capped: [],
    })
  })

  it('deletes in bounded batches: a run with a cap leaves the rest to the next run', async () => {
    const now = Date.now()
    const { user } = await registerUser()
    const ids = Array.from({ length: 25 }, id)
    await db()
      .insert(sessions)
      .values(ids.map((sessionId) => ({ id: sessionId, userId: user.id, persistent: false, expiresAt: now - HOUR_MS })))
    const left = async () => (await db().select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, user.id))).length

    const first = await pruneExpired(env, { now, batchRows: 10, maxBatches: 2 })
    expect(first.deleted.sessions).toBe(20)
    expect(first.capped).toContain('sessions')
    expect(await left()).toBe(5)

    const second = await pruneExpired(env, { now, batchRows: 10, maxBatches: 2 })
    expect(second.deleted.sessions).toBe(5)
    expect(second.capped).toEqual([])
    expect(await left()).toBe(0)
  })

  it('loops batch after batch within one run until nothing is left, when the cap allows', async () => {
    const now = Date.now()
    const { user } = await registerUser()
    await db()
      .insert(passwordResets)
      .values(Array.from({ length: 23 }, () => ({ id: id(), userId: user.id, expiresAt: now - 2 * DAY_MS })))
    const run = await pruneExpired(env, { now, batchRows: 5, maxBatches: 10 })
    expect(run.deleted.password_resets).toBe(23)
    expect(run.capped).toEqual([])
    expect(await db().select().from(passwordResets).where(eq(passwordResets.userId, user.id))).toEqual([])
  })
})
