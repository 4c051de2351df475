/**
 * Carts: a guest's is found through an HttpOnly cookie holding a random token (D1 keeps its SHA-256), a
 * signed-in user's through the user. When a request carries both, the guest cart is merged into the
 * user's the first time the cart is loaded. Prices always come from D1, availability from the product's
 * stock object (on hand minus holds); the cart itself holds nothing back, the order does.
 *
 * Round trips (README "Performance: round trips"): a view is one D1 batch (lines with their variants, the
 * cart's fields, the checkout versions its estimate is priced under); an add or a change reads that batch
 * while the stock object answers the variant and its units available (`offer`), then one D1 batch writes
 * and reads the cart back for the answer.
 */
import { ORDER_LINES_MAX } from '../orders/schemas'
import { imageUrl } from '../catalog/queries'
import { getDb } from '../db/client'
import { LINE_QUANTITY_MAX } from '../db/schema'
import { productsOfVariants, stockOf } from '../stock/client'
import { sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { checkoutVersionsInBatch, versionsOf, type CheckoutVersions } from '../checkout/config'
import { randomToken, sha256Hex } from '../platform/encoding'
import { ApiError, notFound } from '../platform/errors'
import { tokenUserOrRevoked } from '../accounts/service'
import { signInHoldsSql, type SignIn } from '../accounts/tokens'
import {
  addToLineByKey,
  cartLinesByKey,
  cartRowByKey,
  type CartRow,
  ensureCartByKey,
  removeLineByKey,
  touchCartByKey,
  type CartKey,
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
  /** A bearer sign-in not yet checked: the change's first (read-only) batch checks it, and a 401 writes nothing. */
  signIn?: SignIn | null
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
async function estimateOf(env: Env, lines: QuoteLine[], fields: CheckoutFields, customerKey: string | null, versions?: CheckoutVersions): Promise<QuoteView | null> {
  if (!lines.length || (!fields.discountCode && !fields.estimateCountry)) return null
  const request = {
    lines,
    destination: fields.estimateCountry ? { country: fields.estimateCountry, region: fields.estimateRegion ?? '' } : null,
    shippingMethodId: null,
    code: fields.discountCode,
    customerKey,
    cheapestUnlessChosen: true,
  }
  return quoteView(await quote(env, request, Date.now(), versions ? { versions } : {}))
}

/** A cart as one batch reads it: its id (null while there is none), lines with their variants, fields, and the checkout versions. */
type CartState = { cartId: number | null; lines: CartLine[]; fields: CheckoutFields; versions: CheckoutVersions }
const NO_CART: CartState = { cartId: null, lines: [], fields: NO_FIELDS, versions: { config: 0, discounts: 0 } }

/** The key of the owner's cart: the user's, or the guest cookie's (null for a guest without one). */
async function keyOf(owner: CartOwner): Promise<CartKey | null> {
  if (owner.userId !== null) return { userId: owner.userId }
  return owner.guestToken ? { tokenHash: await sha256Hex(owner.guestToken) } : null
}

/** `writes` and then the cart of `key` read back, in ONE D1 batch (one transaction: the answer is what was written). */
async function stateAfter(env: Env, key: CartKey | null, writes: BatchItem<'sqlite'>[] = [], signIn?: SignIn | null): Promise<CartState> {
  if (key === null) return NO_CART
  const db = getDb(env)
  const reads = [cartLinesByKey(db, key), cartRowByKey(db, key), checkoutVersionsInBatch(db)]
  // Only a batch that writes nothing may check the sign-in: a revoked token must not have written.
  if (signIn && writes.length) throw new Error('a sign-in is checked in a batch that writes nothing')
  const check = signIn ? [db.select({ holds: sql<number>`${signInHoldsSql(signIn)}` }).from(sql`(select 1)`)] : []
  const results = (await db.batch([...writes, ...reads, ...check] as unknown as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])) as unknown[]
  const [lines, rows, versions, held] = results.slice(writes.length) as [CartLine[], CartRow[], CheckoutVersions[], { holds: number }[] | undefined]
  // Not as issued: a revoked token is a 401; only a changed email goes on (the read wrote nothing).
  if (signIn && !held?.[0]?.holds) await tokenUserOrRevoked(env, signIn)
  const row = rows[0]
  return { cartId: row?.id ?? null, lines, fields: row ?? NO_FIELDS, versions: versionsOf(versions) }
}

/** The cart's answer from a state read in one batch (its estimate priced from the versions read with it). */
async function viewOfState(env: Env, state: CartState, customerKey: string | null): Promise<CartView> {
  const view = cartView(state.lines)
  const { discountCode, estimateCountry, estimateRegion } = state.fields
  return {
    ...view,
    discount_code: discountCode,
    estimate_country: estimateCountry,
    estimate_region: estimateRegion,
    estimate: await estimateOf(env, sellableLines(state.lines, view), state.fields, customerKey, state.versions),
  }
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

/** How the cart's refusals name a variant: its product, and the variant beside a product with options. */
const nameOf = (variant: { name: string; title: string; variantCount: number }) => (variant.variantCount > 1 && variant.title !== 'Default' ? `${variant.name} (${variant.title})` : variant.name)

/** 409 unless `wanted` units of the variant fit in a line and `available` (its stock object's word) has them; `had` is what the cart already holds. */
function checkQuantity(variant: { name: string; title: string; variantCount: number }, available: number, wanted: number, had: number): void {
  const already = had ? ` (the cart already holds ${had})` : ''
  if (wanted > LINE_QUANTITY_MAX) {
    throw new ApiError(409, 'quantity_limit', `At most ${LINE_QUANTITY_MAX} of ${nameOf(variant)} fit in the cart${already}`, {
      quantity: [`must bring the line to at most ${LINE_QUANTITY_MAX}${already}`],
    })
  }
  if (wanted > available) {
    throw new ApiError(409, 'insufficient_stock', `Only ${available} of ${nameOf(variant)} available${already}`, {
      quantity: [`only ${available} available${already}`],
    })
  }
}

/** The owner's cart (empty, and not made, when it has none yet). */
export async function getCart(env: Env, owner: CartOwner): Promise<CartView> {
  if (owner.userId !== null) await mergeGuestCart(env, owner, owner.userId)
  return viewOfState(env, await stateAfter(env, await keyOf(owner)), owner.email ?? null)
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

/** The variant a line names and its product, without a D1 read once this isolate knows the variant (404 for none). */
async function lineTarget(env: Env, line: Pick<AddCartItemBody, 'variant_id' | 'product_id'>): Promise<{ variantId: number; productId: number }> {
  const [variantId] = line.variant_id !== undefined ? [line.variant_id] : await resolveVariantIds(getDb(env), [line], () => 'variant_id')
  const productId = variantId == null ? undefined : (await productsOfVariants(env, [variantId])).get(variantId)
  if (variantId == null || productId === undefined) throw notFound(line.variant_id === undefined ? 'product' : 'variant')
  return { variantId, productId }
}

/** Adds units of a sold variant, on top of any already in the cart. */
export async function addCartItem(env: Env, owner: CartOwner, body: AddCartItemBody): Promise<CartView> {
  const db = getDb(env)
  if (owner.userId !== null) await mergeGuestCart(env, owner, owner.userId)
  const target = await lineTarget(env, body)
  let key = await keyOf(owner)
  // The cart as it is and the variant as its stock object sells it, at the same time.
  const [state, offer] = await Promise.all([stateAfter(env, key, [], owner.signIn), stockOf(env, target.productId).offer(target.productId, target.variantId)])
  if (!offer.ok || !offer.variant.isActive) {
    if (offer.ok) throw new ApiError(404, 'not_found', `${offer.variant.name} is not for sale`)
    throw notFound(body.variant_id === undefined ? 'product' : 'variant')
  }
  const variant = offer.variant
  const { currency } = cartView(state.lines)
  if (currency && currency !== variant.currency) {
    throw new ApiError(409, 'currency_mismatch', `The cart is priced in ${currency}; ${variant.name} in ${variant.currency}`)
  }
  const had = state.lines.find((line) => line.variantId === variant.variantId)?.quantity ?? 0
  if (!had && state.lines.length >= CART_LINES_MAX) {
    throw new ApiError(409, 'cart_full', `A cart holds at most ${CART_LINES_MAX} different items: check out or remove some first`)
  }
  checkQuantity(variant, offer.available, had + body.quantity, had)
  // A guest's cookie lives 30 more days; a guest without a cart (or with a cookie of none) gets a new one.
  if (owner.userId === null) {
    const token = state.cartId !== null && owner.guestToken ? owner.guestToken : randomToken()
    if (token !== owner.guestToken) key = { tokenHash: await sha256Hex(token) }
    owner.keepGuestToken(token)
  }
  if (key === null) throw new Error('unreachable: a cart key is set above')
  const after = await stateAfter(env, key, [ensureCartByKey(db, key), addToLineByKey(db, key, variant, body.quantity)])
  return viewOfState(env, after, owner.email ?? null)
}

/** Sets the quantity of a line (by its variant) already in the cart. */
export async function updateCartItem(env: Env, owner: CartOwner, variantId: number, quantity: number): Promise<CartView> {
  const db = getDb(env)
  if (owner.userId !== null) await mergeGuestCart(env, owner, owner.userId)
  const key = await keyOf(owner)
  const productId = (await productsOfVariants(env, [variantId])).get(variantId)
  const [state, offer] = await Promise.all([stateAfter(env, key, [], owner.signIn), productId === undefined ? null : stockOf(env, productId).offer(productId, variantId)])
  const line = state.lines.find((l) => l.variantId === variantId)
  if (key === null || state.cartId === null || !line) throw notFound('cart item')
  const variant = variantOf(line)
  if (!variant?.isActive) throw new ApiError(409, 'product_unavailable', `${line.product?.name ?? 'This product'} is no longer sold; remove it from the cart`)
  checkQuantity(variant, offer?.ok ? offer.available : 0, quantity, 0)
  const after = await stateAfter(env, key, [touchCart(db, state.cartId), ...setLines(db, state.cartId, [{ productId: line.productId, variantId, quantity }])])
  return viewOfState(env, after, owner.email ?? null)
}

/** Removes a line (by its variant); removing a line that is not there changes nothing. */
export async function removeCartItem(env: Env, owner: CartOwner, variantId: number): Promise<CartView> {
  const db = getDb(env)
  if (owner.userId !== null) await mergeGuestCart(env, owner, owner.userId)
  const key = await keyOf(owner)
  const after = await stateAfter(env, key, key === null ? [] : [removeLineByKey(db, key, variantId), touchCartByKey(db, key)])
  return viewOfState(env, after, owner.email ?? null)
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
