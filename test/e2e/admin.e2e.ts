import { deflateSync } from 'node:zlib'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BASE, check, fillCheckoutAddress, launch, readMail, screenshots, signIn, totalsOn, watchConsole } from './browser'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (bytes: Buffer) => {
  let c = 0xffffffff
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type: string, data: Buffer) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}
/** A real, decodable PNG of one colour. */
function solidPng(width: number, height: number, [r, g, b]: [number, number, number]) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8)
  const rows = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows.set([r, g, b], y * (width * 3 + 1) + 1 + x * 3)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))])
}

describe('staff in a real browser', () => {
  it('an admin creates a product with two images and it is in the shop; a customer orders it, staff ship it, the customer sees it shipped', async () => {
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const adminPage = await adminContext.newPage()
    const adminProblems = watchConsole(adminPage)
    await signIn(adminPage, 'admin@example.com', 'demo-admin-password')

    await adminPage.goto(`${BASE}/admin`)
    expect((await adminPage.locator('h1').innerText()).trim()).toBe('Dashboard')
    await check(adminPage, adminProblems, '20-admin-dashboard')

    const name = `Teak Serving Board ${Date.now().toString(36)}`
    await adminPage.goto(`${BASE}/admin/products/new`)
    await adminPage.getByLabel('Name', { exact: true }).fill(name)
    await adminPage.getByLabel('Description').fill('Oiled teak, made to be used every day.')
    await adminPage.getByLabel('Price').fill('24.50')
    await adminPage.getByLabel('Stock on hand').fill('7')
    await adminPage.getByLabel('Cookware').check()
    await check(adminPage, adminProblems, '21-admin-new-product')
    await adminPage.getByRole('button', { name: 'Create product' }).click()
    await adminPage.waitForURL(/\/admin\/products\/\d+$/)
    await adminPage.locator('.notice-success', { hasText: `Product "${name}" created.` }).waitFor()

    await adminPage.locator('#field-images').setInputFiles([
      { name: 'board-top.png', mimeType: 'image/png', buffer: solidPng(40, 30, [160, 110, 60]) },
      { name: 'board-side.png', mimeType: 'image/png', buffer: solidPng(40, 30, [90, 60, 30]) },
    ])
    await adminPage.getByLabel('Alt text for the new images').fill('Teak serving board')
    await adminPage.getByRole('button', { name: 'Upload' }).click()
    await adminPage.locator('.notice-success', { hasText: '2 images added.' }).waitFor()
    expect(await adminPage.locator('.admin-images li').count()).toBe(2)
    await check(adminPage, adminProblems, '22-admin-product-edit')

    const shopLink = await adminPage.getByRole('link', { name: 'View in the shop' }).getAttribute('href')
    await adminPage.goto(`${BASE}${shopLink}`)
    expect((await adminPage.locator('h1').innerText()).trim()).toBe(name)
    expect(await adminPage.locator('.gallery-slide img').count()).toBe(2)
    expect((await adminPage.locator('.info .price').innerText()).trim()).toBe('$24.50')
    expect(await adminPage.locator('.gallery-main').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(40)

    // A customer buys it.
    const shopperContext = await browser.newContext({ viewport: { width: 390, height: 844 } })
    const shopper = await shopperContext.newPage()
    const shopperProblems = watchConsole(shopper)
    await signIn(shopper, 'customer@example.com', 'demo-customer-password')
    await shopper.goto(`${BASE}${shopLink}`)
    await shopper.getByRole('button', { name: 'Add to cart' }).click()
    await shopper.waitForURL(/\/cart\?added=1$/)
    await shopper.getByRole('link', { name: 'Check out' }).click()
    await fillCheckoutAddress(shopper, { name: 'Demo Customer', line1: '1 Harbour Road', city: 'Cork', postalCode: 'T12 X123', country: 'IE' })
    await shopper.getByRole('button', { name: 'Place order and pay' }).click()
    await shopper.getByRole('button', { name: 'Pay now' }).click()
    await shopper.getByRole('button', { name: /^Pay/ }).click()
    await shopper.waitForURL(/\/orders\/[0-9a-f-]{36}\?paid=1$/)
    const orderPath = new URL(shopper.url()).pathname

    // Staff ship it.
    await adminPage.goto(`${BASE}/admin/orders?status=paid`)
    await check(adminPage, adminProblems, '23-admin-orders')
    await adminPage.goto(`${BASE}/admin${orderPath}`)
    await adminPage.getByLabel('Carrier').fill('An Post')
    await adminPage.getByLabel('Tracking number').fill('CE123456789IE')
    await check(adminPage, adminProblems, '24-admin-order')
    await adminPage.getByRole('button', { name: 'Mark shipped' }).click()
    await adminPage.locator('.notice-success', { hasText: 'marked shipped with An Post (tracking CE123456789IE)' }).waitFor()
    expect((await adminPage.locator('.admin-page-header .admin-chip').first().innerText()).trim()).toBe('Shipped')

    // The customer sees it.
    await shopper.goto(`${BASE}${orderPath}`)
    expect((await shopper.locator('.status').first().innerText()).trim()).toBe('Shipped')
    await check(shopper, shopperProblems, '25-order-shipped')

    // Staff refund it in full (nothing chosen: everything left); the customer's mails say shipped, then refunded.
    await adminPage.goto(`${BASE}/admin${orderPath}`)
    // Everything left: the board and its shipping to Ireland, as the order's total says.
    const total = (await totalsOn(adminPage))['Total']!
    expect(total).toMatch(/^\$\d+\.\d\d$/)
    await adminPage.getByLabel('Reason').fill('Arrived damaged')
    await adminPage.getByRole('button', { name: 'Refund', exact: true }).click()
    await adminPage.locator('.notice-success', { hasText: `${total} refunded` }).waitFor()
    const ref = orderPath.split('/').pop()!.slice(0, 8).toUpperCase()
    const shipped = await readMail(adminPage, 'customer@example.com', `Order ${ref} is on its way`)
    expect(shipped).toContain('An Post')
    expect(shipped).toContain('CE123456789IE')
    await screenshots(adminPage, '26-mail-order-shipped')
    const refunded = await readMail(adminPage, 'customer@example.com', `Order ${ref} refunded`)
    expect(refunded).toContain(total)
    await screenshots(adminPage, '27-mail-order-refunded')

    // Staff-only pages stay closed to the customer.
    const refused = await shopper.goto(`${BASE}/admin`)
    expect(refused?.status()).toBe(403)
    await adminContext.close()
    await shopperContext.close()
  })

  it('staff work in the admin frame: settings, order search, bulk product actions, and the menu on a phone', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems = watchConsole(page)
    await signIn(page, 'admin@example.com', 'demo-admin-password')

    // The frame: its own header, no shop search, the current screen marked.
    await page.goto(`${BASE}/admin/orders`)
    expect(await page.locator('#site-search').count()).toBe(0)
    expect(await page.locator('.admin-sidebar a[aria-current="page"]').innerText()).toBe('Orders')
    await page.getByRole('searchbox', { name: 'Search' }).fill('customer@example')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.waitForURL(/q=customer%40example/)
    const customers = await page.locator('.admin-list tbody td[data-label="Customer"]').allInnerTexts()
    expect(customers.length).toBeGreaterThan(0)
    expect(customers.every((text) => text.includes('customer@example.com'))).toBe(true)
    await check(page, problems, '50-admin-orders-search')
    await page.goto(`${BASE}/admin/orders?q=no-such-order-anywhere`)
    await page.locator('.admin-empty', { hasText: 'No order matches these filters.' }).waitFor()

    // Store settings: the time zone every date is shown in, and the low stock threshold.
    await page.goto(`${BASE}/admin/settings`)
    await page.getByLabel('Time zone').selectOption('Europe/Dublin')
    await page.getByLabel('Low stock threshold').fill('3')
    await check(page, problems, '51-admin-settings')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.locator('.notice-success', { hasText: 'Settings saved: dates in Europe/Dublin, low stock at 3 units or fewer.' }).waitFor()
    await page.goto(`${BASE}/admin`)
    await page.locator('.admin-page-header', { hasText: 'days in Europe/Dublin' }).waitFor()
    await page.getByRole('link', { name: '12 months' }).click()
    await page.waitForURL(/period=12m/)
    expect(await page.locator('.chart .chart-bar').count()).toBe(12)
    await check(page, problems, '52-admin-dashboard-year')

    // Bulk actions on the products ticked: deactivate two, activate them again; deleting asks first.
    await page.goto(`${BASE}/admin/products?sort=name`)
    const names = (await page.locator('.admin-list tbody tr .admin-item a').allInnerTexts()).slice(0, 2)
    for (const name of names) await page.getByLabel(`Select ${name}`, { exact: true }).check()
    await page.getByLabel('Action').selectOption('deactivate')
    await check(page, problems, '53-admin-products-bulk')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.locator('.notice-success', { hasText: `Deactivated: 2 products (“${names[0]}”, “${names[1]}”).` }).waitFor()
    expect(await page.locator('.admin-list tbody tr', { hasText: names[0] }).locator('.admin-chip').innerText()).toBe('Inactive')
    for (const name of names) await page.getByLabel(`Select ${name}`, { exact: true }).check()
    await page.getByLabel('Action').selectOption('activate')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.locator('.notice-success', { hasText: 'Activated: 2 products' }).waitFor()
    await page.getByLabel(`Select ${names[0]}`, { exact: true }).check()
    await page.getByLabel('Action').selectOption('delete')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.getByRole('heading', { name: 'Delete 1 product?' }).waitFor()
    await check(page, problems, '54-admin-products-delete-confirm')
    await page.getByRole('link', { name: 'Keep them' }).click()
    await page.locator('.admin-list', { hasText: names[0] }).waitFor()
    await page.getByRole('link', { name: /Select all \d+ products on this page/ }).click()
    await page.waitForURL(/select=all/)
    expect(await page.locator('td.pick input:not(:checked)').count()).toBe(0)

    // Every other admin screen, at both widths, with axe.
    for (const [path, name] of [
      ['/admin/products/new', '55-admin-product-new'],
      ['/admin/categories', '56-admin-categories'],
      ['/admin/discounts', '57-admin-discounts'],
      ['/admin/shipping', '58-admin-shipping'],
      ['/admin/taxes', '59-admin-taxes'],
      ['/admin/users', '60-admin-users'],
      ['/admin/audit', '61-admin-audit'],
      ['/admin/outbox', '62-admin-notifications'],
      ['/admin/webhooks', '63-admin-webhooks'],
      ['/admin/imports', '64-admin-imports'],
    ] as const) {
      await page.goto(`${BASE}${path}`)
      await check(page, problems, name)
    }

    // On a phone the navigation folds into a menu.
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${BASE}/admin/orders`)
    expect(await page.locator('.admin-sidebar').isVisible()).toBe(false)
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await page.locator('.admin-menu summary').click()
    await page.locator('.admin-menu').getByRole('link', { name: 'Store settings' }).click()
    await page.waitForURL(/\/admin\/settings$/)
    await page.getByLabel('Time zone').selectOption('UTC')
    await page.getByLabel('Low stock threshold').fill('5')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.locator('.notice-success', { hasText: 'dates in UTC' }).waitFor()
    await context.close()
  })
})
