import { gzipSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BASE, check, fillCheckoutAddress, launch, watchConsole } from './browser'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

/** No page scrolls sideways on a phone. */
async function fitsPhone(page: Page, name: string) {
  const original = page.viewportSize() ?? { width: 1280, height: 900 }
  await page.setViewportSize({ width: 390, height: 844 })
  const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth])
  expect(scrollWidth, `sideways scroll at 390 px on ${name}`).toBeLessThanOrEqual(innerWidth)
  await page.setViewportSize(original)
}

/** The header's cart link as a screen reader reads it ("Cart, 3 items", "Cart, empty"). */
const cartLinkName = async (page: Page) => (await page.locator('header .cart-link').textContent())?.replace(/\s+/g, ' ').trim()

async function addToCart(page: Page) {
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await page.waitForURL(/\/cart\?added=1$/)
}

async function checkoutAndPay(page: Page, problems: string[], outcome: 'Pay' | 'Decline', shoot: boolean) {
  await page.getByRole('link', { name: 'Check out' }).click()
  await page.waitForURL(/\/checkout$/)
  await fillCheckoutAddress(page, { name: 'Ada Lovelace', line1: '12 Analytical Row', city: 'London', postalCode: 'N1 9GU', country: 'GB' })
  if (shoot) await check(page, problems, '07-checkout')
  await page.getByRole('button', { name: 'Place order and pay' }).click()
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}\?placed=1$/)
  await page.getByText('Awaiting payment').waitFor()
  await page.getByRole('button', { name: 'Pay now' }).click()
  await page.waitForURL(/\/payments\/test\//)
  if (shoot) await check(page, problems, '08-test-payment')
  await page.getByRole('button', { name: new RegExp(`^${outcome}`) }).click()
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}/)
  return page.url()
}

describe('a shopper in a real browser', () => {
  it('browses, filters, searches, fills a cart, registers, checks out and pays; the order shows in the history', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems = watchConsole(page)

    await page.goto(`${BASE}/`)
    expect(await page.title()).toMatch(/Cato-Store/)
    await check(page, problems, '01-home')
    await fitsPhone(page, 'home')
    expect(await cartLinkName(page)).toBe('Cart, empty')

    // The stylesheet: content-hashed, cached for a year, within the 30 KB gzipped budget; no script at all.
    const css = await page.locator('link[rel="stylesheet"]').getAttribute('href')
    expect(css).toMatch(/^\/assets\/styles\.[0-9a-f]{12}\.css$/)
    const cssResponse = await fetch(`${BASE}${css}`)
    expect(cssResponse.headers.get('Cache-Control')).toContain('immutable')
    expect(gzipSync(Buffer.from(await cssResponse.arrayBuffer())).length).toBeLessThanOrEqual(30 * 1024)
    expect(await page.locator('script:not([type="application/ld+json"])').count()).toBe(0)

    await page.getByRole('link', { name: /^Home & Kitchen/ }).first().click()
    await page.waitForURL(/\/products\?category=kitchen$/)
    await page.getByLabel('Max price').fill('150')
    await page.getByLabel('In stock only').check()
    await page.getByLabel('Sort by').selectOption('price')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/category=kitchen&max=150&in_stock=1&sort=price/)
    const prices = await page.locator('.card .price').allInnerTexts()
    expect(prices.length).toBeGreaterThan(0)
    const cents = prices.map((p) => Math.round(Number(p.replace(/[^0-9.]/g, '')) * 100))
    expect(cents).toEqual([...cents].sort((a, b) => a - b))
    expect(cents.every((c) => c <= 15000)).toBe(true)
    await check(page, problems, '02-listing-filtered')
    await fitsPhone(page, 'listing')

    // Back to the unfiltered category, as the back button would, and it still works.
    await page.goBack()
    await page.waitForURL(/\/products\?category=kitchen$/)

    await page.getByRole('search').getByLabel('Search products').fill('oak')
    await page.getByRole('search').getByRole('button', { name: 'Search' }).click()
    await page.waitForURL(/\/products\?q=oak$/)
    expect((await page.getByRole('heading', { level: 1 }).innerText()).trim()).toBe('Results for “oak”')
    await check(page, problems, '03-search')
    await fitsPhone(page, 'search')

    // A search that finds nothing suggests something: dropping the filters, the popular departments.
    await page.goto(`${BASE}/products?q=zzzqqq&category=kitchen`)
    await page.locator('.no-results').getByRole('link', { name: 'Clear the filters' }).waitFor()
    expect(await page.locator('.no-results .chip').count()).toBeGreaterThan(0)
    await check(page, problems, '03b-no-results')
    await fitsPhone(page, 'no results')
    await page.goto(`${BASE}/products?q=oak`)

    const first = page.locator('.card a').first()
    const firstName = (await first.locator('.name').innerText()).trim()
    await first.click()
    await page.waitForURL(/\/products\/[a-z0-9-]+$/)
    expect((await page.getByRole('heading', { level: 1 }).innerText()).trim()).toBe(firstName)
    await check(page, problems, '04-product')
    await fitsPhone(page, 'product')
    // Shipping and returns in a few words, and more of the category, on the product page.
    await page.locator('.assurances').getByRole('link', { name: 'Shipping details' }).waitFor()
    expect(await page.locator('.assurances a[href="/pages/returns"]').count()).toBe(1)
    const related = page.locator('.related')
    expect(await related.getByRole('heading', { level: 2 }).innerText()).toMatch(/^More from /)
    expect(await related.locator('.card').count()).toBeGreaterThan(0)
    expect(await related.locator('.card .name').allInnerTexts()).not.toContain(firstName)
    await addToCart(page)
    // The header counts the cart from now on, cached catalog pages included.
    expect(await cartLinkName(page)).toBe('Cart, 1 item')

    await page.goto(`${BASE}/products?category=outdoors&in_stock=1`)
    const second = page.locator('.card a').nth(1)
    const secondName = (await second.locator('.name').innerText()).trim()
    await second.click()
    await addToCart(page)
    expect(await page.locator('.cart tbody tr').count()).toBe(2)
    const row = page.locator('.cart tbody tr', { hasText: secondName })
    await row.getByRole('spinbutton').fill('2')
    await row.getByRole('button', { name: 'Update' }).click()
    await page.waitForURL(/\/cart$/)
    expect(await page.locator('.cart tbody tr', { hasText: secondName }).getByRole('spinbutton').inputValue()).toBe('2')
    expect(await cartLinkName(page)).toBe('Cart, 3 items')
    await check(page, problems, '05-cart')
    await fitsPhone(page, 'cart')
    // On a phone each cell of a line says what it is.
    await page.setViewportSize({ width: 390, height: 844 })
    const labels = await page.locator('.cart tbody tr').first().locator('td[data-label]').evaluateAll((cells) => cells.map((cell) => getComputedStyle(cell, '::before').content))
    expect(labels).toEqual(['"Price"', '"Quantity"', '"Total"'])
    await page.setViewportSize({ width: 1280, height: 900 })

    // Checking out without an account offers "Continue as guest" or signing in; a new account comes back to the checkout with the cart.
    await page.getByRole('link', { name: 'Check out' }).click()
    await page.waitForURL(/\/checkout$/)
    await page.getByRole('button', { name: 'Continue as guest' }).waitFor()
    await check(page, problems, '06-checkout-gate')
    await page.getByRole('link', { name: 'Create an account' }).click()
    await page.getByLabel('Your name').fill('Ada Lovelace')
    await page.getByLabel('Email').fill(`ada-${Date.now()}@example.com`)
    await page.getByLabel('Password').fill('analytical engine')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.waitForURL(/\/checkout$/)
    await page.goto(`${BASE}/cart`)
    expect(await page.locator('.cart tbody tr').count()).toBe(2)

    const orderUrl = await checkoutAndPay(page, problems, 'Pay', true)
    expect(orderUrl).toMatch(/\?paid=1$/)
    await page.getByText('Thank you! Your payment is confirmed.').waitFor()
    expect((await page.locator('.status').first().innerText()).trim()).toBe('Paid')
    await check(page, problems, '09-order-paid')

    await page.getByRole('link', { name: 'All your orders' }).click()
    await page.waitForURL(/\/orders$/)
    expect(await page.locator('.order-list tbody tr').count()).toBe(1)
    expect((await page.locator('.order-list .status').innerText()).trim()).toBe('Paid')
    await check(page, problems, '10-order-history')

    await page.goto(`${BASE}/account`)
    await check(page, problems, '11-account')
    await page.goto(`${BASE}/no/such/page`)
    expect(await page.locator('h1').innerText()).toBe('Not found')
    await check(page, problems.filter((p) => !p.includes('404')), '12-not-found')
    await context.close()
  })

  it('a declined payment keeps the order payable; cancelling it (after a confirmation) puts its items back in the cart', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems = watchConsole(page)
    await page.goto(`${BASE}/account/sign-in`)
    await page.getByLabel('Email').fill('customer@example.com')
    await page.getByLabel('Password').fill('demo-customer-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(/\/account$/)

    await page.goto(`${BASE}/products?in_stock=1&sort=-price`)
    await page.locator('.card a').first().click()
    const productUrl = page.url()
    const slug = productUrl.split('/').pop()
    const stockBefore = await (await fetch(`${BASE}/api/products/${slug}`)).json() as { id: number; stock_quantity: number }
    await addToCart(page)
    await checkoutAndPay(page, problems, 'Decline', false)
    // Placing the order took its lines out of the cart: the header says so.
    expect(await cartLinkName(page)).toBe('Cart, empty')
    expect((await page.locator('.status').first().innerText()).trim()).toBe('Awaiting payment')
    await page.getByRole('button', { name: 'Pay again' }).waitFor()
    await check(page, problems, '13-order-declined')
    await page.getByRole('link', { name: 'Cancel this order' }).click()
    await page.waitForURL(/\/cancel$/)
    await check(page, problems, '14-order-cancel-confirm')
    await page.getByRole('button', { name: 'Cancel the order' }).click()
    await page.waitForURL(/\/cart$/)
    await page.locator('.notice-success', { hasText: 'is cancelled and its items are back in your cart' }).waitFor()
    const cart = await (await page.request.get(`${BASE}/api/cart`)).json() as { items: { product_id: number }[] }
    expect(cart.items.map((line) => line.product_id)).toContain(stockBefore.id)
    // Nothing was sold: the product's stock is what it was.
    const stockAfter = await (await fetch(`${BASE}/api/products/${slug}`)).json() as { stock_quantity: number }
    expect(stockAfter.stock_quantity).toBe(stockBefore.stock_quantity)
    expect(await cartLinkName(page)).toMatch(/^Cart, \d+ items?$/)
    // Leave the demo customer's cart as it was found, for the other browser tests.
    while ((await page.getByRole('button', { name: /^Remove/ }).count()) > 0) {
      await page.getByRole('button', { name: /^Remove/ }).first().click()
      await page.waitForURL(/\/cart/)
    }
    expect(await cartLinkName(page)).toBe('Cart, empty')
    // Sign out from the header (a POST form with its CSRF token): the header is everyone's again.
    await page.locator('header').getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${BASE}/`)
    expect(await page.locator('header').getByRole('button', { name: 'Sign out' }).count()).toBe(0)
    expect(await page.locator('header').getByRole('link', { name: 'Orders' }).count()).toBe(0)
    await context.close()
  })
})
