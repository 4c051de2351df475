/**
 * The merchant's tax rates (by country, region and product tax class) and the one tax setting (prices
 * entered including tax or not). Each write is one D1 batch with its audit entry.
 */
import { asc, eq, sql } from 'drizzle-orm'
import { auditStatement } from '../admin/audit'
import { getDb } from '../db/client'
import { checkoutSettings, taxRates, type TaxRate } from '../db/schema'
import type { CurrentUser } from '../platform/env'
import { ApiError, notFound } from '../platform/errors'
import type { CheckoutSettingsView, TaxRateList, TaxRateView } from './responses'
import { bpToPercent, type CheckoutSettingsBody, type TaxRateBody, type TaxRatePatch } from './schemas'
import { areaName } from './zones'

const rateView = (r: TaxRate): TaxRateView => ({ id: r.id, country: r.country, region: r.region, tax_class: r.taxClass, rate_bp: r.rateBp, rate_percent: bpToPercent(r.rateBp), name: r.name })

export async function listTaxRates(env: Env): Promise<TaxRateList> {
  const rows = await getDb(env).select().from(taxRates).orderBy(asc(taxRates.country), asc(taxRates.region), asc(taxRates.taxClass))
  return { items: rows.map(rateView) }
}

async function rateOf(env: Env, id: number): Promise<TaxRate> {
  const row = await getDb(env).select().from(taxRates).where(eq(taxRates.id, id)).get()
  if (!row) throw notFound('tax rate')
  return row
}

/** Adds a rate; one per destination and class (409 naming the rate already there). */
export async function createTaxRate(env: Env, actor: CurrentUser, body: TaxRateBody): Promise<TaxRateView> {
  const db = getDb(env)
  try {
    const [[created]] = await db.batch([
      db.insert(taxRates).values({ country: body.country, region: body.region, taxClass: body.tax_class, rateBp: body.rate_bp, name: body.name }).returning(),
      auditStatement(db, actor, { action: 'tax_rate.create', targetType: 'tax_rate', targetId: sql`(select cast(max(id) as text) from ${taxRates})`, after: body }),
    ])
    if (!created) throw new Error('tax rate insert returned nothing')
    return rateView(created)
  } catch (err) {
    if (!/UNIQUE constraint failed: tax_rates/i.test(String(err))) throw err
    const where = `${areaName(body)}${body.region ? '' : ' (whole country)'}`
    throw new ApiError(409, 'tax_rate_exists', `There is already a ${body.tax_class} rate for ${where}: change that one instead.`, { tax_class: [`already has a rate for ${where}`] })
  }
}

/** Changes a rate's percentage or name (its destination and class are what it is: delete it and add another to move it). */
export async function updateTaxRate(env: Env, actor: CurrentUser, id: number, patch: TaxRatePatch): Promise<TaxRateView> {
  const db = getDb(env)
  const before = await rateOf(env, id)
  const fields = { ...(patch.rate_bp !== undefined && { rateBp: patch.rate_bp }), ...(patch.name !== undefined && { name: patch.name }), updatedAt: Date.now() }
  const [[saved]] = await db.batch([
    db.update(taxRates).set(fields).where(eq(taxRates.id, id)).returning(),
    auditStatement(db, actor, { action: 'tax_rate.update', targetType: 'tax_rate', targetId: String(id), before: rateView(before), after: patch }),
  ])
  if (!saved) throw notFound('tax rate')
  return rateView(saved)
}

export async function deleteTaxRate(env: Env, actor: CurrentUser, id: number): Promise<void> {
  const db = getDb(env)
  const before = await rateOf(env, id)
  await db.batch([db.delete(taxRates).where(eq(taxRates.id, id)), auditStatement(db, actor, { action: 'tax_rate.delete', targetType: 'tax_rate', targetId: String(id), before: rateView(before) })])
}

/** The store's tax setting (the migration writes its one row; prices exclude tax until the merchant says otherwise). */
export async function readCheckoutSettings(env: Env): Promise<CheckoutSettingsView> {
  const row = await getDb(env).select().from(checkoutSettings).where(eq(checkoutSettings.id, 1)).get()
  return { prices_include_tax: row?.pricesIncludeTax ?? false, updated_at: new Date(row?.updatedAt ?? 0).toISOString() }
}

export async function updateCheckoutSettings(env: Env, actor: CurrentUser, body: CheckoutSettingsBody): Promise<CheckoutSettingsView> {
  const db = getDb(env)
  const before = await readCheckoutSettings(env)
  const now = Date.now()
  await db.batch([
    db.insert(checkoutSettings).values({ id: 1, pricesIncludeTax: body.prices_include_tax, updatedAt: now }).onConflictDoUpdate({ target: checkoutSettings.id, set: { pricesIncludeTax: body.prices_include_tax, updatedAt: now } }),
    auditStatement(db, actor, { action: 'checkout_settings.update', targetType: 'checkout_settings', targetId: '1', before: { prices_include_tax: before.prices_include_tax }, after: body }),
  ])
  return readCheckoutSettings(env)
}
