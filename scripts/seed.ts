/**
 * `npm run seed [-- --products N] [-- --if-empty]`: fills the local D1/R2 (under .wrangler/) with the
 * deterministic demo catalog, through wrangler's platform proxy (the same storage `wrangler dev` uses).
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { getPlatformProxy } from 'wrangler'
import { isCatalogEmpty, seedCatalog, type SeedBindings } from './seed/catalog'
import { seedCheckout } from './seed/checkout'
import { DEMO_USERS, seedDemoUsers } from './seed/users'
import { DEMO_DISCOUNTS, seedDemoDiscounts } from './seed/discounts'
import { seedContentPages } from './seed/content'

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '200' },
    'if-empty': { type: 'boolean', default: false },
    'persist-to': { type: 'string' },
  },
})
const productCount = Number(values.products)
if (!Number.isInteger(productCount) || productCount < 1 || productCount > 1_000_000) {
  console.error(`--products must be a whole number from 1 to 1000000, not "${values.products}"`)
  process.exit(2)
}

export function progressBar(label: string) {
  const started = Date.now()
  let last = 0
  return (done: number, total: number) => {
    const now = Date.now()
    if (done < total && now - last < 100) return
    last = now
    const width = 30
    const filled = Math.round((done / total) * width)
    const seconds = ((now - started) / 1000).toFixed(1)
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round((done / total) * 100)}% ${seconds}s`)
    if (done >= total) process.stderr.write('\n')
  }
}

// `--persist-to DIR` means what it means to wrangler: its state lives under DIR/v3.
const proxy = await getPlatformProxy<SeedBindings>({ persist: values['persist-to'] ? { path: join(values['persist-to'], 'v3') } : true })
try {
  if (values['if-empty'] && !(await isCatalogEmpty(proxy.env))) {
    console.log('Catalog already seeded; leaving it as it is.')
  } else {
    const result = await seedCatalog(proxy.env, { products: productCount, onProgress: progressBar(`Seeding ${productCount} products`) })
    console.log(`Seeded ${result.products} products in ${result.categories} categories with ${result.images} images (${result.objects} objects in R2).`)
  }
  await seedDemoUsers(proxy.env.DB)
  const checkout = await seedCheckout(proxy.env.DB)
  console.log(`Checkout: ${checkout.zones ? `${checkout.zones} shipping zones added` : 'shipping zones kept as they were'}, ${checkout.rates} tax rates.`)
  console.log(`Demo accounts (local only): ${DEMO_USERS.map((u) => `${u.email} / ${u.password}`).join(', ')}`)
  await seedDemoDiscounts(proxy.env.DB)
  console.log(`Demo discounts: ${DEMO_DISCOUNTS.map((d) => d.code ?? `"${d.title}" (automatic)`).join(', ')}`)
  console.log(`Content pages: ${await seedContentPages(proxy.env.DB)} (shipping, returns, contact, privacy, terms), where staff have written none.`)
} finally {
  await proxy.dispose()
}
