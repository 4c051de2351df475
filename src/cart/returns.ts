/**
 * An unpaid order that ends (cancelled by its customer or staff, or expired) gives its lines back to its
 * owner's cart, so that nobody loses their basket to a declined card or a coffee break. The lines are
 * added to what the cart holds (capped at the line maximum), within the cart's limit of different
 * lines (variants); products no longer sold come back too and the cart notes them. The writes are statements for
 * the D1 batch that ends the order: they happen exactly when the order moves, once.
 */
import { and, eq, gt, lte, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { getDb } from '../db/client'
import { cartItems, LINE_QUANTITY_MAX } from '../db/schema'
import { addToLine, ensureUserCart, lineQuantities, touchCart, userCartId } from './queries'
import { variantsByIds, type VariantLine } from './variants'
import { CART_LINES_MAX } from './service'

export interface CartReturn {
  statements: BatchItem<'sqlite'>[]
  /** Lines that go back to the cart. */
  returned: number
  /** Lines that did not fit (the cart holds as many different products as it may). */
  leftOut: number
  /** Lines of products no longer sold (back in the cart with a note). */
  noLongerSold: number
}

/** The statements that give an order's lines back to the cart of `userId` (made if it has none). */
export async function linesBackToCart(env: Env, userId: number, lines: VariantLine[]): Promise<CartReturn> {
  const db = getDb(env)
  if (lines.length === 0) return { statements: [], returned: 0, leftOut: 0, noLongerSold: 0 }
  const cartId = await ensureUserCart(db, userId)
  const [held, found] = await Promise.all([lineQuantities(db, cartId), variantsByIds(db, lines.map((line) => line.variantId))])
  const room = Math.max(CART_LINES_MAX - held.size, 0)
  // Variants the cart already holds first (they take no room), then new ones while there is room.
  const fits = [...lines.filter((line) => held.has(line.variantId)), ...lines.filter((line) => !held.has(line.variantId)).slice(0, room)]
  return {
    statements: fits.length ? [...fits.map((line) => addToLine(db, cartId, line, Math.min(line.quantity, LINE_QUANTITY_MAX))), touchCart(db, cartId)] : [],
    returned: fits.length,
    leftOut: lines.length - fits.length,
    noLongerSold: fits.filter((line) => !found.get(line.variantId)?.isActive).length,
  }
}

/**
 * The reverse, for an expired order paid after all (a late payment that found its stock): the units its
 * expiry gave back to the cart are taken out again, so the shopper is not offered what they already bought.
 * Statements for the batch that records the payment.
 */
export async function linesOutOfCart(env: Env, userId: number, lines: VariantLine[]): Promise<BatchItem<'sqlite'>[]> {
  const db = getDb(env)
  const cartId = await userCartId(db, userId)
  if (cartId === null) return []
  return lines.flatMap((line) => {
    const units = Math.min(line.quantity, LINE_QUANTITY_MAX)
    const theLine = and(eq(cartItems.cartId, cartId), eq(cartItems.variantId, line.variantId))
    return [
      db.delete(cartItems).where(and(theLine, lte(cartItems.quantity, units))),
      db.update(cartItems).set({ quantity: sql`${cartItems.quantity} - ${units}` }).where(and(theLine, gt(cartItems.quantity, units))),
    ]
  })
}
