/** What the admin API answers, as zod schemas: the types are inferred from them and the OpenAPI document is generated from them. */
import { z } from 'zod'
import { Instant } from '../catalog/responses'
import { CHECKOUT_STATUSES, ORDER_STATUSES, PAYMENT_PROVIDERS, PAYMENT_STATUSES, REFUND_STATUSES, TAX_CLASSES, USER_ROLES } from '../db/schema'
import { OrderView } from '../orders/responses'
import { RefundView } from '../payments/responses'
import { PAGE_FIELDS } from '../platform/pagination'


export const AdminImage = z
  .object({
    id: z.int(),
    url: z.string(),
    r2_key: z.string(),
    alt_text: z.string(),
    position: z.int(),
    content_type: z.string(),
    byte_size: z.int(),
    width: z.int().nullable(),
    height: z.int().nullable(),
  })
  .meta({ id: 'AdminImage' })
export type AdminImage = z.infer<typeof AdminImage>

const AdminProductSummary = z
  .object({
    id: z.int(),
    name: z.string(),
    slug: z.string(),
    price_cents: z.int(),
    currency: z.string(),
    stock_quantity: z.int(),
    is_active: z.boolean(),
    updated_at: Instant,
  })
  .meta({ id: 'AdminProductSummary' })

const AdminProductListItem = AdminProductSummary.extend({
  image_url: z.string().nullable().describe('Its first image, for a thumbnail'),
  low_stock: z.boolean().describe('An active variant has at most the store’s low stock threshold left to sell'),
}).meta({ id: 'AdminProductListItem' })

export const AdminProductPage = z.object({ items: z.array(AdminProductListItem), ...PAGE_FIELDS }).meta({ id: 'AdminProductPage' })
export type AdminProductPage = z.infer<typeof AdminProductPage>

export const AdminProduct = AdminProductSummary.extend({
  tax_class: z.enum(TAX_CLASSES).describe('Which tax rates apply (src/shipping: rates by country, region and class)'),
  variant_count: z.int().describe('With more than one, price_cents is the lowest variant price and stock_quantity their sum: both are set per variant'),
  description: z.string(),
  category_ids: z.array(z.int()),
  images: z.array(AdminImage).describe('In display order'),
  created_at: Instant,
}).meta({ id: 'AdminProduct' })
export type AdminProduct = z.infer<typeof AdminProduct>

export const AdminCategory = z
  .object({ id: z.int(), name: z.string(), slug: z.string(), parent_id: z.int().nullable(), position: z.int() })
  .meta({ id: 'AdminCategory' })
export type AdminCategory = z.infer<typeof AdminCategory>

export const AdminCategoryList = z.object({ items: z.array(AdminCategory) }).meta({ id: 'AdminCategoryList' })

export const DailySales = z
  .object({
    day: z.iso.date().describe("YYYY-MM-DD, in the store's time zone"),
    gross_cents: z.int(),
    refunded_cents: z.int(),
    net_cents: z.int(),
  })
  .meta({ id: 'DailySales' })
export type DailySales = z.infer<typeof DailySales>

export const Dashboard = z
  .object({
    currency: z.string(),
    time_zone: z.string().describe("The store's time zone: days and months begin at its midnight"),
    period: z.enum(['7d', '30d', '90d', '12m']).describe('The period of `series` and `top_products` (`period` query: 30d unless asked)'),
    series: z
      .array(z.object({ label: z.string().describe('YYYY-MM-DD, or YYYY-MM for 12m'), start: Instant, gross_cents: z.int(), refunded_cents: z.int(), net_cents: z.int() }))
      .describe('Net sales per day (per month for 12m) of the period, oldest first, the current one included'),
    net_period_cents: z.int(),
    paid_orders_period: z.int().describe('Orders paid in the period'),
    top_products: z
      .array(z.object({ product_id: z.int(), name: z.string(), exists: z.boolean().describe('false once the product is deleted'), units: z.int(), net_cents: z.int().describe('Its lines after discounts'), image_url: z.string().nullable() }))
      .describe('The five best sellers of the period, by units of orders paid in it'),
    to_ship_oldest: z.array(z.object({ id: z.string(), status: z.enum(ORDER_STATUSES), total_cents: z.int(), currency: z.string(), created_at: Instant })).describe('The five paid orders waiting longest to be shipped'),
    low_stock_threshold: z.int(),
    days: z.array(DailySales).describe("The last 30 days in the store's time zone, oldest first, today included"),
    net_today_cents: z.int(),
    net_7_days_cents: z.int(),
    net_30_days_cents: z.int(),
    pending_payment: z.int().describe('Orders awaiting payment'),
    to_ship: z.int().describe('Paid orders not shipped yet'),
    discounts_given_cents: z.int().describe('What discounts took off the orders paid in the last 30 days (lines and shipping)'),
    discounted_orders: z.int().describe('Orders paid in the last 30 days with a discount'),
    low_stock: z
      .array(
        z.object({
          id: z.int().describe('The product'),
          name: z.string(),
          variant_id: z.int(),
          variant_title: z.string().nullable().describe('"Navy / M"; null for a product without options'),
          sku: z.string().nullable(),
          stock_quantity: z.int().describe("The variant's on hand"),
          available: z.int().describe('On hand minus held: what can still be sold'),
        }),
      )
      .describe('Active variants of active products with at most the store’s low stock threshold available (store settings; 5 unless changed), fewest first'),
    recent_orders: z.array(z.object({ id: z.string(), status: z.enum(ORDER_STATUSES), total_cents: z.int(), currency: z.string(), created_at: Instant })),
  })
  .meta({ id: 'Dashboard' })
export type Dashboard = z.infer<typeof Dashboard>

const AdminOrderSummary = z
  .object({
    id: z.string(),
    status: z.enum(ORDER_STATUSES),
    payment_status: z.enum(PAYMENT_STATUSES),
    review_reason: z.string().nullable(),
    currency: z.string(),
    total_cents: z.int(),
    customer_email: z.string(),
    customer_name: z.string().describe("The addressee's name, else the account's"),
    units: z.int().describe('Units ordered, all lines'),
    created_at: Instant,
  })
  .meta({ id: 'AdminOrderSummary' })

export const AdminOrderPage = z.object({ items: z.array(AdminOrderSummary), ...PAGE_FIELDS }).meta({ id: 'AdminOrderPage' })
export type AdminOrderPage = z.infer<typeof AdminOrderPage>

export const OrderNote = z.object({ id: z.int(), author_email: z.string(), body: z.string(), created_at: Instant }).meta({ id: 'OrderNote' })

export const AdminOrder = OrderView.extend({
  customer: z.object({ id: z.int(), email: z.string(), name: z.string() }).nullable(),
  payments: z.array(
    z.object({
      provider: z.enum(PAYMENT_PROVIDERS),
      status: z.enum(CHECKOUT_STATUSES),
      amount_cents: z.int(),
      currency: z.string(),
      checkout_session_id: z.string().nullable(),
      payment_intent_id: z.string().nullable(),
      refunded_cents: z.int(),
    }),
  ),
  refunds: z.array(
    z.object({
      id: z.string(),
      amount_cents: z.int(),
      restock: z.boolean(),
      reason: z.string(),
      status: z.enum(REFUND_STATUSES),
      created_at: Instant,
      lines: z.array(z.object({ variant_id: z.int(), product_id: z.int(), quantity: z.int() })).describe('The order lines (by variant) and units refunded; empty for money only'),
    }),
  ),
  history: z.array(z.object({ from: z.enum(ORDER_STATUSES).nullable(), to: z.enum(ORDER_STATUSES), at: Instant, note: z.string().nullable() })),
  shipment: z.object({ carrier: z.string(), tracking_number: z.string().nullable(), shipped_at: Instant, delivered_at: Instant.nullable() }).nullable(),
  notes: z.array(OrderNote).describe("Staff's internal notes, oldest first (never shown to the customer)"),
  item_images: z.array(z.object({ variant_id: z.int(), url: z.string() })).describe("Each line's picture now: its variant's image, else its product's first (none once the product is gone)"),
}).meta({ id: 'AdminOrder', description: "The customer's view of the order, with who ordered, payments, refunds, history and shipment" })
export type AdminOrder = z.infer<typeof AdminOrder>

export const BulkShipResult = z
  .object({ shipped: z.array(z.string()), refused: z.array(z.object({ order_id: z.string(), reason: z.string() })) })
  .meta({ id: 'BulkShipResult' })
export type BulkShipResult = z.infer<typeof BulkShipResult>

export const RefundResult = z.object({ refund: RefundView, order: AdminOrder }).meta({ id: 'RefundResult' })

const AdminUser = z
  .object({ id: z.int(), email: z.string(), name: z.string(), role: z.enum(USER_ROLES), created_at: Instant, last_login_at: Instant.nullable() })
  .meta({ id: 'AdminUser' })
export const AdminUserPage = z.object({ items: z.array(AdminUser), ...PAGE_FIELDS }).meta({ id: 'AdminUserPage' })
export type AdminUserPage = z.infer<typeof AdminUserPage>

export const RoleChange = z.object({ id: z.int(), email: z.string(), role: z.enum(USER_ROLES) }).meta({ id: 'RoleChange' })
export type RoleChange = z.infer<typeof RoleChange>

/** An audit entry as stored: the record before and after is whatever the action wrote (JSON). */
const AuditEntry = z
  .object({
    id: z.int(),
    actorId: z.int().nullable(),
    actorEmail: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    at: z.int().describe('Epoch milliseconds'),
  })
  .meta({ id: 'AuditEntry' })
export const AuditPage = z.object({ items: z.array(AuditEntry), has_more: z.boolean(), page: z.int() }).meta({ id: 'AuditPage' })
export type AuditPage = z.infer<typeof AuditPage>

export const AdminVariantSet = z
  .object({
    product_id: z.int(),
    currency: z.string(),
    options: z.array(z.object({ id: z.int(), name: z.string(), position: z.int(), values: z.array(z.object({ id: z.int(), value: z.string(), position: z.int() })) })),
    variants: z.array(
      z.object({
        id: z.int(),
        sku: z.string().nullable(),
        title: z.string().describe('"Navy / M"; "Default" for a product without options'),
        option_values: z.array(z.string()).describe("In the options' order"),
        price_cents: z.int(),
        compare_at_cents: z.int().nullable(),
        weight_grams: z.int(),
        image_id: z.int().nullable(),
        is_active: z.boolean(),
        position: z.int(),
        stock_quantity: z.int().describe('On hand'),
        stock_held: z.int().describe('Held for unpaid orders'),
        available: z.int(),
      }),
    ),
  })
  .meta({ id: 'AdminVariantSet', description: "A product's options with their values and its variants, in display order" })

export const StoreSettingsView = z
  .object({
    time_zone: z.string().describe('IANA time zone of every date shown'),
    low_stock_threshold: z.int().describe('Sellable units at or under which a variant is low on stock'),
    updated_at: Instant.nullable(),
  })
  .meta({ id: 'StoreSettings' })
export type StoreSettingsView = z.infer<typeof StoreSettingsView>

export const BulkProductsResult = z
  .object({
    action: z.enum(['activate', 'deactivate', 'move', 'delete']),
    done: z.array(z.object({ id: z.int(), name: z.string() })),
    refused: z.array(z.object({ id: z.int(), name: z.string().nullable(), reason: z.string() })),
  })
  .meta({ id: 'BulkProductsResult' })
export type BulkProductsResult = z.infer<typeof BulkProductsResult>
