import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { chunkRows, inBatch, preparedOnce, type Db } from '../db/client'
import { LINE_QUANTITY_MAX, cartItems, carts } from '../db/schema'
import { variantWith, type VariantLine } from './variants'

/** What a line keeps showing of its product once the variant is gone (a product deleted or variants replaced). */
const PRODUCT_COLUMNS = { id: true, slug: true, name: true, currency: true } as const

/**
 * A cart's lines, oldest first, each with its variant (null once deleted: the product's name then still
 * shows, from `product`) and what the cart shows of it: one statement.
 */
export const cartLines = (db: Db, cartId: number) =>
  db.query.cartItems.findMany({
    where: eq(cartItems.cartId, cartId),
    orderBy: [asc(cartItems.addedAt), asc(cartItems.variantId)],
    columns: { productId: true, variantId: true, quantity: true },
    with: { product: { columns: PRODUCT_COLUMNS }, variant: variantWith },
  })
export type CartLine = Awaited<ReturnType<typeof cartLines>>[number]

/** Variant id → quantity of a cart's lines. */
export async function lineQuantities(db: Db, cartId: number): Promise<Map<number, number>> {
  const rows = await db.select({ variantId: cartItems.variantId, quantity: cartItems.quantity }).from(cartItems).where(eq(cartItems.cartId, cartId))
  return new Map(rows.map((row) => [row.variantId, row.quantity]))
}

/** The id of the user's cart, if it has one. */
export async function userCartId(db: Db, userId: number): Promise<number | null> {
  const row = await db.select({ id: carts.id }).from(carts).where(eq(carts.userId, userId)).get()
  return row?.id ?? null
}

/** The id of the guest cart whose cookie token hashes to `tokenHash`, if any. */
export async function guestCartId(db: Db, tokenHash: string): Promise<number | null> {
  const row = await db.select({ id: carts.id }).from(carts).where(eq(carts.tokenHash, tokenHash)).get()
  return row?.id ?? null
}

/** The user's cart, made on first use; a concurrent first use gets the same row. */
export async function ensureUserCart(db: Db, userId: number): Promise<number> {
  const [row] = await db
    .insert(carts)
    .values({ userId })
    .onConflictDoUpdate({ target: carts.userId, set: { updatedAt: sql`excluded.updated_at` } })
    .returning({ id: carts.id })
  if (!row) throw new Error('cart upsert returned no row')
  return row.id
}

/** A new guest cart, found from now on by the SHA-256 of its cookie token. */
export async function createGuestCart(db: Db, tokenHash: string): Promise<number> {
  const [row] = await db.insert(carts).values({ tokenHash }).returning({ id: carts.id })
  if (!row) throw new Error('cart insert returned no row')
  return row.id
}

/** Deletes a cart and its lines; the answer says whether this call was the one that deleted it. */
export async function deleteCart(db: Db, cartId: number): Promise<void> {
  await db.delete(carts).where(eq(carts.id, cartId))
}

/** Marks the cart as changed now (for a later clean-up of abandoned guest carts). */
export const touchCart = (db: Db, cartId: number) => db.update(carts).set({ updatedAt: Date.now() }).where(eq(carts.id, cartId))

/** Adds `quantity` to a variant's line, making it if need be; a concurrent add can never push it past the line maximum. */
export const addToLine = (db: Db, cartId: number, line: Omit<VariantLine, 'quantity'>, quantity: number) =>
  db
    .insert(cartItems)
    .values({ cartId, productId: line.productId, variantId: line.variantId, quantity })
    .onConflictDoUpdate({
      target: [cartItems.cartId, cartItems.variantId],
      set: { quantity: sql`min(${cartItems.quantity} + excluded.quantity, ${LINE_QUANTITY_MAX})` },
    })

/** Sets the quantities of lines, making the lines that are missing: statements for one batch (split for D1's 100 parameters). */
export const setLines = (db: Db, cartId: number, lines: VariantLine[]) =>
  chunkRows(lines.map((line) => ({ cartId, productId: line.productId, variantId: line.variantId, quantity: line.quantity })), 0, cartItems).map((rows) =>
    db
      .insert(cartItems)
      .values(rows)
      .onConflictDoUpdate({ target: [cartItems.cartId, cartItems.variantId], set: { quantity: sql`excluded.quantity` } }),
  )

/** Removes the lines of these variants from the cart. */
export const removeLines = (db: Db, cartId: number, variantIds: number[]) =>
  db.delete(cartItems).where(and(eq(cartItems.cartId, cartId), inArray(cartItems.variantId, variantIds)))

/**
 * The statements that move lines into the user's cart, for one D1 batch: the user's cart is made if
 * need be, each line is upserted only while the guest cart still exists, then the guest cart (and, by
 * cascade, its lines) is deleted. Within the batch's one transaction two merges of one guest cart
 * cannot both write: the second finds it gone.
 */
export function mergeStatements(db: Db, userId: number, guestCartId: number, lines: VariantLine[]) {
  const userCart = sql<number>`(select ${carts.id} from ${carts} where ${carts.userId} = ${userId})`
  const now = Date.now()
  return [
    db.insert(carts).values({ userId }).onConflictDoUpdate({ target: carts.userId, set: { updatedAt: now } }),
    ...lines.map((line) =>
      db
        .insert(cartItems)
        .select(
          db
            .select({
              cartId: userCart.as('cart_id'),
              productId: sql<number>`${line.productId}`.as('product_id'),
              variantId: sql<number>`${line.variantId}`.as('variant_id'),
              quantity: sql<number>`${line.quantity}`.as('quantity'),
              addedAt: sql<number>`${now}`.as('added_at'),
            })
            .from(carts)
            .where(eq(carts.id, guestCartId)),
        )
        .onConflictDoUpdate({ target: [cartItems.cartId, cartItems.variantId], set: { quantity: sql`excluded.quantity` } }),
    ),
    db.delete(carts).where(eq(carts.id, guestCartId)),
  ] as const
}

/** What the cart keeps for its checkout: the code the shopper entered and the destination of its estimate. */
export const cartCheckoutFields = (db: Db, cartId: number) =>
  db.select({ discountCode: carts.discountCode, estimateCountry: carts.estimateCountry, estimateRegion: carts.estimateRegion }).from(carts).where(eq(carts.id, cartId)).get()

/** Saves the cart's code and estimate destination (the fields given; null clears one). */
export const setCartCheckoutFields = (db: Db, cartId: number, fields: { discountCode?: string | null; estimateCountry?: string | null; estimateRegion?: string | null }) =>
  db
    .update(carts)
    .set({ ...fields, updatedAt: Date.now() })
    .where(eq(carts.id, cartId))

/** The email a guest gave to check out with this cart ("Continue as guest"), or null. */
export async function cartContactEmail(db: Db, cartId: number): Promise<string | null> {
  const row = await db.select({ email: carts.contactEmail }).from(carts).where(eq(carts.id, cartId)).get()
  return row?.email ?? null
}

/** Keeps (or, with null, forgets) the email a guest checks out with on their cart. */
export const setCartContactEmail = (db: Db, cartId: number, email: string | null) =>
  db.update(carts).set({ contactEmail: email, updatedAt: Date.now() }).where(eq(carts.id, cartId))

/**
 * Whose cart, for statements that find it themselves: a user's, or a guest's by the SHA-256 of its cookie
 * token. Reads and writes keyed so go in one D1 batch with no need to learn the cart's id first.
 */
export type CartKey = { userId: number } | { tokenHash: string }

const keyWhere = (key: CartKey) => ('userId' in key ? eq(carts.userId, key.userId) : eq(carts.tokenHash, key.tokenHash))
const cartIdOf = (db: Db, key: CartKey) => db.select({ id: carts.id }).from(carts).where(keyWhere(key))

/** The key's placeholder and its value: one prepared statement per kind of key. */
const keyPlaceholder = (key: CartKey) => ('userId' in key ? { kind: 'user' as const, values: { owner: key.userId } } : { kind: 'guest' as const, values: { owner: key.tokenHash } })
const placeholderWhere = (kind: 'user' | 'guest') => (kind === 'user' ? eq(carts.userId, sql.placeholder('owner')) : eq(carts.tokenHash, sql.placeholder('owner')))

const linesQuery = (db: Db, kind: 'user' | 'guest') =>
  db.query.cartItems
    .findMany({
      where: inArray(cartItems.cartId, db.select({ id: carts.id }).from(carts).where(placeholderWhere(kind))),
      orderBy: [asc(cartItems.addedAt), asc(cartItems.variantId)],
      columns: { productId: true, variantId: true, quantity: true },
      with: { product: { columns: PRODUCT_COLUMNS }, variant: variantWith },
    })
    .prepare()
const linesOfUser = preparedOnce((db) => linesQuery(db, 'user'))
const linesOfGuest = preparedOnce((db) => linesQuery(db, 'guest'))

/** `cartLines` of the cart of `key`, as an item of a batch (prepared once per kind of key). */
export function cartLinesByKey(db: Db, key: CartKey): BatchItem<'sqlite'> {
  const { kind, values } = keyPlaceholder(key)
  return inBatch(kind === 'user' ? linesOfUser(db) : linesOfGuest(db), values)
}

const rowQuery = (db: Db, kind: 'user' | 'guest') =>
  db.select({ id: carts.id, discountCode: carts.discountCode, estimateCountry: carts.estimateCountry, estimateRegion: carts.estimateRegion }).from(carts).where(placeholderWhere(kind)).prepare()
const rowOfUser = preparedOnce((db) => rowQuery(db, 'user'))
const rowOfGuest = preparedOnce((db) => rowQuery(db, 'guest'))

/** What `cartRowByKey` answers: the cart's id and what it keeps for its checkout (no row while it has none). */
export type CartRow = { id: number; discountCode: string | null; estimateCountry: string | null; estimateRegion: string | null }

/** The cart of `key` as an item of a batch: its rows are `CartRow[]`. */
export function cartRowByKey(db: Db, key: CartKey): BatchItem<'sqlite'> {
  const { kind, values } = keyPlaceholder(key)
  return inBatch(kind === 'user' ? rowOfUser(db) : rowOfGuest(db), values)
}

/** Makes the cart of `key` if it has none (a concurrent first use gets the same row), and marks it as changed now. */
export const ensureCartByKey = (db: Db, key: CartKey) =>
  'userId' in key
    ? db.insert(carts).values({ userId: key.userId }).onConflictDoUpdate({ target: carts.userId, set: { updatedAt: Date.now() } })
    : db.insert(carts).values({ tokenHash: key.tokenHash }).onConflictDoUpdate({ target: carts.tokenHash, set: { updatedAt: Date.now() } })

/** `addToLine` into the cart of `key` (made in the same batch by `ensureCartByKey` just before). */
export const addToLineByKey = (db: Db, key: CartKey, line: Omit<VariantLine, 'quantity'>, quantity: number) =>
  db
    .insert(cartItems)
    .select(
      db
        .select({
          cartId: sql<number>`${carts.id}`.as('cart_id'),
          productId: sql<number>`${line.productId}`.as('product_id'),
          variantId: sql<number>`${line.variantId}`.as('variant_id'),
          quantity: sql<number>`${quantity}`.as('quantity'),
          addedAt: sql<number>`${Date.now()}`.as('added_at'),
        })
        .from(carts)
        .where(keyWhere(key)),
    )
    .onConflictDoUpdate({
      target: [cartItems.cartId, cartItems.variantId],
      set: { quantity: sql`min(${cartItems.quantity} + excluded.quantity, ${LINE_QUANTITY_MAX})` },
    })

/** Removes the line of a variant from the cart of `key`. */
export const removeLineByKey = (db: Db, key: CartKey, variantId: number) =>
  db.delete(cartItems).where(and(inArray(cartItems.cartId, cartIdOf(db, key)), eq(cartItems.variantId, variantId)))

/** Marks the cart of `key` as changed now. */
export const touchCartByKey = (db: Db, key: CartKey) => db.update(carts).set({ updatedAt: Date.now() }).where(keyWhere(key))
