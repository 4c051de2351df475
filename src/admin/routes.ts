/** `/api/admin/*`: the admin's catalog for automation, behind the staff role, with the public API's validation and error shape. */
import { Hono } from 'hono'
import { z } from 'zod'
import { requireRole, userOf } from '../accounts/guard'
import { jsonLimit, limitBody, REQUEST_MAX_BYTES } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { ApiError } from '../platform/errors'
import { wholeNumber } from '../platform/params'
import { validate } from '../platform/validate'
import { listAudit } from './audit'
import { dashboard } from './dashboard'
import { AdminOrderQuery, BulkShipBody, RefundBody, ShipBody, adminOrder, bulkShip, cancelByStaff, listAdminOrders, markDelivered, markShipped, ordersCsv, refundByStaff } from './orders'
import { AdminUserQuery, RoleBody, changeRole, listUsers } from './users'
import { createCategory, deleteCategory, listCategories, updateCategory } from './categories'
import { PRODUCT_IMAGE_MAX_BYTES } from './image-files'
import { addImages, adminProduct, createProduct, deleteImage, deleteProduct, listAdminProducts, reorderImages, updateImageAlt, updateProduct, type Upload } from './products'
import { AdminCategoryBody, AdminCategoryPatch, AdminProductBody, AdminProductPatch, AdminProductQuery, IdParam, ImageOrder, ImagePatch } from './schemas'

export const ImageParams = z.object({ id: wholeNumber(1, Number.MAX_SAFE_INTEGER), imageId: wholeNumber(1, Number.MAX_SAFE_INTEGER) })

/**
 * Up to 10 files of at most 5 MB each, and 20 MB per request in all (multipart framing included): the
 * most a request may send (REQUEST_MAX_BYTES), which a Worker's 128 MB holds while the form is parsed.
 */
export const UPLOAD_MAX_BYTES = REQUEST_MAX_BYTES
export const uploadLimit = limitBody(UPLOAD_MAX_BYTES, `The images (each at most ${PRODUCT_IMAGE_MAX_BYTES / 1024 / 1024} MB) are together`)

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

export const adminApi = new Hono<AppEnv>()
  .use(requireRole('staff', 'admin'))
  .get('/products', validate('query', AdminProductQuery), async (c) => c.json(await listAdminProducts(c.env, c.req.valid('query'))))
  .post('/products', jsonLimit, validate('json', AdminProductBody), async (c) => c.json(await createProduct(c.env, userOf(c), c.req.valid('json')), 201))
  .get('/products/:id', validate('param', IdParam), async (c) => c.json(await adminProduct(c.env, c.req.valid('param').id)))
  .patch('/products/:id', jsonLimit, validate('param', IdParam), validate('json', AdminProductPatch), async (c) =>
    c.json(await updateProduct(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json'))),
  )
  .delete('/products/:id', validate('param', IdParam), async (c) => {
    await deleteProduct(c.env, userOf(c), c.req.valid('param').id)
    return c.body(null, 204)
  })
  .post('/products/:id/images', uploadLimit, validate('param', IdParam), async (c) => {
    const form = await c.req.parseBody({ all: true }).catch(() => {
      throw new ApiError(400, 'bad_request', 'Send the images as multipart/form-data in a field named "images"')
    })
    const alt = typeof form['alt_text'] === 'string' ? form['alt_text'].trim().slice(0, 300) : ''
    return c.json(await addImages(c.env, userOf(c), c.req.valid('param').id, await uploadedImages(form), alt), 201)
  })
  .put('/products/:id/images/order', jsonLimit, validate('param', IdParam), validate('json', ImageOrder), async (c) =>
    c.json(await reorderImages(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json').image_ids)),
  )
  .patch('/products/:id/images/:imageId', jsonLimit, validate('param', ImageParams), validate('json', ImagePatch), async (c) => {
    const { id, imageId } = c.req.valid('param')
    return c.json(await updateImageAlt(c.env, userOf(c), id, imageId, c.req.valid('json').alt_text))
  })
  .delete('/products/:id/images/:imageId', validate('param', ImageParams), async (c) => {
    const { id, imageId } = c.req.valid('param')
    return c.json(await deleteImage(c.env, userOf(c), id, imageId))
  })
  .get('/categories', async (c) => c.json({ items: await listCategories(c.env) }))
  .post('/categories', jsonLimit, validate('json', AdminCategoryBody), async (c) => c.json(await createCategory(c.env, userOf(c), c.req.valid('json')), 201))
  .patch('/categories/:id', jsonLimit, validate('param', IdParam), validate('json', AdminCategoryPatch), async (c) =>
    c.json(await updateCategory(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json'))),
  )
  .delete('/categories/:id', validate('param', IdParam), async (c) => {
    await deleteCategory(c.env, userOf(c), c.req.valid('param').id)
    return c.body(null, 204)
  })
  .get('/dashboard', async (c) => c.json(await dashboard(c.env, c.req.query('currency')?.toUpperCase() || 'USD')))
  .get('/orders', validate('query', AdminOrderQuery), async (c) => c.json(await listAdminOrders(c.env, c.req.valid('query'))))
  .get('/orders.csv', validate('query', AdminOrderQuery), async (c) =>
    c.body(await ordersCsv(c.env, c.req.valid('query')), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="orders.csv"' }),
  )
  .post('/orders/bulk-ship', jsonLimit, validate('json', BulkShipBody), async (c) => c.json(await bulkShip(c.env, userOf(c), c.req.valid('json'))))
  .get('/orders/:id', async (c) => c.json(await adminOrder(c.env, userOf(c), c.req.param('id'))))
  .post('/orders/:id/ship', jsonLimit, validate('json', ShipBody), async (c) => {
    await markShipped(c.env, userOf(c), c.req.param('id'), c.req.valid('json'))
    return c.json(await adminOrder(c.env, userOf(c), c.req.param('id')))
  })
  .post('/orders/:id/deliver', async (c) => {
    await markDelivered(c.env, userOf(c), c.req.param('id'))
    return c.json(await adminOrder(c.env, userOf(c), c.req.param('id')))
  })
  .post('/orders/:id/cancel', async (c) => {
    await cancelByStaff(c.env, userOf(c), c.req.param('id'))
    return c.json(await adminOrder(c.env, userOf(c), c.req.param('id')))
  })
  .post('/orders/:id/refund', jsonLimit, validate('json', RefundBody), async (c) => {
    const refund = await refundByStaff(c.env, userOf(c), c.req.param('id'), c.req.valid('json'))
    return c.json({ refund, order: await adminOrder(c.env, userOf(c), c.req.param('id')) })
  })
  .get('/users', requireRole('admin'), validate('query', AdminUserQuery), async (c) => c.json(await listUsers(c.env, c.req.valid('query'))))
  .patch('/users/:id', requireRole('admin'), jsonLimit, validate('param', IdParam), validate('json', RoleBody), async (c) =>
    c.json(await changeRole(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json').role)),
  )
  .get('/audit', requireRole('admin'), validate('query', AuditQuery), async (c) => c.json(await listAudit(c.env, c.req.valid('query'))))
