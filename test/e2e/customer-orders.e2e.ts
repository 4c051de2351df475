import type { Browser } from 'playwright-core'
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

describe("a customer's orders in a real browser", () => {
  it('a shipped order shows its carrier, number and tracking link; an unpaid one is cancelled; a past one is ordered again', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    const problems = watchConsole(page)
    await signIn(page, 'customer@example.com', 'demo-customer-password')
    const name = await addFirstOutdoorsProduct(page)
    const orderPath = await placeOrder(page)
    const ref = orderPath.split('/').pop()?.slice(0, 8).toUpperCase() ?? ''

    // Staff ship it with UPS.
    const staffContext = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const staff = await staffContext.newPage()
    await signIn(staff, 'admin@example.com', 'demo-admin-password')
    await staff.goto(`${BASE}/admin${orderPath}`)
    await staff.getByLabel('Carrier').fill('UPS')
    await staff.getByLabel('Tracking number').fill('1Z999AA10123456784')
    await staff.getByRole('button', { name: 'Mark shipped' }).click()
    await staff.locator('.notice-success', { hasText: 'marked shipped' }).waitFor()

    // The customer sees the parcel on the order, the list and the receipt.
    await page.goto(`${BASE}${orderPath}`)
    const tracking = page.locator('p.tracking')
    expect(await tracking.innerText()).toContain('UPS')
    expect(await tracking.innerText()).toContain('1Z999AA10123456784')
    expect(await tracking.getByRole('link', { name: /Track the parcel/ }).getAttribute('href')).toBe('https://www.ups.com/track?tracknum=1Z999AA10123456784')
    await check(page, problems, '40-order-tracking')
    await page.goto(`${BASE}/orders`)
    expect(await page.locator('table.order-list tr', { hasText: ref }).getByRole('link', { name: /Track/ }).getAttribute('href')).toContain('ups.com')
    await check(page, problems, '41-order-list-tracking')
    await page.goto(`${BASE}${orderPath}/receipt`)
    expect(await page.locator('p.tracking').innerText()).toContain('1Z999AA10123456784')

    // Orders it again: the product is back in the cart, and the cart says so by name.
    await page.goto(`${BASE}${orderPath}`)
    await page.getByRole('button', { name: 'Order these again' }).click()
    await page.waitForURL(/\/cart$/)
    expect(await page.locator('.notice').first().innerText()).toContain(`of order ${ref} to your cart`)
    expect(await page.locator('.cart tbody').innerText()).toContain(name)
    await check(page, problems, '42-cart-after-reorder')

    // An unpaid order is cancelled after a confirmation; its items go back to the cart.
    const unpaidPath = await placeOrder(page, { pay: false })
    const unpaidRef = unpaidPath.split('/').pop()?.slice(0, 8).toUpperCase() ?? ''
    await page.getByRole('link', { name: 'Cancel this order' }).click()
    await page.waitForURL(/\/cancel$/)
    await check(page, problems, '43-order-cancel-confirm')
    await page.getByRole('button', { name: 'Cancel the order' }).click()
    await page.waitForURL(/\/cart$/)
    expect(await page.locator('.notice').first().innerText()).toContain(`Order ${unpaidRef} is cancelled`)
    await page.goto(`${BASE}${unpaidPath}`)
    expect(await page.locator('.status').first().innerText()).toBe('Cancelled')

    // A paid order offers no cancelling.
    await page.goto(`${BASE}${orderPath}`)
    expect(await page.getByRole('link', { name: 'Cancel this order' }).count()).toBe(0)
    await context.close()
    await staffContext.close()
  })
})
