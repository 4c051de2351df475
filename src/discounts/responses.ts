/** What the admin API answers about discounts, as zod schemas (types and the OpenAPI document come from them). */
import { z } from 'zod'
import { Instant } from '../catalog/responses'
import { DISCOUNT_KINDS } from '../db/schema'
import { PAGE_FIELDS } from '../platform/pagination'
import { DISCOUNT_STATUSES } from './status'

export const AdminDiscount = z
  .object({
    id: z.int(),
    code: z.string().nullable().describe('Null for an automatic promotion'),
    automatic: z.boolean(),
    title: z.string(),
    kind: z.enum(DISCOUNT_KINDS),
    value: z.int().describe('Basis points for a percentage (1250 = 12.5 %), cents for a fixed amount, 0 for free shipping'),
    percent_off: z.string().nullable().describe('For a percentage: "12.5"'),
    amount_off_cents: z.int().nullable().describe('For a fixed amount'),
    min_subtotal_cents: z.int().nullable(),
    product_ids: z.array(z.int()),
    category_ids: z.array(z.int()),
    starts_at: Instant.nullable(),
    ends_at: Instant.nullable(),
    usage_limit: z.int().nullable(),
    per_customer_limit: z.int().nullable(),
    times_used: z.int().describe('Live uses: orders placed with it, less those that ended unpaid'),
    redemptions: z.int().describe('Orders ever placed with it (a discount with any cannot be deleted, only deactivated)'),
    is_active: z.boolean(),
    status: z.enum(DISCOUNT_STATUSES),
    created_at: Instant,
    updated_at: Instant,
  })
  .meta({ id: 'AdminDiscount' })
export type AdminDiscount = z.infer<typeof AdminDiscount>

export const AdminDiscountPage = z.object({ items: z.array(AdminDiscount), ...PAGE_FIELDS }).meta({ id: 'AdminDiscountPage' })
export type AdminDiscountPage = z.infer<typeof AdminDiscountPage>
