/**
 * Placing an order, in as few round trips as it can be done right (README "Performance: round trips"):
 *
 * 1. each product's stock object holds the lines (all or nothing, the products in parallel) and answers the
 *    variants as it knows them (`reserveSale`): price, name, SKU, weight, tax class, categories, sold or not;
 *    no variant is read from D1;
 * 2. the quote comes from them and this isolate's copy of the checkout rules and promotions
 *    (src/checkout/config.ts, src/discounts/service.ts): no D1 read unless a code is entered or a promotion is on;
 * 3. ONE D1 batch writes the order, its lines, tax lines, discount uses, first event, the cart's lines gone
 *    and its outbox entry, and is refused whole (`STALE_GUARD`) when D1 no longer agrees with what the total
 *    was computed from: a line's price, sold state, currency, weight, tax class, categories, name, SKU or
 *    title, or the version of the rules or the discounts, or (an order placed with a bearer token) the
 *    token's sign-in: its user's version and email and its family (`signInHoldsSql`), which is then read to
 *    answer a revoked token 401 before anything else. The order is then priced once more from fresh
 *    copies (the holds stay: the same reservation ids) and written again; a second refusal is a 409;
 * 4. the answer is built from what was written, not read back.
 *
 * So a price change can never let an order through at the old price, whatever the copies say. Any failure
 * after the holds releases them; a failed batch places nothing (one D1 transaction).
 */
import { sql, type SQL } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { profileOf, tokenUserOrRevoked } from '../accounts/service'
import { signInHoldsSql, type SignIn } from '../accounts/tokens'
import { orderableCartLines, orderableCartLinesOf, removeOrderedLines } from '../cart/service'
import { resolveVariantIds, type VariantForSale } from '../cart/variants'
import { versionsUnchangedSql } from '../checkout/config'
import { destinationOf, quote, quoteView, type Quote } from '../checkout/quote'
import { problemMessage } from '../checkout/totals'
import { chunkRows, getDb, renderedOnce, type Db } from '../db/client'
import { orderEvents, orderItems, orders, orderTaxLines, productCategories, products, productVariants, type ShippingAddress } from '../db/schema'
import { redeemStatements, redemptionRefusal, type CodeRefusal } from '../discounts/service'
import { enqueueOutbox, orderOutboxInsert } from '../notifications/outbox'
import { ApiError, badRequest, validationFailed, type FieldErrors } from '../platform/errors'
import { logError, logEvent } from '../platform/logging'
import { HOLD_TTL_MS_DEFAULT, productsOfVariants, stockOf } from '../stock/client'
import type { ReserveSaleResult, SaleVariant } from '../stock/types'
import { claimGuard, claimLost, holdsClaim } from './idempotency'
import type { OrderView } from './responses'
import type { CreateOrderBody } from './schemas'

/**
 * Who buys, when it is not simply the signed-in user: a guest checkout's email (the order's contact, on the
 * guest row or the account that has it) and the guest's cart (its cookie's) to order from.
 */
export interface GuestPurchase {
  email: string
  guestCartId: number | null
}

/** A line as asked, with its product (whose stock object holds it); `ref` names it in errors (`variant:<id>` or `product:<id>`). */
type RequestedLine = { ref: string; variantId: number; productId: number; quantity: number; reservationId: string }

/** A line of the body naming no variant or product there is: refused with the lines found not for sale. */
type MissingLine = { ref: string }

/** A line held and priced: what was asked, and its variant as its stock object answered it. */
interface PricedLine extends RequestedLine {
  variant: VariantForSale
}

/** The reservation of an order's line in its product's stock object: one per line (variant), derived from the order id. */
const reservationIdOf = (orderId: string, variantId: number) => `${orderId}:${variantId}`

/** The hold's lifetime from the HOLD_TTL_MS setting (wrangler.toml), 15 minutes if it is unset or not a positive integer. */
function holdTtlMs(env: Env): number {
  const ttl = Number(env.HOLD_TTL_MS)
  return Number.isSafeInteger(ttl) && ttl > 0 ? ttl : HOLD_TTL_MS_DEFAULT
}

const notForSale = (lines: { ref: string }[], nameOf: (ref: string) => string | null) => {
  const fields: FieldErrors = Object.fromEntries(lines.map((line) => [line.ref, [line.ref.startsWith('variant') ? 'is not a variant for sale' : 'is not a product for sale']]))
  const said = lines.map((line) => {
    const name = nameOf(line.ref)
    return name ? `${name} is not for sale` : `${line.ref.replace(':', ' ')} not found`
  })
  return new ApiError(404, 'not_found', said.join('; '), fields)
}

/**
 * The lines to order: the body's (a product named for its one variant resolved to it, 400
 * `variant_required` for a product with several; 404 for variants that do not exist), or the sellable lines
 * of the user's cart (with the cart to take them from).
 */
async function requestedLines(env: Env, orderId: string, userId: number, body: CreateOrderBody, guest?: GuestPurchase): Promise<{ cartId: number | null; lines: RequestedLine[]; missing: MissingLine[] }> {
  const db = getDb(env)
  if (body.items) {
    const items = body.items
    // Only lines naming a product cost a read here (which variant it stands for); a variant's product is remembered.
    const ids = items.some((line) => line.variant_id === undefined) ? await resolveVariantIds(db, items, (i) => `items.${i}.variant_id`) : items.map((line) => line.variant_id ?? null)
    const products = await productsOfVariants(env, ids.flatMap((id) => (id === null ? [] : [id])))
    const asked = items.map((line, i) => {
      const variantId = ids[i] ?? null
      return { ref: line.variant_id !== undefined ? `variant:${line.variant_id}` : `product:${line.product_id}`, variantId, productId: variantId === null ? undefined : products.get(variantId), quantity: line.quantity }
    })
    // Refused together with the lines their stock objects find not for sale, in the order asked.
    const missing = asked.filter((line) => line.variantId === null || line.productId === undefined).map((line) => ({ ref: line.ref }))
    const found = asked.filter((line): line is typeof line & { variantId: number; productId: number } => line.variantId !== null && line.productId !== undefined)
    // A product named for its one variant and that variant named as well: the same variant twice.
    const first = new Map<number, number>()
    const twice: FieldErrors = {}
    asked.forEach((line, i) => {
      if (line.variantId === null) return
      const earlier = first.get(line.variantId)
      if (earlier !== undefined) twice[`items.${i}.variant_id`] = [`the same variant as line ${earlier}: give each variant one line`]
      else first.set(line.variantId, i)
    })
    if (Object.keys(twice).length) throw validationFailed(twice)
    return {
      cartId: null,
      lines: found.map((line) => ({ ref: line.ref, variantId: line.variantId, productId: line.productId, quantity: line.quantity, reservationId: reservationIdOf(orderId, line.variantId) })),
      missing,
    }
  }
  // A guest orders from the cart of their cookie, never from the cart of the account their email may have.
  const cart = guest ? (guest.guestCartId === null ? null : await orderableCartLinesOf(env, guest.guestCartId)) : await orderableCartLines(env, userId)
  if (!cart?.lines.length) throw new ApiError(400, 'cart_empty', 'The cart holds nothing that can be ordered')
  return {
    cartId: cart.cartId,
    lines: cart.lines.map((line) => ({ ref: `variant:${line.variantId}`, variantId: line.variantId, productId: line.productId, quantity: line.quantity, reservationId: reservationIdOf(orderId, line.variantId) })),
    missing: [],
  }
}

/** Releases every line's reservation, held or not: an id never seen is remembered as released, so a reserve still in flight cannot hold afterwards. */
export async function releaseAll(env: Env, lines: Pick<RequestedLine, 'productId' | 'reservationId'>[]): Promise<void> {
  const results = await Promise.allSettled(lines.map((line) => stockOf(env, line.productId).release(line.productId, line.reservationId)))
  for (const result of results) {
    // The hold ends at its deadline anyway; until then it only keeps units out of sale.
    if (result.status === 'rejected') logError('hold release failed', { error: result.reason })
  }
}

/** The lines grouped by product, in order: each product's lines go to its stock object in one call. */
function byProduct<T extends { productId: number }>(lines: T[]): [number, T[]][] {
  const groups = new Map<number, T[]>()
  for (const line of lines) groups.set(line.productId, [...(groups.get(line.productId) ?? []), line])
  return [...groups]
}

/** How a refusal names a line: its product, and the variant beside a product with options ("Harbor Tee (Navy / M)"). */
const lineName = (variant: Pick<SaleVariant, 'name' | 'title' | 'variantCount'>) => (variant.variantCount > 1 && variant.title !== 'Default' ? `${variant.name} (${variant.title})` : variant.name)

const forSale = (variant: SaleVariant): VariantForSale => ({ ...variant, available: 0 })

/**
 * Holds every line, all or nothing: the lines of one product (its variants) in ONE `reserveSale` call of
 * its stock object (one transaction), the products in parallel, and prices them from the variants the
 * objects answer. A line that cannot be held releases every line: 404 for a variant not for sale (before
 * stock: it cannot be ordered at all), else 409 naming the short lines by their products. `fresh`: the
 * objects read their variants from D1 first. Resolves to the lines and when the first hold runs out.
 */
async function holdAll(env: Env, orderId: string, lines: RequestedLine[], missing: MissingLine[], fresh: boolean, asked: string[]): Promise<{ priced: PricedLine[]; holdExpiresAt: number }> {
  const ttlMs = holdTtlMs(env)
  const groups = byProduct(lines)
  const results = await Promise.allSettled(
    groups.map(([productId, group]) =>
      stockOf(env, productId).reserveSale(
        productId,
        group.map((line) => ({ variantId: line.variantId, reservationId: line.reservationId, qty: line.quantity })),
        ttlMs,
        orderId,
        fresh,
      ),
    ),
  )
  const variants = new Map<number, SaleVariant>()
  const expiries: number[] = []
  const unsold = new Set<string>()
  const short: FieldErrors = {}
  const shortNames: string[] = []
  let failure: unknown = null
  results.forEach((result, g) => {
    const group = groups[g]?.[1] ?? []
    if (result.status === 'rejected') {
      failure ??= result.reason
      return
    }
    const answer: ReserveSaleResult = result.value
    for (const variant of answer.variants) variants.set(variant.variantId, variant)
    if (answer.ok) {
      expiries.push(...answer.holds.map((hold) => hold.expiresAt))
      return
    }
    for (const line of group) {
      const variant = variants.get(line.variantId)
      if (answer.reason === 'not_for_sale' || answer.reason === 'unknown_variant' || answer.reason === 'unknown_product') {
        if (answer.reason !== 'not_for_sale' || answer.variantIds.includes(line.variantId)) unsold.add(line.ref)
      } else if (answer.reason === 'finished') {
        short[line.ref] = ['is no longer held for this order: order again']
      } else {
        const available = answer.short.find((s) => s.variantId === line.variantId)?.available
        if (available === undefined) continue
        short[line.ref] = [`requested ${line.quantity}, available ${available}`]
        shortNames.push(`${available} of ${variant ? lineName(variant) : 'a product'}`)
      }
    }
  })
  if (failure === null && !missing.length && !unsold.size && !Object.keys(short).length && expiries.length === lines.length) {
    const priced = lines.map((line): PricedLine => {
      const variant = variants.get(line.variantId)
      if (!variant) throw new Error(`stock object of product ${line.productId} answered no variant ${line.variantId}`)
      return { ...line, variant: forSale(variant) }
    })
    return { priced, holdExpiresAt: Math.min(...expiries) }
  }

  await releaseAll(env, lines)
  if (failure !== null) throw failure
  if (unsold.size || missing.length) {
    const byRef = new Map(lines.map((line) => [line.ref, variants.get(line.variantId)]))
    const refused = new Set([...unsold, ...missing.map((line) => line.ref)])
    throw notForSale(
      asked.filter((ref) => refused.has(ref)).map((ref) => ({ ref })),
      (ref) => byRef.get(ref)?.name ?? null,
    )
  }
  const message = shortNames.length ? `Only ${shortNames.join(', ')} available` : 'These lines are no longer held for this order: order again'
  throw new ApiError(409, 'insufficient_stock', message, short)
}

/** What the order is refused for when the quote says it cannot ship as asked (the country named). */
function shippingRefusal(q: Quote): ApiError | null {
  const problem = q.totals.problems[0]
  if (!problem) return null
  const message = problemMessage(problem)
  switch (problem.code) {
    case 'no_zone':
      return new ApiError(400, 'unshippable_country', message, { 'shipping_address.country': [message] })
    case 'no_method':
      return new ApiError(400, 'no_shipping_method', message, { shipping_method_id: [message] })
    case 'method_required':
      return new ApiError(400, 'shipping_method_required', `${message} Ask for a quote (POST /api/checkout/quote) to see the methods for this address.`, { shipping_method_id: [message] })
    case 'method_unavailable':
    case 'destination_required':
      return new ApiError(400, 'shipping_method_unavailable', message, { shipping_method_id: [message] })
  }
}

/** An entered code that does not apply: never ignored. Used up is a 409 (it may have been fine a moment ago), the rest a 400. */
function codeRefused(refusal: CodeRefusal): ApiError {
  const status = refusal.reason === 'used_up' || refusal.reason === 'customer_limit' ? 409 : 400
  return new ApiError(status, 'discount_code_refused', refusal.message, { discount_code: [refusal.message] }, { reason: refusal.reason })
}

/**
 * The quote of an order about to be placed, or the error that keeps it from being placed. `fresh`: the
 * versions of the rules are read (the batch found them moved), else this isolate's recent copy is trusted.
 */
async function orderQuote(env: Env, lines: PricedLine[], body: CreateOrderBody, shippingAddress: { country: string; region?: string | null }, customerKey: string, fresh: boolean): Promise<Quote> {
  const currencies = [...new Set(lines.map((line) => line.variant.currency))]
  if (currencies.length > 1) throw badRequest(`All lines of an order must share one currency, not ${currencies.join(' and ')}`)
  const q = await quote(
    env,
    {
      lines: lines.map((line) => ({ variant: line.variant, quantity: line.quantity })),
      destination: destinationOf(shippingAddress),
      shippingMethodId: body.shipping_method_id ?? null,
      code: body.discount_code ?? null,
      customerKey,
    },
    Date.now(),
    fresh ? {} : { trust: true },
  )
  const refused = shippingRefusal(q)
  if (refused) throw refused
  if (q.refusal) throw codeRefused(q.refusal)
  if (body.expected_total_cents !== undefined && body.expected_total_cents !== q.totals.totalCents) {
    const money = (cents: number) => `${(cents / 100).toFixed(2)} ${q.currency ?? ''}`.trim()
    throw new ApiError(409, 'total_changed', `The total changed from ${money(body.expected_total_cents)} to ${money(q.totals.totalCents)}: check the new breakdown and order again`, undefined, {
      quote: quoteView(q),
    })
  }
  return q
}

/**
 * True while D1 still has every line's variant as it was priced: everything the line and the order's total
 * are made of (price, sold state, currency, weight, tax class, categories) and what the line keeps of it
 * (product name, SKU, title). The lines travel as one JSON parameter, so that an order of any size binds
 * one parameter here (D1 allows 100 a statement): the guard holds when no line finds D1 different.
 */
function linesUnchangedSql(lines: PricedLine[]): SQL {
  const expected = JSON.stringify(
    lines.map(({ variant }) => ({
      v: variant.variantId,
      p: variant.productId,
      price: variant.priceCents,
      cur: variant.currency,
      w: variant.weightGrams,
      tax: variant.taxClass,
      name: variant.name,
      sku: variant.sku,
      title: variant.title,
      cats: variant.categoryIds.join(','),
    })),
  )
  return sql`not exists (select 1 from json_each(${expected}) as line where not ${lineAsInD1()})`
}

/** True while D1's variant is the JSON `line` of the guard (`line.value`): the same text every order, rendered once. */
const lineAsInD1 = renderedOnce(() => {
  const field = (name: string) => sql.raw(`json_extract(line.value, '$.${name}')`)
  const categories = sql`(select coalesce(group_concat(ids.category_id, ','), '') from (select ${productCategories.categoryId} as category_id from ${productCategories} where ${productCategories.productId} = ${products.id} order by 1) as ids)`
  return sql`exists (select 1 from ${productVariants} join ${products} on ${products.id} = ${productVariants.productId}
    where ${productVariants.id} = ${field('v')} and ${productVariants.productId} = ${field('p')}
      and ${productVariants.priceCents} = ${field('price')} and ${productVariants.isActive} = 1 and ${products.isActive} = 1
      and ${products.currency} = ${field('cur')} and ${productVariants.weightGrams} = ${field('w')} and ${products.taxClass} = ${field('tax')}
      and ${products.name} = ${field('name')} and ${productVariants.sku} is ${field('sku')} and ${productVariants.title} = ${field('title')}
      and ${categories} = ${field('cats')})`
})

/**
 * What the order's first event writes as its status: 'pending_payment' while everything the order was
 * priced from is as it was, else NULL, which its NOT NULL column refuses, and with it the whole batch.
 */
const guardedStatus = (lines: PricedLine[], q: Quote, signIn: SignIn | undefined): SQL =>
  sql`case when ${versionsUnchangedSql(q.versions)} and ${linesUnchangedSql(lines)}${signIn ? sql` and ${signInHoldsSql(signIn)}` : sql``} then 'pending_payment' end`

/** The refusal the guard makes: SQLite's words for a NULL in the first event's status. */
const STALE_GUARD = /NOT NULL constraint failed: order_events\.to_status/

function isStale(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (STALE_GUARD.test(e instanceof Error ? e.message : String(e))) return true
    e = e instanceof Error ? e.cause : undefined
  }
  return false
}

const iso = (epochMs: number) => new Date(epochMs).toISOString()

/**
 * Places an order (see the top of this file); `accountEmail`: the signed-in user's, which spares reading the
 * profile when the body gives the address; `signIn`: the sign-in to check in the order's own batch.
 */
export async function placeOrder(
  env: Env,
  userId: number,
  body: CreateOrderBody,
  orderId: string,
  idempotencyKey?: string,
  guest?: GuestPurchase,
  accountEmail?: string,
  signIn?: SignIn,
): Promise<OrderView> {
  const db = getDb(env)
  const { cartId, lines: requested, missing } = await requestedLines(env, orderId, userId, body, guest)
  // The lines' refs in the order asked: how a refusal lists them.
  const asked = body.items ? body.items.map((line) => (line.variant_id !== undefined ? `variant:${line.variant_id}` : `product:${line.product_id}`)) : requested.map((line) => line.ref)
  // A guest gives the address: the profile of an account with their email is not theirs to ship to.
  const needProfile = !guest && (body.shipping_address === undefined || accountEmail === undefined)
  const profile = needProfile ? await profileOf(env, userId) : null
  const shippingAddress: ShippingAddress | null = body.shipping_address ?? profile?.default_shipping_address ?? null
  if (!shippingAddress) throw validationFailed({ shipping_address: [guest ? 'is required' : 'is required: none was given and the profile has no default address'] })
  // The order's contact, and the customer its discounts count against: the guest's email, or the account's.
  let email = (guest?.email ?? profile?.email ?? accountEmail ?? '').toLowerCase()

  for (let attempt = 0; ; attempt++) {
    const fresh = attempt > 0
    const { priced: lines, holdExpiresAt } = await holdAll(env, orderId, requested, missing, fresh, asked)
      let q: Quote
    try {
      q = await orderQuote(env, lines, body, shippingAddress, email, fresh)
    } catch (err) {
      await releaseAll(env, lines)
      throw err
    }
    const now = Date.now()
    const placed = orderOutboxInsert(db, 'order.created', orderId)
    const statements = orderStatements(env, db, { orderId, userId, email, idempotencyKey, guest: guest !== undefined, cartId, lines, q, shippingAddress, holdExpiresAt, now, signIn })
    statements.push(placed.statement)
      try {
      await db.batch(statements)
        } catch (err) {
      if (signIn) {
        // Whatever refused the batch, a sign-in that no longer holds (the guard checks it too) is told as
        // such, and learns nothing else: a revoked token places nothing.
        const user = await tokenUserOrRevoked(env, signIn).catch(async (revoked: unknown) => {
          await releaseAll(env, lines)
          throw revoked
        })
        signIn = undefined
        if (user.email !== email) {
          // The account's email changed since the token was issued: the order, and the discounts it
          // counts against, take the current one.
          email = user.email
          if (attempt === 0) continue
        }
      }
      if (isStale(err) && attempt === 0) {
        // Something the order was priced from changed since the copies were made: price it again from fresh
        // ones (the stock objects read their variants again, the quote reads the versions and what moved).
        continue
      }
      await releaseAll(env, lines)
      if (idempotencyKey !== undefined && !(await holdsClaim(env, userId, idempotencyKey, orderId))) throw claimLost()
      const refusal = redemptionRefusal(err, q.totals.discounts.map((applied) => applied.rule))
      if (refusal) throw codeRefused(refusal)
      if (isStale(err)) throw new ApiError(409, 'order_changed', 'Prices or checkout rules changed while the order was being placed: nothing was ordered; check the cart and order again')
      throw err
    }
    await enqueueOutbox(env, [placed.id])
    // Only here: an idempotent replay answers the first order without placing one.
    logEvent(env, 'order.created', { order_id: orderId, user_id: userId, lines: lines.length, total_cents: q.totals.totalCents, currency: lines[0]?.variant.currency, priced_again: fresh })
    return placedView({ orderId, email, lines, q, shippingAddress, holdExpiresAt, now })
  }
}

interface Placement {
  orderId: string
  email: string
  lines: PricedLine[]
  q: Quote
  shippingAddress: ShippingAddress
  holdExpiresAt: number
  now: number
}

/** The order's D1 batch but its outbox entry: order, lines, tax lines, discount uses, first event (the guard), the cart's lines. */
function orderStatements(
  env: Env,
  db: Db,
  { orderId, userId, email, idempotencyKey, guest, cartId, lines, q, shippingAddress, holdExpiresAt, now, signIn }: Placement & { userId: number; idempotencyKey?: string | undefined; guest: boolean; cartId: number | null; signIn: SignIn | undefined },
): [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] {
  const totals = q.totals
  const byVariant = new Map(totals.lines.map((line) => [line.variantId, line]))
  const statements: [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] = [
    db.insert(orders).values({
      id: idempotencyKey === undefined ? orderId : claimGuard(env, userId, idempotencyKey, orderId),
      userId,
      email,
      currency: lines[0]?.variant.currency ?? 'USD',
      subtotalCents: totals.subtotalCents,
      discountCents: totals.discountCents,
      shippingCents: totals.shippingCents,
      shippingDiscountCents: totals.shippingDiscountCents,
      taxCents: totals.taxCents,
      taxInclusive: totals.taxInclusive,
      shippingMethodId: totals.method?.id ?? null,
      shippingMethodName: totals.method?.name ?? null,
      shippingWeightGrams: totals.weightGrams,
      totalCents: totals.totalCents,
      shippingAddress,
      holdExpiresAt,
      guestCheckout: guest,
      createdAt: now,
      updatedAt: now,
    }),
    // A parameter per column of a line: a few lines fill D1's 100 per statement, so they are split.
    ...chunkRows(
      lines.map((line) => ({
        orderId,
        productId: line.productId,
        variantId: line.variantId,
        productName: line.variant.name,
        sku: line.variant.sku,
        variantTitle: line.variant.title,
        optionValues: line.variant.optionValues,
        priceAtPurchaseCents: line.variant.priceCents,
        quantity: line.quantity,
        lineTotalCents: line.variant.priceCents * line.quantity,
        reservationId: line.reservationId,
        discountCents: byVariant.get(line.variantId)?.discountCents ?? 0,
        taxCents: byVariant.get(line.variantId)?.taxCents ?? 0,
        taxRateBp: byVariant.get(line.variantId)?.taxRateBp ?? 0,
      })),
      0,
      orderItems,
    ).map((rows) => db.insert(orderItems).values(rows)),
    ...chunkRows(totals.taxLines.map((line, position) => ({ orderId, position, name: line.name, rateBp: line.rateBp, taxableCents: line.taxableCents, amountCents: line.amountCents })), 0, orderTaxLines).map(
      (rows) => db.insert(orderTaxLines).values(rows),
    ),
    // A discount's use is counted in the batch that places the order: past its limit the batch fails whole.
    ...redeemStatements(db, orderId, email, totals.discounts),
    // The guard: its status is NULL, and the batch refused, if anything the order was priced from changed.
    db.insert(orderEvents).values({ orderId, toStatus: guardedStatus(lines, q, signIn), note: cartId === null ? 'placed' : 'placed from the cart', at: now }),
  ]
  // The cart gives up its lines in the same batch that makes the order: both happen or neither.
  if (cartId !== null) statements.push(removeOrderedLines(env, cartId, lines.map((line) => line.variantId)))
  return statements
}

/** The order as `GET /api/orders/:id` shows it, from what its batch wrote (a test pins that they are equal). */
function placedView({ orderId, email, lines, q, shippingAddress, holdExpiresAt, now }: Placement): OrderView {
  const totals = q.totals
  const byVariant = new Map(totals.lines.map((line) => [line.variantId, line]))
  const items = [...lines].sort((a, b) => a.productId - b.productId || a.variantId - b.variantId)
  return {
    id: orderId,
    status: 'pending_payment',
    currency: lines[0]?.variant.currency ?? 'USD',
    email,
    subtotal_cents: totals.subtotalCents,
    discount_cents: totals.discountCents,
    shipping: {
      method_id: totals.method?.id ?? null,
      method: totals.method?.name ?? null,
      cents: totals.shippingCents,
      discount_cents: totals.shippingDiscountCents,
      weight_grams: totals.weightGrams,
    },
    tax_cents: totals.taxCents,
    tax_inclusive: totals.taxInclusive,
    tax_lines: totals.taxLines.map((line) => ({ name: line.name, rate_bp: line.rateBp, taxable_cents: line.taxableCents, amount_cents: line.amountCents })),
    discounts: [...totals.discounts].sort((a, b) => a.rule.id - b.rule.id).map((d) => ({ id: d.rule.id, code: d.rule.code, title: d.rule.title, kind: d.rule.kind, amount_cents: d.amountCents })),
    total_cents: totals.totalCents,
    items: items.map((line) => ({
      variant_id: line.variantId,
      product_id: line.productId,
      name: line.variant.name,
      sku: line.variant.sku,
      variant_title: line.variant.title,
      option_values: line.variant.optionValues,
      quantity: line.quantity,
      price_at_purchase_cents: line.variant.priceCents,
      line_total_cents: line.variant.priceCents * line.quantity,
      discount_cents: byVariant.get(line.variantId)?.discountCents ?? 0,
      tax_cents: byVariant.get(line.variantId)?.taxCents ?? 0,
      tax_rate_bp: byVariant.get(line.variantId)?.taxRateBp ?? 0,
    })),
    shipping_address: shippingAddress,
    created_at: iso(now),
    updated_at: iso(now),
    hold_expires_at: iso(holdExpiresAt),
    payment_status: 'unpaid',
    refunded_cents: 0,
    review_reason: null,
  }
}
