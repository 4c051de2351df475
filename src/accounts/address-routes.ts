/** The address book API: `/api/account/addresses`, the signed-in user's own addresses only. */
import { Hono } from 'hono'
import { docs } from '../openapi/describe'
import { jsonLimit } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { validate } from '../platform/validate'
import { ADDRESSES_MAX, AddressIdParam, CreateAddressBody, UpdateAddressBody } from './address-schemas'
import { addressOf, createAddress, deleteAddress, listAddresses, makeDefaultAddress, updateAddress } from './addresses'
import { requireUser, userOf } from './guard'
import { AddressList, AddressView } from './responses'

const NOT_YOURS = 'No such address in this account (another account’s address answers the same)'

const listDocs = docs({
  id: 'listAddresses',
  tag: 'Accounts',
  summary: "The signed-in user's saved addresses, the default first",
  access: 'user',
  responses: { 200: { description: 'The addresses', schema: AddressList } },
})

const createDocs = docs({
  id: 'createAddress',
  tag: 'Accounts',
  summary: 'Save an address',
  description: `At most ${ADDRESSES_MAX} per account. The first address is the default; \`is_default: true\` makes a later one the default. For US, CA and AU the region is the subdivision code (e.g. "OR", "QC", "NSW"; its name is accepted too).`,
  access: 'user',
  responses: { 201: { description: 'The saved address', schema: AddressView } },
  errors: { 409: `The account already keeps ${ADDRESSES_MAX} addresses (address_book_full)` },
})

const getDocs = docs({ id: 'getAddress', tag: 'Accounts', summary: 'One saved address', access: 'user', params: AddressIdParam, responses: { 200: { description: 'The address', schema: AddressView } }, errors: { 404: NOT_YOURS } })

const updateDocs = docs({
  id: 'updateAddress',
  tag: 'Accounts',
  summary: 'Change a saved address',
  description: 'A partial update; the address that results is validated whole (a new country needs its region).',
  access: 'user',
  params: AddressIdParam,
  responses: { 200: { description: 'The changed address', schema: AddressView } },
  errors: { 404: NOT_YOURS },
})

const deleteDocs = docs({
  id: 'deleteAddress',
  tag: 'Accounts',
  summary: 'Delete a saved address',
  description: 'Deleting the default makes the newest other address the default.',
  access: 'user',
  params: AddressIdParam,
  responses: { 204: { description: 'Deleted' } },
  errors: { 404: NOT_YOURS },
})

const defaultDocs = docs({
  id: 'makeDefaultAddress',
  tag: 'Accounts',
  summary: 'Make a saved address the default',
  description: 'The default is what checkout preselects and what the profile shows as `default_shipping_address`.',
  access: 'user',
  params: AddressIdParam,
  responses: { 200: { description: 'The new default', schema: AddressView } },
  errors: { 404: NOT_YOURS },
})

/** An id in the path: anything but digits is the 404 an unknown id is. */
const addressId = (raw: string) => (/^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN)

export const addressesApi = new Hono<AppEnv>()
  .use(requireUser())
  .get('/', listDocs, async (c) => c.json({ items: await listAddresses(c.env, userOf(c).id), max: ADDRESSES_MAX }))
  .post('/', createDocs, jsonLimit, validate('json', CreateAddressBody), async (c) => c.json(await createAddress(c.env, userOf(c).id, c.req.valid('json')), 201))
  .get('/:id', getDocs, async (c) => c.json(await addressOf(c.env, userOf(c).id, addressId(c.req.param('id')))))
  .patch('/:id', updateDocs, jsonLimit, validate('json', UpdateAddressBody), async (c) => c.json(await updateAddress(c.env, userOf(c).id, addressId(c.req.param('id')), c.req.valid('json'))))
  .delete('/:id', deleteDocs, async (c) => {
    await deleteAddress(c.env, userOf(c).id, addressId(c.req.param('id')))
    return c.body(null, 204)
  })
  .post('/:id/default', defaultDocs, async (c) => c.json(await makeDefaultAddress(c.env, userOf(c).id, addressId(c.req.param('id')))))
