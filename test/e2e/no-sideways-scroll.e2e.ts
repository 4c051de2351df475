/**
 * Every page of the shop and the admin at 390 px: nothing scrolls sideways (`scrollWidth <= innerWidth`),
 * axe finds nothing serious, and each is photographed at 390 and 1280 px in test-results/screenshots/.
 * The shop's pages are listed from its routes (src/index.ts and each sub-app); the admin's are found by
 * following its own links from /admin (one page per path shape: /admin/products/12 stands for all products),
 * so a new admin screen is checked without this list being edited.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BASE, check, launch, signIn, watchConsole } from './browser'
import { addFirstOutdoorsProduct, placeOrder } from './order-helpers'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

/** How far the page scrolls sideways at this width (0 when it fits), and what sticks out. */
async function overflowOf(page: Page) {
  return page.evaluate(() => {
    const width = window.innerWidth
    const wide = Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .slice(0, 3)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`)
    return { by: document.documentElement.scrollWidth - width, wide }
  })
}

/** "/admin/products/12/edit" → "admin-products-n-edit": one screenshot name per path shape. */
const shapeOf = (path: string) => path.replace(/\?.*$/, '').replace(/\/[0-9a-f-]{36}|\/\d+/g, '/n')
const nameOf = (path: string) => shapeOf(path).replace(/^\//, '').replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '') || 'home'

/** Visits `path` at 390 px, asserts it fits, then the axe check and both screenshots. */
async function fits(page: Page, problems: string[], path: string, name = `50-${nameOf(path)}`, status?: number) {
  await page.setViewportSize({ width: 390, height: 844 })
  const answer = await page.goto(`${BASE}${path}`)
  if (status !== undefined) expect(answer?.status(), path).toBe(status)
  else expect(answer?.status(), path).toBeLessThan(400)
  const { by, wide } = await overflowOf(page)
  expect(by, `${path} scrolls sideways at 390 px by ${by} px (${wide.join(', ')})`).toBeLessThanOrEqual(0)
  await check(page, status === 404 ? problems.splice(0).filter((p) => !p.includes('404')) : problems, name)
}

/** Links into the admin on the current page, skipping downloads and actions that are not screens. */
async function adminLinks(page: Page): Promise<string[]> {
  const hrefs = await page.locator('main a[href^="/admin"], nav a[href^="/admin"]').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''))
  return hrefs.filter((href) => !/\.(csv|json|xml)(\?|$)|\/download|\/export|\/html$|\/raw$|\/text$/.test(href))
}

describe('no page scrolls sideways on a phone', () => {
  it('every page of the shop, signed out and signed in', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    const problems = watchConsole(page)

    // Signed out.
    for (const path of ['/', '/products', '/products?category=outdoors&in_stock=1&sort=-price', '/products?q=oak', '/account/sign-in', '/account/register', '/account/password/forgot', '/pages/shipping', '/pages/returns', '/pages/contact', '/pages/privacy', '/pages/terms']) {
      await fits(page, problems, path)
    }
    await page.goto(`${BASE}/products?category=outdoors&in_stock=1`)
    const product = (await page.locator('.card a').first().getAttribute('href')) ?? ''
    await fits(page, problems, product, '50-product')
    await fits(page, problems, '/products/harbor-tee', '50-product-variants')
    await fits(page, problems, '/no/such/page', '50-not-found', 404)

    // Signed in, with an order paid and one cart to check out.
    await signIn(page, 'customer@example.com', 'demo-customer-password')
    await addFirstOutdoorsProduct(page)
    const orderPath = await placeOrder(page)
    await addFirstOutdoorsProduct(page, 1)
    await fits(page, problems, '/cart', '50-cart')
    await fits(page, problems, '/checkout', '50-checkout')
    await fits(page, problems, '/account', '50-account')
    await fits(page, problems, '/account/addresses', '50-addresses')
    await fits(page, problems, '/account/addresses/new', '50-address-new')
    await fits(page, problems, '/orders', '50-orders')
    await fits(page, problems, orderPath, '50-order')
    await fits(page, problems, `${orderPath}/receipt`, '50-receipt')
    await context.close()
  })

  it('every screen of the admin, found from its links', async () => {
    // An order to find in the admin's lists, whatever ran before.
    const customer = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const shopper = await customer.newPage()
    await signIn(shopper, 'customer@example.com', 'demo-customer-password')
    await addFirstOutdoorsProduct(shopper, 2)
    await placeOrder(shopper)
    await customer.close()
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    const problems = watchConsole(page)
    await signIn(page, 'admin@example.com', 'demo-admin-password')
    const seen = new Set<string>()
    const queue = ['/admin']
    let visited = 0
    while (queue.length && visited < 80) {
      const path = queue.shift() ?? ''
      if (seen.has(shapeOf(path))) continue
      seen.add(shapeOf(path))
      visited++
      await fits(page, problems, path, `60-${nameOf(path)}`)
      for (const link of await adminLinks(page)) if (!seen.has(shapeOf(link))) queue.push(link)
    }
    // The admin's main screens are all among them.
    for (const screen of ['/admin', '/admin/products', '/admin/orders', '/admin/categories', '/admin/discounts', '/admin/pages', '/admin/pages/shipping', '/admin/orders/n', '/admin/products/n']) {
      expect([...seen], screen).toContain(screen)
    }
    await context.close()
  })
})
