/**
 * The address book: several addresses per account, exactly one default while there are any, the profile's
 * default_shipping_address kept working on top of it, its pages, and no way into another account's book.
 */
import { applyD1Migrations, env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../src/db/client'
import { orders, shippingZoneAreas, shippingZones } from '../src/db/schema'
import type { AddressView } from '../src/accounts/responses'
import { ADDRESSES_MAX } from '../src/accounts/address-schemas'
import type { ErrorBody } from '../src/platform/errors'
import { Browser, callJson, insertProduct, registerUser } from './helpers'
import { defaultVariant } from './orders-helpers'

type Answer<T> = T & Partial<ErrorBody>
type Shopper = Awaited<ReturnType<typeof registerUser>>

const HOME = { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postal_code: 'SW1Y 4JH', country: 'GB' }
const OFFICE = { name: 'Ada Lovelace', line1: '1 Harbour Road', city: 'Portland', region: 'OR', postal_code: '97201', country: 'US', phone: '+1 503 555 0100' }

const book = (who: Shopper) => ({
  list: () => callJson<{ items: AddressView[]; max: number }>('GET', '/api/account/addresses', undefined, who.bearer),
  add: (body: object) => callJson<Answer<AddressView>>('POST', '/api/account/addresses', body, who.bearer),
  get: (id: number) => callJson<Answer<AddressView>>('GET', `/api/account/addresses/${id}`, undefined, who.bearer),
  patch: (id: number, body: object) => callJson<Answer<AddressView>>('PATCH', `/api/account/addresses/${id}`, body, who.bearer),
  remove: (id: number) => callJson<Answer<null>>('DELETE', `/api/account/addresses/${id}`, undefined, who.bearer),
  makeDefault: (id: number) => callJson<Answer<AddressView>>('POST', `/api/account/addresses/${id}/default`, undefined, who.bearer),
  profile: () => callJson<{ default_shipping_address: unknown }>('GET', '/api/users/profile', undefined, who.bearer),
  putProfile: (body: object) => callJson<Answer<{ default_shipping_address: unknown }>>('PUT', '/api/users/profile', body, who.bearer),
})

const defaults = (items: AddressView[]) => items.filter((a) => a.is_default).map((a) => a.line1)

describe('the address book API', () => {
  it('makes the first address the default and keeps exactly one default as addresses come and go', async () => {
    const api = book(await registerUser())
    const home = await api.add(HOME)
    expect(home.status).toBe(201)
    expect(home.body).toMatchObject({ ...HOME, line2: null, region: null, phone: null, is_default: true })
    const office = await api.add(OFFICE)
    expect(office.body).toMatchObject({ region: 'OR', phone: '+15035550100', is_default: false })
    expect(defaults((await api.list()).body.items)).toEqual([HOME.line1])

    await api.makeDefault(office.body.id)
    const listed = (await api.list()).body.items
    expect(defaults(listed)).toEqual([OFFICE.line1])
    expect(listed[0]?.line1).toBe(OFFICE.line1)

    // Deleting the default promotes the newest of the others.
    const third = await api.add({ ...HOME, line1: '3 Newest Lane' })
    expect((await api.remove(office.body.id)).status).toBe(204)
    expect(defaults((await api.list()).body.items)).toEqual(['3 Newest Lane'])
    await api.remove(third.body.id)
    expect(defaults((await api.list()).body.items)).toEqual([HOME.line1])
    await api.remove(home.body.id)
    expect((await api.list()).body.items).toEqual([])
  })

  it('saves a later address as the default when asked, and only that one is the default', async () => {
    const api = book(await registerUser())
    await api.add(HOME)
    const office = await api.add({ ...OFFICE, is_default: true })
    expect(office.body.is_default).toBe(true)
    expect(defaults((await api.list()).body.items)).toEqual([OFFICE.line1])
  })

  it('holds at most the maximum of addresses, even when they are saved at once', async () => {
    const api = book(await registerUser())
    const answers = await Promise.all(Array.from({ length: ADDRESSES_MAX + 4 }, (_, i) => api.add({ ...HOME, line1: `${i} Many Street` })))
    expect(answers.filter((a) => a.status === 201)).toHaveLength(ADDRESSES_MAX)
    const refused = answers.find((a) => a.status === 409)
    expect(refused?.body.error?.code).toBe('address_book_full')
    const items = (await api.list()).body.items
    expect(items).toHaveLength(ADDRESSES_MAX)
    expect(defaults(items)).toHaveLength(1)
  })

  it('checks the region against the country: a code or name of its list for US, CA and AU, free text elsewhere', async () => {
    const api = book(await registerUser())
    const missing = await api.add({ ...OFFICE, region: undefined })
    expect(missing.status).toBe(400)
    expect(missing.body.error?.fields?.region?.[0]).toMatch(/United States region code/)
    expect((await api.add({ ...OFFICE, region: 'Atlantis' })).status).toBe(400)
    expect((await api.add({ ...OFFICE, region: 'oregon' })).body.region).toBe('OR')
    expect((await api.add({ ...OFFICE, country: 'au', region: 'nsw', city: 'Sydney' })).body).toMatchObject({ country: 'AU', region: 'NSW' })
    expect((await api.add({ ...HOME, region: 'Greater London' })).body.region).toBe('Greater London')
    expect((await api.add({ ...HOME, country: 'XX' })).body.error?.fields?.country).toBeDefined()
    expect((await api.add({ ...HOME, phone: '12345' })).body.error?.fields?.phone?.[0]).toMatch(/E\.164/)
    expect((await api.add({ ...HOME, nickname: 'home' })).body.error?.fields?.nickname).toEqual(['is not a known field'])
  })

  it('changes the fields given and checks the address that results as a whole', async () => {
    const api = book(await registerUser())
    const office = await api.add(OFFICE)
    const moved = await api.patch(office.body.id, { line2: 'Suite 4', phone: null })
    expect(moved.body).toMatchObject({ line1: OFFICE.line1, line2: 'Suite 4', phone: null, region: 'OR' })
    // Canada with an Oregon region is no address.
    const wrong = await api.patch(office.body.id, { country: 'CA' })
    expect(wrong.status).toBe(400)
    expect(wrong.body.error?.fields?.region).toBeDefined()
    expect((await api.patch(office.body.id, { country: 'CA', region: 'QC', city: 'Montréal' })).body).toMatchObject({ country: 'CA', region: 'QC' })
  })

  it("answers another account's address as unknown, and leaves it as it was", async () => {
    const owner = book(await registerUser())
    const stranger = book(await registerUser())
    const home = await owner.add(HOME)
    for (const answer of [
      await stranger.get(home.body.id),
      await stranger.patch(home.body.id, { line1: 'Taken over' }),
      await stranger.makeDefault(home.body.id),
      await stranger.remove(home.body.id),
      await stranger.get(999_999_999),
      await stranger.get(Number.NaN),
    ]) {
      expect(answer.status).toBe(404)
      expect(answer.body.error?.code).toBe('not_found')
    }
    expect((await owner.get(home.body.id)).body).toMatchObject({ line1: HOME.line1, is_default: true })
  })

  it('needs a signed-in user', async () => {
    expect((await callJson('GET', '/api/account/addresses')).status).toBe(401)
    expect((await callJson('POST', '/api/account/addresses', HOME)).status).toBe(401)
  })
})

describe("the profile's default shipping address", () => {
  it('reads and writes the address book default, so older clients keep working', async () => {
    const who = await registerUser()
    const api = book(who)
    expect((await api.putProfile({ default_shipping_address: HOME })).body.default_shipping_address).toMatchObject(HOME)
    // It is the book's default.
    expect((await api.list()).body.items).toEqual([expect.objectContaining({ line1: HOME.line1, is_default: true })])
    // Written again, it changes the default in place rather than adding one.
    await api.putProfile({ default_shipping_address: { ...HOME, line1: '13 St James Square' } })
    expect((await api.list()).body.items.map((a) => a.line1)).toEqual(['13 St James Square'])
    // A default chosen in the book is what the profile shows.
    const office = await api.add(OFFICE)
    await api.makeDefault(office.body.id)
    expect((await api.profile()).body.default_shipping_address).toMatchObject({ line1: OFFICE.line1, region: 'OR' })
    // Cleared, the default goes and the other address takes its place.
    expect((await api.putProfile({ default_shipping_address: null })).body.default_shipping_address).toMatchObject({ line1: '13 St James Square' })
    await api.putProfile({ default_shipping_address: null })
    expect((await api.profile()).body.default_shipping_address).toBeNull()
  })

  it('is where an order placed without an address ships to', async () => {
    const who = await registerUser()
    const api = book(who)
    const office = await api.add(OFFICE)
    await api.add({ ...HOME, is_default: true })
    await api.makeDefault(office.body.id)
    const product = await insertProduct({ stockQuantity: 3 })
    const placed = await callJson<Answer<{ shipping_address: { line1: string } }>>('POST', '/api/orders', { items: [{ variant_id: await defaultVariant(product.id), quantity: 1 }] }, who.bearer)
    expect(placed.status).toBe(201)
    expect(placed.body.shipping_address.line1).toBe(OFFICE.line1)
  })

  it("becomes the address book's default when a store with profiles is migrated", async () => {
    const db = env.MIGRATION_DB
    const number = (name: string) => Number(name.slice(0, 4))
    await applyD1Migrations(db, env.TEST_MIGRATIONS.filter((m) => number(m.name) <= 15))
    const address = JSON.stringify({ name: 'Ada Shopper', line1: '1 Harbour Road', line2: null, city: 'Portland', region: 'OR', postal_code: '97201', country: 'US' })
    await db.batch([
      db.prepare("INSERT INTO users (id, email, password_hash, name) VALUES (1, 'ada@example.com', 'x', 'Ada'), (2, 'bob@example.com', 'x', 'Bob')"),
      db.prepare("INSERT INTO user_profiles (user_id, phone, default_shipping_address) VALUES (1, '+15035550100', ?), (2, NULL, NULL)").bind(address),
    ])
    await applyD1Migrations(db, env.TEST_MIGRATIONS)
    const rows = await db.prepare('SELECT user_id, name, line1, line2, region, country, phone, is_default FROM addresses ORDER BY user_id').all()
    expect(rows.results).toEqual([{ user_id: 1, name: 'Ada Shopper', line1: '1 Harbour Road', line2: null, region: 'OR', country: 'US', phone: '+15035550100', is_default: 1 }])
    const profiles = await db.prepare('SELECT default_shipping_address FROM user_profiles WHERE user_id = 1').first()
    expect(profiles).toEqual({ default_shipping_address: null })
  })
})

/** A signed-in browser of a fresh account (the account's API handle beside it). */
async function signedIn() {
  const who = await registerUser({ name: 'Grace Hopper' })
  const browser = new Browser()
  const answer = await browser.submit('/account/sign-in', '/account/sign-in', { email: who.email, password: who.password })
  expect(answer.status).toBe(303)
  return { who, browser, api: book(who) }
}

const formOf = (address: Record<string, string | undefined>, prefix = '') =>
  Object.fromEntries(Object.entries(address).flatMap(([key, value]) => (value === undefined ? [] : [[`${prefix}${key}`, value]])))

describe('the address book pages', () => {
  it('lists the addresses with the default marked, and adds, edits, makes default and deletes them with a banner each', async () => {
    const { browser, api } = await signedIn()
    const empty = await (await browser.fetch('/account/addresses')).text()
    expect(empty).toContain('No saved addresses yet')
    // The recipient starts as the account's name.
    expect(await (await browser.fetch('/account/addresses/new')).text()).toMatch(/name="name"[^>]*value="Grace Hopper"/)

    const added = await browser.submit('/account/addresses/new', '/account/addresses', formOf(HOME))
    expect(added.headers.get('Location')).toBe('/account/addresses')
    const list = await (await browser.fetch('/account/addresses')).text()
    expect(list).toContain('Address saved: 12 St James Square, London (your default).')
    expect(list).toContain('Default')

    const office = await browser.submit('/account/addresses/new', '/account/addresses', formOf({ ...OFFICE, region: 'OR' }))
    expect(office.status).toBe(303)
    const saved = (await api.list()).body.items
    const officeId = saved.find((a) => a.line1 === OFFICE.line1)?.id
    const homeId = saved.find((a) => a.line1 === HOME.line1)?.id

    const edited = await browser.submit(`/account/addresses/${officeId}/edit`, `/account/addresses/${officeId}`, formOf({ ...OFFICE, line2: 'Suite 9' }))
    expect(edited.status).toBe(303)
    expect((await api.get(officeId!)).body.line2).toBe('Suite 9')

    await browser.submit('/account', `/account/addresses/${officeId}/default`, {})
    expect(await (await browser.fetch('/account/addresses')).text()).toContain('1 Harbour Road, Portland is now your default address.')
    expect((await api.get(officeId!)).body.is_default).toBe(true)

    // Deleting asks first, on its own page.
    const ask = await (await browser.fetch(`/account/addresses/${officeId}/delete`)).text()
    expect(ask).toContain('It is your default address')
    expect((await browser.submit(`/account/addresses/${officeId}/delete`, `/account/addresses/${officeId}/delete`, {})).headers.get('Location')).toBe(`/account/addresses/${officeId}/delete`)
    await browser.submit(`/account/addresses/${officeId}/delete`, `/account/addresses/${officeId}/delete`, { confirm: 'yes' })
    expect(await (await browser.fetch('/account/addresses')).text()).toContain('Address deleted: 1 Harbour Road, Portland.')
    expect((await api.list()).body.items.map((a) => [a.id, a.is_default])).toEqual([[homeId, true]])
  })

  it('shows what is wrong on the form: the region of a US address from its list, the fields named', async () => {
    const { browser } = await signedIn()
    const noCity = await browser.submit('/account/addresses/new', '/account/addresses', formOf({ ...OFFICE, city: '' }))
    expect(noCity.status).toBe(400)
    const html = await noCity.text()
    expect(html).toContain('Please correct the fields marked below.')
    expect(html).toMatch(/id="field-city-error" class="field-error">is required/)
    // What was typed stays in the form.
    expect(html).toContain('value="1 Harbour Road"')
    const noRegion = await browser.submit('/account/addresses/new', '/account/addresses', formOf({ ...OFFICE, region: '' }))
    expect(await noRegion.text()).toMatch(/id="field-region-error" class="field-error">must be a United States region code/)
    // A foreign region goes in the text field.
    const foreign = await browser.submit('/account/addresses/new', '/account/addresses', formOf({ ...HOME, region_other: 'Greater London' }))
    expect(foreign.status).toBe(303)
  })

  it("answers another account's address with the 404 page and leaves it alone", async () => {
    const owner = await signedIn()
    const home = await owner.api.add(HOME)
    const { browser } = await signedIn()
    expect((await browser.fetch(`/account/addresses/${home.body.id}/edit`)).status).toBe(404)
    expect((await browser.fetch(`/account/addresses/${home.body.id}/delete`)).status).toBe(404)
    expect((await browser.submit('/account', `/account/addresses/${home.body.id}`, formOf({ ...HOME, line1: 'Taken' }))).status).toBe(404)
    expect((await browser.submit('/account', `/account/addresses/${home.body.id}/delete`, { confirm: 'yes' })).status).toBe(404)
    expect((await browser.submit('/account', `/account/addresses/${home.body.id}/default`, {})).status).toBe(404)
    expect((await owner.api.get(home.body.id)).body).toMatchObject({ line1: HOME.line1 })
  })

  it('refuses forged forms and sends strangers to sign in', async () => {
    const { browser, api } = await signedIn()
    const home = await api.add(HOME)
    expect((await browser.submit('/account/addresses/new', '/account/addresses', formOf(OFFICE), { csrf: false })).status).toBe(403)
    expect((await browser.submit('/account', `/account/addresses/${home.body.id}/delete`, { confirm: 'yes' }, { csrf: false })).status).toBe(403)
    expect((await api.list()).body.items).toHaveLength(1)
    expect((await new Browser().fetch('/account/addresses')).headers.get('Location')).toBe('/account/sign-in?next=%2Faccount%2Faddresses')
  })
})

describe('checkout with the address book', () => {
  async function withCart(browser: Browser) {
    const product = await insertProduct({ stockQuantity: 5 })
    const added = await browser.fetch('/api/cart/items', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': await browser.csrfFrom('/account'), Origin: 'http://store.test' },
      body: JSON.stringify({ variant_id: await defaultVariant(product.id), quantity: 1 }),
    })
    expect(added.status).toBe(200)
  }
  const token = async (browser: Browser) => /name="checkout_token" value="([^"]+)"/.exec(await (await browser.fetch('/checkout')).text())?.[1] ?? ''
  const orderOf = (location: string | null) => /^\/orders\/([0-9a-f-]{36})\?placed=1/.exec(location ?? '')?.[1]
  const shipTo = async (id: string | undefined) => (await getDb(env).select().from(orders).where(eq(orders.id, id ?? '')).get())?.shippingAddress

  it('offers the saved addresses with the default chosen, and ships to the one picked', async () => {
    const { browser, api } = await signedIn()
    const home = await api.add(HOME)
    const office = await api.add(OFFICE)
    await withCart(browser)
    const page = await (await browser.fetch('/checkout')).text()
    expect(page).toMatch(new RegExp(`value="${home.body.id}" checked`))
    expect(page).toContain('Save to my address book')
    const placed = await browser.submit('/checkout', '/checkout', { address_id: String(office.body.id), checkout_token: await token(browser) })
    expect(placed.status).toBe(303)
    expect(await shipTo(orderOf(placed.headers.get('Location')))).toMatchObject({ line1: OFFICE.line1, region: 'OR', country: 'US', phone: '+15035550100' })
  })

  it("refuses another account's address id on the page, placing nothing", async () => {
    const other = await signedIn()
    const theirs = await other.api.add(OFFICE)
    const { who, browser, api } = await signedIn()
    await api.add(HOME)
    await withCart(browser)
    const answer = await browser.submit('/checkout', '/checkout', { address_id: String(theirs.body.id), checkout_token: await token(browser) })
    expect(answer.status).toBe(404)
    expect(await answer.text()).toContain('That address is not in your address book: choose another.')
    expect((await callJson<{ items: unknown[] }>('GET', '/api/orders', undefined, who.bearer)).body.items).toEqual([])
  })

  it('saves a new address to the book when asked, once', async () => {
    const { browser, api } = await signedIn()
    await withCart(browser)
    const fields = { ...formOf({ ...OFFICE, region: 'OR' }, 'shipping_address.'), address_id: 'new', save_address: 'on' }
    const placed = await browser.submit('/checkout', '/checkout', { ...fields, checkout_token: await token(browser) })
    expect(placed.status).toBe(303)
    expect((await api.list()).body.items).toEqual([expect.objectContaining({ line1: OFFICE.line1, region: 'OR', is_default: true })])
    await withCart(browser)
    await browser.submit('/checkout', '/checkout', { ...fields, checkout_token: await token(browser) })
    expect((await api.list()).body.items).toHaveLength(1)
  })

  it('offers only the countries the shipping zones cover, all of them while there is no zone', async () => {
    const { browser } = await signedIn()
    const all = await (await browser.fetch('/account/addresses/new')).text()
    expect(all).toContain('<option value="JP">Japan</option>')
    const db = getDb(env)
    const [zone] = await db.insert(shippingZones).values({ name: 'Test zone' }).returning()
    try {
      await db.insert(shippingZoneAreas).values([
        { zoneId: zone!.id, country: 'FR' },
        { zoneId: zone!.id, country: 'US', region: 'OR' },
      ])
      const some = await (await browser.fetch('/account/addresses/new')).text()
      const offered = [...some.matchAll(/<option value="([A-Z]{2})"/g)].map((m) => m[1])
      // The country select comes first, its options by name; the region select's follow.
      expect(offered.slice(0, 3)).toEqual(['FR', 'US', 'AL'])
      expect(some).not.toContain('<option value="JP">')
    } finally {
      await db.delete(shippingZones).where(eq(shippingZones.id, zone!.id))
    }
  })
})
