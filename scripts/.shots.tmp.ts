import { chromium } from 'playwright-core'
const base = process.env.BASE ?? 'http://127.0.0.1:8830'
const paths = (process.argv[2] ?? '/').split(',')
const dark = process.env.DARK === '1'
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] })
for (const width of (process.env.WIDTHS ?? '390,1280').split(',').map(Number)) {
  const context = await browser.newContext({ viewport: { width, height: width === 390 ? 844 : 900 }, colorScheme: dark ? 'dark' : 'light' })
  const page = await context.newPage()
  if (process.env.SIGNIN) {
    await page.goto(`${base}/account/sign-in`)
    await page.getByLabel('Email').fill('customer@example.com')
    await page.getByLabel('Password').fill('demo-customer-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(/\/account$/)
  }
  for (const path of paths) {
    await page.goto(`${base}${path}`)
    const name = (path.replace(/[^a-z0-9]+/gi, '_') || 'home') + (dark ? '-dark' : '')
    const sw = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth])
    console.log(width, path, page.url(), 'scroll', sw.join('/'))
    await page.screenshot({ path: `/tmp/shots/${name}-${width}.png`, fullPage: process.env.FULL !== '0' })
  }
  await context.close()
}
await browser.close()
