import { Hono } from 'hono'
import { currentUser } from '../accounts/guard'
import { cartOwner } from '../cart/owner'
import { cartForQuote } from '../cart/service'
import { resolveVariantIds, variantsByIds } from '../cart/variants'
import { getDb } from '../db/client'
import { docs } from '../openapi/describe'
import { jsonLimit } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { ApiError, badRequest } from '../platform/errors'
import { validate } from '../platform/validate'
import { destinationOf, quote, quoteView, type QuoteRequest } from './quote'
import { QuoteView } from './responses'
import { QuoteBody } from './schemas'

const quoteDocs = docs({
  id: 'quoteCheckout',
  tag: 'Checkout',
  summary: 'The exact totals of lines or of the cart, shipped to a destination',
  description:
    'The breakdown the order would have now: subtotal, discounts (the code and the best automatic promotion, allocated to lines), the shipping methods that can carry the cart to the destination with their prices and estimates, the chosen one, tax per line and per rate, and the total. `problems` say what keeps it from being ordered (no zone covers the country, no method chosen, a method not valid there); `code_refusal` why an entered code does not apply. Nothing is held or saved.',
  access: 'optional',
  responses: { 200: { description: 'The quote', schema: QuoteView } },
  errors: { 400: 'Neither or both of items and from_cart, an empty cart, mixed currencies, a product with several variants without variant_id', 404: 'A variant (or product) is not for sale' },
})

/** Quotes: the one totals formula, for whoever asks (a guest's cart too). */
export const checkoutApi = new Hono<AppEnv>().post('/quote', quoteDocs, jsonLimit, validate('json', QuoteBody), async (c) => {
  const body = c.req.valid('json')
  const user = await currentUser(c)
  let lines: QuoteRequest['lines']
  let saved: { code: string | null; country: string | null; region: string | null } = { code: null, country: null, region: null }
  if (body.items) {
    const db = getDb(c.env)
    const ids = await resolveVariantIds(db, body.items, (i) => `items.${i}.variant_id`)
    const found = await variantsByIds(db, ids.flatMap((id) => (id === null ? [] : [id])))
    const missing = body.items.flatMap((_, i) => (found.get(ids[i] ?? -1)?.isActive ? [] : [`items.${i}`]))
    if (missing.length) throw new ApiError(404, 'not_found', `${missing.join(', ')}: not for sale`, Object.fromEntries(missing.map((field) => [field, ['is not a variant for sale']])))
    lines = body.items.flatMap((item, i) => {
      const variant = found.get(ids[i] ?? -1)
      return variant ? [{ variant, quantity: item.quantity }] : []
    })
  } else {
    const cart = await cartForQuote(c.env, await cartOwner(c))
    if (!cart.lines.length) throw new ApiError(400, 'cart_empty', 'The cart holds nothing that can be ordered')
    lines = cart.lines
    saved = { code: cart.fields.discountCode, country: cart.fields.estimateCountry, region: cart.fields.estimateRegion }
  }
  const currencies = new Set(lines.map((line) => line.variant.currency))
  if (currencies.size > 1) throw badRequest(`All lines must share one currency, not ${[...currencies].join(' and ')}`)
  const destination = body.shipping_address
    ? destinationOf(body.shipping_address)
    : body.country
      ? destinationOf({ country: body.country, region: body.region ?? '' })
      : saved.country
        ? { country: saved.country, region: saved.region ?? '' }
        : null
  const q = await quote(c.env, {
    lines,
    destination,
    shippingMethodId: body.shipping_method_id ?? null,
    code: body.discount_code ?? saved.code,
    customerKey: user?.email.toLowerCase() ?? null,
  })
  return c.json(quoteView(q))
})
