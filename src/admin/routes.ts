/** `/api/admin/*`: the admin's catalog for automation, behind the staff role, with the public API's validation and error shape. */
import { Hono } from 'hono'
import { z } from 'zod'
import { requireRole, userOf } from '../accounts/guard'
import { jsonLimit, limitBody, REQUEST_MAX_BYTES } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { ApiError } from '../platform/errors'
import { wholeNumber } from '../platform/params'
import { validate } from '../platform/validate'
import { docs, type RouteDocs } from '../openapi/describe'
import { listAudit } from './audit'
import { dashboard, DASHBOARD_PERIODS, type DashboardPeriod } from './dashboard'
import { bulkProducts, BulkProductsBody } from './product-bulk'
import { readStoreSettings, saveStoreSettings, StoreSettingsBody } from './settings'
import { addOrderNote, OrderNoteBody, AdminOrderQuery, BulkShipBody, RefundBody, ShipBody, adminOrder, bulkShip, cancelByStaff, listAdminOrders, markDelivered, markShipped, ordersCsv, refundByStaff } from './orders'
import { AdminUserQuery, RoleBody, changeRole, listUsers } from './users'
import { createCategory, deleteCategory, listCategories, updateCategory } from './categories'
import { PRODUCT_IMAGE_MAX_BYTES } from './image-files'
import { addImages, adminProduct, createProduct, deleteImage, deleteProduct, listAdminProducts, reorderImages, updateImageAlt, updateProduct, type Upload } from './products'
import {
  AdminCategory,
  AdminCategoryList,
  AdminOrder,
  AdminOrderPage,
  AdminProduct,
  AdminProductPage,
  AdminUserPage,
  AdminVariantSet,
  AuditPage,
  BulkProductsResult,
  BulkShipResult,
  Dashboard,
  RefundResult,
  OrderNote,
  RoleChange,
  StoreSettingsView,
} from './responses'
import {
  AdminCategoryBody,
  AdminCategoryPatch,
  AdminProductBody,
  AdminProductPatch,
  AdminProductQuery,
  AdminVariantSetBody,
  BulkVariantBody,
  GenerateVariantsBody,
  IdParam,
  ImageOrder,
  ImagePatch,
  VariantIdsBody,
  VariantParams,
} from './schemas'
import { bulkEditVariants, deactivateVariant, deleteVariants, generateVariants, readVariantSet, reorderVariants, replaceVariants } from './variants'
import { OrderIdParam } from '../orders/schemas'
import { webhooksAdminApi } from '../webhooks/routes'
import { productCsvApi } from './product-csv/routes'
import { shippingAdminApi } from '../shipping/admin-routes'
import { discountsAdminApi } from '../discounts/routes'
import { contentAdminApi } from '../content/routes'

export const ImageParams = z.object({ id: wholeNumber(1, Number.MAX_SAFE_INTEGER), imageId: wholeNumber(1, Number.MAX_SAFE_INTEGER) })

/**
 * Up to 10 files of at most 5 MB each, and 20 MB per request in all (multipart framing included): the
 * most a request may send (REQUEST_MAX_BYTES), which a Worker's 128 MB holds while the form is parsed.
 */
export const UPLOAD_MAX_BYTES = REQUEST_MAX_BYTES
const uploadLimit = limitBody(UPLOAD_MAX_BYTES, `The images (each at most ${PRODUCT_IMAGE_MAX_BYTES / 1024 / 1024} MB) are together`)

/** The files of a multipart form's `images` field (one or several). */
export async function uploadedImages(form: Record<string, string | File | (string | File)[]>): Promise<Upload[]> {
  const field = form['images'] ?? form['images[]']
  const files = (Array.isArray(field) ? field : field === undefined ? [] : [field]).filter((f): f is File => typeof f !== 'string' && f.size > 0)
  return Promise.all(files.map(async (file) => ({ name: file.name || 'image', bytes: new Uint8Array(await file.arrayBuffer()) })))
}

export const AuditQuery = z.strictObject({
  actor: z.string().max(254).optional(),
  action: z.string().max(100).optional(),
  target_type: z.string().max(50).optional(),
  target_id: z.string().max(100).optional(),
  from: wholeNumber(0, 8_640_000_000_000).optional(),
  to: wholeNumber(0, 8_640_000_000_000).optional(),
  page: wholeNumber(1, 10_000).default(1),
  page_size: wholeNumber(1, 200).default(50),
})

/** Documentation only: these routes read the value without a validator. */
const DashboardQuery = z.object({ currency: z.string().describe('ISO 4217 code; USD when omitted').optional(), period: z.enum(DASHBOARD_PERIODS).describe('7d, 30d (default), 90d or 12m').optional() })

/** Every admin operation is tagged Admin and needs the staff role unless it says admin. */
const adminDocs = (route: Omit<RouteDocs, 'tag' | 'access'> & { access?: 'admin' }) => docs({ tag: 'Admin', access: 'staff', ...route })

const listProductsDocs = adminDocs({
  id: 'adminListProducts',
  summary: 'Products, active or not: search, filters, sort',
  responses: { 200: { description: 'A page of products', schema: AdminProductPage } },
  errors: { 404: 'Unknown category' },
})
const createProductDocs = adminDocs({
  id: 'adminCreateProduct',
  summary: 'Create a product',
  description: 'The price is a decimal text ("12.50"), stored as exact cents. Without a slug, one is made from the name.',
  responses: { 201: { description: 'The product', schema: AdminProduct } },
  errors: { 409: 'The slug is taken' },
})
const getProductDocs = adminDocs({
  id: 'adminGetProduct',
  summary: 'One product with its images and categories',
  responses: { 200: { description: 'The product', schema: AdminProduct } },
  errors: { 404: 'No such product' },
})
const updateProductDocs = adminDocs({
  id: 'adminUpdateProduct',
  summary: 'Change a product',
  description: "Stock goes through the product's stock object: it cannot go below the units held for unpaid orders.",
  responses: { 200: { description: 'The product', schema: AdminProduct } },
  errors: { 404: 'No such product', 409: 'The slug is taken, or the stock would go below the units held' },
})
const deleteProductDocs = adminDocs({
  id: 'adminDeleteProduct',
  summary: 'Delete a product and its images',
  responses: { 204: { description: 'Deleted' } },
  errors: { 404: 'No such product' },
})
const addImagesDocs = adminDocs({
  id: 'adminAddImages',
  summary: 'Add images after the existing ones',
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
})
const reorderImagesDocs = adminDocs({
  id: 'adminReorderImages',
  summary: 'Put the images in an order',
  responses: { 200: { description: 'The product', schema: AdminProduct } },
  errors: { 404: 'No such product' },
})
const updateImageDocs = adminDocs({
  id: 'adminUpdateImage',
  summary: "Change an image's alt text",
  responses: { 200: { description: 'The product', schema: AdminProduct } },
  errors: { 404: 'No such product or image' },
})
const deleteImageDocs = adminDocs({
  id: 'adminDeleteImage',
  summary: 'Delete an image',
  responses: { 200: { description: 'The product', schema: AdminProduct } },
  errors: { 404: 'No such product or image' },
})
const listCategoriesDocs = adminDocs({
  id: 'adminListCategories',
  summary: 'Every category, flat',
  responses: { 200: { description: 'The categories', schema: AdminCategoryList } },
})
const createCategoryDocs = adminDocs({
  id: 'adminCreateCategory',
  summary: 'Create a category',
  responses: { 201: { description: 'The category', schema: AdminCategory } },
  errors: { 409: 'The slug is taken' },
})
const updateCategoryDocs = adminDocs({
  id: 'adminUpdateCategory',
  summary: 'Rename or move a category (never under itself)',
  responses: { 200: { description: 'The category', schema: AdminCategory } },
  errors: { 404: 'No such category', 409: 'The slug is taken' },
})
const deleteCategoryDocs = adminDocs({
  id: 'adminDeleteCategory',
  summary: 'Delete an empty category',
  responses: { 204: { description: 'Deleted' } },
  errors: { 404: 'No such category', 409: 'It still has sub-categories or products' },
})
const dashboardDocs = adminDocs({
  id: 'adminDashboard',
  summary: 'Sales of a period (7 or 30 or 90 days, 12 months) and what needs doing',
  query: DashboardQuery,
  responses: { 200: { description: 'The numbers', schema: Dashboard } },
})
const listOrdersDocs = adminDocs({
  id: 'adminListOrders',
  summary: 'Orders of every customer, filtered',
  responses: { 200: { description: 'A page of orders', schema: AdminOrderPage } },
})
const exportOrdersDocs = adminDocs({
  id: 'adminExportOrders',
  summary: 'The filtered orders as CSV (at most 10,000)',
  responses: {
    200: {
      description: 'order_id, created_at, email (the buyer’s at the time), customer_email (the account’s), status, payment_status, currency, subtotal, discount, shipping, tax, tax_inclusive (yes/no), total, refunded, shipping_method, address, review_reason, items, discounts_applied (each code or title with its amount); amounts as decimals',
      media: { type: 'text/csv', schema: { type: 'string' } },
    },
  },
})
const bulkShipDocs = adminDocs({
  id: 'adminBulkShip',
  summary: 'Mark many paid orders shipped',
  description: 'Each order is checked on its own; the answer names the ones refused and why.',
  responses: { 200: { description: 'What was shipped and what was refused', schema: BulkShipResult } },
})
const getOrderDocs = adminDocs({
  id: 'adminGetOrder',
  summary: 'One order with payments, refunds, history and shipment',
  params: OrderIdParam,
  responses: { 200: { description: 'The order', schema: AdminOrder } },
  errors: { 404: 'No such order' },
})
const shipOrderDocs = adminDocs({
  id: 'adminShipOrder',
  summary: 'Mark a paid order shipped',
  params: OrderIdParam,
  responses: { 200: { description: 'The order', schema: AdminOrder } },
  errors: { 404: 'No such order', 409: 'The order is not paid (illegal_transition)' },
})
const deliverOrderDocs = adminDocs({
  id: 'adminDeliverOrder',
  summary: 'Mark a shipped order delivered',
  params: OrderIdParam,
  responses: { 200: { description: 'The order', schema: AdminOrder } },
  errors: { 404: 'No such order', 409: 'The order is not shipped (illegal_transition)' },
})
const cancelOrderDocs = adminDocs({
  id: 'adminCancelOrder',
  summary: "Cancel an order (a paid one is refunded in full and restocked; an unpaid one's lines go back to the customer's cart)",
  params: OrderIdParam,
  responses: { 200: { description: 'The order', schema: AdminOrder } },
  errors: { 404: 'No such order', 409: 'The order can no longer be cancelled', 502: 'The payment provider failed' },
})
const refundOrderDocs = adminDocs({
  id: 'adminRefundOrder',
  summary: 'Refund order lines and units, an amount, or everything left',
  description:
    'Name `lines` (each by `variant_id`, or `product_id` when the order has one line of that product, and units): the amount defaults to their price and may be lowered (goodwill); with `restock` exactly those units go back to stock. `amount` alone refunds money only; neither refunds everything left. A line is never refunded beyond its quantity, nor a payment beyond what was paid, even by concurrent refunds (409 `refund_conflict`). Send `refund_id` (any token of yours) to make a retry refund, and restock, once.',
  params: OrderIdParam,
  responses: { 200: { description: 'The refund and the order', schema: RefundResult } },
  errors: { 400: 'More units or money than are left, restock without lines, or a product_id with several lines on the order (variant_required)', 404: 'No such order', 409: 'Nothing left to refund, or another refund got there first', 502: 'The payment provider failed' },
})
const addNoteDocs = adminDocs({
  id: 'adminAddOrderNote',
  summary: 'Add an internal note to an order (never shown to the customer)',
  params: OrderIdParam,
  responses: { 201: { description: 'The note', schema: OrderNote } },
  errors: { 404: 'No such order' },
})
const bulkProductsDocs = adminDocs({
  id: 'adminBulkProducts',
  summary: 'Activate, deactivate, move to a category or delete many products',
  description: 'Each product is changed as a single update or delete would (its own audit entry and webhook event); the answer names those changed and those refused, with why.',
  responses: { 200: { description: 'What was changed and what was refused', schema: BulkProductsResult } },
})
const getSettingsDocs = adminDocs({
  id: 'adminGetSettings',
  summary: "The store's settings: time zone and low stock threshold",
  responses: { 200: { description: 'The settings', schema: StoreSettingsView } },
})
const putSettingsDocs = adminDocs({
  id: 'adminPutSettings',
  summary: "Replace the store's settings",
  description: 'Both fields, validated: an unknown time zone or a negative threshold is a 400 naming the field, and nothing is saved.',
  responses: { 200: { description: 'The settings as saved', schema: StoreSettingsView } },
})
const listUsersDocs = adminDocs({
  id: 'adminListUsers',
  summary: 'Accounts, newest first (admin)',
  access: 'admin',
  responses: { 200: { description: 'A page of accounts', schema: AdminUserPage } },
})
const changeRoleDocs = adminDocs({
  id: 'adminChangeRole',
  summary: "Change an account's role (admin)",
  access: 'admin',
  responses: { 200: { description: 'The account and its role', schema: RoleChange } },
  errors: { 404: 'No such account', 409: 'This is the last admin' },
})
const auditLogDocs = adminDocs({
  id: 'adminAuditLog',
  summary: 'The audit log, newest first (admin)',
  access: 'admin',
  responses: { 200: { description: 'A page of entries', schema: AuditPage } },
})

const variantErrors = (extra: Record<number, string> = {}) => ({ 400: 'Bad input, each fault named by its field (`variants.3.sku`); nothing was saved', 404: 'No such product', ...extra })
const getVariantsDocs = adminDocs({
  id: 'adminGetVariants',
  summary: "A product's options and variants",
  responses: { 200: { description: 'The options and variants', schema: AdminVariantSet } },
  errors: { 404: 'No such product' },
})
const replaceVariantsDocs = adminDocs({
  id: 'adminReplaceVariants',
  summary: "Replace a product's options and variants",
  description:
    'The whole set as it is to be, in one transaction. Variants with an `id` keep it with their stock and history; without one they are created (`stock_quantity` their first stock); those left out are deleted (409 `variant_held` while a hold of an unpaid order is on one). At most 3 options and 100 variants; each variant one value of every option; no combination or SKU twice; money in integer cents, `compare_at_cents` above the price. Stock of an existing variant: `stock_quantity` with `expected_stock_quantity` (compare-and-set) or `stock_adjustment`.',
  responses: { 200: { description: 'The set as saved', schema: AdminVariantSet } },
  errors: variantErrors({ 409: 'A removed variant is held (variant_held), stock moved meanwhile (stock_changed) or cannot go that low, or a SKU was taken meanwhile (sku_taken)' }),
})
const generateVariantsDocs = adminDocs({
  id: 'adminGenerateVariants',
  summary: "A variant for every combination of the options' values",
  description: 'Existing variants are kept as they are; new ones get `price_cents` (the lowest variant price when left out), no SKU and no stock. At most 100.',
  responses: { 200: { description: 'The set as saved', schema: AdminVariantSet } },
  errors: variantErrors(),
})
const bulkVariantsDocs = adminDocs({
  id: 'adminBulkEditVariants',
  summary: 'The same change to several variants',
  description: 'Price, compare-at price, stock (set or adjusted), weight, image of the product, active flag; all or nothing. Errors name the field and the variant.',
  responses: { 200: { description: 'The set as saved', schema: AdminVariantSet } },
  errors: variantErrors({ 409: 'The stock would go below the units held, or below zero' }),
})
const reorderVariantsDocs = adminDocs({
  id: 'adminReorderVariants',
  summary: 'Put the variants in an order (every variant once)',
  responses: { 200: { description: 'The set as saved', schema: AdminVariantSet } },
  errors: variantErrors(),
})
const deleteVariantsDocs = adminDocs({
  id: 'adminDeleteVariants',
  summary: 'Delete variants (never the last one)',
  responses: { 200: { description: 'The set as saved', schema: AdminVariantSet } },
  errors: variantErrors({ 409: 'A variant is held for an unpaid order (variant_held), or orders refer to it' }),
})
const deactivateVariantDocs = adminDocs({
  id: 'adminDeactivateVariant',
  summary: 'Stop selling one variant (it keeps its stock and history)',
  params: VariantParams,
  responses: { 200: { description: 'The set as saved', schema: AdminVariantSet } },
  errors: { 404: 'No such product or variant' },
})

export const adminApi = new Hono<AppEnv>()
  .use(requireRole('staff', 'admin'))
  .get('/products', listProductsDocs, validate('query', AdminProductQuery), async (c) => c.json(await listAdminProducts(c.env, c.req.valid('query'))))
  .post('/products/bulk', bulkProductsDocs, jsonLimit, validate('json', BulkProductsBody), async (c) => c.json(await bulkProducts(c.env, userOf(c), c.req.valid('json'))))
  .post('/products', createProductDocs, jsonLimit, validate('json', AdminProductBody), async (c) => c.json(await createProduct(c.env, userOf(c), c.req.valid('json')), 201))
  .get('/products/:id', getProductDocs, validate('param', IdParam), async (c) => c.json(await adminProduct(c.env, c.req.valid('param').id)))
  .patch('/products/:id', updateProductDocs, jsonLimit, validate('param', IdParam), validate('json', AdminProductPatch), async (c) =>
    c.json(await updateProduct(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json'))),
  )
  .delete('/products/:id', deleteProductDocs, validate('param', IdParam), async (c) => {
    await deleteProduct(c.env, userOf(c), c.req.valid('param').id)
    return c.body(null, 204)
  })
  .post('/products/:id/images', addImagesDocs, uploadLimit, validate('param', IdParam), async (c) => {
    const form = await c.req.parseBody({ all: true }).catch(() => {
      throw new ApiError(400, 'bad_request', 'Send the images as multipart/form-data in a field named "images"')
    })
    const alt = typeof form['alt_text'] === 'string' ? form['alt_text'].trim().slice(0, 300) : ''
    return c.json(await addImages(c.env, userOf(c), c.req.valid('param').id, await uploadedImages(form), alt), 201)
  })
  .put('/products/:id/images/order', reorderImagesDocs, jsonLimit, validate('param', IdParam), validate('json', ImageOrder), async (c) =>
    c.json(await reorderImages(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json').image_ids)),
  )
  .patch('/products/:id/images/:imageId', updateImageDocs, jsonLimit, validate('param', ImageParams), validate('json', ImagePatch), async (c) => {
    const { id, imageId } = c.req.valid('param')
    return c.json(await updateImageAlt(c.env, userOf(c), id, imageId, c.req.valid('json').alt_text))
  })
  .delete('/products/:id/images/:imageId', deleteImageDocs, validate('param', ImageParams), async (c) => {
    const { id, imageId } = c.req.valid('param')
    return c.json(await deleteImage(c.env, userOf(c), id, imageId))
  })
  .get('/products/:id/variants', getVariantsDocs, validate('param', IdParam), async (c) => c.json(await readVariantSet(c.env, c.req.valid('param').id)))
  .put('/products/:id/variants', replaceVariantsDocs, jsonLimit, validate('param', IdParam), validate('json', AdminVariantSetBody), async (c) =>
    c.json(await replaceVariants(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json'))),
  )
  .post('/products/:id/variants/generate', generateVariantsDocs, jsonLimit, validate('param', IdParam), validate('json', GenerateVariantsBody), async (c) =>
    c.json(await generateVariants(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json').price_cents)),
  )
  .post('/products/:id/variants/bulk', bulkVariantsDocs, jsonLimit, validate('param', IdParam), validate('json', BulkVariantBody), async (c) =>
    c.json(await bulkEditVariants(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json'))),
  )
  .put('/products/:id/variants/order', reorderVariantsDocs, jsonLimit, validate('param', IdParam), validate('json', VariantIdsBody), async (c) =>
    c.json(await reorderVariants(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json').variant_ids)),
  )
  .post('/products/:id/variants/delete', deleteVariantsDocs, jsonLimit, validate('param', IdParam), validate('json', VariantIdsBody), async (c) =>
    c.json(await deleteVariants(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json').variant_ids)),
  )
  .post('/products/:id/variants/:variantId/deactivate', deactivateVariantDocs, validate('param', VariantParams), async (c) => {
    const { id, variantId } = c.req.valid('param')
    return c.json(await deactivateVariant(c.env, userOf(c), id, variantId))
  })
  .get('/categories', listCategoriesDocs, async (c) => c.json({ items: await listCategories(c.env) }))
  .post('/categories', createCategoryDocs, jsonLimit, validate('json', AdminCategoryBody), async (c) => c.json(await createCategory(c.env, userOf(c), c.req.valid('json')), 201))
  .patch('/categories/:id', updateCategoryDocs, jsonLimit, validate('param', IdParam), validate('json', AdminCategoryPatch), async (c) =>
    c.json(await updateCategory(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json'))),
  )
  .delete('/categories/:id', deleteCategoryDocs, validate('param', IdParam), async (c) => {
    await deleteCategory(c.env, userOf(c), c.req.valid('param').id)
    return c.body(null, 204)
  })
  .get('/dashboard', dashboardDocs, async (c) => {
    const period = c.req.query('period') ?? '30d'
    if (!(DASHBOARD_PERIODS as readonly string[]).includes(period)) throw new ApiError(400, 'validation_failed', 'Unknown period', { period: [`must be one of ${DASHBOARD_PERIODS.join(', ')}`] })
    return c.json(await dashboard(c.env, c.req.query('currency')?.toUpperCase() || 'USD', period as DashboardPeriod))
  })
  .get('/orders', listOrdersDocs, validate('query', AdminOrderQuery), async (c) => c.json(await listAdminOrders(c.env, c.req.valid('query'))))
  .get('/orders.csv', exportOrdersDocs, validate('query', AdminOrderQuery), async (c) =>
    c.body(await ordersCsv(c.env, c.req.valid('query')), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="orders.csv"' }),
  )
  .post('/orders/bulk-ship', bulkShipDocs, jsonLimit, validate('json', BulkShipBody), async (c) => c.json(await bulkShip(c.env, userOf(c), c.req.valid('json'))))
  .get('/orders/:id', getOrderDocs, async (c) => c.json(await adminOrder(c.env, userOf(c), c.req.param('id'))))
  .post('/orders/:id/ship', shipOrderDocs, jsonLimit, validate('json', ShipBody), async (c) => {
    await markShipped(c.env, userOf(c), c.req.param('id'), c.req.valid('json'))
    return c.json(await adminOrder(c.env, userOf(c), c.req.param('id')))
  })
  .post('/orders/:id/deliver', deliverOrderDocs, async (c) => {
    await markDelivered(c.env, userOf(c), c.req.param('id'))
    return c.json(await adminOrder(c.env, userOf(c), c.req.param('id')))
  })
  .post('/orders/:id/cancel', cancelOrderDocs, async (c) => {
    await cancelByStaff(c.env, userOf(c), c.req.param('id'))
    return c.json(await adminOrder(c.env, userOf(c), c.req.param('id')))
  })
  .post('/orders/:id/notes', addNoteDocs, jsonLimit, validate('json', OrderNoteBody), async (c) => c.json(await addOrderNote(c.env, userOf(c), c.req.param('id'), c.req.valid('json')), 201))
  .post('/orders/:id/refund', refundOrderDocs, jsonLimit, validate('json', RefundBody), async (c) => {
    const refund = await refundByStaff(c.env, userOf(c), c.req.param('id'), c.req.valid('json'))
    return c.json({ refund, order: await adminOrder(c.env, userOf(c), c.req.param('id')) })
  })
  .get('/settings', getSettingsDocs, async (c) => c.json(await readStoreSettings(c.env)))
  .put('/settings', putSettingsDocs, jsonLimit, validate('json', StoreSettingsBody), async (c) => c.json(await saveStoreSettings(c.env, userOf(c), c.req.valid('json'))))
  .get('/users', listUsersDocs, requireRole('admin'), validate('query', AdminUserQuery), async (c) => c.json(await listUsers(c.env, c.req.valid('query'))))
  .patch('/users/:id', changeRoleDocs, requireRole('admin'), jsonLimit, validate('param', IdParam), validate('json', RoleBody), async (c) =>
    c.json(await changeRole(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json').role)),
  )
  .get('/audit', auditLogDocs, requireRole('admin'), validate('query', AuditQuery), async (c) => c.json(await listAudit(c.env, c.req.valid('query'))))
  // Outbound webhook endpoints (admin): src/webhooks/routes.ts.
  .route('/webhooks', webhooksAdminApi)
  // Shopify product CSV import and export (src/admin/product-csv).
  .route('/', productCsvApi)
  // Shipping zones and methods, tax rates and the tax setting (src/shipping).
  .route('/', shippingAdminApi)
  // Discount codes and automatic promotions (src/discounts).
  .route('/discounts', discountsAdminApi)
  // The store's content pages (src/content).
  .route('/pages', contentAdminApi)
