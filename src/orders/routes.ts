import { Hono } from 'hono'
import { currentUser, requireUser, requireUserOrClaims, signInOf, userOf } from '../accounts/guard'
import { unauthorized } from '../platform/errors'
import { jsonLimit } from '../platform/body-limit'
import { cartOwner } from '../cart/owner'
import { getCart, mergeGuestCart } from '../cart/service'
import { CartView } from '../cart/responses'
import { cancelMyOrder, reorder, ReorderResult } from './customer-actions'
import { startCheckout } from '../payments/checkout'
import type { AppEnv } from '../platform/env'
import { validate } from '../platform/validate'
import { docs } from '../openapi/describe'
import { CheckoutStart } from '../payments/responses'
import { OrderPage, OrderView } from './responses'
import { CreateOrderBody, IdempotencyKeyHeader, OrderIdParam, OrderListQuery } from './schemas'
import { createOrder, listOrders, orderForViewer } from './service'

/** Documentation only: these routes read the id with `c.req.param('id')`. */

const ReorderAnswer = ReorderResult.extend({ cart: CartView }).meta({ id: 'ReorderAnswer' })

const createOrderDocs = docs({
  id: 'createOrder',
  tag: 'Orders',
  summary: 'Place an order from explicit lines or from the cart',
  description:
    'Each line names a variant (`variant_id`, or `product_id` for a product with a single variant) and is priced from it. Every line is held in stock, all or nothing, until the order is paid or the hold runs out. With an Idempotency-Key, repeating the request answers the same order (200, `Idempotent-Replayed: true`).',
  access: 'user',
  responses: {
    201: { description: 'The order, awaiting payment', schema: OrderView },
    200: { description: 'A replay of an earlier request with the same Idempotency-Key: its order', schema: OrderView },
  },
  errors: {
    400: 'A line names a product with several variants without its variant_id (variant_required), or the same variant twice',
    404: 'A variant (or product) is not for sale',
    409: 'Not enough stock for a line (insufficient_stock), or a request with this key is in progress',
    422: 'The Idempotency-Key was used with another body',
  },
})

const listOrdersDocs = docs({
  id: 'listOrders',
  tag: 'Orders',
  summary: "The signed-in user's orders, newest first",
  access: 'user',
  responses: { 200: { description: 'A page of orders', schema: OrderPage } },
})

const getOrderDocs = docs({
  id: 'getOrder',
  tag: 'Orders',
  summary: 'One order',
  access: 'user',
  params: OrderIdParam,
  responses: { 200: { description: 'The order', schema: OrderView } },
  errors: { 404: 'No such order of this user' },
})

const startCheckoutDocs = docs({
  id: 'startCheckout',
  tag: 'Orders',
  summary: 'Start paying for an order',
  description: 'Asking again answers the same checkout session.',
  access: 'user',
  params: OrderIdParam,
  responses: { 200: { description: 'Where to send the shopper', schema: CheckoutStart } },
  errors: {
    404: 'No such order of this user',
    409: 'The order does not await payment, or its stock is no longer held',
    502: 'The payment provider failed',
    503: 'Payments are not configured',
  },
})

const cancelOrderDocs = docs({
  id: 'cancelOrder',
  tag: 'Orders',
  summary: 'Cancel an unpaid order of yours',
  description: 'Only while it awaits payment: its stock holds and discount uses are released and its lines go back to the cart, as when it expires. A paid order is refused (409 `not_cancellable`): ask the store to refund it.',
  access: 'user',
  params: OrderIdParam,
  responses: { 200: { description: 'The order, cancelled', schema: OrderView } },
  errors: { 404: 'No such order of this user', 409: 'The order is paid, already ended, or a payment for it is being recorded right now' },
})

const reorderDocs = docs({
  id: 'reorder',
  tag: 'Orders',
  summary: 'Put the lines of a past order of yours into the cart',
  description: "Each line's variant if it is still sold, as many units as the order had, capped to the stock that can still be set aside beside what the cart holds. What could not be added is named with its reason.",
  access: 'user',
  params: OrderIdParam,
  responses: { 200: { description: 'What was added and what not, and the cart', schema: ReorderAnswer } },
  errors: { 404: 'No such order of this user' },
})

/** The signed-in user's orders. */
export const ordersApi = new Hono<AppEnv>()
  // Before `requireUser`: a bearer token's sign-in may be checked in the order's own batch.
  .post('/', createOrderDocs, requireUserOrClaims(), jsonLimit, validate('header', IdempotencyKeyHeader), validate('json', CreateOrderBody), async (c) => {
    const body = c.req.valid('json')
    const key = c.req.valid('header')['idempotency-key']
    const signIn = signInOf(c)
    // Explicit lines to an address given, with a token that carries its email: nothing is read before the
    // stock objects hold the lines, and the batch that writes the order checks the sign-in (src/orders/place.ts).
    if (signIn && body.items && body.shipping_address && key === undefined && !body.from_cart) {
      const { order } = await createOrder(c.env, signIn.userId, body, undefined, undefined, signIn.email, signIn)
      return c.json(order, 201)
    }
    const user = await currentUser(c)
    if (!user) throw unauthorized()
    // A guest cart carried by this request is the cart being ordered from.
    if (body.from_cart) await mergeGuestCart(c.env, await cartOwner(c), user.id)
    const { order, created } = await createOrder(c.env, user.id, body, key, undefined, user.email)
    if (!created) c.header('Idempotent-Replayed', 'true')
    return c.json(order, created ? 201 : 200)
  })
  .use(requireUser())
  .get('/', listOrdersDocs, validate('query', OrderListQuery), async (c) => c.json(await listOrders(c.env, userOf(c).id, c.req.valid('query'))))
  .get('/:id', getOrderDocs, async (c) => c.json(await orderForViewer(c.env, userOf(c), c.req.param('id'))))
  // Where to pay: Stripe's hosted checkout (or the local test page offline). Owner only; 409 unless awaiting payment.
  .post('/:id/cancel', cancelOrderDocs, async (c) => {
    await cancelMyOrder(c.env, userOf(c), c.req.param('id'))
    return c.json(await orderForViewer(c.env, userOf(c), c.req.param('id')))
  })
  .post('/:id/reorder', reorderDocs, async (c) => {
    const result = await reorder(c.env, userOf(c), c.req.param('id'))
    return c.json({ ...result, cart: await getCart(c.env, await cartOwner(c)) })
  })
  .post('/:id/checkout', startCheckoutDocs, async (c) => c.json(await startCheckout(c.env, userOf(c), c.req.param('id'), new URL(c.req.url).origin)))
