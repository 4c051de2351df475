import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../src/db/client'
import { users } from '../src/db/schema'
import { Browser, insertProduct, registerUser } from './helpers'

/** A browser signed in as a fresh account, an admin if asked. */
async function signedIn(role?: 'admin') {
  const user = await registerUser()
  if (role) await getDb(env).update(users).set({ role }).where(eq(users.id, user.user.id))
  const browser = new Browser()
  await browser.submit('/account/sign-in', '/account/sign-in', { email: user.email, password: user.password })
  return browser
}

const titleOf = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1]
const noindex = (html: string) => html.includes('<meta name="robots" content="noindex"/>')

describe('the page renderer', () => {
  it('sends private pages with no-store: the account, cart, orders, and the admin in its own frame', async () => {
    const browser = await signedIn('admin')
    const pages = [
      { path: '/account', title: 'Your account · Cato-Store', admin: false, noindex: false },
      { path: '/cart', title: 'Your cart · Cato-Store', admin: false, noindex: true },
      { path: '/orders', title: 'Your orders · Cato-Store', admin: false, noindex: true },
      { path: '/admin', title: 'Dashboard · Admin · Cato-Store', admin: true, noindex: true },
      { path: '/admin/products', title: 'Products · Admin · Cato-Store', admin: true, noindex: true },
      { path: '/admin/categories', title: 'Categories · Admin · Cato-Store', admin: true, noindex: true },
      { path: '/admin/orders', title: 'Orders · Admin · Cato-Store', admin: true, noindex: true },
      { path: '/admin/users', title: 'Users · Admin · Cato-Store', admin: true, noindex: true },
      { path: '/admin/audit', title: 'Audit log · Admin · Cato-Store', admin: true, noindex: true },
    ]
    for (const page of pages) {
      const answer = await browser.fetch(page.path)
      const html = await answer.text()
      expect({ path: page.path, status: answer.status, cache: answer.headers.get('Cache-Control'), title: titleOf(html), admin: html.includes('aria-label="Admin"'), noindex: noindex(html) }).toEqual({
        ...page,
        status: 200,
        cache: 'no-store',
      })
      expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true)
    }
  })

  it('keeps the catalog pages cacheable at the edge, with their own metadata', async () => {
    const product = await insertProduct()
    const home = await new Browser().fetch('/')
    expect(home.headers.get('Cache-Control')).toBe('public, no-cache')
    expect(titleOf(await home.text())).toBe('Everyday goods, delivered · Cato-Store')
    const page = await new Browser().fetch(`/products/${product.slug}`)
    expect(page.headers.get('Cache-Control')).toBe('public, no-cache')
    const html = await page.text()
    expect(html).toContain('<meta property="og:type" content="product"/>')
    expect(noindex(html)).toBe(false)
    // A search is not for search engines.
    expect(noindex(await (await new Browser().fetch('/products?q=oak')).text())).toBe(true)
  })

  it('renders an error inside the admin as the shop error page, with its status', async () => {
    const browser = await signedIn('admin')
    const answer = await browser.fetch('/admin/products/not-a-number')
    const html = await answer.text()
    expect(answer.status).toBe(404)
    expect(titleOf(html)).toBe('Not found · Cato-Store')
    expect(html).not.toContain('admin-nav')
    expect(html).toContain('<a href="/">Back to the shop</a>')
  })
})
