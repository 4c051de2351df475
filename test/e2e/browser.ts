/** Chromium for the browser tests: Debian's build, headless, plus screenshots and an axe check per page. */
import { readFileSync } from 'node:fs'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { expect } from 'vitest'

export const BASE = process.env.E2E_BASE ?? `http://127.0.0.1:${process.env.E2E_PORT ?? '8791'}`
export const SCREENSHOTS = join(import.meta.dirname, '../../test-results/screenshots')
const AXE = readFileSync(join(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8')

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })

/** Fails the test on any console error (a CSP violation, a broken asset) the page reports. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(String(error)))
  return problems
}

/** Full-page screenshots of the current page at phone (390 px) and desktop (1280 px) widths. */
export async function screenshots(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const original = page.viewportSize() ?? { width: 1280, height: 900 }
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 })
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true })
  }
  await page.setViewportSize(original)
}

/** axe-core's serious and critical violations on the current page (evaluated over CDP, so the CSP stays on). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE)
  const results = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[]
  }
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)
}

/** Visits a page as its user sees it: no console errors, no serious accessibility violation, screenshots at both widths. */
export async function check(page: Page, problems: string[], name: string) {
  await page.waitForLoadState('load')
  expect(await seriousViolations(page), `axe on ${name}`).toEqual([])
  await screenshots(page, name)
  expect(problems, `console on ${name}`).toEqual([])
}

/** Signs in through the page, as anyone does (staff land on their account page too). */
export async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${BASE}/account/sign-in`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(/\/account$/)
}

/**
 * Waits (up to 30 s: the outbox's queue sends it) for the dev mailbox (/admin/mailbox, staff only) to list a
 * mail to `to` whose subject holds `subject`, then opens its HTML and answers the page's text.
 */
export async function readMail(page: Page, to: string, subject: string): Promise<string> {
  const row = page.locator('tr', { hasText: to }).filter({ hasText: subject })
  for (let i = 0; ; i++) {
    await page.goto(`${BASE}/admin/mailbox`)
    if ((await row.count()) > 0) break
    if (i > 60) throw new Error(`no mail "${subject}" to ${to} in the dev mailbox after 30 s`)
    await page.waitForTimeout(500)
  }
  await row.first().getByRole('link', { name: 'HTML' }).click()
  return page.locator('body').innerText()
}

/** An address as the checkout's fields take it. */
export interface TestAddress {
  name: string
  line1: string
  city: string
  postalCode: string
  country: string
  /** A US, Canadian or Australian region code ("CA"), chosen in its select. */
  region?: string
}

/** Fills the checkout's address fields (step 1) and has the totals computed for it ("Update totals"): its shipping methods appear, the cheapest chosen. */
export async function fillCheckoutAddress(page: Page, address: TestAddress) {
  await page.getByLabel('Recipient').fill(address.name)
  await page.getByLabel('Address line 1').fill(address.line1)
  await page.getByLabel('City').fill(address.city)
  await page.getByLabel('Postal code').fill(address.postalCode)
  await page.getByLabel('Country', { exact: true }).selectOption(address.country)
  if (address.region) await page.getByLabel('State, province or territory').selectOption(address.region)
  await page.getByRole('button', { name: 'Update totals' }).click()
  await page.locator('.method-list').waitFor()
}

/** The rows of the first totals list on the page (`dl.totals`: subtotal, discounts, shipping, tax, total), label → amount. */
export async function totalsOn(page: Page, scope = 'dl.totals'): Promise<Record<string, string>> {
  const rows = await page.locator(scope).first().locator('div').evaluateAll((divs) =>
    divs.map((div) => [div.querySelector('dt')?.textContent?.replace(/\s+/g, ' ').trim() ?? '', div.querySelector('dd')?.textContent?.replace(/\s+/g, ' ').trim() ?? '']),
  )
  return Object.fromEntries(rows.filter(([label]) => label))
}
