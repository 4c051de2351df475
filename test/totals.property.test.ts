import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { allocate, computeTotals, type TotalsInput, type TotalsLine } from '../src/checkout/totals'
import type { CheckoutConfig, DiscountRule, MethodRule, TaxRateRule, ZoneRule } from '../src/checkout/types'
import { lineRefundCents } from '../src/payments/refunds'

const TAX_CLASSES = ['standard', 'reduced', 'zero'] as const

const line = (over: Partial<TotalsLine> & Pick<TotalsLine, 'variantId' | 'unitPriceCents' | 'quantity'>): TotalsLine => ({
  productId: over.variantId,
  categoryIds: [],
  weightGrams: 0,
  taxClass: 'standard',
  ...over,
})

const rule = (over: Partial<DiscountRule> & Pick<DiscountRule, 'id' | 'kind' | 'value'>): DiscountRule => ({
  code: null,
  title: `Discount ${over.id}`,
  minSubtotalCents: null,
  productIds: [],
  categoryIds: [],
  ...over,
})

const method = (over: Partial<MethodRule> & Pick<MethodRule, 'id' | 'zoneId'>): MethodRule => ({
  name: `Method ${over.id}`,
  estimate: '',
  rateKind: 'flat',
  flatCents: 0,
  bands: [],
  freeAboveCents: null,
  position: over.id,
  ...over,
})

const noDiscounts = { code: null, automatic: [] }

describe('the totals formula, by example', () => {
  const us: CheckoutConfig = {
    pricesIncludeTax: false,
    zones: [
      {
        id: 1,
        name: 'Domestic',
        shippingTaxable: false,
        areas: [{ country: 'US', region: '' }],
        methods: [
          method({ id: 10, zoneId: 1, name: 'Standard', flatCents: 500, freeAboveCents: 10_000 }),
          method({ id: 11, zoneId: 1, name: 'Express', rateKind: 'weight', bands: [{ min: 0, max: 1000, price_cents: 1500 }, { min: 1000, max: null, price_cents: 2500 }] }),
        ],
      },
    ],
    taxRates: [
      { country: 'US', region: 'CA', taxClass: 'standard', rateBp: 725, name: 'CA sales tax' },
      { country: 'US', region: '', taxClass: 'standard', rateBp: 0, name: 'No sales tax' },
    ],
  }

  it('adds California sales tax per line, rounded half-up, to a US order with express shipping', () => {
    // 2 × $19.99 = $39.98 → 7.25 % = 289.855 → 290; 1 × $5.10 → 36.975 → 37. Weight 3 × 400 g = 1200 g: the 1 kg+ band, $25.
    const totals = computeTotals({
      lines: [line({ variantId: 1, unitPriceCents: 1999, quantity: 2, weightGrams: 400 }), line({ variantId: 2, unitPriceCents: 510, quantity: 1, weightGrams: 400 })],
      destination: { country: 'US', region: 'CA' },
      shippingMethodId: 11,
      discounts: noDiscounts,
      config: us,
    })
    expect(totals.lines.map((l) => l.taxCents)).toEqual([290, 37])
    expect(totals).toMatchObject({ subtotalCents: 4508, shippingCents: 2500, taxCents: 327, totalCents: 4508 + 2500 + 327, weightGrams: 1200, problems: [] })
    expect(totals.taxLines).toEqual([{ name: 'CA sales tax', rateBp: 725, taxableCents: 4508, amountCents: 327 }])
    expect(totals.methods.map((m) => [m.name, m.priceCents])).toEqual([
      ['Standard', 500],
      ['Express', 2500],
    ])
  })

  it('ships free above the threshold counted after discounts, and charges no tax where the rate is 0', () => {
    const lines = [line({ variantId: 1, unitPriceCents: 10_500, quantity: 1 })]
    const full = computeTotals({ lines, destination: { country: 'US', region: 'NY' }, shippingMethodId: 10, discounts: noDiscounts, config: us })
    expect(full).toMatchObject({ shippingCents: 0, taxCents: 0, totalCents: 10_500 })
    const code = rule({ id: 1, code: 'TEN', kind: 'fixed', value: 1000 })
    const discounted = computeTotals({ lines, destination: { country: 'US', region: 'NY' }, shippingMethodId: 10, discounts: { code, automatic: [] }, config: us })
    expect(discounted).toMatchObject({ discountCents: 1000, shippingCents: 500, totalCents: 9500 + 500 })
  })

  it('shows the VAT an EU order includes without changing its total, shipping taxed at the standard rate', () => {
    const eu: CheckoutConfig = {
      pricesIncludeTax: true,
      zones: [{ id: 2, name: 'EU', shippingTaxable: true, areas: [{ country: 'FR', region: '' }, { country: 'DE', region: '' }], methods: [method({ id: 20, zoneId: 2, flatCents: 600 })] }],
      taxRates: [
        { country: 'FR', region: '', taxClass: 'standard', rateBp: 2000, name: 'TVA' },
        { country: 'FR', region: '', taxClass: 'reduced', rateBp: 550, name: 'TVA réduite' },
      ],
    }
    // €30.00 incl. 20 % → 30.00 × 20/120 = 5.00; a book €12.66 incl. 5.5 % → 12.66 × 5.5/105.5 = 0.66; shipping €6.00 → 1.00.
    const totals = computeTotals({
      lines: [line({ variantId: 1, unitPriceCents: 1500, quantity: 2 }), line({ variantId: 2, unitPriceCents: 1266, quantity: 1, taxClass: 'reduced' })],
      destination: { country: 'FR', region: '' },
      shippingMethodId: 20,
      discounts: noDiscounts,
      config: eu,
    })
    expect(totals).toMatchObject({ subtotalCents: 4266, shippingCents: 600, taxCents: 500 + 66 + 100, taxInclusive: true, totalCents: 4866 })
    expect(totals.taxLines).toEqual([
      { name: 'TVA', rateBp: 2000, taxableCents: 3000 + 600, amountCents: 600 },
      { name: 'TVA réduite', rateBp: 550, taxableCents: 1266, amountCents: 66 },
    ])
  })

  it('takes a code off first, then the best promotion on what is left, shared across lines to the cent', () => {
    const code = rule({ id: 1, code: 'WELCOME10', kind: 'percentage', value: 1000 })
    const small = rule({ id: 2, kind: 'fixed', value: 300 })
    const big = rule({ id: 3, kind: 'percentage', value: 500, categoryIds: [7] })
    // Lines $10.00, $20.00, $33.33 = $63.33. Code 10 % = 633.3 → 633, shared 100 / 200 / 333.
    // After it: 900, 1800, 3000. Promotions: $3 fixed on all = 300; 5 % of the category-7 lines (1800 + 3000) = 240. $3 wins.
    const totals = computeTotals({
      lines: [line({ variantId: 1, unitPriceCents: 1000, quantity: 1 }), line({ variantId: 2, unitPriceCents: 2000, quantity: 1, categoryIds: [7] }), line({ variantId: 3, unitPriceCents: 3333, quantity: 1, categoryIds: [7] })],
      destination: null,
      shippingMethodId: null,
      discounts: { code, automatic: [big, small] },
      config: { pricesIncludeTax: false, zones: [], taxRates: [] },
    })
    expect(totals.discounts.map((d) => [d.rule.id, d.amountCents])).toEqual([
      [1, 633],
      [2, 300],
    ])
    // $3 over 900 / 1800 / 3000 (5700): 47.37…, 94.74…, 157.89… → 47, 95, 158 by largest remainder.
    expect(totals.lines.map((l) => l.discountCents)).toEqual([100 + 47, 200 + 95, 333 + 158])
    expect(totals).toMatchObject({ discountCents: 933, totalCents: 6333 - 933, problems: [] })
  })

  it('says what is wrong: a country no zone covers, a missing method, a method that cannot carry the cart', () => {
    const base = { lines: [line({ variantId: 1, unitPriceCents: 100, quantity: 1, weightGrams: 5000 })], discounts: noDiscounts }
    const heavy: CheckoutConfig = { ...us, zones: [{ ...(us.zones[0] as ZoneRule), methods: [method({ id: 12, zoneId: 1, rateKind: 'weight', bands: [{ min: 0, max: 1000, price_cents: 100 }] }), method({ id: 13, zoneId: 1, flatCents: 900 })] }] }
    expect(computeTotals({ ...base, destination: { country: 'JP', region: '' }, shippingMethodId: null, config: us }).problems).toEqual([{ code: 'no_zone', country: 'JP', region: '' }])
    expect(computeTotals({ ...base, destination: { country: 'US', region: 'TX' }, shippingMethodId: null, config: us }).problems).toEqual([{ code: 'method_required' }])
    const tooHeavy = computeTotals({ ...base, destination: { country: 'US', region: 'TX' }, shippingMethodId: 12, config: heavy })
    expect(tooHeavy.problems).toEqual([{ code: 'method_unavailable', methodId: 12 }])
    expect(tooHeavy.methods.map((m) => m.id)).toEqual([13])
  })

  it('charges no shipping and needs no method in a store without zones', () => {
    const totals = computeTotals({ lines: [line({ variantId: 1, unitPriceCents: 250, quantity: 4 })], destination: { country: 'ZZ', region: '' }, shippingMethodId: null, discounts: noDiscounts, config: { pricesIncludeTax: false, zones: [], taxRates: [] } })
    expect(totals).toMatchObject({ totalCents: 1000, shippingCents: 0, problems: [], shippingRequired: false })
  })

  it('prefers a region’s zone and rate to its country’s', () => {
    const config: CheckoutConfig = {
      pricesIncludeTax: false,
      zones: [
        { id: 1, name: 'Mainland', shippingTaxable: false, areas: [{ country: 'US', region: '' }], methods: [method({ id: 1, zoneId: 1, flatCents: 500 })] },
        { id: 2, name: 'Hawaii', shippingTaxable: false, areas: [{ country: 'US', region: 'HI' }], methods: [method({ id: 2, zoneId: 2, flatCents: 2000 })] },
      ],
      taxRates: [
        { country: 'US', region: '', taxClass: 'standard', rateBp: 500, name: 'Tax' },
        { country: 'US', region: 'HI', taxClass: 'standard', rateBp: 400, name: 'HI tax' },
      ],
    }
    const hi = computeTotals({ lines: [line({ variantId: 1, unitPriceCents: 1000, quantity: 1 })], destination: { country: 'us', region: 'hi' }, shippingMethodId: 2, discounts: noDiscounts, config })
    expect(hi).toMatchObject({ zone: { id: 2 }, shippingCents: 2000, taxCents: 40, totalCents: 3040 })
  })

  it('allocates by largest remainder so the shares sum exactly', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33])
    expect(allocate(0, [5, 5])).toEqual([0, 0])
    expect(allocate(7, [0, 10])).toEqual([0, 7])
  })
})

// Random stores and carts: the formula holds, nothing goes negative, the shares add up.
const bandsArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 20_000 }), { maxLength: 3 })
  .chain((cuts) => {
    const edges = [0, ...cuts.sort((a, b) => a - b)]
    return fc.tuple(...edges.map(() => fc.integer({ min: 0, max: 5000 }))).map((prices) => edges.map((min, i) => ({ min, max: edges[i + 1] ?? (i % 2 ? 30_000 : null), price_cents: prices[i] ?? 0 })))
  })

const methodArb = (id: number, zoneId: number) =>
  fc.record({
    rateKind: fc.constantFrom('flat' as const, 'weight' as const, 'subtotal' as const),
    flatCents: fc.integer({ min: 0, max: 5000 }),
    bands: bandsArb,
    freeAboveCents: fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: null }),
  }).map((m) => method({ id, zoneId, ...m }))

const COUNTRIES = ['US', 'FR', 'DE', 'JP'] as const
const REGIONS = ['', 'CA', 'NY'] as const

const configArb: fc.Arbitrary<CheckoutConfig> = fc.record({
  pricesIncludeTax: fc.boolean(),
  zones: fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3 })), { maxLength: 3 }).chain((zones) =>
    fc.tuple(
      ...zones.map(([taxable, methods], z) =>
        fc.tuple(...Array.from({ length: methods }, (_, m) => methodArb(z * 10 + m + 1, z + 1))).map(
          (ms): ZoneRule => ({ id: z + 1, name: `Zone ${z + 1}`, shippingTaxable: taxable, areas: [{ country: COUNTRIES[z] ?? 'US', region: z === 0 ? '' : 'CA' }, ...(z === 2 ? [{ country: 'FR', region: '' }] : [])], methods: ms }),
        ),
      ),
    ),
  ),
  taxRates: fc
    .uniqueArray(
      fc.record({ country: fc.constantFrom(...COUNTRIES), region: fc.constantFrom(...REGIONS), taxClass: fc.constantFrom(...TAX_CLASSES), rateBp: fc.integer({ min: 0, max: 10_000 }), name: fc.constantFrom('VAT', 'Sales tax') }),
      { selector: (r: TaxRateRule) => `${r.country}/${r.region}/${r.taxClass}`, maxLength: 8 },
    ),
})

const discountArb = (id: number, code: string | null) =>
  fc.record({
    kind: fc.constantFrom('percentage' as const, 'fixed' as const, 'free_shipping' as const),
    percent: fc.integer({ min: 1, max: 10_000 }),
    cents: fc.integer({ min: 0, max: 100_000 }),
    productIds: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 2 }),
    categoryIds: fc.uniqueArray(fc.integer({ min: 1, max: 3 }), { maxLength: 1 }),
  }).map((d) => rule({ id, code, kind: d.kind, value: d.kind === 'percentage' ? d.percent : d.kind === 'fixed' ? d.cents : 0, productIds: d.productIds, categoryIds: d.categoryIds }))

const inputArb: fc.Arbitrary<TotalsInput> = fc.record({
  lines: fc.uniqueArray(
    fc.record({
      variantId: fc.integer({ min: 1, max: 6 }),
      categoryIds: fc.uniqueArray(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      quantity: fc.integer({ min: 1, max: 99 }),
      unitPriceCents: fc.integer({ min: 0, max: 100_000 }),
      weightGrams: fc.integer({ min: 0, max: 3000 }),
      taxClass: fc.constantFrom(...TAX_CLASSES),
    }).map((l) => ({ ...l, productId: l.variantId })),
    { selector: (l) => l.variantId, minLength: 1, maxLength: 6 },
  ),
  destination: fc.option(fc.record({ country: fc.constantFrom(...COUNTRIES), region: fc.constantFrom(...REGIONS) }), { nil: null }),
  shippingMethodId: fc.option(fc.constantFrom(1, 2, 3, 11, 12, 21, 22), { nil: null }),
  discounts: fc.record({ code: fc.option(discountArb(100, 'CODE'), { nil: null }), automatic: fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 3 }).chain((ids) => fc.tuple(...[...new Set(ids)].map((id) => discountArb(id, null)))) }),
  config: configArb,
})

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)

describe('the totals formula, for any cart', () => {
  it('holds: total = subtotal − discount + shipping − shipping discount + tax when exclusive, nothing negative, shares exact', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const t = computeTotals(input)
        for (const value of [t.subtotalCents, t.discountCents, t.shippingCents, t.shippingDiscountCents, t.taxCents, t.totalCents]) {
          expect(Number.isSafeInteger(value) && value >= 0).toBe(true)
        }
        expect(t.totalCents).toBe(t.subtotalCents - t.discountCents + t.shippingCents - t.shippingDiscountCents + (t.taxInclusive ? 0 : t.taxCents))
        expect(t.subtotalCents).toBe(sum(input.lines.map((l) => l.unitPriceCents * l.quantity)))
        for (const l of t.lines) {
          expect(l.discountCents).toBeGreaterThanOrEqual(0)
          expect(l.netCents).toBe(l.subtotalCents - l.discountCents)
          expect(l.netCents).toBeGreaterThanOrEqual(0)
          expect(l.taxCents).toBeGreaterThanOrEqual(0)
          if (t.taxInclusive) expect(l.taxCents).toBeLessThanOrEqual(l.netCents)
        }
        expect(sum(t.lines.map((l) => l.discountCents))).toBe(t.discountCents)
        expect(t.shippingDiscountCents).toBeLessThanOrEqual(t.shippingCents)
        expect(sum(t.discounts.map((d) => d.amountCents))).toBe(t.discountCents + t.shippingDiscountCents)
        expect(sum(t.taxLines.map((tl) => tl.amountCents))).toBe(t.taxCents)
        expect(t.discounts.filter((d) => d.rule.code === null).length).toBeLessThanOrEqual(1)
        // Inclusive prices: the total is what the items (after discounts) and the shipping cost, tax inside.
        if (t.taxInclusive) expect(t.totalCents).toBe(sum(t.lines.map((l) => l.netCents)) + t.shippingCents - t.shippingDiscountCents)
        // An order can be placed only with a valid method wherever the store has zones.
        if (t.problems.length === 0 && input.config.zones.length > 0) expect(t.method?.id).toBe(input.shippingMethodId)
        if (input.config.zones.length === 0) expect(t.problems).toEqual([])
      }),
      { numRuns: 2000 },
    )
  })

  it('picks the promotion that takes off the most, and never fewer than none', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const chosen = computeTotals(input)
        const promoCents = sum(chosen.discounts.filter((d) => d.rule.code === null).map((d) => d.amountCents))
        for (const promotion of input.discounts.automatic) {
          const alone = computeTotals({ ...input, discounts: { ...input.discounts, automatic: [promotion] } })
          const its = sum(alone.discounts.filter((d) => d.rule.code === null).map((d) => d.amountCents))
          expect(promoCents).toBeGreaterThanOrEqual(its)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('allocates any amount up to the weights exactly, no share above its weight', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 10 }), fc.double({ min: 0, max: 1, noNaN: true }), (weights, fraction) => {
        const amount = Math.floor(sum(weights) * fraction)
        const shares = allocate(amount, weights)
        expect(sum(shares)).toBe(amount)
        shares.forEach((share, i) => expect(share).toBeLessThanOrEqual(weights[i] ?? 0))
      }),
    )
  })
})

describe('refund shares of a line', () => {
  it('return exactly what the line was paid when its units are refunded in any steps, never more for a unit than its fair share rounded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5000 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 99 }),
        (quantity, unitPriceCents, discountFraction, taxCents, taxInclusive, steps) => {
          const lineTotalCents = unitPriceCents * quantity
          const discountCents = Math.floor(lineTotalCents * discountFraction)
          const item = { productId: 1, variantId: 1, quantity, priceAtPurchaseCents: unitPriceCents, lineTotalCents, discountCents, taxCents, productName: 'Mug', variantTitle: 'Default', optionValues: [] }
          const paid = lineTotalCents - discountCents + (taxInclusive ? 0 : taxCents)
          let done = 0
          let refunded = 0
          for (const step of steps) {
            const units = Math.min(step, quantity - done)
            if (units === 0) break
            const cents = lineRefundCents(item, done, units, taxInclusive)
            expect(cents).toBeGreaterThanOrEqual(0)
            expect(Math.abs(cents - (paid * units) / quantity)).toBeLessThanOrEqual(1)
            refunded += cents
            done += units
          }
          if (done === quantity) expect(refunded).toBe(paid)
          else expect(refunded).toBe(lineRefundCents(item, 0, done, taxInclusive))
        },
      ),
    )
  })
})
