/**
 * Guest checkout through the API (`/api/guest-orders`): an order placed with an email instead of an
 * account, from the lines given or the guest cart of the cookie, and the order afterwards through its
 * signed link (`?key=`). A separate route rather than an anonymous `POST /api/orders`, so that the
 * signed-in API keeps its one rule (a user, 401 otherwise) and a guest's answer can carry its link.
 */
import { Hono } from 'hono'
import { currentUser } from '../accounts/guard'
import { buyerForEmail } from '../accounts/guests'
import { clientAddress, hit } from '../accounts/rate-limit'
import { cartOwner } from '../cart/owner'
import { guestCartOf } from '../cart/service'
import { docs } from '../openapi/describe'
import { startCheckout } from '../payments/checkout'
import { CheckoutStart } from '../payments/responses'
import { jsonLimit } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { ApiError } from '../platform/errors'
import { assertLinksConfigured } from '../platform/link-signing'
import { validate } from '../platform/validate'
import { orderLinkKey, orderLinkPath } from './links'
import { GuestOrderView, OrderView } from './responses'
import { GuestOrderBody, IdempotencyKeyHeader, OrderIdParam, OrderLinkQuery } from './schemas'
import { createOrder, orderByLink } from './service'

/** Guest checkouts per client address and per email in a window: a form that makes rows and holds stock, limited like sign-in. */
export const GUEST_CHECKOUT_LIMITS = { perAddress: 10, perEmail: 5, windowMs: 10 * 60_000 }

/** Counts a guest checkout against its limits (429 with Retry-After past them). */
export async function countGuestCheckout(env: Env, email: string, headers: Headers): Promise<void> {
  const { perAddress, perEmail, windowMs } = GUEST_CHECKOUT_LIMITS
  await hit(env, [
    { key: `guest-checkout:address:${clientAddress(headers)}`, max: perAddress, windowMs },
    { key: `guest-checkout:email:${email}`, max: perEmail, windowMs },
  ])
}

const WRONG_KEY = 'No such order, or the key is not this order’s (the same answer)'

const createDocs = docs({
  id: 'createGuestOrder',
  tag: 'Orders',
  summary: 'Place an order as a guest, with an email',
  description:
    'Like POST /api/orders, without an account: `email` is the order’s contact and `shipping_address` is required. `from_cart: true` orders the guest cart of the `cart` cookie. The order goes on the account registered with that email if there is one (nobody is signed in by it), else on a guest record of the email; registering with that email later links the guest’s orders once the mailed link is followed. The answer carries the order’s signed link, the only way back to it without an account. Rate limited per client address and per email.',
  access: 'public',
  responses: {
    201: { description: 'The order, awaiting payment, with its link', schema: GuestOrderView },
    200: { description: 'A replay of an earlier request with the same Idempotency-Key: its order', schema: GuestOrderView },
  },
  errors: {
    400: 'Signed in (use POST /api/orders), an empty cart (cart_empty), or a line naming a product with several variants without its variant_id',
    404: 'A variant (or product) is not for sale',
    409: 'Not enough stock for a line (insufficient_stock), or a request with this key is in progress',
    422: 'The Idempotency-Key was used with another body',
    429: 'Too many guest checkouts from this client address or for this email (see Retry-After)',
    503: 'Order links are not configured (`links_not_configured`: no ORDER_LINK_SECRET outside development)',
  },
})

const getDocs = docs({
  id: 'getGuestOrder',
  tag: 'Orders',
  summary: 'An order through its signed link',
  access: 'public',
  params: OrderIdParam,
  responses: { 200: { description: 'The order', schema: OrderView } },
  errors: { 404: WRONG_KEY },
})

const checkoutDocs = docs({
  id: 'startGuestCheckout',
  tag: 'Orders',
  summary: 'Start paying for an order through its signed link',
  description: 'Asking again answers the same checkout session; the shopper comes back to the order’s link.',
  access: 'public',
  params: OrderIdParam,
  responses: { 200: { description: 'Where to send the shopper', schema: CheckoutStart } },
  errors: { 404: WRONG_KEY, 409: 'The order does not await payment, or its stock is no longer held', 502: 'The payment provider failed', 503: 'Payments are not configured' },
})

export const guestOrdersApi = new Hono<AppEnv>()
  .post('/', createDocs, jsonLimit, validate('header', IdempotencyKeyHeader), validate('json', GuestOrderBody), async (c) => {
    if (await currentUser(c)) throw new ApiError(400, 'signed_in', 'You are signed in: place the order with POST /api/orders')
    const { email, ...body } = c.req.valid('json')
    // First, so that a missing secret refuses before any row or hold is made.
    await assertLinksConfigured(c.env)
    await countGuestCheckout(c.env, email, c.req.raw.headers)
    const buyer = await buyerForEmail(c.env, email)
    const guestCartId = body.from_cart ? await guestCartOf(c.env, await cartOwner(c)) : null
    const { order, created } = await createOrder(c.env, buyer.userId, body, c.req.valid('header')['idempotency-key'], { email, guestCartId })
    if (!created) c.header('Idempotent-Replayed', 'true')
    return c.json({ ...order, access_key: await orderLinkKey(c.env, order.id), order_url: await orderLinkPath(c.env, order.id) }, created ? 201 : 200)
  })
  .get('/:id', getDocs, validate('query', OrderLinkQuery), async (c) => c.json((await orderByLink(c.env, c.req.param('id'), c.req.valid('query').key)).order))
  .post('/:id/checkout', checkoutDocs, validate('query', OrderLinkQuery), async (c) => {
    const key = c.req.valid('query').key
    const { order, ownerId } = await orderByLink(c.env, c.req.param('id'), key)
    return c.json(await startCheckout(c.env, { id: ownerId }, order.id, new URL(c.req.url).origin, key))
  })
