/**
 * `Idempotency-Key` for order POSTs. A request first claims (user, key) by inserting a row that names
 * the order id it will create; the primary key lets only one insert win, even for requests that arrive
 * together. Another request with the same key then waits for that order and answers it, or is refused
 * when its body differs. A failed attempt gives its claim back, so a retry can try again.
 */
import { and, eq, lt, sql } from 'drizzle-orm'
import { getDb } from '../db/client'
import { idempotencyKeys } from '../db/schema'
import { ApiError } from '../platform/errors'

/** Keys are remembered this long; after that the same key starts a new order. */
const KEY_RETENTION_MS = 24 * 60 * 60 * 1000
/**
 * A claim whose order has not appeared after this long belongs to a request that died (placing an order
 * takes well under a second); another request may take it over. The order insert checks the claim is
 * still its own (see `claimGuard`), so a request that was only slow cannot create a second order.
 */
const CLAIM_LEASE_MS = 60_000
/** How long a request waits for a concurrent one with the same key before answering 409. */
const WAIT_MAX_MS = 10_000
const WAIT_STEP_MS = 50

export type Claim = { kind: 'owner'; orderId: string } | { kind: 'replay'; orderId: string }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const where = (userId: number, key: string) => and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key))

/**
 * Claims `key` for a new order, or names the order an earlier request with this key and body made.
 * `orderExists` tells a finished claim from one still in progress.
 */
export async function claimKey(
  env: Env,
  userId: number,
  key: string,
  requestHash: string,
  orderExists: (orderId: string) => Promise<boolean>,
): Promise<Claim> {
  const db = getDb(env)
  const waitUntil = Date.now() + WAIT_MAX_MS
  for (;;) {
    const orderId = crypto.randomUUID()
    const now = Date.now()
    const [, inserted] = await db.batch([
      db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), lt(idempotencyKeys.createdAt, now - KEY_RETENTION_MS))),
      db.insert(idempotencyKeys).values({ userId, key, orderId, requestHash, createdAt: now }).onConflictDoNothing().returning({ orderId: idempotencyKeys.orderId }),
    ])
    if (inserted.length) return { kind: 'owner', orderId }

    const claim = await db.select().from(idempotencyKeys).where(where(userId, key)).get()
    if (!claim) continue // given back meanwhile: claim it again
    if (claim.requestHash !== requestHash) {
      throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body', {
        'idempotency-key': ['was already used with a different body'],
      })
    }
    if (await orderExists(claim.orderId)) return { kind: 'replay', orderId: claim.orderId }
    if (claim.createdAt < now - CLAIM_LEASE_MS) {
      // Conditional on the claim as read: of several requests taking over, one wins.
      const taken = await db
        .update(idempotencyKeys)
        .set({ orderId, createdAt: now })
        .where(and(where(userId, key), eq(idempotencyKeys.orderId, claim.orderId)))
        .returning({ orderId: idempotencyKeys.orderId })
      if (taken.length) return { kind: 'owner', orderId }
      continue
    }
    if (Date.now() > waitUntil) {
      throw new ApiError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly')
    }
    await sleep(WAIT_STEP_MS)
  }
}

/** Gives a claim back after a failed attempt (only if it is still this attempt's). */
export async function releaseKey(env: Env, userId: number, key: string, orderId: string): Promise<void> {
  await getDb(env)
    .delete(idempotencyKeys)
    .where(and(where(userId, key), eq(idempotencyKeys.orderId, orderId)))
}

/** Whether the claim of `key` still names `orderId` (a request that was too slow may have lost it). */
export async function holdsClaim(env: Env, userId: number, key: string, orderId: string): Promise<boolean> {
  const row = await getDb(env)
    .select({ orderId: idempotencyKeys.orderId })
    .from(idempotencyKeys)
    .where(and(where(userId, key), eq(idempotencyKeys.orderId, orderId)))
    .get()
  return row !== undefined
}

/** The 409 of a request whose claim was taken over while it worked (it had been silent past the lease). */
export const claimLost = () =>
  new ApiError(409, 'idempotency_in_progress', 'Another request with this Idempotency-Key took over; retry to get its order')

/**
 * The order id to insert for a claimed order: read from the claim itself in the insert statement, so that
 * the insert fails (NULL into the primary key) if the claim was taken over meanwhile.
 */
export const claimGuard = (env: Env, userId: number, key: string, orderId: string) => {
  const db = getDb(env)
  return sql<string>`(${db
    .select({ orderId: idempotencyKeys.orderId })
    .from(idempotencyKeys)
    .where(and(where(userId, key), eq(idempotencyKeys.orderId, orderId)))})`
}
