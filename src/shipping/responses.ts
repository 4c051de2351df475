/** What the shipping and tax admin API answers, as zod schemas: the types are inferred from them and the OpenAPI document generated from them. */
import { z } from 'zod'
import { SHIPPING_RATE_KINDS, TAX_CLASSES } from '../db/schema'

export const ShippingMethodView = z
  .object({
    id: z.int(),
    zone_id: z.int(),
    name: z.string(),
    estimate: z.string(),
    rate_kind: z.enum(SHIPPING_RATE_KINDS),
    flat_cents: z.int(),
    bands: z.array(z.object({ min: z.int(), max: z.int().nullable(), price_cents: z.int() })),
    free_above_cents: z.int().nullable(),
    is_active: z.boolean(),
    position: z.int(),
  })
  .meta({ id: 'ShippingMethod' })
export type ShippingMethodView = z.infer<typeof ShippingMethodView>

export const ShippingZoneView = z
  .object({
    id: z.int(),
    name: z.string(),
    shipping_taxable: z.boolean(),
    position: z.int(),
    areas: z.array(z.object({ country: z.string(), region: z.string(), name: z.string().describe('"Germany", "California, United States"') })),
    methods: z.array(ShippingMethodView),
    warnings: z.array(z.string()).describe('What stops shoppers in this zone from checking out: no active method, no area'),
  })
  .meta({ id: 'ShippingZone' })
export type ShippingZoneView = z.infer<typeof ShippingZoneView>

export const ShippingZoneList = z
  .object({
    items: z.array(ShippingZoneView),
    warnings: z.array(z.string()).describe('Every zone’s warnings, named by zone'),
  })
  .meta({ id: 'ShippingZoneList' })
export type ShippingZoneList = z.infer<typeof ShippingZoneList>

export const TaxRateView = z
  .object({
    id: z.int(),
    country: z.string(),
    region: z.string(),
    tax_class: z.enum(TAX_CLASSES),
    rate_bp: z.int().describe('Basis points: 725 = 7.25 %'),
    rate_percent: z.string().describe('The rate as a percentage, e.g. "7.25"'),
    name: z.string(),
  })
  .meta({ id: 'TaxRate' })
export type TaxRateView = z.infer<typeof TaxRateView>

export const TaxRateList = z.object({ items: z.array(TaxRateView) }).meta({ id: 'TaxRateList' })
export type TaxRateList = z.infer<typeof TaxRateList>

export const CheckoutSettingsView = z
  .object({
    prices_include_tax: z.boolean(),
    updated_at: z.string().describe('ISO 8601'),
  })
  .meta({ id: 'CheckoutSettings' })
export type CheckoutSettingsView = z.infer<typeof CheckoutSettingsView>
