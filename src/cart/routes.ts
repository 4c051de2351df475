import { Hono } from 'hono'
import { jsonLimit } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { validate } from '../platform/validate'
import { AddCartItemBody, CartItemParam, UpdateCartItemBody } from './schemas'
import { cartOwner } from './owner'
import { addCartItem, getCart, removeCartItem, updateCartItem } from './service'

/** The cart of a guest (cookie) or of the signed-in user; every answer is the whole cart. */
export const cartApi = new Hono<AppEnv>()
  .get('/', async (c) => c.json(await getCart(c.env, await cartOwner(c))))
  .post('/items', jsonLimit, validate('json', AddCartItemBody), async (c) => c.json(await addCartItem(c.env, await cartOwner(c), c.req.valid('json'))))
  .patch('/items/:productId', jsonLimit, validate('param', CartItemParam), validate('json', UpdateCartItemBody), async (c) =>
    c.json(await updateCartItem(c.env, await cartOwner(c), c.req.valid('param').productId, c.req.valid('json').quantity)),
  )
  .delete('/items/:productId', validate('param', CartItemParam), async (c) => c.json(await removeCartItem(c.env, await cartOwner(c), c.req.valid('param').productId)))
