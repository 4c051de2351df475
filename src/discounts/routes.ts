/** `/api/admin/discounts/*`: codes and automatic promotions for automation; staff read, admins write. Mounted by the admin API. */
import { Hono } from 'hono'
import { requireRole, userOf } from '../accounts/guard'
import { IdParam } from '../admin/schemas'
import { docs, type RouteDocs } from '../openapi/describe'
import { jsonLimit } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { validate } from '../platform/validate'
import { createDiscount, deactivateDiscount, deleteDiscount, getDiscount, listDiscounts, updateDiscount } from './admin'
import { AdminDiscount, AdminDiscountPage } from './responses'
import { AdminDiscountBody, AdminDiscountPatch, AdminDiscountQuery } from './schemas'

const staffDocs = (route: Omit<RouteDocs, 'tag' | 'access'>) => docs({ tag: 'Admin', access: 'staff', ...route })
const adminDocs = (route: Omit<RouteDocs, 'tag' | 'access'>) => docs({ tag: 'Admin', access: 'admin', ...route })
const writeErrors = { 400: 'Bad input, each fault named by its field (value by kind, ends_at before starts_at, an unknown product…); nothing was saved' }

export const discountsAdminApi = new Hono<AppEnv>()
  .get(
    '/',
    staffDocs({ id: 'adminListDiscounts', summary: 'Discount codes and automatic promotions with their uses so far', responses: { 200: { description: 'A page of discounts, newest first', schema: AdminDiscountPage } } }),
    validate('query', AdminDiscountQuery),
    async (c) => c.json(await listDiscounts(c.env, c.req.valid('query'))),
  )
  .post(
    '/',
    adminDocs({
      id: 'adminCreateDiscount',
      summary: 'Create a discount code or an automatic promotion (admin)',
      description: 'A percentage is sent as typed ("12.5", stored as 1250 basis points), a fixed amount as money ("5.00", stored as cents). No code makes an automatic promotion, which needs a title.',
      responses: { 201: { description: 'The discount', schema: AdminDiscount } },
      errors: { ...writeErrors, 409: 'The code is taken by another discount' },
    }),
    requireRole('admin'),
    jsonLimit,
    validate('json', AdminDiscountBody),
    async (c) => c.json(await createDiscount(c.env, userOf(c), c.req.valid('json')), 201),
  )
  .get('/:id', staffDocs({ id: 'adminGetDiscount', summary: 'One discount with its uses so far', responses: { 200: { description: 'The discount', schema: AdminDiscount } }, errors: { 404: 'No such discount' } }), validate('param', IdParam), async (c) =>
    c.json(await getDiscount(c.env, c.req.valid('param').id)),
  )
  .patch(
    '/:id',
    adminDocs({
      id: 'adminUpdateDiscount',
      summary: 'Change a discount (admin)',
      description: 'Orders placed with it keep what they took off. The usage limit cannot go below the uses so far.',
      responses: { 200: { description: 'The discount', schema: AdminDiscount } },
      errors: { ...writeErrors, 404: 'No such discount', 409: 'The code is taken by another discount' },
    }),
    requireRole('admin'),
    jsonLimit,
    validate('param', IdParam),
    validate('json', AdminDiscountPatch),
    async (c) => c.json(await updateDiscount(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json'))),
  )
  .post(
    '/:id/deactivate',
    adminDocs({ id: 'adminDeactivateDiscount', summary: 'Switch a discount off (admin)', responses: { 200: { description: 'The discount', schema: AdminDiscount } }, errors: { 404: 'No such discount' } }),
    requireRole('admin'),
    validate('param', IdParam),
    async (c) => c.json(await deactivateDiscount(c.env, userOf(c), c.req.valid('param').id)),
  )
  .delete(
    '/:id',
    adminDocs({ id: 'adminDeleteDiscount', summary: 'Delete a discount no order used (admin)', responses: { 204: { description: 'Deleted' } }, errors: { 404: 'No such discount', 409: 'Orders used it: deactivate it instead' } }),
    requireRole('admin'),
    validate('param', IdParam),
    async (c) => {
      await deleteDiscount(c.env, userOf(c), c.req.valid('param').id)
      return c.body(null, 204)
    },
  )
