/**
 * The address book: a few addresses per account, exactly one of them the default whenever there are any
 * (a partial unique index holds "at most one"; every write that could leave none promotes one in the same
 * batch). The profile's `default_shipping_address` reads and writes the default row, so that clients of
 * the profile API keep working.
 */
import { and, desc, eq, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { getDb, type Db } from '../db/client'
import { addresses, type Address, type ShippingAddress } from '../db/schema'
import { ApiError, notFound, validationFailed } from '../platform/errors'
import { fieldErrors } from '../platform/validate'
import { normalRegion } from './address-options'
import { ADDRESSES_MAX, CreateAddressBody, type UpdateAddressBody } from './address-schemas'
import type { AddressView } from './responses'

export type { AddressView }

const iso = (epochMs: number) => new Date(epochMs).toISOString()

export function addressView(row: Address): AddressView {
  return {
    id: row.id,
    name: row.name,
    line1: row.line1,
    line2: row.line2,
    city: row.city,
    region: row.region,
    postal_code: row.postalCode,
    country: row.country,
    phone: row.phone,
    is_default: row.isDefault,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  }
}

/** A saved address as an order's shipping address. */
export const asShippingAddress = (address: AddressView): ShippingAddress => ({
  name: address.name,
  line1: address.line1,
  line2: address.line2,
  city: address.city,
  region: address.region,
  postal_code: address.postal_code,
  country: address.country,
  ...(address.phone && { phone: address.phone }),
})

const mine = (userId: number, id: number) => and(eq(addresses.id, id), eq(addresses.userId, userId))
const isDefaultOf = (userId: number) => and(eq(addresses.userId, userId), eq(addresses.isDefault, true))
const fewerThanMax = (userId: number) => sql`(select count(*) from ${addresses} where ${addresses.userId} = ${userId}) < ${ADDRESSES_MAX}`

/** The newest address becomes the default if the account has addresses but no default (after a delete): for the same batch. */
const promoteNewest = (db: Db, userId: number) =>
  db
    .update(addresses)
    .set({ isDefault: true, updatedAt: Date.now() })
    .where(
      and(
        eq(addresses.id, sql`(select ${addresses.id} from ${addresses} where ${addresses.userId} = ${userId} order by ${addresses.createdAt} desc, ${addresses.id} desc limit 1)`),
        sql`not exists (select 1 from ${addresses} where ${isDefaultOf(userId)})`,
      ),
    )

/** The account's addresses, the default first, then the newest. */
export async function listAddresses(env: Env, userId: number): Promise<AddressView[]> {
  const rows = await getDb(env).select().from(addresses).where(eq(addresses.userId, userId)).orderBy(desc(addresses.isDefault), desc(addresses.createdAt), desc(addresses.id))
  return rows.map(addressView)
}

/** One of the account's addresses; another account's id is the 404 an unknown one is. */
export async function addressOf(env: Env, userId: number, id: number): Promise<AddressView> {
  const row = Number.isSafeInteger(id) ? await getDb(env).select().from(addresses).where(mine(userId, id)).get() : undefined
  if (!row) throw notFound('address')
  return addressView(row)
}

/** The account's default address, if it has any address. */
export async function defaultAddressOf(env: Env, userId: number): Promise<AddressView | null> {
  const row = await getDb(env).select().from(addresses).where(isDefaultOf(userId)).get()
  return row ? addressView(row) : null
}

const bookFull = () => new ApiError(409, 'address_book_full', `An account keeps at most ${ADDRESSES_MAX} addresses: delete one first`)

const columnsOf = (body: Omit<CreateAddressBody, 'is_default'>) => ({
  name: body.name,
  line1: body.line1,
  line2: body.line2,
  city: body.city,
  region: body.region,
  postalCode: body.postal_code,
  country: body.country,
  phone: body.phone,
})

/**
 * Saves a new address (409 `address_book_full` past ADDRESSES_MAX). It becomes the default when asked, or
 * when the account has none yet; the count and the default are decided in the batch that writes it, so
 * concurrent saves cannot pass the limit or leave two defaults.
 */
export async function createAddress(env: Env, userId: number, body: CreateAddressBody): Promise<AddressView> {
  const db = getDb(env)
  const now = Date.now()
  const c = columnsOf(body)
  const isDefault = body.is_default ? sql`1` : sql`not exists (select 1 from ${addresses} where ${isDefaultOf(userId)})`
  const insert = db
    .insert(addresses)
    .select(
      sql`select null, ${userId}, ${c.name}, ${c.line1}, ${c.line2}, ${c.city}, ${c.region}, ${c.postalCode}, ${c.country}, ${c.phone}, ${isDefault}, ${now}, ${now} where ${fewerThanMax(userId)}`,
    )
    .returning()
  // The old default gives way only if the new address is written (the same condition, read before the insert).
  const clear = db
    .update(addresses)
    .set({ isDefault: false, updatedAt: now })
    .where(and(isDefaultOf(userId), fewerThanMax(userId)))
  const [row] = body.is_default ? (await db.batch([clear, insert]))[1] : await insert
  if (!row) throw bookFull()
  return addressView(row)
}

/** Changes the fields given; the address that results is checked whole (a new country needs its own region). */
export async function updateAddress(env: Env, userId: number, id: number, body: UpdateAddressBody): Promise<AddressView> {
  const current = await addressOf(env, userId, id)
  const merged = CreateAddressBody.safeParse({
    name: body.name ?? current.name,
    line1: body.line1 ?? current.line1,
    line2: body.line2 !== undefined ? body.line2 : current.line2,
    city: body.city ?? current.city,
    region: body.region !== undefined ? body.region : current.region,
    postal_code: body.postal_code ?? current.postal_code,
    country: body.country ?? current.country,
    phone: body.phone !== undefined ? body.phone : current.phone,
  })
  if (!merged.success) throw validationFailed(fieldErrors(merged.error))
  const row = await getDb(env)
    .update(addresses)
    .set({ ...columnsOf(merged.data), updatedAt: Date.now() })
    .where(mine(userId, id))
    .returning()
    .get()
  if (!row) throw notFound('address')
  return addressView(row)
}

/** Makes one of the account's addresses its default (the old default stops being one in the same batch). */
export async function makeDefaultAddress(env: Env, userId: number, id: number): Promise<AddressView> {
  const db = getDb(env)
  if (!Number.isSafeInteger(id)) throw notFound('address')
  const now = Date.now()
  const [, [row]] = await db.batch([
    db
      .update(addresses)
      .set({ isDefault: false, updatedAt: now })
      .where(and(isDefaultOf(userId), sql`${addresses.id} <> ${id}`, sql`exists (select 1 from ${addresses} where ${mine(userId, id)})`)),
    db.update(addresses).set({ isDefault: true, updatedAt: now }).where(mine(userId, id)).returning(),
  ])
  if (!row) throw notFound('address')
  return addressView(row)
}

/** Deletes one of the account's addresses; when it was the default, the newest of the others becomes the default. */
export async function deleteAddress(env: Env, userId: number, id: number): Promise<void> {
  const db = getDb(env)
  if (!Number.isSafeInteger(id)) throw notFound('address')
  const [deleted] = await db.batch([db.delete(addresses).where(mine(userId, id)).returning({ id: addresses.id }), promoteNewest(db, userId)])
  if (deleted.length === 0) throw notFound('address')
}

/**
 * The profile's `default_shipping_address` written to the book, for the profile's batch: an address
 * replaces the default's fields (or becomes the first, default, address); `null` deletes the default, and
 * the newest other address, if any, takes its place.
 */
export function defaultAddressStatements(db: Db, userId: number, address: ShippingAddress | null): [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] {
  if (address === null) return [db.delete(addresses).where(isDefaultOf(userId)), promoteNewest(db, userId)]
  const now = Date.now()
  const c = {
    name: address.name,
    line1: address.line1,
    line2: address.line2 ?? null,
    city: address.city,
    // The profile API always took any region text: a name the list knows is stored as its code.
    region: normalRegion(address.country, address.region) ?? address.region ?? null,
    postalCode: address.postal_code,
    country: address.country,
    ...(address.phone !== undefined && { phone: address.phone }),
  }
  return [
    db
      .insert(addresses)
      .values({ userId, ...c, isDefault: true, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: addresses.userId, targetWhere: sql`${addresses.isDefault} = 1`, set: { ...c, updatedAt: now } }),
  ]
}

/**
 * Checkout's "save to my address book": the order's address as a new (not default, unless it is the first)
 * address, unless the book holds the same address already. Answers whether the book has it now, or why not.
 */
export async function saveAddressFromOrder(env: Env, userId: number, address: ShippingAddress): Promise<'saved' | 'full' | 'invalid'> {
  const parsed = CreateAddressBody.safeParse({ ...address, phone: address.phone ?? null })
  if (!parsed.success) return 'invalid'
  const body = parsed.data
  const same = (await listAddresses(env, userId)).some(
    (a) => a.name === body.name && a.line1 === body.line1 && a.line2 === body.line2 && a.city === body.city && a.region === body.region && a.postal_code === body.postal_code && a.country === body.country,
  )
  if (same) return 'saved'
  try {
    await createAddress(env, userId, body)
    return 'saved'
  } catch (err) {
    if (err instanceof ApiError && err.code === 'address_book_full') return 'full'
    throw err
  }
}
