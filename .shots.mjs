import { chromium } from 'playwright-core'
const BASE = process.env.BASE ?? 'http://127.0.0.1:8850'
const paths = process.argv.slice(2)
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] })
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
const page = await ctx.newPage()
await page.goto(`${BASE}/account/sign-in`)
await page.getByLabel('Email').fill('admin@example.com')
await page.getByLabel('Password').fill('demo-admin-password')
await page.getByRole('button', { name: 'Sign in' }).click()
await page.waitForURL(/\/account$/)
for (const p of paths) {
  const name = p.replace(/[^a-z0-9]+/gi, '_')
  await page.goto(`${BASE}${p}`)
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 })
    const sw = await page.evaluate(() => document.documentElement.scrollWidth)
    if (sw > width) console.log(`${p} scrolls sideways at ${width}: ${sw}`)
    await page.screenshot({ path: `/tmp/ashots/${name}-${width}.png`, fullPage: process.env.FULL !== '0' })
  }
}
await browser.close()
