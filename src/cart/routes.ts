import { Hono } from 'hono'
import { jsonLimit } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { validate } from '../platform/validate'
import { docs } from '../openapi/describe'
import { CartView } from './responses'
import { AddCartItemBody, CartItemParam, UpdateCartBody, UpdateCartItemBody } from './schemas'
import { cartOwner } from './owner'
import { addCartItem, getCart, removeCartItem, updateCartCheckout, updateCartItem } from './service'

const getCartDocs = docs({
  id: 'getCart',
  tag: 'Cart',
  summary: 'The cart of this guest or user',
  description: "Signed in with a guest cart cookie as well: the guest cart is merged into the user's first.",
  access: 'optional',
  responses: { 200: { description: 'The cart (empty when there is none yet)', schema: CartView } },
})

const addCartItemDocs = docs({
  id: 'addCartItem',
  tag: 'Cart',
  summary: 'Add units of a variant',
  description: 'Name the variant (`variant_id`), or the product (`product_id`) when it has a single variant: a product with several is a 400 `variant_required` naming `variant_id`.',
  access: 'optional',
  responses: { 200: { description: 'The cart', schema: CartView } },
  errors: { 400: 'Neither or both of variant_id and product_id, or a product with several variants (variant_required)', 404: 'No sold variant (or product) with this id', 409: 'More than is available, more than 99 in a line, or another currency than the cart (insufficient_stock, quantity_limit, currency_mismatch)' },
})

const updateCartItemDocs = docs({
  id: 'updateCartItem',
  tag: 'Cart',
  summary: 'Set the quantity of a line (by its variant id)',
  access: 'optional',
  responses: { 200: { description: 'The cart', schema: CartView } },
  errors: { 404: 'The cart holds no such line', 409: 'More than is available, or the product is no longer sold' },
})

const removeCartItemDocs = docs({
  id: 'removeCartItem',
  tag: 'Cart',
  summary: 'Remove a line (by its variant id)',
  access: 'optional',
  responses: { 200: { description: 'The cart', schema: CartView } },
})

const updateCartDocs = docs({
  id: 'updateCart',
  tag: 'Cart',
  summary: "Save the cart's discount code and the country of its shipping and tax estimate",
  description: 'Fields given are saved (null or blank clears one); the answer carries `estimate`, with `code_refusal` saying why a code does not apply.',
  access: 'optional',
  responses: { 200: { description: 'The cart with its estimate', schema: CartView } },
})

/** The cart of a guest (cookie) or of the signed-in user; every answer is the whole cart. */
export const cartApi = new Hono<AppEnv>()
  .get('/', getCartDocs, async (c) => c.json(await getCart(c.env, await cartOwner(c))))
  .patch('/', updateCartDocs, jsonLimit, validate('json', UpdateCartBody), async (c) => c.json(await updateCartCheckout(c.env, await cartOwner(c), c.req.valid('json'))))
  .post('/items', addCartItemDocs, jsonLimit, validate('json', AddCartItemBody), async (c) => c.json(await addCartItem(c.env, await cartOwner(c, { deferSignIn: true }), c.req.valid('json'))))
  .patch('/items/:variantId', updateCartItemDocs, jsonLimit, validate('param', CartItemParam), validate('json', UpdateCartItemBody), async (c) =>
    c.json(await updateCartItem(c.env, await cartOwner(c, { deferSignIn: true }), c.req.valid('param').variantId, c.req.valid('json').quantity)),
  )
  .delete('/items/:variantId', removeCartItemDocs, validate('param', CartItemParam), async (c) => c.json(await removeCartItem(c.env, await cartOwner(c), c.req.valid('param').variantId)))
