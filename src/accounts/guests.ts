/**
 * Guest buyers: a `users` row with `is_guest = 1`, known only by its email, that no password opens. A
 * guest's order goes on that row, or on the registered account that has the email (without signing
 * anyone in: the buyer reaches the order through its signed link only).
 *
 * Registering with a guest's email does not hand the guest's orders to whoever registers: the guest row
 * gives its email up to the new account (it keeps its orders, under an address that receives nothing) and
 * a "link your past orders" mail goes to the email, with a link signed for that guest row and that email.
 * Following it, signed in as that email, moves the orders to the account and deletes the guest row. A
 * stranger who registers someone's email sees nothing of their orders without that person's mailbox.
 */
import { and, count, eq, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { getDb, type Db } from '../db/client'
import { orders, users } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import { ApiError, validationFailed } from '../platform/errors'
import { isLinkSignature, linkSignature } from '../platform/link-signing'
import { outboxInsert, type OutboxNote } from '../notifications/outbox'

/**
 * The password hash of a guest row: not of the `pbkdf2_sha256$…` form, so `verifyPassword` refuses every
 * password for it without an error (and sign-in checks the decoy hash instead, taking as long as for a
 * wrong password).
 */
export const GUEST_PASSWORD_HASH = '!guest: no password opens this row'

/** The outbox event of the "link your past orders" mail. */
export const GUEST_CLAIM_EVENT = 'account.guest_orders'

/** The email a guest row gives up to an account registered with its own: reserved (RFC 2606 `.invalid`), it receives nothing. */
const releasedEmail = (guestId: number) => `guest-${guestId}@released.invalid`

export interface Buyer {
  userId: number
  /** The order goes on a guest row (no account has the email). */
  guest: boolean
}

/**
 * Who a guest checkout with `email` buys as: the account registered with it, else its guest row (made
 * on first use; a concurrent checkout with the same email finds the same row).
 */
export async function buyerForEmail(env: Env, email: string): Promise<Buyer> {
  // `.invalid` receives no mail (RFC 2606), and released guest rows live there: nobody buys as one of them.
  if (/\.invalid$/.test(email)) throw validationFailed({ email: ['must be an address that receives mail'] })
  const db = getDb(env)
  const find = () => db.select({ id: users.id, isGuest: users.isGuest }).from(users).where(eq(users.email, email)).get()
  const known = await find()
  if (known) return { userId: known.id, guest: known.isGuest }
  await db.insert(users).values({ email, name: email.split('@')[0] ?? 'Guest', passwordHash: GUEST_PASSWORD_HASH, isGuest: true }).onConflictDoNothing()
  const made = await find()
  if (!made) throw new Error(`guest row for an email vanished right after its insert`)
  return { userId: made.id, guest: made.isGuest }
}

/** The guest row that holds `email`, if one does (registration asks before its batch). */
export const guestRowOf = (db: Db, email: string) =>
  db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.email, email), eq(users.isGuest, true)))
    .get()

/**
 * For the registration batch of an email a guest row holds: the row gives the email up (so that the
 * account can take it; only if it still is that guest's) and the "link your past orders" mail is written.
 * The statements come before the account's insert.
 */
export function releaseGuestEmail(db: Db, guestId: number, email: string, name: string): { statements: BatchItem<'sqlite'>[]; mail: OutboxNote } {
  const mail = outboxInsert(db, { type: GUEST_CLAIM_EVENT, payload: { guest_user_id: guestId, email, name }, recipient: email })
  return {
    statements: [
      db
        .update(users)
        .set({ email: releasedEmail(guestId) })
        .where(and(eq(users.id, guestId), eq(users.email, email), eq(users.isGuest, true))),
    ],
    mail,
  }
}

/** The path of the claim link for a guest row and the email it bought with (signed: ORDER_LINK_SECRET). */
export async function guestClaimPath(env: Env, guestId: number, email: string): Promise<string> {
  return `/account/orders/claim?guest=${guestId}&token=${await linkSignature(env, 'guest-claim', String(guestId), email)}`
}

const invalidClaim = () =>
  new ApiError(400, 'invalid_claim', 'This link does not link orders to this account: open it from the mail, signed in with the address it was sent to.')

/** The guest row a claim link names, if the link is the one mailed to `user`'s email (400 otherwise) and the row still exists. */
async function claimedGuest(env: Env, user: CurrentUser, guestId: number, token: unknown): Promise<number | null> {
  if (!Number.isSafeInteger(guestId) || !(await isLinkSignature(env, 'guest-claim', token, String(guestId), user.email))) throw invalidClaim()
  const row = await getDb(env)
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, guestId), eq(users.isGuest, true)))
    .get()
  return row?.id ?? null
}

/** How many orders a claim link would move to `user` (0 once they were moved); 400 for a link not mailed to this user's email. */
export async function claimableOrders(env: Env, user: CurrentUser, guestId: number, token: unknown): Promise<number> {
  const guest = await claimedGuest(env, user, guestId, token)
  if (guest === null) return 0
  const [row] = await getDb(env).select({ n: count() }).from(orders).where(eq(orders.userId, guest))
  return row?.n ?? 0
}

/**
 * Moves the guest row's orders to `user` and deletes the row, in one batch; answers how many moved (0 when
 * the link was used before). Only for the link mailed to `user`'s own email.
 */
export async function claimGuestOrders(env: Env, user: CurrentUser, guestId: number, token: unknown): Promise<number> {
  const guest = await claimedGuest(env, user, guestId, token)
  if (guest === null) return 0
  const db = getDb(env)
  const [moved] = await db.batch([
    db.update(orders).set({ userId: user.id, updatedAt: Date.now() }).where(eq(orders.userId, guest)).returning({ id: orders.id }),
    // Its cart and idempotency claims go with it (cascade); orders placed on it meanwhile would keep it (restrict).
    db.delete(users).where(and(eq(users.id, guest), eq(users.isGuest, true), sql`not exists (select 1 from ${orders} where ${orders.userId} = ${guest})`)),
  ])
  return moved.length
}
