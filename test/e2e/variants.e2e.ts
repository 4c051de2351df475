import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BASE, check, fillCheckoutAddress, launch, readMail, screenshots, signIn, watchConsole } from './browser'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

type AdminVariant = { id: number; title: string; sku: string | null; stock_quantity: number; stock_held: number }

/** Every variant's true counts (on hand and held), as staff see them: the shop shows stock only up to 10. */
async function variantCounts(staff: Page, productId: number): Promise<Map<string, AdminVariant>> {
  const response = await staff.request.get(`${BASE}/api/admin/products/${productId}/variants`)
  expect(response.status()).toBe(200)
  const set = (await response.json()) as { variants: AdminVariant[] }
  return new Map(set.variants.map((v) => [v.title, v]))
}

describe('a shopper buys one variant', () => {
  it('picks "Navy / M" of the Harbor Tee without JavaScript, buys it, and only that variant’s stock moves', async () => {
    const staffContext = await browser.newContext()
    const staff = await staffContext.newPage()
    await signIn(staff, 'admin@example.com', 'demo-admin-password')

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems = watchConsole(page)
    await signIn(page, 'customer@example.com', 'demo-customer-password')

    const product = (await (await fetch(`${BASE}/api/products/harbor-tee`)).json()) as {
      id: number
      options: { name: string; values: string[] }[]
      variants: { id: number; title: string; sku: string | null; price_cents: number }[]
    }
    expect(product.options.map((o) => o.name).sort()).toEqual(['Colour', 'Size'])
    const navyM = product.variants.find((v) => v.title === 'Navy / M')
    expect(navyM).toBeDefined()
    const before = await variantCounts(staff, product.id)

    await page.goto(`${BASE}/products/harbor-tee`)
    await check(page, problems, '30-product-variants')
    await page.getByRole('group', { name: /^Colour/ }).getByRole('link', { name: /^Navy/ }).click()
    await page.waitForURL(/\?variant=\d+$/)
    await page.getByRole('group', { name: /^Size/ }).getByRole('link', { name: /^M\b/ }).click()
    await page.waitForURL(new RegExp(`\\?variant=${navyM!.id}$`))
    expect(await page.getByRole('group', { name: /^Colour/ }).innerText()).toContain('Navy')
    expect(await page.getByRole('group', { name: /^Size/ }).innerText()).toContain('M')
    expect(await page.locator('.price').first().innerText()).toContain((navyM!.price_cents / 100).toFixed(2))
    await check(page, problems, '31-product-navy-m')

    await page.getByRole('button', { name: 'Add to cart' }).click()
    await page.waitForURL(/\/cart\?added=1$/)
    const row = page.locator('.cart tbody tr', { hasText: 'Harbor Tee' })
    await expect.poll(() => row.innerText()).toContain('Navy / M')
    await check(page, problems, '32-cart-variant')

    await page.getByRole('link', { name: 'Check out' }).click()
    await page.waitForURL(/\/checkout$/)
    expect(await page.locator('main').innerText()).toContain('Navy / M')
    await fillCheckoutAddress(page, { name: 'Ada Lovelace', line1: '12 Analytical Row', city: 'London', postalCode: 'N1 9GU', country: 'GB' })
    await page.getByRole('button', { name: 'Place order and pay' }).click()
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}\?placed=1$/)
    await page.getByRole('button', { name: 'Pay now' }).click()
    await page.waitForURL(/\/payments\/test\//)
    await page.getByRole('button', { name: /^Pay/ }).click()
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}\?paid=1$/)
    expect(await page.locator('main').innerText()).toContain('Navy / M')
    await check(page, problems, '33-order-variant')

    // Exactly one unit of Navy / M left the shelf; every other variant is as it was.
    const after = await variantCounts(staff, product.id)
    for (const [title, was] of before) {
      const now = after.get(title)!
      if (title === 'Navy / M') expect([now.stock_quantity, now.stock_held]).toEqual([was.stock_quantity - 1, was.stock_held])
      else expect([title, now.stock_quantity, now.stock_held]).toEqual([title, was.stock_quantity, was.stock_held])
    }

    // The order's mails (issue 16): placed, then paid, each read in the dev mailbox, the line by its variant.
    const orderRef = page.url().match(/\/orders\/([0-9a-f-]{36})/)![1]!
    const mail = await readMail(staff, 'customer@example.com', `Order ${orderRef.slice(0, 8).toUpperCase()} confirmed`)
    expect(mail).toContain('Navy / M')
    expect(mail).toContain('SKU CS-00004-NAV-M')
    await screenshots(staff, '35-mail-order-confirmed')
    await context.close()
    await staffContext.close()
  })
})

describe('the product gallery', () => {
  it('switches the picture from a thumbnail and zooms into it, all without script, on a phone too', async () => {
    // A product with three pictures, found through the API.
    const list = (await (await fetch(`${BASE}/api/products?page_size=100`)).json()) as { items: { slug: string }[] }
    let slug: string | undefined
    for (const item of list.items) {
      const detail = (await (await fetch(`${BASE}/api/products/${item.slug}`)).json()) as { images: unknown[] }
      if (detail.images.length >= 3) {
        slug = item.slug
        break
      }
    }
    expect(slug).toBeDefined()
    for (const width of [1280, 390]) {
      const context = await browser.newContext({ viewport: { width, height: width === 390 ? 844 : 900 } })
      const page = await context.newPage()
      const problems = watchConsole(page)
      await page.goto(`${BASE}/products/${slug}`)
      const slide = (n: number) => page.locator(`#image-${n}`)
      expect([await slide(1).isVisible(), await slide(2).isVisible()]).toEqual([true, false])
      await page.locator('.gallery-thumbs a[href="#image-2"]').click()
      await page.waitForURL(/#image-2$/)
      expect([await slide(1).isVisible(), await slide(2).isVisible(), await slide(3).isVisible()]).toEqual([false, true, false])
      // Zoom: the large picture over the page, then closed by its link, back on the same picture.
      await slide(2).getByRole('link', { name: /^Zoom/ }).click()
      await page.waitForURL(/#zoom-2$/)
      const lightbox = page.locator('#zoom-2')
      expect(await lightbox.isVisible()).toBe(true)
      expect(await lightbox.evaluate((box) => getComputedStyle(box).position)).toBe('fixed')
      if (width === 1280) await check(page, problems, '36-product-zoom')
      await lightbox.getByRole('link', { name: /^Close/ }).click()
      await page.waitForURL(/#image-2$/)
      expect([await lightbox.isVisible(), await slide(2).isVisible()]).toEqual([false, true])
      const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth])
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth)
      expect(await page.locator('script:not([type="application/ld+json"])').count()).toBe(0)
      await context.close()
    }
  })
})
