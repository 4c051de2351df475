/**
 * The merchant's shipping zones (countries and regions) and each zone's methods and rates: read, create,
 * change, delete, each write one D1 batch with its audit entry. The totals formula reads the same tables
 * through loadCheckoutConfig (src/checkout/config.ts); nothing here prices a cart.
 */
import { and, asc, eq, ne, sql } from 'drizzle-orm'
import { auditStatement } from '../admin/audit'
import { chunkRows, getDb, type Db } from '../db/client'
import { shippingMethods, shippingZoneAreas, shippingZones, type ShippingMethod, type ShippingZone, type ShippingZoneArea } from '../db/schema'
import { COUNTRIES, countryName, regionName } from '../platform/countries'
import type { CurrentUser } from '../platform/env'
import { ApiError, notFound, validationFailed } from '../platform/errors'
import { fieldErrors } from '../platform/validate'
import type { ShippingMethodView, ShippingZoneList, ShippingZoneView } from './responses'
import { checkedMethod, type ShippingMethodBody, type ShippingMethodPatch, type ShippingZoneBody, type ShippingZonePatch, type ZoneArea } from './schemas'

/** "Germany", or "California, United States" for a region. */
export const areaName = (area: { country: string; region: string }) => (area.region ? `${regionName(area.country, area.region)}, ${countryName(area.country)}` : countryName(area.country))

const methodView = (m: ShippingMethod): ShippingMethodView => ({
  id: m.id,
  zone_id: m.zoneId,
  name: m.name,
  estimate: m.estimate,
  rate_kind: m.rateKind,
  flat_cents: m.flatCents,
  bands: m.bands,
  free_above_cents: m.freeAboveCents,
  is_active: m.isActive,
  position: m.position,
})

/** What keeps a zone from selling: said on the admin page and in the API. */
function zoneWarnings(zone: ShippingZone, areas: ShippingZoneArea[], methods: ShippingMethod[]): string[] {
  const warnings: string[] = []
  if (!methods.some((m) => m.isActive)) warnings.push(`Zone "${zone.name}" has no active shipping method: shoppers in it cannot check out.`)
  if (areas.length === 0) warnings.push(`Zone "${zone.name}" has no country or region: it ships nowhere.`)
  return warnings
}

function zoneView(zone: ShippingZone, areas: ShippingZoneArea[], methods: ShippingMethod[]): ShippingZoneView {
  const own = areas.filter((a) => a.zoneId === zone.id).sort((a, b) => areaName(a).localeCompare(areaName(b), 'en'))
  const ownMethods = methods.filter((m) => m.zoneId === zone.id).sort((a, b) => a.position - b.position || a.id - b.id)
  return {
    id: zone.id,
    name: zone.name,
    shipping_taxable: zone.shippingTaxable,
    position: zone.position,
    areas: own.map((a) => ({ country: a.country, region: a.region, name: areaName(a) })),
    methods: ownMethods.map(methodView),
    warnings: zoneWarnings(zone, own, ownMethods),
  }
}

/** Every zone with its areas and methods (three statements in one batch: the tables are small). */
export async function listZones(env: Env): Promise<ShippingZoneList> {
  const db = getDb(env)
  const [zones, areas, methods] = await db.batch([
    db.select().from(shippingZones).orderBy(asc(shippingZones.position), asc(shippingZones.name), asc(shippingZones.id)),
    db.select().from(shippingZoneAreas),
    db.select().from(shippingMethods),
  ])
  const items = zones.map((zone) => zoneView(zone, areas, methods))
  return { items, warnings: items.flatMap((zone) => zone.warnings) }
}

export async function zoneById(env: Env, id: number): Promise<ShippingZoneView> {
  const db = getDb(env)
  const [[zone], areas, methods] = await db.batch([
    db.select().from(shippingZones).where(eq(shippingZones.id, id)),
    db.select().from(shippingZoneAreas).where(eq(shippingZoneAreas.zoneId, id)),
    db.select().from(shippingMethods).where(eq(shippingMethods.zoneId, id)),
  ])
  if (!zone) throw notFound('shipping zone')
  return zoneView(zone, areas, methods)
}

/**
 * The countries the store ships to (some zone covers them, wholly or by a region), for the address
 * forms' country select; every country while no zone is set up (then shipping is not charged at all).
 */
export async function shippingCountries(env: Env): Promise<string[]> {
  const rows = await getDb(env).selectDistinct({ country: shippingZoneAreas.country }).from(shippingZoneAreas)
  return rows.length ? rows.map((r) => r.country) : COUNTRIES.map((c) => c.code)
}

/** Refuses areas that another zone has: one message naming each area and its zone (409). */
async function refuseTakenAreas(db: Db, areas: ZoneArea[], selfId?: number) {
  if (areas.length === 0) return
  // At most one row per country and region in the whole store (a few hundred): read them all rather than bind 300 pairs.
  const taken = await db
    .select({ country: shippingZoneAreas.country, region: shippingZoneAreas.region, zone: shippingZones.name })
    .from(shippingZoneAreas)
    .innerJoin(shippingZones, eq(shippingZones.id, shippingZoneAreas.zoneId))
    .where(selfId === undefined ? undefined : ne(shippingZoneAreas.zoneId, selfId))
  const owner = new Map(taken.map((t) => [`${t.country}-${t.region}`, t.zone]))
  const fields: Record<string, string[]> = {}
  const clashes: string[] = []
  areas.forEach((area, i) => {
    const zone = owner.get(`${area.country}-${area.region}`)
    if (zone === undefined) return
    fields[`areas.${i}`] = [`${areaName(area)} is already in zone "${zone}"`]
    clashes.push(`${areaName(area)} (in "${zone}")`)
  })
  if (clashes.length) throw new ApiError(409, 'area_taken', `An area is in one zone only: ${clashes.join(', ')}. Remove it from that zone first.`, fields)
}

/** A write that lost an area to a concurrent one (the primary key refused it): the same answer as the check before. */
async function takenMeanwhile<T>(db: Db, write: Promise<T>, areas: ZoneArea[], selfId?: number): Promise<T> {
  try {
    return await write
  } catch (err) {
    if (!/UNIQUE constraint failed: shipping_zone_areas/i.test(String(err))) throw err
    await refuseTakenAreas(db, areas, selfId)
    throw new ApiError(409, 'area_taken', 'Another zone took one of these areas meanwhile: reload and try again.')
  }
}

const areaRows = (areas: ZoneArea[], zoneId: number | ReturnType<typeof sql>) => areas.map((a) => ({ zoneId, country: a.country, region: a.region }))
const auditView = (zone: ShippingZoneView) => ({ name: zone.name, shipping_taxable: zone.shipping_taxable, position: zone.position, areas: zone.areas.map((a) => (a.region ? `${a.country}-${a.region}` : a.country)) })

export async function createZone(env: Env, actor: CurrentUser, body: ShippingZoneBody): Promise<ShippingZoneView> {
  const db = getDb(env)
  await refuseTakenAreas(db, body.areas)
  // AUTOINCREMENT ids only grow: within the batch, the highest id is the zone just inserted.
  const newId = sql`(select max(id) from ${shippingZones})`
  const [[created]] = await takenMeanwhile(
    db,
    db.batch([
      db.insert(shippingZones).values({ name: body.name, shippingTaxable: body.shipping_taxable, position: body.position }).returning(),
      ...chunkRows(areaRows(body.areas, newId)).map((rows) => db.insert(shippingZoneAreas).values(rows)),
      auditStatement(db, actor, { action: 'shipping_zone.create', targetType: 'shipping_zone', targetId: sql`(select cast(max(id) as text) from ${shippingZones})`, after: { name: body.name, shipping_taxable: body.shipping_taxable, position: body.position, areas: body.areas.map((a) => (a.region ? `${a.country}-${a.region}` : a.country)) } }),
    ]),
    body.areas,
  )
  if (!created) throw new Error('shipping zone insert returned nothing')
  return zoneById(env, created.id)
}

export async function updateZone(env: Env, actor: CurrentUser, id: number, patch: ShippingZonePatch): Promise<ShippingZoneView> {
  const db = getDb(env)
  const before = await zoneById(env, id)
  if (patch.areas) await refuseTakenAreas(db, patch.areas, id)
  const fields = {
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.shipping_taxable !== undefined && { shippingTaxable: patch.shipping_taxable }),
    ...(patch.position !== undefined && { position: patch.position }),
    updatedAt: Date.now(),
  }
  const areas = patch.areas
  const after = { ...auditView(before), ...(patch.name !== undefined && { name: patch.name }), ...(patch.shipping_taxable !== undefined && { shipping_taxable: patch.shipping_taxable }), ...(patch.position !== undefined && { position: patch.position }), ...(areas && { areas: areas.map((a) => (a.region ? `${a.country}-${a.region}` : a.country)) }) }
  await takenMeanwhile(
    db,
    db.batch([
      db.update(shippingZones).set(fields).where(eq(shippingZones.id, id)),
      ...(areas ? [db.delete(shippingZoneAreas).where(eq(shippingZoneAreas.zoneId, id)), ...chunkRows(areaRows(areas, id)).map((rows) => db.insert(shippingZoneAreas).values(rows))] : []),
      auditStatement(db, actor, { action: 'shipping_zone.update', targetType: 'shipping_zone', targetId: String(id), before: auditView(before), after }),
    ]),
    areas ?? [],
    id,
  )
  return zoneById(env, id)
}

/** Deletes a zone with its areas and methods (orders keep the method's name as it was). */
export async function deleteZone(env: Env, actor: CurrentUser, id: number): Promise<void> {
  const db = getDb(env)
  const before = await zoneById(env, id)
  await db.batch([
    db.delete(shippingZones).where(eq(shippingZones.id, id)),
    auditStatement(db, actor, { action: 'shipping_zone.delete', targetType: 'shipping_zone', targetId: String(id), before: { ...auditView(before), methods: before.methods.map((m) => m.name) } }),
  ])
}

async function methodOf(db: Db, zoneId: number, methodId: number): Promise<ShippingMethod> {
  const row = await db.query.shippingMethods.findFirst({ where: and(eq(shippingMethods.id, methodId), eq(shippingMethods.zoneId, zoneId)) })
  if (!row) throw notFound('shipping method')
  return row
}

const methodFields = (m: ShippingMethodBody) => ({
  name: m.name,
  estimate: m.estimate,
  rateKind: m.rate_kind,
  flatCents: m.flat_cents,
  bands: m.rate_kind === 'flat' ? [] : m.bands,
  freeAboveCents: m.free_above_cents,
  isActive: m.is_active,
  position: m.position,
})

/** Adds a method to a zone; answers the zone (its warnings may have changed). */
export async function createMethod(env: Env, actor: CurrentUser, zoneId: number, body: ShippingMethodBody): Promise<ShippingZoneView> {
  const db = getDb(env)
  await zoneById(env, zoneId)
  await db.batch([
    db.insert(shippingMethods).values({ zoneId, ...methodFields(body) }),
    auditStatement(db, actor, { action: 'shipping_method.create', targetType: 'shipping_method', targetId: sql`(select cast(max(id) as text) from ${shippingMethods})`, after: { zone_id: zoneId, ...body } }),
  ])
  return zoneById(env, zoneId)
}

/** Changes a method: the result is checked whole (a patch of bands against the stored kind, and so on). */
export async function updateMethod(env: Env, actor: CurrentUser, zoneId: number, methodId: number, patch: ShippingMethodPatch): Promise<ShippingZoneView> {
  const db = getDb(env)
  const stored = methodView(await methodOf(db, zoneId, methodId))
  const { id: _id, zone_id: _zone, ...current } = stored
  // Switching to a flat rate drops the bands unless new ones were sent (then the check names them).
  const merged = { ...current, ...(patch.rate_kind === 'flat' && patch.bands === undefined && { bands: [] }), ...patch }
  const checked = checkedMethod(merged)
  if (!checked.success) throw validationFailed(fieldErrors(checked.error))
  await db.batch([
    db.update(shippingMethods).set({ ...methodFields(checked.data), updatedAt: Date.now() }).where(and(eq(shippingMethods.id, methodId), eq(shippingMethods.zoneId, zoneId))),
    auditStatement(db, actor, { action: 'shipping_method.update', targetType: 'shipping_method', targetId: String(methodId), before: current, after: checked.data }),
  ])
  return zoneById(env, zoneId)
}

export async function deleteMethod(env: Env, actor: CurrentUser, zoneId: number, methodId: number): Promise<ShippingZoneView> {
  const db = getDb(env)
  const stored = await methodOf(db, zoneId, methodId)
  await db.batch([
    db.delete(shippingMethods).where(and(eq(shippingMethods.id, methodId), eq(shippingMethods.zoneId, zoneId))),
    auditStatement(db, actor, { action: 'shipping_method.delete', targetType: 'shipping_method', targetId: String(methodId), before: methodView(stored) }),
  ])
  return zoneById(env, zoneId)
}
