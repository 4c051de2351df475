/**
 * Every route of the JSON API (and the Stripe webhook), described with the zod schemas that validate its
 * input and the zod schemas of what it answers. document.ts turns this list into the OpenAPI document;
 * test/openapi.test.ts fails when a route of the Worker is missing here or an answer disagrees.
 *
 * We considered @hono/zod-openapi (the routes would declare this themselves) but it means rewriting
 * every route as `createRoute` + `openapi()`; a list beside the routes, checked against `app.routes` by
 * the tests, keeps the routes as they are.
 */
import { z } from 'zod'
import { CsrfToken, Registration, ProfileView, TokenPair } from '../accounts/responses'
import { RefreshBody, RegisterBody, TokenBody, UpdateProfileBody } from '../accounts/schemas'
import { AVATAR_MAX_BYTES } from '../accounts/avatar'
import { AdminOrderQuery, BulkShipBody, RefundBody, ShipBody } from '../admin/orders'
import {
  AdminCategory,
  AdminCategoryList,
  AdminOrder,
  AdminOrderPage,
  AdminProduct,
  AdminProductPage,
  AdminUserPage,
  AuditPage,
  BulkShipResult,
  Dashboard,
  RefundResult,
  RoleChange,
} from '../admin/responses'
import { AuditQuery, ImageParams } from '../admin/routes'
import { AdminCategoryBody, AdminCategoryPatch, AdminProductBody, AdminProductPatch, AdminProductQuery, IdParam, ImageOrder, ImagePatch } from '../admin/schemas'
import { AdminUserQuery, RoleBody } from '../admin/users'
import { CartView } from '../cart/responses'
import { AddCartItemBody, CartItemParam, UpdateCartItemBody } from '../cart/schemas'
import { CategoryTree, ProductDetail, ProductList } from '../catalog/responses'
import { ProductKeyParam, ProductListQuery } from '../catalog/schemas'
import { OrderPage, OrderView } from '../orders/responses'
import { CreateOrderBody, IdempotencyKeyHeader, OrderListQuery } from '../orders/schemas'
import { CheckoutStart, WebhookReceipt } from '../payments/responses'
import { WEBHOOK_BODY_MAX_BYTES } from '../payments/webhook'

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

/**
 * Who may call: `public` needs nothing; `optional` works for guests and signed-in users alike; `user`
 * needs a bearer token or the session cookie; `staff` and `admin` need that role too (403 otherwise).
 * With a cookie (session or guest cart) instead of a bearer token, every POST, PUT, PATCH and DELETE also
 * needs the `X-CSRF-Token` header (GET /api/auth/csrf) and no foreign Origin (403 `csrf_failed` otherwise).
 */
export type Access = 'public' | 'optional' | 'user' | 'staff' | 'admin'

export interface SuccessResponse {
  description: string
  /** A response schema with an id (`.meta({ id })`): it becomes a component. Omitted: no body. */
  schema?: z.ZodType
  /** A body that is not JSON (the CSV export): its media type and description. */
  media?: { type: string; schema: Record<string, unknown> }
}

export interface Operation {
  id: string
  method: HttpMethod
  /** OpenAPI style: `/api/products/{idOrSlug}`. */
  path: string
  tag: Tag
  summary: string
  description?: string
  access: Access
  params?: z.ZodType
  query?: z.ZodType
  headers?: z.ZodType
  /** An `application/json` body. */
  body?: z.ZodType
  /** A body of another kind (an image, a multipart form, the webhook's raw event): OpenAPI media types. */
  rawBody?: { description: string; content: Record<string, { schema: Record<string, unknown> }> }
  /** Answers other than errors, by status. */
  responses: Record<number, SuccessResponse>
  /** Error answers beyond those every operation of its kind has (400 for input, 401/403 for access, 413 for bodies). */
  errors?: Record<number, string>
}

export const TAGS = {
  Catalog: 'Active products, search and the category tree. Public and cached at the edge.',
  Accounts: 'Registration, tokens (a JWT access token and a single-use refresh token) and the profile.',
  Cart: "The cart of a guest (an HttpOnly `cart` cookie set by the first write) or of the signed-in user; every answer is the whole cart. With the cart cookie, writes need `X-CSRF-Token` (GET /api/auth/csrf).",
  Orders: "The signed-in user's orders: placing one holds its stock until it is paid or the hold runs out.",
  Admin: 'The staff back office for automation: catalog, orders, users and the audit log. Staff role; users and audit need admin.',
  Webhooks: 'Events from the payment provider.',
} as const
export type Tag = keyof typeof TAGS

/** Documentation only: these routes read the value without a validator. */
const OrderIdParam = z.object({ id: z.string().describe('The order id (a UUID)') })
const DashboardQuery = z.object({ currency: z.string().describe('ISO 4217 code; USD when omitted').optional() })
const StripeSignatureHeader = z.object({ 'stripe-signature': z.string().describe("Stripe's signature of the raw body (t=…,v1=…)") })

const image = (types: string[]) => Object.fromEntries(types.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }]))

export const OPERATIONS: Operation[] = [
  {
    id: 'listProducts',
    method: 'get',
    path: '/api/products',
    tag: 'Catalog',
    summary: 'List and search active products',
    description: 'Filters combine; `q` searches names and descriptions (ranked by relevance unless `sort` says otherwise). Links to the next and previous page keep the filters.',
    access: 'public',
    query: ProductListQuery,
    responses: { 200: { description: 'A page of products', schema: ProductList } },
    errors: { 404: 'Unknown category' },
  },
  {
    id: 'getProduct',
    method: 'get',
    path: '/api/products/{idOrSlug}',
    tag: 'Catalog',
    summary: 'One active product by id or slug',
    access: 'public',
    params: ProductKeyParam,
    responses: { 200: { description: 'The product with its images and categories', schema: ProductDetail } },
    errors: { 404: 'No active product with this id or slug' },
  },
  {
    id: 'listCategories',
    method: 'get',
    path: '/api/categories',
    tag: 'Catalog',
    summary: 'The category tree with product counts',
    access: 'public',
    responses: { 200: { description: 'The root categories', schema: CategoryTree } },
  },
  {
    id: 'register',
    method: 'post',
    path: '/api/auth/register',
    tag: 'Accounts',
    summary: 'Create a customer account',
    access: 'public',
    body: RegisterBody,
    responses: { 201: { description: 'The new profile and a token pair', schema: Registration } },
    errors: { 409: 'An account with this email already exists', 503: 'Access tokens are not configured (`auth_not_configured`: no AUTH_SECRET outside development)' },
  },
  {
    id: 'createToken',
    method: 'post',
    path: '/api/auth/token',
    tag: 'Accounts',
    summary: 'Sign in: email and password for a token pair',
    access: 'public',
    body: TokenBody,
    responses: { 200: { description: 'An access token and a refresh token', schema: TokenPair } },
    errors: { 401: 'Wrong email or password', 429: 'Too many attempts for this email or client address (see Retry-After)', 503: 'Access tokens are not configured (`auth_not_configured`: no AUTH_SECRET outside development)' },
  },
  {
    id: 'refreshToken',
    method: 'post',
    path: '/api/auth/refresh',
    tag: 'Accounts',
    summary: 'Trade a refresh token for a new pair',
    description: 'Refresh tokens are single use: the one sent is revoked, and reusing a revoked one revokes its whole family.',
    access: 'public',
    body: RefreshBody,
    responses: { 200: { description: 'A new token pair', schema: TokenPair } },
    errors: { 401: 'Unknown, expired or revoked refresh token', 503: 'Access tokens are not configured (`auth_not_configured`: no AUTH_SECRET outside development)' },
  },
  {
    id: 'getCsrfToken',
    method: 'get',
    path: '/api/auth/csrf',
    tag: 'Accounts',
    summary: 'The CSRF token for cookie-authenticated writes',
    description:
      'Browsers that call the API with the session or guest-cart cookie send this value as `X-CSRF-Token` on every POST, PUT, PATCH and DELETE (403 `csrf_failed` without it, or from another Origin). Bearer-token clients need nothing.',
    access: 'public',
    responses: { 200: { description: 'The token (its cookie is set if it was missing)', schema: CsrfToken } },
  },
  {
    id: 'logout',
    method: 'post',
    path: '/api/auth/logout',
    tag: 'Accounts',
    summary: 'Revoke a refresh token',
    description: 'Revokes the whole family of the refresh token, and the access tokens issued with it.',
    access: 'public',
    body: RefreshBody,
    responses: { 204: { description: 'Revoked (or was not valid)' } },
  },
  {
    id: 'getProfile',
    method: 'get',
    path: '/api/users/profile',
    tag: 'Accounts',
    summary: "The signed-in user's profile",
    access: 'user',
    responses: { 200: { description: 'The profile', schema: ProfileView } },
  },
  {
    id: 'updateProfile',
    method: 'put',
    path: '/api/users/profile',
    tag: 'Accounts',
    summary: 'Change name, phone or default shipping address',
    description: 'A partial update: fields left out stay as they are; `null` clears phone and address.',
    access: 'user',
    body: UpdateProfileBody,
    responses: { 200: { description: 'The updated profile', schema: ProfileView } },
  },
  {
    id: 'setAvatar',
    method: 'put',
    path: '/api/users/profile/avatar',
    tag: 'Accounts',
    summary: 'Upload an avatar',
    access: 'user',
    rawBody: {
      description: `The image itself (PNG, JPEG or WebP, at most ${AVATAR_MAX_BYTES / 1024 / 1024} MB), or a multipart form with the image in a field named \`avatar\``,
      content: {
        ...image(['image/png', 'image/jpeg', 'image/webp']),
        'multipart/form-data': { schema: { type: 'object', properties: { avatar: { type: 'string', contentMediaType: 'image/*' } }, required: ['avatar'] } },
      },
    },
    responses: { 200: { description: 'The profile with its new avatar_url', schema: ProfileView } },
    errors: { 413: 'The image is too large', 415: 'Not a PNG, JPEG or WebP image' },
  },
  {
    id: 'removeAvatar',
    method: 'delete',
    path: '/api/users/profile/avatar',
    tag: 'Accounts',
    summary: 'Remove the avatar',
    access: 'user',
    responses: { 200: { description: 'The profile without avatar', schema: ProfileView } },
  },
  {
    id: 'getCart',
    method: 'get',
    path: '/api/cart',
    tag: 'Cart',
    summary: 'The cart of this guest or user',
    description: 'Signed in with a guest cart cookie as well: the guest cart is merged into the user\'s first.',
    access: 'optional',
    responses: { 200: { description: 'The cart (empty when there is none yet)', schema: CartView } },
  },
  {
    id: 'addCartItem',
    method: 'post',
    path: '/api/cart/items',
    tag: 'Cart',
    summary: 'Add units of a product',
    access: 'optional',
    body: AddCartItemBody,
    responses: { 200: { description: 'The cart', schema: CartView } },
    errors: { 404: 'No active product with this id', 409: 'More than is available, more than 99 in a line, or another currency than the cart (insufficient_stock, quantity_limit, currency_mismatch)' },
  },
  {
    id: 'updateCartItem',
    method: 'patch',
    path: '/api/cart/items/{productId}',
    tag: 'Cart',
    summary: 'Set the quantity of a line',
    access: 'optional',
    params: CartItemParam,
    body: UpdateCartItemBody,
    responses: { 200: { description: 'The cart', schema: CartView } },
    errors: { 404: 'The cart holds no such line', 409: 'More than is available, or the product is no longer sold' },
  },
  {
    id: 'removeCartItem',
    method: 'delete',
    path: '/api/cart/items/{productId}',
    tag: 'Cart',
    summary: 'Remove a line',
    access: 'optional',
    params: CartItemParam,
    responses: { 200: { description: 'The cart', schema: CartView } },
  },
  {
    id: 'createOrder',
    method: 'post',
    path: '/api/orders',
    tag: 'Orders',
    summary: 'Place an order from explicit lines or from the cart',
    description:
      'Every line is held in stock, all or nothing, until the order is paid or the hold runs out. With an Idempotency-Key, repeating the request answers the same order (200, `Idempotent-Replayed: true`).',
    access: 'user',
    headers: IdempotencyKeyHeader,
    body: CreateOrderBody,
    responses: {
      201: { description: 'The order, awaiting payment', schema: OrderView },
      200: { description: 'A replay of an earlier request with the same Idempotency-Key: its order', schema: OrderView },
    },
    errors: {
      404: 'A product is not for sale',
      409: 'Not enough stock for a line (insufficient_stock), or a request with this key is in progress',
      422: 'The Idempotency-Key was used with another body',
    },
  },
  {
    id: 'listOrders',
    method: 'get',
    path: '/api/orders',
    tag: 'Orders',
    summary: "The signed-in user's orders, newest first",
    access: 'user',
    query: OrderListQuery,
    responses: { 200: { description: 'A page of orders', schema: OrderPage } },
  },
  {
    id: 'getOrder',
    method: 'get',
    path: '/api/orders/{id}',
    tag: 'Orders',
    summary: 'One order',
    access: 'user',
    params: OrderIdParam,
    responses: { 200: { description: 'The order', schema: OrderView } },
    errors: { 404: 'No such order of this user' },
  },
  {
    id: 'startCheckout',
    method: 'post',
    path: '/api/orders/{id}/checkout',
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
  },
  {
    id: 'adminListProducts',
    method: 'get',
    path: '/api/admin/products',
    tag: 'Admin',
    summary: 'Products, active or not: search, filters, sort',
    access: 'staff',
    query: AdminProductQuery,
    responses: { 200: { description: 'A page of products', schema: AdminProductPage } },
    errors: { 404: 'Unknown category' },
  },
  {
    id: 'adminCreateProduct',
    method: 'post',
    path: '/api/admin/products',
    tag: 'Admin',
    summary: 'Create a product',
    description: 'The price is a decimal text ("12.50"), stored as exact cents. Without a slug, one is made from the name.',
    access: 'staff',
    body: AdminProductBody,
    responses: { 201: { description: 'The product', schema: AdminProduct } },
    errors: { 409: 'The slug is taken' },
  },
  {
    id: 'adminGetProduct',
    method: 'get',
    path: '/api/admin/products/{id}',
    tag: 'Admin',
    summary: 'One product with its images and categories',
    access: 'staff',
    params: IdParam,
    responses: { 200: { description: 'The product', schema: AdminProduct } },
    errors: { 404: 'No such product' },
  },
  {
    id: 'adminUpdateProduct',
    method: 'patch',
    path: '/api/admin/products/{id}',
    tag: 'Admin',
    summary: 'Change a product',
    description: 'Stock goes through the product\'s stock object: it cannot go below the units held for unpaid orders.',
    access: 'staff',
    params: IdParam,
    body: AdminProductPatch,
    responses: { 200: { description: 'The product', schema: AdminProduct } },
    errors: { 404: 'No such product', 409: 'The slug is taken, or the stock would go below the units held' },
  },
  {
    id: 'adminDeleteProduct',
    method: 'delete',
    path: '/api/admin/products/{id}',
    tag: 'Admin',
    summary: 'Delete a product and its images',
    access: 'staff',
    params: IdParam,
    responses: { 204: { description: 'Deleted' } },
    errors: { 404: 'No such product' },
  },
  {
    id: 'adminAddImages',
    method: 'post',
    path: '/api/admin/products/{id}/images',
    tag: 'Admin',
    summary: 'Add images after the existing ones',
    access: 'staff',
    params: IdParam,
    rawBody: {
      description: 'A multipart form: up to 10 files in `images` (PNG, JPEG, WebP or AVIF, 5 MB each, 20 MB in all) and an optional `alt_text`',
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: { images: { type: 'array', items: { type: 'string', contentMediaType: 'image/*' }, maxItems: 10 }, alt_text: { type: 'string', maxLength: 300 } },
            required: ['images'],
          },
        },
      },
    },
    responses: { 201: { description: 'The product with its images', schema: AdminProduct } },
    errors: { 404: 'No such product', 413: 'A file is larger than 5 MB, or the request than 20 MB', 415: 'A file is not an image we take' },
  },
  {
    id: 'adminReorderImages',
    method: 'put',
    path: '/api/admin/products/{id}/images/order',
    tag: 'Admin',
    summary: 'Put the images in an order',
    access: 'staff',
    params: IdParam,
    body: ImageOrder,
    responses: { 200: { description: 'The product', schema: AdminProduct } },
    errors: { 404: 'No such product' },
  },
  {
    id: 'adminUpdateImage',
    method: 'patch',
    path: '/api/admin/products/{id}/images/{imageId}',
    tag: 'Admin',
    summary: "Change an image's alt text",
    access: 'staff',
    params: ImageParams,
    body: ImagePatch,
    responses: { 200: { description: 'The product', schema: AdminProduct } },
    errors: { 404: 'No such product or image' },
  },
  {
    id: 'adminDeleteImage',
    method: 'delete',
    path: '/api/admin/products/{id}/images/{imageId}',
    tag: 'Admin',
    summary: 'Delete an image',
    access: 'staff',
    params: ImageParams,
    responses: { 200: { description: 'The product', schema: AdminProduct } },
    errors: { 404: 'No such product or image' },
  },
  {
    id: 'adminListCategories',
    method: 'get',
    path: '/api/admin/categories',
    tag: 'Admin',
    summary: 'Every category, flat',
    access: 'staff',
    responses: { 200: { description: 'The categories', schema: AdminCategoryList } },
  },
  {
    id: 'adminCreateCategory',
    method: 'post',
    path: '/api/admin/categories',
    tag: 'Admin',
    summary: 'Create a category',
    access: 'staff',
    body: AdminCategoryBody,
    responses: { 201: { description: 'The category', schema: AdminCategory } },
    errors: { 409: 'The slug is taken' },
  },
  {
    id: 'adminUpdateCategory',
    method: 'patch',
    path: '/api/admin/categories/{id}',
    tag: 'Admin',
    summary: 'Rename or move a category (never under itself)',
    access: 'staff',
    params: IdParam,
    body: AdminCategoryPatch,
    responses: { 200: { description: 'The category', schema: AdminCategory } },
    errors: { 404: 'No such category', 409: 'The slug is taken' },
  },
  {
    id: 'adminDeleteCategory',
    method: 'delete',
    path: '/api/admin/categories/{id}',
    tag: 'Admin',
    summary: 'Delete an empty category',
    access: 'staff',
    params: IdParam,
    responses: { 204: { description: 'Deleted' } },
    errors: { 404: 'No such category', 409: 'It still has sub-categories or products' },
  },
  {
    id: 'adminDashboard',
    method: 'get',
    path: '/api/admin/dashboard',
    tag: 'Admin',
    summary: 'Sales of the last 30 days and what needs doing',
    access: 'staff',
    query: DashboardQuery,
    responses: { 200: { description: 'The numbers', schema: Dashboard } },
  },
  {
    id: 'adminListOrders',
    method: 'get',
    path: '/api/admin/orders',
    tag: 'Admin',
    summary: 'Orders of every customer, filtered',
    access: 'staff',
    query: AdminOrderQuery,
    responses: { 200: { description: 'A page of orders', schema: AdminOrderPage } },
  },
  {
    id: 'adminExportOrders',
    method: 'get',
    path: '/api/admin/orders.csv',
    tag: 'Admin',
    summary: 'The filtered orders as CSV (at most 10,000)',
    access: 'staff',
    query: AdminOrderQuery,
    responses: {
      200: {
        description: 'order_id, created_at, customer_email, status, payment_status, currency, total, review_reason',
        media: { type: 'text/csv', schema: { type: 'string' } },
      },
    },
  },
  {
    id: 'adminBulkShip',
    method: 'post',
    path: '/api/admin/orders/bulk-ship',
    tag: 'Admin',
    summary: 'Mark many paid orders shipped',
    description: 'Each order is checked on its own; the answer names the ones refused and why.',
    access: 'staff',
    body: BulkShipBody,
    responses: { 200: { description: 'What was shipped and what was refused', schema: BulkShipResult } },
  },
  {
    id: 'adminGetOrder',
    method: 'get',
    path: '/api/admin/orders/{id}',
    tag: 'Admin',
    summary: 'One order with payments, refunds, history and shipment',
    access: 'staff',
    params: OrderIdParam,
    responses: { 200: { description: 'The order', schema: AdminOrder } },
    errors: { 404: 'No such order' },
  },
  {
    id: 'adminShipOrder',
    method: 'post',
    path: '/api/admin/orders/{id}/ship',
    tag: 'Admin',
    summary: 'Mark a paid order shipped',
    access: 'staff',
    params: OrderIdParam,
    body: ShipBody,
    responses: { 200: { description: 'The order', schema: AdminOrder } },
    errors: { 404: 'No such order', 409: 'The order is not paid (illegal_transition)' },
  },
  {
    id: 'adminDeliverOrder',
    method: 'post',
    path: '/api/admin/orders/{id}/deliver',
    tag: 'Admin',
    summary: 'Mark a shipped order delivered',
    access: 'staff',
    params: OrderIdParam,
    responses: { 200: { description: 'The order', schema: AdminOrder } },
    errors: { 404: 'No such order', 409: 'The order is not shipped (illegal_transition)' },
  },
  {
    id: 'adminCancelOrder',
    method: 'post',
    path: '/api/admin/orders/{id}/cancel',
    tag: 'Admin',
    summary: "Cancel an order (a paid one is refunded in full and restocked; an unpaid one's lines go back to the customer's cart)",
    access: 'staff',
    params: OrderIdParam,
    responses: { 200: { description: 'The order', schema: AdminOrder } },
    errors: { 404: 'No such order', 409: 'The order can no longer be cancelled', 502: 'The payment provider failed' },
  },
  {
    id: 'adminRefundOrder',
    method: 'post',
    path: '/api/admin/orders/{id}/refund',
    tag: 'Admin',
    summary: 'Refund order lines and units, an amount, or everything left',
    description:
      'Name `lines` (product id and units): the amount defaults to their price and may be lowered (goodwill); with `restock` exactly those units go back to stock. `amount` alone refunds money only; neither refunds everything left. A line is never refunded beyond its quantity, nor a payment beyond what was paid, even by concurrent refunds (409 `refund_conflict`). Send `refund_id` (any token of yours) to make a retry refund, and restock, once.',
    access: 'staff',
    params: OrderIdParam,
    body: RefundBody,
    responses: { 200: { description: 'The refund and the order', schema: RefundResult } },
    errors: { 400: 'More units or money than are left, or restock without lines', 404: 'No such order', 409: 'Nothing left to refund, or another refund got there first', 502: 'The payment provider failed' },
  },
  {
    id: 'adminListUsers',
    method: 'get',
    path: '/api/admin/users',
    tag: 'Admin',
    summary: 'Accounts, newest first (admin)',
    access: 'admin',
    query: AdminUserQuery,
    responses: { 200: { description: 'A page of accounts', schema: AdminUserPage } },
  },
  {
    id: 'adminChangeRole',
    method: 'patch',
    path: '/api/admin/users/{id}',
    tag: 'Admin',
    summary: "Change an account's role (admin)",
    access: 'admin',
    params: IdParam,
    body: RoleBody,
    responses: { 200: { description: 'The account and its role', schema: RoleChange } },
    errors: { 404: 'No such account', 409: 'This is the last admin' },
  },
  {
    id: 'adminAuditLog',
    method: 'get',
    path: '/api/admin/audit',
    tag: 'Admin',
    summary: 'The audit log, newest first (admin)',
    access: 'admin',
    query: AuditQuery,
    responses: { 200: { description: 'A page of entries', schema: AuditPage } },
  },
  {
    id: 'stripeWebhook',
    method: 'post',
    path: '/webhooks/stripe',
    tag: 'Webhooks',
    summary: "Stripe's events",
    description:
      'The signature is checked on the raw body, then each event is handled exactly once. A duplicate, or an event of a type the store does not act on, is answered 200 too.',
    access: 'public',
    headers: StripeSignatureHeader,
    rawBody: {
      description: `A Stripe event as Stripe sends it (at most ${WEBHOOK_BODY_MAX_BYTES / 1024} KB), byte for byte`,
      content: {
        'application/json': {
          schema: { type: 'object', properties: { id: { type: 'string' }, type: { type: 'string' }, data: { type: 'object' } }, required: ['id', 'type', 'data'] },
        },
      },
    },
    responses: { 200: { description: 'Handled now, handled before, or ignored', schema: WebhookReceipt } },
    errors: {
      400: 'The signature is missing, wrong or too old, or the body is not an event',
      413: 'The body is too large',
      500: 'An event of a type the store acts on that it cannot read (`event_unreadable`): not acknowledged, so that Stripe sends it again; reported as an error',
      503: 'No webhook secret is set (outside development)',
    },
  },
]
