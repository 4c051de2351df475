/**
 * Signed order links: `/orders/:id?key=<key>` opens one order without a sign-in (a guest's only way back
 * to it; the order mails carry it too). The key is an HMAC of the order id under ORDER_LINK_SECRET
 * (src/platform/link-signing.ts): scoped to that order, no expiry, revoked for all orders by rotating the
 * secret. Through it the order can be seen, paid and its receipt read; nothing else. A wrong key is the
 * 404 an unknown order is.
 */
import { storeIdentity } from '../notifications/store-identity'
import { isLinkSignature, linkSignature } from '../platform/link-signing'

/** The key of an order's link. */
export const orderLinkKey = (env: Env, orderId: string) => linkSignature(env, 'order-link', orderId)

/** Whether `key` is the key of this order's link. */
export const isOrderLinkKey = (env: Env, orderId: string, key: unknown) => isLinkSignature(env, 'order-link', key, orderId)

/** The path of the order's page with its key. */
export const orderLinkPath = async (env: Env, orderId: string) => `/orders/${encodeURIComponent(orderId)}?key=${await orderLinkKey(env, orderId)}`

/**
 * The order's link in full, on the store's public origin (STORE_URL), for mails and other messages.
 * @example await orderLink(env, order.id) // https://shop.example.com/orders/0b9e…?key=Qm9…
 */
export const orderLink = async (env: Env, orderId: string) => `${storeIdentity(env).url}${await orderLinkPath(env, orderId)}`
