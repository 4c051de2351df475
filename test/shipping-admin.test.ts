import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../src/db/client'
import { auditLog, checkoutSettings, shippingMethods, shippingZoneAreas, shippingZones, taxRates, users } from '../src/db/schema'
import type { ErrorBody } from '../src/platform/errors'
import type { ShippingZoneList, ShippingZoneView, TaxRateView } from '../src/shipping/responses'
import { Browser, callJson, registerUser, staffUser } from './helpers'

type Who = { bearer: Record<string, string> }
const api = <T>(who: Who, method: string, path: string, body?: unknown) => callJson<T & Partial<ErrorBody>>(method, `/api/admin${path}`, body, who.bearer)

const flatMethod = (fields: Record<string, unknown> = {}) => ({ name: 'Standard', estimate: '3–5 business days', rate_kind: 'flat', flat_cents: 500, ...fields })

describe('shipping zones in the admin API', () => {
  it('creates a zone of countries and regions, adds methods, and lists it with its methods', async () => {
    const admin = await staffUser('admin')
    const zone = await api<ShippingZoneView>(admin, 'POST', '/shipping/zones', { name: 'Alps', shipping_taxable: true, areas: [{ country: 'ch' }, { country: 'AT' }] })
    expect(zone.status).toBe(201)
    expect(zone.body.areas.map((a) => a.name)).toEqual(['Austria', 'Switzerland'])
    expect(zone.body.warnings).toEqual(['Zone "Alps" has no active shipping method: shoppers in it cannot check out.'])
    const withMethod = await api<ShippingZoneView>(admin, 'POST', `/shipping/zones/${zone.body.id}/methods`, flatMethod({ free_above_cents: 7500 }))
    expect(withMethod.status).toBe(201)
    expect(withMethod.body.warnings).toEqual([])
    expect(withMethod.body.methods).toMatchObject([{ name: 'Standard', rate_kind: 'flat', flat_cents: 500, free_above_cents: 7500, bands: [], is_active: true }])
    const list = await api<ShippingZoneList>(admin, 'GET', '/shipping/zones')
    expect(list.body.items.find((z) => z.id === zone.body.id)).toMatchObject({ name: 'Alps', shipping_taxable: true, methods: [{ estimate: '3–5 business days' }] })
    const entries = await getDb(env).select().from(auditLog).where(eq(auditLog.targetType, 'shipping_zone'))
    expect(entries.some((e) => e.action === 'shipping_zone.create' && e.targetId === String(zone.body.id))).toBe(true)
  })

  it('refuses an area that another zone has, naming that zone, and writes nothing', async () => {
    const admin = await staffUser('admin')
    const first = await api<ShippingZoneView>(admin, 'POST', '/shipping/zones', { name: 'Nordics', areas: [{ country: 'NO' }, { country: 'SE' }] })
    expect(first.status).toBe(201)
    const second = await api<ShippingZoneView>(admin, 'POST', '/shipping/zones', { name: 'Scandinavia', areas: [{ country: 'DK' }, { country: 'SE' }] })
    expect(second.status).toBe(409)
    expect(second.body.error?.code).toBe('area_taken')
    expect(second.body.error?.message).toContain('Sweden (in "Nordics")')
    expect(second.body.error?.fields).toEqual({ 'areas.1': ['Sweden is already in zone "Nordics"'] })
    expect(await getDb(env).select().from(shippingZoneAreas).where(eq(shippingZoneAreas.country, 'DK'))).toEqual([])
    // Moving an area onto the zone that already has it is no clash; a region beside its country's zone is allowed.
    const same = await api<ShippingZoneView>(admin, 'PATCH', `/shipping/zones/${first.body.id}`, { areas: [{ country: 'SE' }, { country: 'FI' }] })
    expect(same.body.areas.map((a) => a.country)).toEqual(['FI', 'SE'])
  })

  it('gives an area to one of two zones saved at the same moment, and tells the other which zone has it', async () => {
    const admin = await staffUser('admin')
    const [a, b] = await Promise.all([
      api<ShippingZoneView>(admin, 'POST', '/shipping/zones', { name: 'Islands A', areas: [{ country: 'MT' }, { country: 'CY' }] }),
      api<ShippingZoneView>(admin, 'POST', '/shipping/zones', { name: 'Islands B', areas: [{ country: 'CY' }, { country: 'IS' }] }),
    ])
    expect([a.status, b.status].sort()).toEqual([201, 409])
    const lost = a.status === 409 ? a : b
    expect(lost.body.error?.code).toBe('area_taken')
    expect(lost.body.error?.message).toMatch(/Cyprus \(in "Islands [AB]"\)|reload and try again/)
    const [cyprus] = await getDb(env).select().from(shippingZoneAreas).where(eq(shippingZoneAreas.country, 'CY'))
    expect(cyprus?.zoneId).toBe((a.status === 201 ? a : b).body.id)
    // The refused zone left nothing behind: no zone row, no area.
    const names = (await getDb(env).select({ name: shippingZones.name }).from(shippingZones)).map((z) => z.name)
    expect(names.filter((n) => n.startsWith('Islands'))).toHaveLength(1)
  })

  it('lets a region have its own zone beside its country, and refuses unknown countries and regions by field', async () => {
    const admin = await staffUser('admin')
    const mainland = await api<ShippingZoneView>(admin, 'POST', '/shipping/zones', { name: 'Canada', areas: [{ country: 'CA' }] })
    const north = await api<ShippingZoneView>(admin, 'POST', '/shipping/zones', { name: 'Canadian North', areas: [{ country: 'CA', region: 'nu' }, { country: 'CA', region: 'YT' }] })
    expect([mainland.status, north.status]).toEqual([201, 201])
    expect(north.body.areas.map((a) => a.name)).toEqual(['Nunavut, Canada', 'Yukon, Canada'])
    const bad = await api(admin, 'POST', '/shipping/zones', { name: 'Nowhere', areas: [{ country: 'XX' }, { country: 'CA', region: 'TX' }, { country: 'FR', region: 'IDF' }, { country: 'CA', region: 'NU' }, { country: 'CA', region: 'nu' }] })
    expect(bad.status).toBe(400)
    expect(bad.body.error?.fields).toMatchObject({
      'areas.0.country': ['must be an ISO 3166-1 alpha-2 country code, e.g. "DE"'],
      'areas.1.region': ['"TX" is not a region of Canada (e.g. "AB")'],
      'areas.2.region': ['France has no regions here: leave it empty for the whole country'],
      'areas.4': ['CA-NU is listed twice'],
    })
  })

  it('refuses bands that overlap, leave a gap, end before they start, or cost less than nothing', async () => {
    const admin = await staffUser('admin')
    const zone = await api<ShippingZoneView>(admin, 'POST', '/shipping/zones', { name: 'Iberia', areas: [{ country: 'ES' }, { country: 'PT' }] })
    const post = (bands: unknown[], kind = 'weight') => api(admin, 'POST', `/shipping/zones/${zone.body.id}/methods`, { name: 'By weight', rate_kind: kind, bands })
    const overlap = await post([{ min: 0, max: 1000, price_cents: 500 }, { min: 800, max: null, price_cents: 900 }])
    expect(overlap.status).toBe(400)
    expect(overlap.body.error?.fields?.['bands.1']).toEqual(['band 2 (800+ g) overlaps band 1 (0–1000 g)'])
    const gap = await post([{ min: 0, max: 1000, price_cents: 500 }, { min: 1500, max: null, price_cents: 900 }])
    expect(gap.body.error?.fields?.['bands.1']).toEqual(['gap between band 1 and band 2: nothing covers 1000–1500 g, a cart there could not ship'])
    const backwards = await post([{ min: 2000, max: 1000, price_cents: 500 }], 'subtotal')
    expect(backwards.body.error?.fields?.['bands.0']).toEqual(['band 1: the upper end (1000) must be above the lower end (2000)'])
    const negative = await post([{ min: 0, max: null, price_cents: -1 }])
    expect(negative.body.error?.fields?.['bands.0.price_cents']).toEqual(['must not be negative'])
    const none = await post([])
    expect(none.body.error?.fields?.bands).toEqual(['a weight rate needs at least one band'])
    const negativeFlat = await api(admin, 'POST', `/shipping/zones/${zone.body.id}/methods`, flatMethod({ flat_cents: -5 }))
    expect(negativeFlat.body.error?.fields?.flat_cents).toEqual(['must not be negative'])
    const good = await post([{ min: 0, max: 1000, price_cents: 500 }, { min: 1000, max: 5000, price_cents: 900 }, { min: 5000, max: null, price_cents: 1500 }])
    expect(good.status).toBe(201)
  })

  it('checks a method patch against what is stored, and flags a zone whose last active method is switched off', async () => {
    const admin = await staffUser('admin')
    const zone = await api<ShippingZoneView>(admin, 'POST', '/shipping/zones', { name: 'Benelux', areas: [{ country: 'BE' }, { country: 'NL' }, { country: 'LU' }] })
    const added = await api<ShippingZoneView>(admin, 'POST', `/shipping/zones/${zone.body.id}/methods`, { name: 'Parcel', rate_kind: 'subtotal', bands: [{ min: 0, max: 5000, price_cents: 700 }, { min: 5000, max: null, price_cents: 0 }] })
    const methodId = added.body.methods[0]?.id
    const broken = await api(admin, 'PATCH', `/shipping/zones/${zone.body.id}/methods/${methodId}`, { bands: [{ min: 0, max: 5000, price_cents: 700 }, { min: 6000, max: null, price_cents: 0 }] })
    expect(broken.status).toBe(400)
    expect(broken.body.error?.fields?.['bands.1']?.[0]).toContain('gap between band 1 and band 2')
    const flat = await api<ShippingZoneView>(admin, 'PATCH', `/shipping/zones/${zone.body.id}/methods/${methodId}`, { rate_kind: 'flat', flat_cents: 650 })
    expect(flat.body.methods[0]).toMatchObject({ rate_kind: 'flat', flat_cents: 650, bands: [] })
    const off = await api<ShippingZoneView>(admin, 'PATCH', `/shipping/zones/${zone.body.id}/methods/${methodId}`, { is_active: false })
    expect(off.body.warnings).toEqual(['Zone "Benelux" has no active shipping method: shoppers in it cannot check out.'])
    const list = await api<ShippingZoneList>(admin, 'GET', '/shipping/zones')
    expect(list.body.warnings).toContain('Zone "Benelux" has no active shipping method: shoppers in it cannot check out.')
    const elsewhere = await api(admin, 'PATCH', `/shipping/zones/${zone.body.id + 1000}/methods/${methodId}`, { is_active: true })
    expect(elsewhere.status).toBe(404)
    expect((await api(admin, 'DELETE', `/shipping/zones/${zone.body.id}`)).status).toBe(204)
    expect(await getDb(env).select().from(shippingZoneAreas).where(eq(shippingZoneAreas.country, 'LU'))).toEqual([])
  })

  it('lets staff read but only admins write', async () => {
    const staff = await staffUser('staff')
    expect((await api(staff, 'GET', '/shipping/zones')).status).toBe(200)
    expect((await api(staff, 'GET', '/tax-rates')).status).toBe(200)
    expect((await api(staff, 'GET', '/checkout-settings')).status).toBe(200)
    expect((await api(staff, 'POST', '/shipping/zones', { name: 'Sneaky', areas: [{ country: 'IS' }] })).status).toBe(403)
    expect((await api(staff, 'POST', '/tax-rates', { country: 'IS', rate_bp: 2400, name: 'VAT' })).status).toBe(403)
    expect((await api(staff, 'PUT', '/checkout-settings', { prices_include_tax: true })).status).toBe(403)
  })
})

describe("a product's tax class", () => {
  it('is standard unless the admin says reduced or zero, through the API and the product form', async () => {
    const admin = await staffUser('admin')
    const book = await api<{ id: number; tax_class: string }>(admin, 'POST', '/products', { name: `Atlas ${crypto.randomUUID().slice(0, 6)}`, price: '30', tax_class: 'reduced' })
    expect(book.body.tax_class).toBe('reduced')
    const plain = await api<{ id: number; tax_class: string }>(admin, 'POST', '/products', { name: `Lamp ${crypto.randomUUID().slice(0, 6)}`, price: '30' })
    expect(plain.body.tax_class).toBe('standard')
    expect((await api<{ tax_class: string }>(admin, 'PATCH', `/products/${plain.body.id}`, { tax_class: 'zero' })).body.tax_class).toBe('zero')
    expect((await api(admin, 'PATCH', `/products/${plain.body.id}`, { tax_class: 'luxury' })).body.error?.fields?.tax_class).toBeDefined()
    const browser = await signedIn('admin')
    const form = await (await browser.fetch(`/admin/products/${book.body.id}`)).text()
    expect(form).toMatch(/<option value="reduced" selected>Reduced<\/option>/)
    const saved = await browser.submit(`/admin/products/${book.body.id}`, `/admin/products/${book.body.id}`, { name: 'Atlas of the World', description: '', price: '30', currency: 'USD', stock_quantity: '0', expected_stock_quantity: '0', is_active: 'on', tax_class: 'standard' })
    expect(saved.status).toBe(303)
    expect((await api<{ tax_class: string }>(admin, 'GET', `/products/${book.body.id}`)).body.tax_class).toBe('standard')
  })
})

describe('tax rates and the tax setting in the admin API', () => {
  it('adds rates by country, region and class, one per destination and class', async () => {
    const admin = await staffUser('admin')
    const state = await api<TaxRateView>(admin, 'POST', '/tax-rates', { country: 'US', region: 'ny', rate_bp: 400, name: 'Sales tax' })
    expect(state.status).toBe(201)
    expect(state.body).toMatchObject({ country: 'US', region: 'NY', tax_class: 'standard', rate_bp: 400, rate_percent: '4' })
    const again = await api(admin, 'POST', '/tax-rates', { country: 'US', region: 'NY', rate_bp: 450, name: 'Sales tax' })
    expect(again.status).toBe(409)
    expect(again.body.error?.message).toBe('There is already a standard rate for New York, United States: change that one instead.')
    const reduced = await api<TaxRateView>(admin, 'POST', '/tax-rates', { country: 'IT', tax_class: 'reduced', rate_bp: 1000, name: 'IVA' })
    expect(reduced.body).toMatchObject({ region: '', tax_class: 'reduced', rate_percent: '10' })
    const changed = await api<TaxRateView>(admin, 'PATCH', `/tax-rates/${state.body.id}`, { rate_bp: 888 })
    expect(changed.body).toMatchObject({ rate_bp: 888, rate_percent: '8.88', name: 'Sales tax' })
    const bad = await api(admin, 'POST', '/tax-rates', { country: 'US', region: 'ZZ', rate_bp: 10_001, name: '' })
    expect(Object.keys(bad.body.error?.fields ?? {}).sort()).toEqual(['name', 'rate_bp', 'region'])
    expect((await api(admin, 'DELETE', `/tax-rates/${reduced.body.id}`)).status).toBe(204)
    expect(await getDb(env).select().from(taxRates).where(eq(taxRates.id, reduced.body.id))).toEqual([])
  })

  it('says whether prices include tax, and records who changed it', async () => {
    const admin = await staffUser('admin')
    expect((await api(admin, 'GET', '/checkout-settings')).body).toMatchObject({ prices_include_tax: false })
    const on = await api(admin, 'PUT', '/checkout-settings', { prices_include_tax: true })
    expect(on.body).toMatchObject({ prices_include_tax: true })
    expect((await getDb(env).select().from(checkoutSettings).get())?.pricesIncludeTax).toBe(true)
    await api(admin, 'PUT', '/checkout-settings', { prices_include_tax: false })
    const entries = await getDb(env).select().from(auditLog).where(eq(auditLog.action, 'checkout_settings.update'))
    expect(entries.at(-1)).toMatchObject({ actorEmail: admin.email, before: { prices_include_tax: true }, after: { prices_include_tax: false } })
    expect((await api(admin, 'PUT', '/checkout-settings', { prices_include_tax: 'yes' })).status).toBe(400)
  })
})

/** A signed-in browser of a staff member or an admin. */
async function signedIn(role: 'staff' | 'admin') {
  const user = await registerUser()
  await getDb(env).update(users).set({ role }).where(eq(users.id, user.user.id))
  const browser = new Browser()
  await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
  return browser
}

/** Follows a redirect and answers the page it lands on. */
async function landing(browser: Browser, answer: Response) {
  expect(answer.status).toBe(303)
  const location = answer.headers.get('Location') ?? ''
  const page = await browser.fetch(location)
  return { location, html: await page.text() }
}

describe('the shipping and tax admin pages', () => {
  it('creates a zone and its methods from forms, with bands typed one per line, and says so', async () => {
    const browser = await signedIn('admin')
    const made = await landing(browser, await browser.submit('/admin/shipping', '/admin/shipping/zones', { name: 'Baltics', areas: 'EE, lv LT', shipping_taxable: 'on' }))
    expect(made.location).toMatch(/^\/admin\/shipping\/zones\/\d+$/)
    expect(made.html).toContain('Zone &quot;Baltics&quot; created with 3 areas. Add its shipping methods below.')
    expect(made.html).toContain('Warning: Zone &quot;Baltics&quot; has no active shipping method: shoppers in it cannot check out.')
    const zoneId = Number(made.location.split('/').pop())
    const method = await landing(browser, await browser.submit(made.location, `${made.location}/methods`, { name: 'Post', estimate: '4–6 days', rate_kind: 'weight', bands: '0-2000: 6.50\n2000+: 12', free_above: '80', is_active: 'on' }))
    expect(method.html).toContain('Method &quot;Post&quot; added to zone &quot;Baltics&quot;.')
    expect(method.html).not.toContain('Warning:')
    expect(method.html).toContain('0 g to 2000 g: 6.50; 2000 g and more: 12 · free from 80')
    const methodId = (await getDb(env).select().from(shippingMethods).where(eq(shippingMethods.zoneId, zoneId)))[0]?.id
    const kept = await landing(browser, await browser.submit(made.location, `${made.location}/methods/${methodId}/delete`, {}))
    expect(kept.html).toContain('Method &quot;Post&quot; was not deleted: tick the box to confirm.')
    const [stored] = await getDb(env).select().from(shippingMethods).where(eq(shippingMethods.zoneId, zoneId))
    expect(stored).toMatchObject({ rateKind: 'weight', bands: [{ min: 0, max: 2000, price_cents: 650 }, { min: 2000, max: null, price_cents: 1200 }], freeAboveCents: 8000, estimate: '4–6 days' })
    const zone = await getDb(env).select().from(shippingZones).where(eq(shippingZones.id, zoneId)).get()
    expect(zone?.shippingTaxable).toBe(true)
  })

  it('shows a refused form again with its errors in words: a taken area by its zone, a gap between bands, an unreadable line', async () => {
    const browser = await signedIn('admin')
    const first = await landing(browser, await browser.submit('/admin/shipping', '/admin/shipping/zones', { name: 'Balkans', areas: 'HR SI' }))
    const taken = await browser.submit('/admin/shipping', '/admin/shipping/zones', { name: 'Adriatic', areas: 'ME, SI' })
    expect(taken.status).toBe(409)
    const takenHtml = await taken.text()
    expect(takenHtml).toContain('Slovenia is already in zone &quot;Balkans&quot;')
    expect(takenHtml).toContain('value="Adriatic"')
    const bad = await browser.submit(first.location, `${first.location}/methods`, { name: 'Courier', rate_kind: 'subtotal', bands: '0-50: 5\n60+: 0\nfifty: 3', is_active: 'on' })
    expect(bad.status).toBe(400)
    const badHtml = await bad.text()
    expect(badHtml).toContain('line 3 (&quot;fifty: 3&quot;) is not like 0-50: 4.50 or 50+: 0')
    expect(badHtml).toContain('gap between band 1 and band 2: nothing covers 5000–6000 cents, a cart there could not ship')
    const negative = await browser.submit(first.location, `${first.location}/methods`, { name: 'Courier', rate_kind: 'flat', flat_price: '-3', is_active: 'on' })
    expect(await negative.text()).toContain('must be an amount like 12 or 12.50')
  })

  it('sets the tax setting and adds a rate typed as a percentage, stored in basis points', async () => {
    const browser = await signedIn('admin')
    const saved = await landing(browser, await browser.submit('/admin/taxes', '/admin/taxes/settings', { prices_include_tax: 'yes' }))
    expect(saved.html).toContain('Saved: prices include tax.')
    await browser.submit('/admin/taxes', '/admin/taxes/settings', { prices_include_tax: 'no' })
    const added = await landing(browser, await browser.submit('/admin/taxes', '/admin/taxes/rates', { country: 'US', region: 'WA', tax_class: 'standard', rate: '6.5', name: 'Sales tax' }))
    expect(added.html).toContain('Sales tax of 6.5 % added for Washington, United States (standard class).')
    const [row] = await getDb(env).select().from(taxRates).where(eq(taxRates.region, 'WA'))
    expect(row?.rateBp).toBe(650)
    const bad = await browser.submit('/admin/taxes', '/admin/taxes/rates', { country: 'US', region: 'WA', tax_class: 'standard', rate: '6.555', name: 'Sales tax' })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('must be a percentage like 7.25 (at most two decimals, from 0 to 100)')
    const twice = await browser.submit('/admin/taxes', '/admin/taxes/rates', { country: 'US', region: 'WA', tax_class: 'standard', rate: '7', name: 'Sales tax' })
    expect(twice.status).toBe(409)
    expect(await twice.text()).toContain('There is already a standard rate for Washington, United States: change that one instead.')
    const changed = await landing(browser, await browser.submit('/admin/taxes', `/admin/taxes/rates/${row?.id}`, { rate: '6.75', name: 'State sales tax' }))
    expect(changed.html).toContain('State sales tax for Washington, United States is now 6.75 %.')
    const unconfirmed = await landing(browser, await browser.submit('/admin/taxes', `/admin/taxes/rates/${row?.id}/delete`, {}))
    expect(unconfirmed.html).toContain('State sales tax was not deleted: tick the box to confirm.')
    const deleted = await landing(browser, await browser.submit('/admin/taxes', `/admin/taxes/rates/${row?.id}/delete`, { confirm: 'yes' }))
    expect(deleted.html).toContain('State sales tax for Washington, United States deleted.')
    expect(await getDb(env).select().from(taxRates).where(eq(taxRates.region, 'WA'))).toEqual([])
  })

  it('shows staff the settings without forms, and refuses their writes', async () => {
    const admin = await staffUser('admin')
    await api(admin, 'POST', '/shipping/zones', { name: 'Caucasus', areas: [{ country: 'GE' }, { country: 'AM' }] })
    const browser = await signedIn('staff')
    const page = await (await browser.fetch('/admin/shipping')).text()
    expect(page).toContain('Caucasus')
    expect(page).toContain('Only admins can change shipping.')
    expect(page).not.toContain('action="/admin/shipping/zones"')
    const taxes = await (await browser.fetch('/admin/taxes')).text()
    expect(taxes).toContain('Only admins can change taxes.')
    const csrf = await browser.csrfFrom('/account')
    const refused = await browser.fetch('/admin/shipping/zones', { method: 'POST', body: new URLSearchParams({ _csrf: csrf, name: 'Sneaky', areas: 'AZ' }), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://store.test' } })
    expect(refused.status).toBe(403)
  })
})
