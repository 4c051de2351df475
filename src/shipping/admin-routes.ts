/**
 * `/api/admin/shipping/zones…`, `/api/admin/tax-rates…`, `/api/admin/checkout-settings`: the merchant's
 * shipping zones, methods, tax rates and tax setting. Mounted inside the admin API (staff role); writes
 * need the admin role.
 */
import { Hono } from 'hono'
import { requireRole, userOf } from '../accounts/guard'
import { docs, type RouteDocs } from '../openapi/describe'
import { jsonLimit } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { validate } from '../platform/validate'
import { CheckoutSettingsView, ShippingZoneList, ShippingZoneView, TaxRateList, TaxRateView } from './responses'
import { CheckoutSettingsBody, MethodParams, ShippingMethodBody, ShippingMethodPatch, ShippingZoneBody, ShippingZonePatch, TaxRateBody, TaxRatePatch, ZoneIdParam } from './schemas'
import { createTaxRate, deleteTaxRate, listTaxRates, readCheckoutSettings, updateCheckoutSettings, updateTaxRate } from './taxes'
import { createMethod, createZone, deleteMethod, deleteZone, listZones, updateMethod, updateZone, zoneById } from './zones'

const adminDocs = (route: Omit<RouteDocs, 'tag' | 'access'> & { access?: 'admin' }) => docs({ tag: 'Admin', access: 'staff', ...route })
const writeDocs = (route: Omit<RouteDocs, 'tag' | 'access'>) => adminDocs({ ...route, access: 'admin' })
const zoneErrors = { 404: 'No such zone', 409: 'An area is already in another zone (area_taken), named in the message' }

const listZonesDocs = adminDocs({
  id: 'adminListShippingZones',
  summary: 'Shipping zones with their areas, methods and warnings',
  description: 'A zone without an active method, or without an area, carries a warning (and so does the list).',
  responses: { 200: { description: 'Every zone', schema: ShippingZoneList } },
})
const getZoneDocs = adminDocs({ id: 'adminGetShippingZone', summary: 'One shipping zone', responses: { 200: { description: 'The zone', schema: ShippingZoneView } }, errors: { 404: 'No such zone' } })
const createZoneDocs = writeDocs({ id: 'adminCreateShippingZone', summary: 'Create a shipping zone (admin)', responses: { 201: { description: 'The zone', schema: ShippingZoneView } }, errors: { 409: zoneErrors[409] } })
const updateZoneDocs = writeDocs({ id: 'adminUpdateShippingZone', summary: 'Change a shipping zone; `areas` replaces the whole set (admin)', responses: { 200: { description: 'The zone', schema: ShippingZoneView } }, errors: zoneErrors })
const deleteZoneDocs = writeDocs({ id: 'adminDeleteShippingZone', summary: 'Delete a shipping zone and its methods (admin)', responses: { 204: { description: 'Deleted' } }, errors: { 404: 'No such zone' } })
const createMethodDocs = writeDocs({
  id: 'adminCreateShippingMethod',
  summary: 'Add a shipping method to a zone (admin)',
  description: 'Flat, or by bands of weight (grams) or subtotal (cents): bands from `min` (inclusive) to `max` (exclusive), lowest first, each starting where the one before ends; only the last may be open-ended (`max` null). Overlaps, gaps and a `max` not above `min` are refused by band.',
  responses: { 201: { description: 'The zone with its methods', schema: ShippingZoneView } },
  errors: { 404: 'No such zone' },
})
const updateMethodDocs = writeDocs({ id: 'adminUpdateShippingMethod', summary: 'Change a shipping method; the result is checked whole (admin)', responses: { 200: { description: 'The zone with its methods', schema: ShippingZoneView } }, errors: { 404: 'No such zone or method' } })
const deleteMethodDocs = writeDocs({ id: 'adminDeleteShippingMethod', summary: 'Delete a shipping method (admin)', responses: { 200: { description: 'The zone with its methods', schema: ShippingZoneView } }, errors: { 404: 'No such zone or method' } })
const listRatesDocs = adminDocs({ id: 'adminListTaxRates', summary: 'Tax rates by country, region and tax class', responses: { 200: { description: 'Every rate', schema: TaxRateList } } })
const createRateDocs = writeDocs({ id: 'adminCreateTaxRate', summary: 'Add a tax rate (admin)', responses: { 201: { description: 'The rate', schema: TaxRateView } }, errors: { 409: 'A rate for this destination and class exists (tax_rate_exists)' } })
const updateRateDocs = writeDocs({ id: 'adminUpdateTaxRate', summary: "Change a tax rate's percentage or name (admin)", responses: { 200: { description: 'The rate', schema: TaxRateView } }, errors: { 404: 'No such rate' } })
const deleteRateDocs = writeDocs({ id: 'adminDeleteTaxRate', summary: 'Delete a tax rate (admin)', responses: { 204: { description: 'Deleted' } }, errors: { 404: 'No such rate' } })
const getSettingsDocs = adminDocs({ id: 'adminGetCheckoutSettings', summary: 'Whether prices include tax', responses: { 200: { description: 'The setting', schema: CheckoutSettingsView } } })
const putSettingsDocs = writeDocs({ id: 'adminUpdateCheckoutSettings', summary: 'Say whether prices include tax (admin)', responses: { 200: { description: 'The setting', schema: CheckoutSettingsView } } })

export const shippingAdminApi = new Hono<AppEnv>()
  .get('/shipping/zones', listZonesDocs, async (c) => c.json(await listZones(c.env)))
  .post('/shipping/zones', createZoneDocs, requireRole('admin'), jsonLimit, validate('json', ShippingZoneBody), async (c) => c.json(await createZone(c.env, userOf(c), c.req.valid('json')), 201))
  .get('/shipping/zones/:id', getZoneDocs, validate('param', ZoneIdParam), async (c) => c.json(await zoneById(c.env, c.req.valid('param').id)))
  .patch('/shipping/zones/:id', updateZoneDocs, requireRole('admin'), jsonLimit, validate('param', ZoneIdParam), validate('json', ShippingZonePatch), async (c) =>
    c.json(await updateZone(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json'))),
  )
  .delete('/shipping/zones/:id', deleteZoneDocs, requireRole('admin'), validate('param', ZoneIdParam), async (c) => {
    await deleteZone(c.env, userOf(c), c.req.valid('param').id)
    return c.body(null, 204)
  })
  .post('/shipping/zones/:id/methods', createMethodDocs, requireRole('admin'), jsonLimit, validate('param', ZoneIdParam), validate('json', ShippingMethodBody), async (c) =>
    c.json(await createMethod(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  )
  .patch('/shipping/zones/:id/methods/:methodId', updateMethodDocs, requireRole('admin'), jsonLimit, validate('param', MethodParams), validate('json', ShippingMethodPatch), async (c) => {
    const { id, methodId } = c.req.valid('param')
    return c.json(await updateMethod(c.env, userOf(c), id, methodId, c.req.valid('json')))
  })
  .delete('/shipping/zones/:id/methods/:methodId', deleteMethodDocs, requireRole('admin'), validate('param', MethodParams), async (c) => {
    const { id, methodId } = c.req.valid('param')
    return c.json(await deleteMethod(c.env, userOf(c), id, methodId))
  })
  .get('/tax-rates', listRatesDocs, async (c) => c.json(await listTaxRates(c.env)))
  .post('/tax-rates', createRateDocs, requireRole('admin'), jsonLimit, validate('json', TaxRateBody), async (c) => c.json(await createTaxRate(c.env, userOf(c), c.req.valid('json')), 201))
  .patch('/tax-rates/:id', updateRateDocs, requireRole('admin'), jsonLimit, validate('param', ZoneIdParam), validate('json', TaxRatePatch), async (c) =>
    c.json(await updateTaxRate(c.env, userOf(c), c.req.valid('param').id, c.req.valid('json'))),
  )
  .delete('/tax-rates/:id', deleteRateDocs, requireRole('admin'), validate('param', ZoneIdParam), async (c) => {
    await deleteTaxRate(c.env, userOf(c), c.req.valid('param').id)
    return c.body(null, 204)
  })
  .get('/checkout-settings', getSettingsDocs, async (c) => c.json(await readCheckoutSettings(c.env)))
  .put('/checkout-settings', putSettingsDocs, requireRole('admin'), jsonLimit, validate('json', CheckoutSettingsBody), async (c) => c.json(await updateCheckoutSettings(c.env, userOf(c), c.req.valid('json'))))
