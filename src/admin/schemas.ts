import { z } from 'zod'
import { slugSchema } from '../catalog/schemas'
import { TAX_CLASSES } from '../db/schema'
import { DecimalPrice } from '../platform/money'
import { wholeNumber } from '../platform/params'

const Currency = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code, e.g. USD')
  .refine((code) => {
    try {
      return new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits === 2
    } catch {
      return false
    }
  }, 'must be a currency with cents (two decimals)')

const StockCount = z.int('must be a whole number').min(0, 'cannot be negative').max(1_000_000)

export const AdminProductBody = z
  .strictObject({
    name: z.string().trim().min(1, 'is required').max(200),
    slug: slugSchema.optional(),
    description: z.string().trim().max(10_000).default(''),
    price: DecimalPrice,
    currency: Currency.default('USD'),
    stock_quantity: StockCount.default(0),
    is_active: z.boolean().default(true),
    tax_class: z.enum(TAX_CLASSES).default('standard').describe('Which tax rates apply: standard, reduced (books, food in many countries) or zero'),
    category_ids: z.array(z.int().min(1)).max(20).default([]),
  })
export type AdminProductBody = z.infer<typeof AdminProductBody>

/**
 * A partial update, applied as one (src/admin/products.ts `updateProduct`). Stock goes through the
 * product's stock object and is never set blindly: either `stock_adjustment` (units to add, or remove
 * when negative) or `stock_quantity` with `expected_stock_quantity`, the on-hand figure the client saw
 * (a compare-and-set: 409 `stock_changed` naming the current stock when it moved meanwhile).
 */
export const AdminProductPatch = z
  .strictObject({
    name: z.string().trim().min(1, 'is required').max(200).optional(),
    slug: slugSchema.optional(),
    description: z.string().trim().max(10_000).optional(),
    price: DecimalPrice.optional(),
    currency: Currency.optional(),
    stock_quantity: StockCount.optional().describe('The new stock on hand; needs expected_stock_quantity'),
    expected_stock_quantity: StockCount.optional().describe('The stock on hand the client saw (a compare-and-set): when it changed meanwhile, nothing is saved and the answer is 409 stock_changed'),
    stock_adjustment: z.int('must be a whole number').min(-1_000_000).max(1_000_000).optional().describe('Units to add to the stock on hand (negative to remove), whatever sold meanwhile'),
    is_active: z.boolean().optional(),
    tax_class: z.enum(TAX_CLASSES).optional(),
    category_ids: z.array(z.int().min(1)).max(20).optional(),
  })
  .superRefine((patch, ctx) => {
    if (patch.stock_quantity !== undefined && patch.stock_adjustment !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['stock_adjustment'], message: 'cannot be sent with stock_quantity: send one or the other' })
    } else if (patch.stock_quantity !== undefined && patch.expected_stock_quantity === undefined) {
      ctx.addIssue({ code: 'custom', path: ['expected_stock_quantity'], message: 'is required with stock_quantity: the stock on hand you saw, so that units sold meanwhile are not put back (or send stock_adjustment)' })
    }
  })
export type AdminProductPatch = z.infer<typeof AdminProductPatch>

export const ADMIN_SORTS = ['name', '-name', 'price', '-price', 'stock', 'newest', 'oldest'] as const
export const LOW_STOCK_THRESHOLD = 5

export const AdminProductQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  active: z.enum(['true', 'false']).optional(),
  category: z.string().max(100).optional(),
  low_stock: z.enum(['true']).optional(),
  sort: z.enum(ADMIN_SORTS).default('newest'),
  page: wholeNumber(1, 10_000).default(1),
  page_size: wholeNumber(1, 100).default(25),
})
export type AdminProductQuery = z.infer<typeof AdminProductQuery>

export const ImagePatch = z.strictObject({ alt_text: z.string().trim().max(300) })
export const ImageOrder = z.strictObject({ image_ids: z.array(z.int().min(1)).min(1).max(50) })

const CategoryName = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters')
const ParentId = z.int('must be a category id').min(1, 'must be a category id').nullable()
const Position = z.int('must be a whole number').min(0, 'cannot be negative').max(10_000, 'must be at most 10000')

/** `POST /api/admin/categories`, and the admin page's "New category" form through the same schema. */
export const AdminCategoryBody = z.strictObject({
  name: CategoryName,
  slug: slugSchema.optional(),
  parent_id: ParentId.default(null),
  position: Position.default(0),
})
/** `PATCH /api/admin/categories/:id`, and the admin page's row form through the same schema. */
export const AdminCategoryPatch = z.strictObject({
  name: CategoryName.optional(),
  slug: slugSchema.optional(),
  parent_id: ParentId.optional(),
  position: Position.optional(),
})

export const IdParam = z.object({ id: wholeNumber(1, Number.MAX_SAFE_INTEGER) })

const Cents = z.int('must be a whole number of cents').min(0, 'cannot be negative').max(999_999_999, 'must be at most 999999999')
const Grams = z.int('must be a whole number of grams').min(0, 'cannot be negative').max(1_000_000, 'must be at most 1000000')
const StockAdjustment = z.int('must be a whole number').min(-1_000_000).max(1_000_000)
const VariantIdList = z.array(z.int('must be a variant id').min(1, 'must be a variant id')).min(1, 'name at least one variant').max(100, 'at most 100 variants')
/** A SKU as sent: blank or null means none. */
const Sku = z
  .string()
  .trim()
  .max(100, 'must be at most 100 characters')
  .nullable()
  .default(null)
  .transform((sku) => (sku ? sku : null))

export const AdminOptionBody = z.strictObject({
  id: z.int().min(1).optional().describe('An existing option to keep (and rename); leave out for a new one'),
  name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
  values: z.array(z.string().trim().min(1, 'a value cannot be empty').max(100, 'must be at most 100 characters')).max(100, 'at most 100 values').describe('In display order'),
})

export const AdminVariantBody = z
  .strictObject({
    id: z.int().min(1).optional().describe('An existing variant to keep (its stock and history stay); leave out for a new one'),
    option_values: z.array(z.string().trim().max(100)).max(10).default([]).describe("One value for each option, in the options' order"),
    sku: Sku,
    price_cents: Cents,
    compare_at_cents: Cents.nullable().default(null).describe('The "was" price, above price_cents'),
    weight_grams: Grams.default(0),
    image_id: z.int().min(1).nullable().default(null).describe("One of the product's images"),
    is_active: z.boolean().default(true),
    stock_quantity: StockCount.optional().describe('A new variant: its first stock. An existing one: the new stock on hand, with expected_stock_quantity'),
    expected_stock_quantity: StockCount.optional().describe('The stock on hand the client saw (a compare-and-set: 409 stock_changed when it moved meanwhile)'),
    stock_adjustment: StockAdjustment.optional().describe('Units to add to the stock on hand (negative to remove)'),
  })
  .superRefine((v, ctx) => {
    if (v.stock_quantity !== undefined && v.stock_adjustment !== undefined) ctx.addIssue({ code: 'custom', path: ['stock_adjustment'], message: 'cannot be sent with stock_quantity: send one or the other' })
    else if (v.id !== undefined && v.stock_quantity !== undefined && v.expected_stock_quantity === undefined)
      ctx.addIssue({ code: 'custom', path: ['expected_stock_quantity'], message: 'is required with stock_quantity for an existing variant: the stock on hand you saw (or send stock_adjustment)' })
    else if (v.id === undefined && v.stock_adjustment !== undefined && v.stock_adjustment < 0) ctx.addIssue({ code: 'custom', path: ['stock_adjustment'], message: 'a new variant starts from 0: it cannot be negative' })
  })
export type AdminVariantBody = z.infer<typeof AdminVariantBody>

/** `PUT /api/admin/products/:id/variants`: the whole set as it is to be (variants left out are deleted). */
export const AdminVariantSetBody = z.strictObject({
  options: z.array(AdminOptionBody).max(10, 'at most 10 options').default([]),
  variants: z.array(AdminVariantBody).max(1000, 'at most 1000 variants').describe('In display order; at most 100'),
})
export type AdminVariantSetBody = z.infer<typeof AdminVariantSetBody>

/** `POST /api/admin/products/:id/variants/generate`. */
export const GenerateVariantsBody = z.strictObject({
  price_cents: Cents.optional().describe("The new variants' price; the lowest variant price when left out"),
})

/** `POST /api/admin/products/:id/variants/bulk`: the same change to every variant named. */
export const BulkVariantBody = z
  .strictObject({
    variant_ids: VariantIdList,
    price_cents: Cents.optional(),
    compare_at_cents: Cents.nullable().optional(),
    stock_quantity: StockCount.optional().describe('Sets the stock on hand of each to this, whatever sold meanwhile (never below the units held)'),
    stock_adjustment: StockAdjustment.optional().describe('Units to add to each (negative to remove)'),
    weight_grams: Grams.optional(),
    image_id: z.int().min(1).nullable().optional(),
    is_active: z.boolean().optional(),
  })
  .superRefine((b, ctx) => {
    if (b.stock_quantity !== undefined && b.stock_adjustment !== undefined) ctx.addIssue({ code: 'custom', path: ['stock_adjustment'], message: 'cannot be sent with stock_quantity: send one or the other' })
    const changes = Object.entries(b).filter(([key, value]) => key !== 'variant_ids' && value !== undefined)
    if (changes.length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'name at least one change (price_cents, compare_at_cents, stock_quantity, stock_adjustment, weight_grams, image_id, is_active)' })
  })
export type BulkVariantBody = z.infer<typeof BulkVariantBody>

/** `PUT /api/admin/products/:id/variants/order` and `POST …/variants/delete`. */
export const VariantIdsBody = z.strictObject({ variant_ids: VariantIdList })

export const VariantParams = z.object({ id: wholeNumber(1, Number.MAX_SAFE_INTEGER), variantId: wholeNumber(1, Number.MAX_SAFE_INTEGER) })
