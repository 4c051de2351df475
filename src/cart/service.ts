/**
 * Carts: a guest's is found through an HttpOnly cookie holding a random token (D1 keeps its SHA-256), a
 * signed-in user's through the user. When a request carries both, the guest cart is merged into the
 * user's the first time the cart is loaded. Prices always come from D1, availability from the product's
 * stock object (on hand minus holds); the cart itself holds nothing back, the order does.
 */
import { ORDER_LINES_MAX } from '../orders/schemas'
import { imageUrl } from '../catalog/queries'
import { getDb, type Db } from '../db/client'
import { LINE_QUANTITY_MAX } from '../db/schema'
import { availableStock } from '../stock/client'
import { randomToken, sha256Hex } from '../platform/encoding'
import { ApiError, notFound } from '../platform/errors'
import {
  addToLine,
  cartLines,
  createGuestCart,
  deleteCart,
  ensureUserCart,
  mergeStatements,
  guestCartId,
  lineQuantities,
  productsByIds,
  removeLines,
  setLines,
  touchCart,
  userCartId,
  type CartLine,
} from './queries'
import type { CartLineView, CartView, Unavailable } from './responses'
import type { AddCartItemBody } from './schemas'

/** The guest cart cookie's name (before its `__Host-` prefix outside development). */
export const CART_COOKIE = 'cart'
/** Different products a cart may hold: as many as an order may have lines. */
export const CART_LINES_MAX = ORDER_LINES_MAX

/** A guest cart is kept for 30 days after its last change (its cookie's life; the hourly prune deletes it then). */
export const GUEST_CART_TTL_MS = 30 * 24 * 60 * 60 * 1000
export const CART_COOKIE_MAX_AGE_S = GUEST_CART_TTL_MS / 1000

/**
 * Whose cart a request is, as the route or page read it (`cartOwner(c)` in ./owner.ts): the signed-in user,
 * the guest cookie's token (null unless it is one of ours), and the writers of that cookie.
 */
export interface CartOwner {
  userId: number | null
  /** The request carries a guest cart cookie at all (ours or not). */
  hasGuestCookie: boolean
  guestToken: string | null
  /** (Re)sets the guest cookie to `token` for another 30 days. */
  keepGuestToken: (token: string) => void
  /** Deletes the guest cookie: the guest cart has ended. */
  endGuestCart: () => void
}

export type { CartLineView, CartView, Unavailable }

/** The cart as the API answers it. The first sellable line sets the currency; lines in another are left out of the totals. */
function cartView(lines: CartLine[]): CartView {
  const currency = lines.find((line) => line.product?.isActive)?.product?.currency ?? null
  const items = lines.map((line): CartLineView => {
    const product = line.product
    const unavailable: Unavailable | null = !product?.isActive ? 'no_longer_sold' : product.currency !== currency ? 'other_currency' : null
    const image = product?.images[0]
    return {
      product_id: line.productId,
      slug: product?.slug ?? null,
      name: product?.name ?? null,
      image_url: image ? imageUrl(image.r2Key) : null,
      unit_price_cents: product?.priceCents ?? null,
      quantity: line.quantity,
      line_total_cents: product && !unavailable ? product.priceCents * line.quantity : null,
      currency: product?.currency ?? null,
      unavailable,
    }
  })
  const sellable = items.filter((item) => item.unavailable === null)
  return {
    items,
    currency,
    subtotal_cents: sellable.reduce((sum, item) => sum + (item.line_total_cents ?? 0), 0),
    item_count: sellable.reduce((sum, item) => sum + item.quantity, 0),
  }
}

const viewOf = async (db: Db, cartId: number | null) => cartView(cartId === null ? [] : await cartLines(db, cartId))

/**
 * Moves the owner's guest cart (its cookie) into the cart of `userId`: quantities add up, capped by
 * the stock available (never below what the user's cart already held) and by the line maximum; lines
 * of products no longer sold come along with their note. Then the guest cart and its cookie are gone.
 * Called whenever a signed-in request loads its cart, and by sign-in itself. The writes are one D1 batch.
 * @example await mergeGuestCart(c.env, await cartOwner(c), user.id) // after a successful sign-in
 */
export async function mergeGuestCart(env: Env, owner: CartOwner, userId: number): Promise<void> {
  if (!owner.hasGuestCookie) return
  // Merged or not, a guest cart ends once its owner is known.
  owner.endGuestCart()
  const token = owner.guestToken
  if (!token) return
  const db = getDb(env)
  const guestId = await guestCartId(db, await sha256Hex(token))
  if (guestId === null) return
  const guestLines = await cartLines(db, guestId)
  if (guestLines.length === 0) {
    await deleteCart(db, guestId)
    return
  }

  const held = await lineQuantities(db, (await userCartId(db, userId)) ?? -1)
  const merged = await Promise.all(
    guestLines.map(async (line) => {
      const had = held.get(line.productId) ?? 0
      const sum = Math.min(had + line.quantity, LINE_QUANTITY_MAX)
      if (!line.product?.isActive) return { productId: line.productId, quantity: sum }
      const cap = Math.max(await availableStock(env, line.productId), had)
      return { productId: line.productId, quantity: Math.min(sum, cap) }
    }),
  )
  // Products the user's cart already holds come first; new ones only while there is room.
  const room = Math.max(CART_LINES_MAX - held.size, 0)
  const lines = [...merged.filter((line) => line.quantity >= 1 && held.has(line.productId)), ...merged.filter((line) => line.quantity >= 1 && !held.has(line.productId)).slice(0, room)]
  // One batch: the lines land in the user's cart and the guest cart is gone, or neither (a failure keeps
  // the guest cart for the next request); a concurrent merge of the same cart writes nothing.
  await db.batch(mergeStatements(db, userId, guestId, lines))
}

/** The owner's cart for reading: the signed-in user's (any guest cart merged in first), else the guest's. */
async function findCart(env: Env, owner: CartOwner): Promise<number | null> {
  const db = getDb(env)
  if (owner.userId !== null) {
    await mergeGuestCart(env, owner, owner.userId)
    return userCartId(db, owner.userId)
  }
  const token = owner.guestToken
  return token ? guestCartId(db, await sha256Hex(token)) : null
}

/** The owner's cart for writing, made on first use; a guest's cookie is (re)set so that it lives 30 more days. */
async function openCart(env: Env, owner: CartOwner): Promise<number> {
  const db = getDb(env)
  if (owner.userId !== null) {
    await mergeGuestCart(env, owner, owner.userId)
    return ensureUserCart(db, owner.userId)
  }
  const token = owner.guestToken
  const existing = token ? await guestCartId(db, await sha256Hex(token)) : null
  if (token && existing !== null) {
    owner.keepGuestToken(token)
    return existing
  }
  const fresh = randomToken()
  const cartId = await createGuestCart(db, await sha256Hex(fresh))
  owner.keepGuestToken(fresh)
  return cartId
}

/** 409 unless `wanted` units fit in a line and are available; `had` is what the cart already holds. */
async function checkQuantity(env: Env, productId: number, wanted: number, had: number): Promise<void> {
  const already = had ? ` (the cart already holds ${had})` : ''
  if (wanted > LINE_QUANTITY_MAX) {
    throw new ApiError(409, 'quantity_limit', `At most ${LINE_QUANTITY_MAX} of a product fit in the cart${already}`, {
      quantity: [`must bring the line to at most ${LINE_QUANTITY_MAX}${already}`],
    })
  }
  const available = await availableStock(env, productId)
  if (wanted > available) {
    throw new ApiError(409, 'insufficient_stock', `Only ${available} of product ${productId} available${already}`, {
      quantity: [`only ${available} available${already}`],
    })
  }
}

/** The owner's cart (empty, and not made, when it has none yet). */
export async function getCart(env: Env, owner: CartOwner): Promise<CartView> {
  return viewOf(getDb(env), await findCart(env, owner))
}

/** Adds units of an active product, on top of any already in the cart. */
export async function addCartItem(env: Env, owner: CartOwner, { product_id: productId, quantity }: AddCartItemBody): Promise<CartView> {
  const db = getDb(env)
  const product = (await productsByIds(db, [productId])).get(productId)
  if (!product?.isActive) throw notFound('product')
  const cartId = await openCart(env, owner)
  const lines = await cartLines(db, cartId)
  const { currency } = cartView(lines)
  if (currency && currency !== product.currency) {
    throw new ApiError(409, 'currency_mismatch', `The cart is priced in ${currency}; this product in ${product.currency}`)
  }
  const had = lines.find((line) => line.productId === productId)?.quantity ?? 0
  if (!had && lines.length >= CART_LINES_MAX) {
    throw new ApiError(409, 'cart_full', `A cart holds at most ${CART_LINES_MAX} different products: check out or remove some first`)
  }
  await checkQuantity(env, productId, had + quantity, had)
  await db.batch([addToLine(db, cartId, productId, quantity), touchCart(db, cartId)])
  return viewOf(db, cartId)
}

/** Sets the quantity of a line already in the cart. */
export async function updateCartItem(env: Env, owner: CartOwner, productId: number, quantity: number): Promise<CartView> {
  const db = getDb(env)
  const cartId = await findCart(env, owner)
  const line = cartId === null ? undefined : (await cartLines(db, cartId)).find((l) => l.productId === productId)
  if (cartId === null || !line) throw notFound('cart item')
  if (!line.product?.isActive) throw new ApiError(409, 'product_unavailable', 'This product is no longer sold; remove it from the cart')
  await checkQuantity(env, productId, quantity, 0)
  await db.batch([touchCart(db, cartId), ...setLines(db, cartId, [{ productId, quantity }])])
  return viewOf(db, cartId)
}

/** Removes a line; removing a line that is not there changes nothing. */
export async function removeCartItem(env: Env, owner: CartOwner, productId: number): Promise<CartView> {
  const db = getDb(env)
  const cartId = await findCart(env, owner)
  if (cartId !== null) await db.batch([removeLines(db, cartId, [productId]), touchCart(db, cartId)])
  return viewOf(db, cartId)
}

/** The sellable lines of a user's cart (product id and quantity), for an order placed from it. */
export async function orderableCartLines(env: Env, userId: number): Promise<{ cartId: number; lines: { productId: number; quantity: number }[] } | null> {
  const db = getDb(env)
  const cartId = await userCartId(db, userId)
  if (cartId === null) return null
  const view = cartView(await cartLines(db, cartId))
  const lines = view.items.filter((item) => item.unavailable === null).map((item) => ({ productId: item.product_id, quantity: item.quantity }))
  return { cartId, lines }
}

/** Drops the lines an order took from the cart: a statement for the order's own D1 batch. */
export const removeOrderedLines = (env: Env, cartId: number, productIds: number[]) => removeLines(getDb(env), cartId, productIds)
