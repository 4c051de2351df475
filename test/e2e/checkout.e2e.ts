/**
 * Issue 15's proof in a real browser: a guest on a phone buys with the code WELCOME10 and Express
 * shipping to California, and every total (subtotal, discount, shipping, tax, total) is the same on the
 * cart, the checkout, the order page, the payment page, the receipt, the order mail and the admin's order
 * page — and adds up: total = subtotal − discount + shipping + tax.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BASE, check, fillCheckoutAddress, launch, readMail, signIn, totalsOn, watchConsole } from './browser'

let browser: Browser
beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

/** "$12.34" → 1234; "−$1.20" → -120; "Free" → 0. */
const cents = (text: string | undefined): number => {
  if (text === undefined) throw new Error('no such total on the page')
  if (text.trim() === 'Free') return 0
  const match = /(−|-)?\$([\d,]+)\.(\d\d)/.exec(text)
  if (!match) throw new Error(`not an amount: ${text}`)
  return (match[1] ? -1 : 1) * (Number(match[2]!.replace(/,/g, '')) * 100 + Number(match[3]))
}

interface Figures {
  subtotal: number
  discount: number
  shipping: number
  tax: number
  total: number
}

/** The figures of a totals list, by the labels every page uses. */
function figuresOf(rows: Record<string, string>): Figures {
  const find = (test: (label: string) => boolean) => Object.entries(rows).find(([label]) => test(label))?.[1]
  return {
    subtotal: cents(rows['Subtotal']),
    discount: -cents(find((l) => l.startsWith('Code WELCOME10'))),
    shipping: cents(find((l) => l.startsWith('Shipping') && l.includes('Express'))),
    tax: cents(find((l) => l.startsWith('California sales tax'))),
    total: cents(rows['Total']),
  }
}

/** A product of one variant under $100 (so that the automatic "10 % off over $100" stays out of the sum), in stock. */
async function plainProduct(): Promise<{ slug: string; name: string }> {
  const list = (await (await fetch(`${BASE}/api/products?in_stock=true&max_price=6000&page_size=50`)).json()) as { items: { slug: string; name: string; price_min_cents: number; price_max_cents: number }[] }
  const found = list.items.find((item) => item.price_min_cents === item.price_max_cents && item.price_min_cents >= 2000)
  if (!found) throw new Error('the demo has no plain product between $20 and $60')
  return found
}

describe('a guest checking out', () => {
  it('buys with WELCOME10 and Express shipping, and every page shows the same totals, which add up', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    const problems = watchConsole(page)
    const product = await plainProduct()
    await page.goto(`${BASE}/products/${product.slug}`)
    await page.getByRole('button', { name: 'Add to cart' }).click()
    await page.waitForURL(/\/cart\?added=1$/)

    // The cart: the code, then an estimate for California.
    await page.getByLabel('Discount code').fill(' welcome10 ')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.locator('dt', { hasText: 'Code WELCOME10' }).waitFor()
    await page.locator('.estimate summary').click()
    await page.getByLabel('Country', { exact: true }).selectOption('US')
    await page.getByLabel('State, province or territory').selectOption('CA')
    await page.getByRole('button', { name: 'Estimate' }).click()
    await page.locator('dt', { hasText: 'California sales tax' }).waitFor()
    await check(page, problems, '40-cart-code-estimate')
    const cartRows = await totalsOn(page)
    expect(cents(cartRows['Subtotal'])).toBeGreaterThan(0)

    // Checkout as a guest: the email, the address, Express.
    await page.getByRole('link', { name: 'Check out' }).click()
    await page.waitForURL(/\/checkout$/)
    const email = `guest-${Date.now().toString(36)}@example.com`
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Continue as guest' }).click()
    await page.waitForURL(/\/checkout$/)
    await fillCheckoutAddress(page, { name: 'Grace Hopper', line1: '1 Infinite Loop', city: 'Cupertino', postalCode: '95014', country: 'US', region: 'CA' })
    await page.locator('.method-list label', { hasText: 'Express' }).click()
    await page.getByRole('button', { name: 'Update totals' }).click()
    await page.locator('.checkout-review dt', { hasText: 'Express' }).waitFor()
    await check(page, problems, '41-checkout-guest-express')
    const shown = figuresOf(await totalsOn(page, '.checkout-review dl.totals'))
    expect(shown.discount).toBeGreaterThan(0)
    expect(shown.shipping).toBeGreaterThan(0)
    expect(shown.tax).toBeGreaterThan(0)
    expect(shown.total).toBe(shown.subtotal - shown.discount + shown.shipping + shown.tax)
    // The code's 10 %, of the subtotal, to the cent; the tax half-up on what is left (shipping untaxed at home).
    expect(shown.discount).toBe(Math.round(shown.subtotal / 10))
    expect(shown.tax).toBe(Math.round(((shown.subtotal - shown.discount) * 725) / 10_000))
    // The cart said the same of the goods (its shipping an estimate by the cheapest method).
    expect(figuresOf({ ...cartRows, 'Shipping · Express': '$0.00' })).toMatchObject({ subtotal: shown.subtotal, discount: shown.discount, tax: shown.tax })

    // Placed: the order page (reached by its signed link) shows the same.
    await page.getByRole('button', { name: 'Place order and pay' }).click()
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}\?key=[^&]+&placed=1$/)
    await page.getByText('Keep this link to see your order').waitFor()
    expect(figuresOf(await totalsOn(page))).toEqual(shown)
    await check(page, problems, '42-order-guest-placed')
    const orderUrl = new URL(page.url())
    const orderId = orderUrl.pathname.split('/').pop()!

    // The payment asks for exactly the total.
    await page.getByRole('button', { name: 'Pay now' }).click()
    await page.waitForURL(/\/payments\/test\//)
    expect(await page.locator('main').innerText()).toContain(`$${(shown.total / 100).toFixed(2)}`)
    await page.getByRole('button', { name: /^Pay/ }).click()
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}\?paid=1&key=/)
    expect(figuresOf(await totalsOn(page))).toEqual(shown)

    // The receipt, through the same link.
    await page.getByRole('link', { name: 'Printable receipt' }).click()
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}\/receipt\?key=/)
    expect(figuresOf(await totalsOn(page))).toEqual(shown)
    await check(page, problems, '43-receipt-guest')

    // Staff: the order mail and the admin's order page.
    const staffContext = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const staff = await staffContext.newPage()
    await signIn(staff, 'admin@example.com', 'demo-admin-password')
    const mail = await readMail(staff, email, `Order ${orderId.slice(0, 8).toUpperCase()} confirmed`)
    for (const [label, amount] of [
      ['Subtotal', shown.subtotal],
      ['Code WELCOME10', -shown.discount],
      ['Shipping · Express', shown.shipping],
      ['California sales tax (7.25 %)', shown.tax],
      ['Total', shown.total],
    ] as const) {
      expect(mail).toContain(label)
      expect(mail).toContain(`${amount < 0 ? '−' : ''}$${(Math.abs(amount) / 100).toFixed(2)}`)
    }
    await staff.goto(`${BASE}/admin/orders/${orderId}`)
    expect(figuresOf(await totalsOn(staff))).toEqual(shown)
    await check(staff, [], '44-admin-order-totals')
    await staffContext.close()
    await context.close()
  })
})
