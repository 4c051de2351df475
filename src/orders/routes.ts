import { Hono } from 'hono'
import { requireUser, userOf } from '../accounts/guard'
import { jsonLimit } from '../platform/body-limit'
import { cartOwner } from '../cart/owner'
import { mergeGuestCart } from '../cart/service'
import { startCheckout } from '../payments/service'
import type { AppEnv } from '../platform/env'
import { validate } from '../platform/validate'
import { CreateOrderBody, IdempotencyKeyHeader, OrderListQuery } from './schemas'
import { createOrder, listOrders, orderForViewer } from './service'

/** The signed-in user's orders. */
export const ordersApi = new Hono<AppEnv>()
  .use(requireUser())
  .post('/', jsonLimit, validate('header', IdempotencyKeyHeader), validate('json', CreateOrderBody), async (c) => {
    const user = userOf(c)
    const body = c.req.valid('json')
    // A guest cart carried by this request is the cart being ordered from.
    if (body.from_cart) await mergeGuestCart(c.env, await cartOwner(c), user.id)
    const { order, created } = await createOrder(c.env, user.id, body, c.req.valid('header')['idempotency-key'])
    if (!created) c.header('Idempotent-Replayed', 'true')
    return c.json(order, created ? 201 : 200)
  })
  .get('/', validate('query', OrderListQuery), async (c) => c.json(await listOrders(c.env, userOf(c).id, c.req.valid('query'))))
  .get('/:id', async (c) => c.json(await orderForViewer(c.env, userOf(c), c.req.param('id'))))
  // Where to pay: Stripe's hosted checkout (or the local test page offline). Owner only; 409 unless awaiting payment.
  .post('/:id/checkout', async (c) => c.json(await startCheckout(c.env, userOf(c), c.req.param('id'), new URL(c.req.url).origin)))
