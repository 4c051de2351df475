/**
 * Carts: a guest's is found through an HttpOnly cookie holding a random token (D1 keeps its SHA-256), a
 * signed-in user's through the user. When a request carries both, the guest cart is merged into the
 * user's the first time the cart is loaded. Prices always come from D1, availability from the product's
 * stock object (on hand minus holds); the cart itself holds nothing back, the order does.
 */
import { ORDER_LINES_MAX } from '../orders/schemas'
import { imageUrl } from '../catalog/queries'
import { getDb } from '../db/client'
import { LINE_QUANTITY_MAX } from '../db/schema'
import { stockOf } from '../stock/client'
import { randomToken, sha256Hex } from '../platform/encoding'
import { ApiError, notFound } from '../platform/errors'
import {
  addToLine,
  cartCheckoutFields,
  cartContactEmail,
  cartLines,
  createGuestCart,
  setCartCheckoutFields,
  deleteCart,
  ensureUserCart,
  mergeStatements,
  guestCartId,
  lineQuantities,
  removeLines,
  setCartContactEmail,
  setLines,
  touchCart,
  userCartId,
  type CartLine,
} from './queries'
import type { CartLineView, CartView, Unavailable } from './responses'
import type { AddCartItemBody, UpdateCartBody } from './schemas'
import { quote, quoteView, type QuoteView } from '../checkout/quote'
import { productSlug, resolveVariantIds, variantForSale, variantsByIds, type VariantForSale, type VariantLine } from './variants'

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
  /** The signed-in user's email (per-customer discount limits in the estimate); null for a guest. */
  email?: string | null
  /** The request carries a guest cart cookie at all (ours or not). */
  hasGuestCookie: boolean
  guestToken: string | null
  /** (Re)sets the guest cookie to `token` for another 30 days. */
  keepGuestToken: (token: string) => void
  /** Deletes the guest cookie: the guest cart has ended. */
  endGuestCart: () => void
}

export type { CartLineView, CartView, Unavailable }

/** A line's variant as the cart shows it (null once the variant is gone). */
const variantOf = (line: CartLine): VariantForSale | null => (line.variant ? variantForSale(line.variant) : null)

type CartLinesView = Omit<CartView, 'discount_code' | 'estimate_country' | 'estimate_region' | 'estimate'>

/** The cart's lines and subtotal. The first sellable line sets the currency; lines in another are left out of the totals. */
function cartView(lines: CartLine[]): CartLinesView {
  const variants = lines.map(variantOf)
  const currency = variants.find((variant) => variant?.isActive)?.currency ?? null
  const items = lines.map((line, i): CartLineView => {
    const variant = variants[i] ?? null
    const unavailable: Unavailable | null = !variant?.isActive ? 'no_longer_sold' : variant.currency !== currency ? 'other_currency' : null
    return {
      variant_id: line.variantId,
      product_id: line.productId,
      slug: variant?.slug ?? line.product?.slug ?? null,
      name: variant?.name ?? line.product?.name ?? null,
      sku: variant?.sku ?? null,
      variant_title: variant?.title ?? null,
      option_values: variant?.optionValues ?? [],
      image_url: variant?.imageKey ? imageUrl(variant.imageKey) : null,
      unit_price_cents: variant?.priceCents ?? null,
      quantity: line.quantity,
      line_total_cents: variant && !unavailable ? variant.priceCents * line.quantity : null,
      currency: variant?.currency ?? line.product?.currency ?? null,
      available: variant?.isActive ? variant.available : 0,
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

/** The units of a variant that can still be put aside: its stock object's word (0 if unknown). */
const availableOf = (env: Env, line: Omit<VariantLine, 'quantity'>) => stockOf(env, line.productId).available(line.productId, line.variantId)

/** A sellable line with its variant as read now: what a quote prices. */
export type QuoteLine = { variant: VariantForSale; quantity: number }

/** The lines of a view that count (sold, in the cart's currency), with their variants. */
function sellableLines(lines: CartLine[], view: CartLinesView): QuoteLine[] {
  return lines.flatMap((line, i) => {
    const variant = variantOf(line)
    return variant && view.items[i]?.unavailable === null ? [{ variant, quantity: line.quantity }] : []
  })
}

type CheckoutFields = { discountCode: string | null; estimateCountry: string | null; estimateRegion: string | null }
const NO_FIELDS: CheckoutFields = { discountCode: null, estimateCountry: null, estimateRegion: null }

/**
 * The cart's estimate: its saved code, and shipping by the cheapest method that can carry it to the
 * estimate's country (with that country's tax). Null until a code or a country is saved.
 */
async function estimateOf(env: Env, lines: QuoteLine[], fields: CheckoutFields, customerKey: string | null): Promise<QuoteView | null> {
  if (!lines.length || (!fields.discountCode && !fields.estimateCountry)) return null
  const request = {
    lines,
    destination: fields.estimateCountry ? { country: fields.estimateCountry, region: fields.estimateRegion ?? '' } : null,
    shippingMethodId: null,
    code: fields.discountCode,
    customerKey,
    cheapestUnlessChosen: true,
  }
  return quoteView(await quote(env, request))
}

async function viewOf(env: Env, cartId: number | null, customerKey: string | null = null): Promise<CartView> {
  const db = getDb(env)
  const [lines, fields] = cartId === null ? [[], NO_FIELDS] : await Promise.all([cartLines(db, cartId), cartCheckoutFields(db, cartId).then((row) => row ?? NO_FIELDS)])
  const view = cartView(lines)
  return {
    ...view,
    discount_code: fields.discountCode,
    estimate_country: fields.estimateCountry,
    estimate_region: fields.estimateRegion,
    estimate: await estimateOf(env, sellableLines(lines, view), fields, customerKey),
  }
}

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
    guestLines.map(async (line): Promise<VariantLine> => {
      const had = held.get(line.variantId) ?? 0
      const sum = Math.min(had + line.quantity, LINE_QUANTITY_MAX)
      const target = { productId: line.productId, variantId: line.variantId }
      // An inactive product or variant comes along with its note, as the guest saw it.
      if (!variantOf(line)?.isActive) return { ...target, quantity: sum }
      const cap = Math.max(await availableOf(env, line), had)
      return { ...target, quantity: Math.min(sum, cap) }
    }),
  )
  // Variants the user's cart already holds come first; new ones only while there is room.
  const room = Math.max(CART_LINES_MAX - held.size, 0)
  const lines = [...merged.filter((line) => line.quantity >= 1 && held.has(line.variantId)), ...merged.filter((line) => line.quantity >= 1 && !held.has(line.variantId)).slice(0, room)]
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

/** 409 unless `wanted` units of the variant fit in a line and are available; `had` is what the cart already holds. */
async function checkQuantity(env: Env, variant: VariantForSale, wanted: number, had: number): Promise<void> {
  const already = had ? ` (the cart already holds ${had})` : ''
  if (wanted > LINE_QUANTITY_MAX) {
    throw new ApiError(409, 'quantity_limit', `At most ${LINE_QUANTITY_MAX} of a product fit in the cart${already}`, {
      quantity: [`must bring the line to at most ${LINE_QUANTITY_MAX}${already}`],
    })
  }
  const available = await availableOf(env, variant)
  if (wanted > available) {
    const what = variant.variantCount > 1 ? `${variant.name} (${variant.title})` : `product ${variant.productId}`
    throw new ApiError(409, 'insufficient_stock', `Only ${available} of ${what} available${already}`, {
      quantity: [`only ${available} available${already}`],
    })
  }
}

/** The owner's cart (empty, and not made, when it has none yet). */
export async function getCart(env: Env, owner: CartOwner): Promise<CartView> {
  return viewOf(env, await findCart(env, owner), owner.email ?? null)
}

/**
 * The variant a cart line names (`variant_id`, or `product_id` for a product with one variant; 400
 * `variant_required` for one with several), if it is sold: 404 otherwise.
 */
export async function variantToAdd(env: Env, line: Pick<AddCartItemBody, 'variant_id' | 'product_id'>): Promise<VariantForSale> {
  const db = getDb(env)
  const [variantId] = await resolveVariantIds(db, [line], () => 'variant_id')
  const variant = variantId == null ? undefined : (await variantsByIds(db, [variantId])).get(variantId)
  if (!variant?.isActive) throw notFound(line.variant_id === undefined ? 'product' : 'variant')
  return variant
}

/** Adds units of a sold variant, on top of any already in the cart. */
export async function addCartItem(env: Env, owner: CartOwner, body: AddCartItemBody): Promise<CartView> {
  const db = getDb(env)
  const variant = await variantToAdd(env, body)
  const cartId = await openCart(env, owner)
  const lines = await cartLines(db, cartId)
  const { currency } = cartView(lines)
  if (currency && currency !== variant.currency) {
    throw new ApiError(409, 'currency_mismatch', `The cart is priced in ${currency}; this product in ${variant.currency}`)
  }
  const had = lines.find((line) => line.variantId === variant.variantId)?.quantity ?? 0
  if (!had && lines.length >= CART_LINES_MAX) {
    throw new ApiError(409, 'cart_full', `A cart holds at most ${CART_LINES_MAX} different items: check out or remove some first`)
  }
  await checkQuantity(env, variant, had + body.quantity, had)
  await db.batch([addToLine(db, cartId, variant, body.quantity), touchCart(db, cartId)])
  return viewOf(env, cartId, owner.email ?? null)
}

/** Sets the quantity of a line (by its variant) already in the cart. */
export async function updateCartItem(env: Env, owner: CartOwner, variantId: number, quantity: number): Promise<CartView> {
  const db = getDb(env)
  const cartId = await findCart(env, owner)
  const line = cartId === null ? undefined : (await cartLines(db, cartId)).find((l) => l.variantId === variantId)
  if (cartId === null || !line) throw notFound('cart item')
  const variant = variantOf(line)
  if (!variant?.isActive) throw new ApiError(409, 'product_unavailable', 'This product is no longer sold; remove it from the cart')
  await checkQuantity(env, variant, quantity, 0)
  await db.batch([touchCart(db, cartId), ...setLines(db, cartId, [{ productId: line.productId, variantId, quantity }])])
  return viewOf(env, cartId, owner.email ?? null)
}

/** Removes a line (by its variant); removing a line that is not there changes nothing. */
export async function removeCartItem(env: Env, owner: CartOwner, variantId: number): Promise<CartView> {
  const db = getDb(env)
  const cartId = await findCart(env, owner)
  if (cartId !== null) await db.batch([removeLines(db, cartId, [variantId]), touchCart(db, cartId)])
  return viewOf(env, cartId, owner.email ?? null)
}

/** The sellable lines of a user's cart (product, variant and quantity), for an order placed from it. */
export async function orderableCartLines(env: Env, userId: number): Promise<{ cartId: number; lines: VariantLine[] } | null> {
  const cartId = await userCartId(getDb(env), userId)
  return cartId === null ? null : orderableCartLinesOf(env, cartId)
}

/** The sellable lines of a cart by its id (a guest's, found through `guestCartOf`). */
export async function orderableCartLinesOf(env: Env, cartId: number): Promise<{ cartId: number; lines: VariantLine[] }> {
  const db = getDb(env)
  const view = cartView(await cartLines(db, cartId))
  const lines = view.items.filter((item) => item.unavailable === null).map((item) => ({ productId: item.product_id, variantId: item.variant_id, quantity: item.quantity }))
  return { cartId, lines }
}

/** The id of the guest cart of the owner's cookie (null for none, or for a signed-in owner: theirs is found by the user). */
export async function guestCartOf(env: Env, owner: CartOwner): Promise<number | null> {
  if (owner.userId !== null || !owner.guestToken) return null
  return guestCartId(getDb(env), await sha256Hex(owner.guestToken))
}

/**
 * The guest checkout of the owner's cookie cart: its id and the email the guest gave ("Continue as guest"),
 * or null when the request has no guest cart (a signed-in owner's is found by the user).
 */
export async function guestCheckoutOf(env: Env, owner: CartOwner): Promise<{ cartId: number; email: string | null } | null> {
  const cartId = await guestCartOf(env, owner)
  return cartId === null ? null : { cartId, email: await cartContactEmail(getDb(env), cartId) }
}

/** Keeps the email a guest checks out with on their cart (null forgets it: "not you?"). */
export async function setGuestCheckoutEmail(env: Env, cartId: number, email: string | null): Promise<void> {
  await setCartContactEmail(getDb(env), cartId, email)
}

/** Drops the lines (by variant) an order took from the cart: a statement for the order's own D1 batch. */
export const removeOrderedLines = (env: Env, cartId: number, variantIds: number[]) => removeLines(getDb(env), cartId, variantIds)

/** What a shopper must choose before a product with several variants goes in the cart (for the product page's form). */
export const productSlugOf = (env: Env, productId: number) => productSlug(getDb(env), productId)

/**
 * Saves the cart's discount code and the destination of its estimate (the fields given; null or blank
 * clears one) and answers the cart with its estimate. The cart is made if need be.
 */
export async function updateCartCheckout(env: Env, owner: CartOwner, body: UpdateCartBody): Promise<CartView> {
  const db = getDb(env)
  const cartId = await openCart(env, owner)
  const blankToNull = (value: string | null | undefined) => (value === undefined ? undefined : value?.trim() ? value.trim() : null)
  const code = blankToNull(body.discount_code)
  const country = blankToNull(body.estimate_country)
  const region = country === null ? null : blankToNull(body.estimate_region)
  await setCartCheckoutFields(db, cartId, {
    ...(code !== undefined && { discountCode: code }),
    ...(country !== undefined && { estimateCountry: country }),
    ...(region !== undefined && { estimateRegion: region }),
  })
  return viewOf(env, cartId, owner.email ?? null)
}

/** The owner's cart as a quote reads it: its sellable lines with their variants, its saved code and estimate destination. */
export async function cartForQuote(env: Env, owner: CartOwner): Promise<{ cartId: number | null; lines: QuoteLine[]; fields: CheckoutFields }> {
  const db = getDb(env)
  const cartId = await findCart(env, owner)
  if (cartId === null) return { cartId, lines: [], fields: NO_FIELDS }
  const [lines, fields] = await Promise.all([cartLines(db, cartId), cartCheckoutFields(db, cartId)])
  return { cartId, lines: sellableLines(lines, cartView(lines)), fields: fields ?? NO_FIELDS }
}
