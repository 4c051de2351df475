import { env } from 'cloudflare:test'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { h } from 'preact'
import { renderToString } from 'preact-render-to-string'
import { ContentBody, safeHref } from '../src/content/text'
import { getDb } from '../src/db/client'
import { auditLog, contentPages, storeSettings, users } from '../src/db/schema'
import { forgetStoreSettings } from '../src/platform/store-settings'
import { Browser, callJson, registerUser, staffUser } from './helpers'

async function staffBrowser() {
  const user = await registerUser()
  await getDb(env).update(users).set({ role: 'staff' }).where(eq(users.id, user.user.id))
  const browser = new Browser()
  await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
  return { user, browser }
}

const page = async (path: string, headers: Record<string, string> = {}) => {
  const answer = await new Browser().fetch(path, { headers })
  return { status: answer.status, headers: answer.headers, html: await answer.text() }
}

describe('the public content pages', () => {
  it('shows the default text of a page nobody has written, as paragraphs and headings', async () => {
    const { status, html } = await page('/pages/returns')
    expect(status).toBe(200)
    expect(html).toContain('<h1>Returns</h1>')
    expect(html).toContain('<h2>How to return</h2>')
    expect(html).toContain('<a href="/pages/contact">contact page</a>')
    expect(html).toContain('<p>Changed your mind? Send it back within 30 days')
  })

  it('lets browsers revalidate: the same page again is a 304 for its ETag', async () => {
    const first = await page('/pages/privacy')
    const tag = first.headers.get('ETag')
    expect(tag).toBeTruthy()
    expect(first.headers.get('Cache-Control')).toBe('public, no-cache')
    const again = await new Browser().fetch('/pages/privacy', { headers: { 'If-None-Match': tag ?? '' } })
    expect(again.status).toBe(304)
  })

  it('answers an unknown page with the 404 page', async () => {
    const { status, html } = await page('/pages/about-our-ceo')
    expect(status).toBe(404)
    expect(html).toContain('Not found')
  })

  it('never lets the body inject markup or a script link', () => {
    const html = renderToString(h(ContentBody, { body: '<script>alert(1)</script> & <b>bold</b>\n\n[click](javascript:alert(1)) [ok](https://example.com/a?b=1&c=2) [far](//evil.example) mail me@shop.example' }))
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('<b>')
    expect(html).toContain('&lt;script>alert(1)&lt;/script> &amp; &lt;b>bold&lt;/b>')
    expect(html).not.toContain('href="javascript:')
    expect(html).not.toContain('href="//evil')
    expect(html).toContain('[click](javascript:alert(1))')
    expect(html).toContain('<a href="https://example.com/a?b=1&amp;c=2">ok</a>')
    expect(html).toContain('<a href="mailto:me@shop.example">me@shop.example</a>')
  })

  it('keeps only http(s), mailto and same-site paths as link targets', () => {
    expect(safeHref('/pages/terms')).toBe('/pages/terms')
    expect(safeHref('https://ups.com/x')).toBe('https://ups.com/x')
    expect(safeHref('mailto:a@b.co')).toBe('mailto:a@b.co')
    expect(safeHref('javascript:alert(1)')).toBeNull()
    expect(safeHref('data:text/html,x')).toBeNull()
    expect(safeHref('//evil.example/x')).toBeNull()
    expect(safeHref('/\\evil.example')).toBeNull()
  })
})

describe('editing the content pages in the admin', () => {
  it('lists the five pages and saves a page through its form: the shop shows it at once, and the audit log has it', async () => {
    const { browser, user } = await staffBrowser()
    const list = await (await browser.fetch('/admin/pages')).text()
    for (const slug of ['shipping', 'returns', 'contact', 'privacy', 'terms']) expect(list).toContain(`href="/admin/pages/${slug}"`)
    const before = await page('/pages/contact')
    expect(before.html).toContain('We are a small team')
    const saved = await browser.submit('/admin/pages/contact', '/admin/pages/contact', { title: 'Talk to us', body: 'Call 555-0100.\nWeekdays only.\n\n## Visit\nHarbor Street 1' })
    expect(saved.status).toBe(303)
    expect(saved.headers.get('Location')).toBe('/admin/pages/contact')
    const after = await page('/pages/contact')
    expect(after.html).toContain('<h1>Talk to us</h1>')
    expect(after.html).toContain('<p>Call 555-0100.<br/>Weekdays only.</p>')
    expect(after.html).toContain('<h2>Visit</h2>')
    expect(after.html).toMatch(/Last updated <time datetime="\d{4}-\d\d-\d\dT/)
    const entry = await getDb(env).select().from(auditLog).where(and(eq(auditLog.action, 'content_page.update'), eq(auditLog.actorId, user.user.id))).get()
    expect(entry?.targetId).toBe('contact')
    expect(entry?.after).toEqual({ title: 'Talk to us', body: 'Call 555-0100.\nWeekdays only.\n\n## Visit\nHarbor Street 1' })
  })

  it('refuses an empty title on the form with the message beside it, and keeps what was typed', async () => {
    const { browser } = await staffBrowser()
    const answer = await browser.submit('/admin/pages/terms', '/admin/pages/terms', { title: '  ', body: 'Typed text kept' })
    expect(answer.status).toBe(400)
    const html = await answer.text()
    expect(html).toContain('The page was not saved')
    expect(html).toContain('id="field-title-error"')
    expect(html).toContain('Typed text kept')
    expect(await getDb(env).select().from(contentPages).where(eq(contentPages.slug, 'terms')).get()).toBeUndefined()
  })

  it('refuses a form without its CSRF token and saves nothing', async () => {
    const { browser } = await staffBrowser()
    const answer = await browser.submit('/admin/pages/privacy', '/admin/pages/privacy', { title: 'Forged', body: 'Forged' }, { csrf: false })
    expect(answer.status).toBe(403)
    expect((await page('/pages/privacy')).html).not.toContain('Forged')
  })

  it('keeps shoppers out of the admin pages', async () => {
    const shopper = await registerUser()
    const browser = new Browser()
    await browser.submit('/account/sign-in', '/account/sign-in', { email: shopper.email, password: shopper.password })
    expect((await browser.fetch('/admin/pages')).status).toBe(403)
  })
})

describe('the content API', () => {
  it('lists, reads and writes a page for staff', async () => {
    const staff = await staffUser()
    const list = await callJson<{ items: { slug: string; is_default: boolean }[] }>('GET', '/api/admin/pages', undefined, staff.bearer)
    expect(list.status).toBe(200)
    expect(list.body.items.map((p) => p.slug)).toEqual(['shipping', 'returns', 'contact', 'privacy', 'terms'])
    const put = await callJson<{ title: string; body: string; is_default: boolean; url: string }>('PUT', '/api/admin/pages/shipping', { title: 'Delivery', body: 'Free over $50.\r\n\r\nFast.' }, staff.bearer)
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({ title: 'Delivery', body: 'Free over $50.\n\nFast.', is_default: false, url: '/pages/shipping' })
    const one = await callJson<{ title: string }>('GET', '/api/admin/pages/shipping', undefined, staff.bearer)
    expect(one.body.title).toBe('Delivery')
    expect((await page('/pages/shipping')).html).toContain('<p>Free over $50.</p><p>Fast.</p>')
  })

  it('answers bad input with 400 in the one error shape, an unknown page with 404, and shoppers with 403', async () => {
    const staff = await staffUser()
    const empty = await callJson<{ error: { code: string; fields: Record<string, string[]> } }>('PUT', '/api/admin/pages/returns', { title: '', body: 'x' }, staff.bearer)
    expect(empty.status).toBe(400)
    expect(empty.body.error.fields['title']).toBeDefined()
    const extra = await callJson<{ error: { code: string } }>('PUT', '/api/admin/pages/returns', { title: 'T', body: 'x', html: '<b>' }, staff.bearer)
    expect(extra.status).toBe(400)
    const long = await callJson('PUT', '/api/admin/pages/returns', { title: 'T', body: 'x'.repeat(20_001) }, staff.bearer)
    expect(long.status).toBe(400)
    const notJson = await callJson('PUT', '/api/admin/pages/returns', '{"title":', staff.bearer)
    expect(notJson.status).toBe(400)
    const unknown = await callJson<{ error: { code: string } }>('GET', '/api/admin/pages/about', undefined, staff.bearer)
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('not_found')
    const shopper = await registerUser()
    expect((await callJson('GET', '/api/admin/pages', undefined, shopper.bearer)).status).toBe(403)
    expect((await callJson('GET', '/api/admin/pages')).status).toBe(401)
  })
})

describe('dates on a content page', () => {
  it("shows the last edit in the shopper's locale and the store's time zone", async () => {
    const staff = await staffUser()
    await callJson('PUT', '/api/admin/pages/terms', { title: 'Terms', body: 'Be nice.' }, staff.bearer)
    // 23:30 UTC on 1 Dec 2026 is already 2 Dec in Tokyo.
    await getDb(env).update(contentPages).set({ updatedAt: Date.UTC(2026, 11, 1, 23, 30) }).where(eq(contentPages.slug, 'terms'))
    await getDb(env).update(storeSettings).set({ timeZone: 'Asia/Tokyo' }).where(eq(storeSettings.id, 1))
    forgetStoreSettings()
    const { forgetContentPages } = await import('../src/content/service')
    forgetContentPages()
    try {
      expect((await page('/pages/terms', { 'Accept-Language': 'en-GB' })).html).toContain('>2 Dec 2026</time>')
      expect((await page('/pages/terms', { 'Accept-Language': 'de-DE,de;q=0.9' })).html).toContain('>02.12.2026</time>')
      expect((await page('/pages/terms', { 'Accept-Language': 'en-US' })).html).toContain('>Dec 2, 2026</time>')
    } finally {
      await getDb(env).update(storeSettings).set({ timeZone: 'UTC' }).where(eq(storeSettings.id, 1))
      forgetStoreSettings()
    }
  })
})
