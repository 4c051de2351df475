/** Buying through the pages, for the browser tests of customers' orders and of every page's width. */
import type { Page } from 'playwright-core'
import { BASE, fillCheckoutAddress } from './browser'

/** Adds the first in-stock single-variant product of the outdoors category to the cart; answers its name. */
export async function addFirstOutdoorsProduct(page: Page, nth = 0): Promise<string> {
  await page.goto(`${BASE}/products?category=outdoors&in_stock=1`)
  const card = page.locator('.card a').nth(nth)
  const name = (await card.locator('.name').innerText()).trim()
  await card.click()
  await page.waitForURL(/\/products\/[a-z0-9-]+/)
  await page.getByRole('button', { name: 'Add to cart' }).click()
  await page.waitForURL(/\/cart(\?added=1)?$/)
  return name
}

/** Checks out the cart to a US address and places the order; pays it unless told not to. Answers the order's path. */
export async function placeOrder(page: Page, { pay = true }: { pay?: boolean } = {}): Promise<string> {
  await page.goto(`${BASE}/checkout`)
  await fillCheckoutAddress(page, { name: 'Grace Hopper', line1: '1 Market St', city: 'San Francisco', postalCode: '94105', country: 'US', region: 'CA' })
  await page.getByRole('button', { name: 'Place order and pay' }).click()
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}\?placed=1$/)
  const path = new URL(page.url()).pathname
  if (!pay) return path
  await page.getByRole('button', { name: 'Pay now' }).click()
  await page.waitForURL(/\/payments\/test\//)
  await page.getByRole('button', { name: /^Pay/ }).click()
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}\?paid=1$/)
  return path
}
