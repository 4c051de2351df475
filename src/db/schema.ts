import { relations, sql } from 'drizzle-orm'
import { check, foreignKey, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** Epoch milliseconds, filled by SQLite so that every writer (Worker, seed, wrangler d1) agrees. */
const epochMs = (name: string) =>
  integer(name)
    .notNull()
    .default(sql`(cast(unixepoch('subsec') * 1000 as integer))`)

export const categories = sqliteTable(
  'categories',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    parentId: integer('parent_id').references((): any => categories.id, { onDelete: 'restrict' }),
    position: integer('position').notNull().default(0),
  },
  (t) => [
    uniqueIndex('categories_slug_unique').on(t.slug),
    index('categories_parent_idx').on(t.parentId, t.position),
    // A slug must contain a letter so that `/api/products/123` can only ever mean an id.
    check('categories_slug_format', sql`${t.slug} GLOB '*[a-z]*' AND ${t.slug} NOT GLOB '*[^a-z0-9-]*'`),
  ],
)

export const products = sqliteTable(
  'products',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description').notNull().default(''),
    priceCents: integer('price_cents').notNull(),
    currency: text('currency').notNull().default('USD'),
    /** Units on hand, as the product's stock object last wrote them through (the object is the truth). */
    stockQuantity: integer('stock_quantity').notNull().default(0),
    /** Units of stock_quantity held for unpaid orders, written through with it: the shop sells stock_quantity - stock_held. */
    stockHeld: integer('stock_held').notNull().default(0),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
    /**
     * The listing's copy of the product's active variants, kept by triggers on product_variants (migration
     * 0010): price_cents above is the lowest price (the "from" price), this the highest, the highest
     * compare-at price (null when none has one), and the units the shop sells of them (the sum over active
     * variants of on hand minus held, none below 0), so that a list page stays one statement over products.
     */
    priceMaxCents: integer('price_max_cents').notNull().default(0),
    compareAtMaxCents: integer('compare_at_max_cents'),
    availableUnits: integer('available_units').notNull().default(0),
    /** Which tax rates apply (tax_rates.tax_class); typed by its enum, no CHECK (SQLite cannot add one without a rebuild). */
    taxClass: text('tax_class', { enum: ['standard', 'reduced', 'zero'] }).notNull().default('standard'),
  },
  (t) => [
    uniqueIndex('products_slug_unique').on(t.slug),
    // One index per list order, each covering the list filters (price, stock): a page of a large
    // catalog is found by walking the order's index and filtering in it, never by sorting every match.
    index('products_list_newest_idx').on(t.isActive, t.createdAt, t.priceCents, t.availableUnits),
    index('products_list_price_idx').on(t.isActive, t.priceCents, t.availableUnits),
    index('products_list_name_idx').on(t.isActive, t.name, t.priceCents, t.availableUnits),
    // A search's exact-name match, in any case, whatever else the search text matches (src/catalog/queries.ts).
    index('products_name_nocase_idx').on(sql`${t.name} collate nocase`),
    check('products_slug_format', sql`${t.slug} GLOB '*[a-z]*' AND ${t.slug} NOT GLOB '*[^a-z0-9-]*'`),
    check('products_price_nonnegative', sql`${t.priceCents} >= 0`),
    check('products_stock_nonnegative', sql`${t.stockQuantity} >= 0`),
    check('products_currency_format', sql`length(${t.currency}) = 3 AND ${t.currency} = upper(${t.currency})`),
  ],
)

/**
 * One row: the catalog version that keys every cached catalog answer (src/catalog/cache.ts). Staff writes
 * and the stock objects bump it in the same D1 batch as the change it announces.
 */
export const catalogState = sqliteTable('catalog_state', {
  id: integer('id').primaryKey(),
  version: integer('version').notNull().default(0),
})

/**
 * One row: versions of what an order's total is computed from besides its lines, moved on by triggers
 * (migrations/0020_checkout_state.sql) on every write to them, so that no write path can forget:
 * `config_version` for the tax setting, zones, their areas, methods and tax rates; `discounts_version` for
 * any change to a discount but its use count. Isolates cache the checkout config and the automatic
 * promotions under these versions (src/checkout/config.ts, src/discounts/service.ts), and an order's batch
 * is refused when either moved since its total was computed (src/orders/place.ts).
 */
export const checkoutState = sqliteTable('checkout_state', {
  id: integer('id').primaryKey(),
  configVersion: integer('config_version').notNull().default(0),
  discountsVersion: integer('discounts_version').notNull().default(0),
})

export const productCategories = sqliteTable(
  'product_categories',
  {
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    categoryId: integer('category_id')
      .notNull()
      .references(() => categories.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.productId, t.categoryId] }), index('product_categories_category_idx').on(t.categoryId, t.productId)],
)

export const productImages = sqliteTable(
  'product_images',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    r2Key: text('r2_key').notNull(),
    altText: text('alt_text').notNull().default(''),
    position: integer('position').notNull().default(0),
    contentType: text('content_type').notNull(),
    byteSize: integer('byte_size').notNull(),
    width: integer('width'),
    height: integer('height'),
    createdAt: epochMs('created_at'),
  },
  (t) => [
    index('product_images_product_position_idx').on(t.productId, t.position),
    check('product_images_byte_size_positive', sql`${t.byteSize} > 0`),
  ],
)

/** The most options a product has (Size, Colour, Material) and the most variants: enforced by src/catalog/variants.ts. */
export const PRODUCT_OPTIONS_MAX = 3
export const PRODUCT_VARIANTS_MAX = 100

/** A product's options (Size, Colour…), in order; a product without options has none and one default variant. */
export const productOptions = sqliteTable(
  'product_options',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    position: integer('position').notNull().default(0),
  },
  (t) => [
    uniqueIndex('product_options_product_name_unique').on(t.productId, t.name),
    check('product_options_name_length', sql`length(${t.name}) BETWEEN 1 AND 100`),
  ],
)

/** The values of an option (S, M, L), in order. `(id, option_id)` is unique so that a variant's value can name its option. */
export const productOptionValues = sqliteTable(
  'product_option_values',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    optionId: integer('option_id')
      .notNull()
      .references(() => productOptions.id, { onDelete: 'cascade' }),
    value: text('value').notNull(),
    position: integer('position').notNull().default(0),
  },
  (t) => [
    uniqueIndex('product_option_values_option_value_unique').on(t.optionId, t.value),
    uniqueIndex('product_option_values_id_option_unique').on(t.id, t.optionId),
    check('product_option_values_value_length', sql`length(${t.value}) BETWEEN 1 AND 100`),
  ],
)

/**
 * What is sold: every product has 1…PRODUCT_VARIANTS_MAX variants, one combination of its option values
 * each (a product without options has one, its default variant, made by a trigger when the product is
 * inserted). `stock_quantity` / `stock_held` are the write-through copy of the variant's count in the
 * product's stock object, as on products (which carry their variants' sum). Money in integer cents of the
 * product's currency; `compare_at_cents` is the "was" price, above the price when set. `image_id` is one
 * of the product's images (checked by a trigger), null after that image is deleted.
 */
export const productVariants = sqliteTable(
  'product_variants',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    /** Unique across the store when set; optional (a default variant usually has none). */
    sku: text('sku'),
    /** The option values joined as shown ("Navy / M"); "Default" for a product without options. */
    title: text('title').notNull(),
    priceCents: integer('price_cents').notNull(),
    compareAtCents: integer('compare_at_cents'),
    weightGrams: integer('weight_grams').notNull().default(0),
    imageId: integer('image_id').references(() => productImages.id, { onDelete: 'set null' }),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    position: integer('position').notNull().default(0),
    stockQuantity: integer('stock_quantity').notNull().default(0),
    stockHeld: integer('stock_held').notNull().default(0),
  },
  (t) => [
    uniqueIndex('product_variants_sku_unique').on(t.sku),
    // A search for a SKU (any case, or its beginning) finds its product: src/catalog/search.ts.
    index('product_variants_sku_lower_idx').on(sql`lower(${t.sku})`),
    index('product_variants_product_idx').on(t.productId, t.position),
    check('product_variants_sku_length', sql`${t.sku} IS NULL OR length(${t.sku}) BETWEEN 1 AND 100`),
    check('product_variants_title_length', sql`length(${t.title}) BETWEEN 1 AND 300`),
    check('product_variants_price_nonnegative', sql`${t.priceCents} >= 0`),
    check('product_variants_compare_at_above_price', sql`${t.compareAtCents} IS NULL OR ${t.compareAtCents} > ${t.priceCents}`),
    check('product_variants_weight_nonnegative', sql`${t.weightGrams} >= 0`),
    check('product_variants_stock_nonnegative', sql`${t.stockQuantity} >= 0 AND ${t.stockHeld} >= 0`),
  ],
)

/**
 * A variant's value for each of its product's options: one per option (the primary key), and the value
 * must be one of that option's (the composite foreign key). A value in use cannot be deleted.
 */
export const variantOptionValues = sqliteTable(
  'variant_option_values',
  {
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id, { onDelete: 'cascade' }),
    optionId: integer('option_id').notNull(),
    optionValueId: integer('option_value_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.variantId, t.optionId] }),
    foreignKey({ columns: [t.optionValueId, t.optionId], foreignColumns: [productOptionValues.id, productOptionValues.optionId] }).onDelete('restrict'),
    index('variant_option_values_value_idx').on(t.optionValueId),
  ],
)

export const USER_ROLES = ['customer', 'staff', 'admin'] as const
export type UserRole = (typeof USER_ROLES)[number]

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Stored trimmed and lower-cased, so that addresses compare case-insensitively. */
    email: text('email').notNull(),
    /** `pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`: the parameters travel with the hash. */
    passwordHash: text('password_hash').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: USER_ROLES }).notNull().default('customer'),
    /** Bumped when the password changes: access tokens carrying an older value stop working. */
    tokenVersion: integer('token_version').notNull().default(0),
    createdAt: epochMs('created_at'),
    lastLoginAt: integer('last_login_at'),
    /** A guest buyer known only by email (no usable password); registering with that email later makes it an account. */
    isGuest: integer('is_guest', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    uniqueIndex('users_email_unique').on(t.email),
    check('users_email_lowercase', sql`${t.email} = lower(trim(${t.email}))`),
    check('users_role_known', sql`${t.role} IN ('customer', 'staff', 'admin')`),
  ],
)

export const userProfiles = sqliteTable('user_profiles', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** E.164, e.g. +14155550123. */
  phone: text('phone'),
  /** R2 key of the current avatar. */
  avatarKey: text('avatar_key'),
  /**
   * No longer read or written: migration 0016 moved every profile's address into the address book
   * (`addresses`, its default row), which the profile's `default_shipping_address` now reads and writes.
   */
  defaultShippingAddress: text('default_shipping_address', { mode: 'json' }).$type<ShippingAddress>(),
  updatedAt: epochMs('updated_at'),
})

export interface ShippingAddress {
  name: string
  line1: string
  line2?: string | null
  city: string
  region?: string | null
  postal_code: string
  country: string
  /** E.164; optional (saved addresses and orders placed from them carry it). */
  phone?: string | null
}

/** Browser sessions: the cookie holds a random token, this table its SHA-256. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** "Remember me": the cookie outlives the browser session. */
    persistent: integer('persistent', { mode: 'boolean' }).notNull(),
    expiresAt: integer('expires_at').notNull(),
    createdAt: epochMs('created_at'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
)

/** API refresh tokens, stored by SHA-256; each rotation stays in its family so that reuse revokes it all. */
export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    familyId: text('family_id').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
    revokedAt: integer('revoked_at'),
    createdAt: epochMs('created_at'),
  },
  (t) => [index('refresh_tokens_family_idx').on(t.familyId), index('refresh_tokens_user_idx').on(t.userId)],
)

/** Single-use password reset tokens, stored by SHA-256. */
export const passwordResets = sqliteTable(
  'password_resets',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
    createdAt: epochMs('created_at'),
  },
  (t) => [index('password_resets_user_idx').on(t.userId)],
)

/** Fixed-window counters for rate limits (sign-in attempts per email and per client address). */
export const rateLimits = sqliteTable('rate_limits', {
  key: text('key').primaryKey(),
  windowStart: integer('window_start').notNull(),
  count: integer('count').notNull(),
})

export const usersRelations = relations(users, ({ one, many }) => ({
  profile: one(userProfiles, { fields: [users.id], references: [userProfiles.userId] }),
  addresses: many(addresses),
}))

export const categoriesRelations = relations(categories, ({ one, many }) => ({
  parent: one(categories, { fields: [categories.parentId], references: [categories.id], relationName: 'tree' }),
  children: many(categories, { relationName: 'tree' }),
  products: many(productCategories),
}))

export const productsRelations = relations(products, ({ many }) => ({
  images: many(productImages),
  options: many(productOptions),
  variants: many(productVariants),
  categories: many(productCategories),
}))

export const productCategoriesRelations = relations(productCategories, ({ one }) => ({
  product: one(products, { fields: [productCategories.productId], references: [products.id] }),
  category: one(categories, { fields: [productCategories.categoryId], references: [categories.id] }),
}))

export const productImagesRelations = relations(productImages, ({ one }) => ({
  product: one(products, { fields: [productImages.productId], references: [products.id] }),
}))

export const productOptionsRelations = relations(productOptions, ({ one, many }) => ({
  product: one(products, { fields: [productOptions.productId], references: [products.id] }),
  values: many(productOptionValues),
}))

export const productOptionValuesRelations = relations(productOptionValues, ({ one }) => ({
  option: one(productOptions, { fields: [productOptionValues.optionId], references: [productOptions.id] }),
}))

export const productVariantsRelations = relations(productVariants, ({ one, many }) => ({
  product: one(products, { fields: [productVariants.productId], references: [products.id] }),
  image: one(productImages, { fields: [productVariants.imageId], references: [productImages.id] }),
  optionValues: many(variantOptionValues),
}))

export const variantOptionValuesRelations = relations(variantOptionValues, ({ one }) => ({
  variant: one(productVariants, { fields: [variantOptionValues.variantId], references: [productVariants.id] }),
  value: one(productOptionValues, { fields: [variantOptionValues.optionValueId], references: [productOptionValues.id] }),
}))

export type Category = typeof categories.$inferSelect
export type NewCategory = typeof categories.$inferInsert
export type Product = typeof products.$inferSelect
export type NewProduct = typeof products.$inferInsert
export type ProductImage = typeof productImages.$inferSelect
export type NewProductImage = typeof productImages.$inferInsert
export type ProductOption = typeof productOptions.$inferSelect
export type ProductOptionValue = typeof productOptionValues.$inferSelect
export type ProductVariant = typeof productVariants.$inferSelect
export type NewProductVariant = typeof productVariants.$inferInsert
export type User = typeof users.$inferSelect
export type NewUser = typeof users.$inferInsert
export type UserProfile = typeof userProfiles.$inferSelect

/** The most of one product a cart line or an order line may hold. */
export const LINE_QUANTITY_MAX = 99

/**
 * Carts: a guest's is found by the SHA-256 of its cookie token (like sessions, so a leaked table cannot
 * be replayed), a signed-in user's by the user (one each).
 */
export const carts = sqliteTable(
  'carts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash'),
    /** The discount code the shopper entered (normalised), and the destination for the cart's shipping and tax estimate. */
    discountCode: text('discount_code'),
    estimateCountry: text('estimate_country'),
    estimateRegion: text('estimate_region'),
    /** The email a guest gave to check out ("Continue as guest"): the order's contact once placed. Null for a user's cart. */
    contactEmail: text('contact_email'),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [
    uniqueIndex('carts_user_unique').on(t.userId),
    uniqueIndex('carts_token_hash_unique').on(t.tokenHash),
    check('carts_owner', sql`(${t.userId} IS NULL) <> (${t.tokenHash} IS NULL)`),
  ],
)

/**
 * One line per variant, with its product. No foreign key to products or variants: a product or variant
 * deleted from the catalog stays in the cart, marked unavailable, rather than vanishing without a word.
 * (A line of a product deleted before variants has `variant_id = -product_id`: it never had one.)
 */
export const cartItems = sqliteTable(
  'cart_items',
  {
    cartId: integer('cart_id')
      .notNull()
      .references(() => carts.id, { onDelete: 'cascade' }),
    productId: integer('product_id').notNull(),
    variantId: integer('variant_id').notNull(),
    quantity: integer('quantity').notNull(),
    addedAt: epochMs('added_at'),
  },
  (t) => [
    primaryKey({ columns: [t.cartId, t.variantId] }),
    check('cart_items_quantity_range', sql`${t.quantity} BETWEEN 1 AND ${sql.raw(String(LINE_QUANTITY_MAX))}`),
  ],
)

/** The money side of an order: `paid` once the provider confirmed the payment, whatever the order's own status. */
export const PAYMENT_STATUSES = ['unpaid', 'paid', 'partially_refunded', 'refunded', 'failed'] as const
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number]

export const ORDER_STATUSES = ['pending_payment', 'paid', 'shipped', 'delivered', 'cancelled', 'expired', 'refunded'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]
const statusList = sql.raw(ORDER_STATUSES.map((s) => `'${s}'`).join(', '))

/** Orders: the id is a random UUID so that ids cannot be guessed; money in integer cents of `currency`. */
export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    // Orders are the shop's books: a user with orders cannot be deleted by accident.
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    status: text('status', { enum: ORDER_STATUSES }).notNull().default('pending_payment'),
    currency: text('currency').notNull(),
    subtotalCents: integer('subtotal_cents').notNull(),
    totalCents: integer('total_cents').notNull(),
    shippingAddress: text('shipping_address', { mode: 'json' }).notNull().$type<ShippingAddress>(),
    /** When the first of the order's stock holds runs out (epoch ms); unpaid by then, the order expires. */
    holdExpiresAt: integer('hold_expires_at').notNull(),
    /**
     * Where the money stands, as the payment provider told us (see src/payments). No CHECK constraint:
     * SQLite cannot add one to an existing table without rebuilding it; the column is typed by its enum.
     */
    paymentStatus: text('payment_status', { enum: PAYMENT_STATUSES }).notNull().default('unpaid'),
    /** Why staff must look at the order before it goes on (a payment that does not match it…); null when nothing is wrong. */
    reviewReason: text('review_reason'),
    /** The buyer's email at the time of the order (lower-cased): a guest's only contact, a customer's copy. Null on orders placed before guest checkout. */
    email: text('email'),
    /** Placed by a guest checkout (an email, no sign-in): its unpaid end gives no lines back to a cart (the guest's is a cookie's, not the owner row's). */
    guestCheckout: integer('guest_checkout', { mode: 'boolean' }).notNull().default(false),
    /**
     * The money breakdown (issue 15): total = subtotal − discount + shipping + tax (tax added only when
     * prices exclude it; `tax_inclusive` orders show the tax their prices include). The shipping method as
     * chosen (id and name at the time), its price before discounts, and the cart weight it was priced on.
     */
    discountCents: integer('discount_cents').notNull().default(0),
    shippingCents: integer('shipping_cents').notNull().default(0),
    shippingDiscountCents: integer('shipping_discount_cents').notNull().default(0),
    taxCents: integer('tax_cents').notNull().default(0),
    taxInclusive: integer('tax_inclusive', { mode: 'boolean' }).notNull().default(false),
    shippingMethodId: integer('shipping_method_id'),
    shippingMethodName: text('shipping_method_name'),
    shippingWeightGrams: integer('shipping_weight_grams').notNull().default(0),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [
    index('orders_user_created_idx').on(t.userId, t.createdAt, t.id),
    check('orders_status_known', sql`${t.status} IN (${statusList})`),
    check('orders_currency_format', sql`length(${t.currency}) = 3 AND ${t.currency} = upper(${t.currency})`),
    check('orders_subtotal_nonnegative', sql`${t.subtotalCents} >= 0`),
    check('orders_total_nonnegative', sql`${t.totalCents} >= 0`),
  ],
)

/** One option's value of a variant, as an order line keeps it: `{ name: 'Size', value: 'M' }`. */
export interface OptionValue {
  name: string
  value: string
}

/**
 * What was bought, as it was: the name and the unit price at the moment of purchase. No foreign key to
 * products, so that the catalog can drop a product without touching the books. `reservation_id` is the
 * line's hold in the product's stock object.
 */
export const orderItems = sqliteTable(
  'order_items',
  {
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    productId: integer('product_id').notNull(),
    /** The variant bought (no foreign key either; `-product_id` for a line of a product deleted before variants). */
    variantId: integer('variant_id').notNull(),
    productName: text('product_name').notNull(),
    /** The variant's SKU, title ("Navy / M", "Default") and option values at purchase. */
    sku: text('sku'),
    variantTitle: text('variant_title').notNull().default('Default'),
    optionValues: text('option_values', { mode: 'json' }).notNull().default(sql`'[]'`).$type<OptionValue[]>(),
    priceAtPurchaseCents: integer('price_at_purchase_cents').notNull(),
    quantity: integer('quantity').notNull(),
    lineTotalCents: integer('line_total_cents').notNull(),
    reservationId: text('reservation_id').notNull(),
    /** The line's share of the order's discounts, and its tax (after discount), in cents; the tax rate applied. */
    discountCents: integer('discount_cents').notNull().default(0),
    taxCents: integer('tax_cents').notNull().default(0),
    taxRateBp: integer('tax_rate_bp').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.variantId] }),
    index('order_items_order_product_idx').on(t.orderId, t.productId),
    uniqueIndex('order_items_reservation_unique').on(t.reservationId),
    check('order_items_quantity_positive', sql`${t.quantity} >= 1`),
    check('order_items_price_nonnegative', sql`${t.priceAtPurchaseCents} >= 0`),
    check('order_items_line_total', sql`${t.lineTotalCents} = ${t.priceAtPurchaseCents} * ${t.quantity}`),
  ],
)

/** Every status change of an order (the first has no `from_status`), written in the same batch as the change. */
export const orderEvents = sqliteTable(
  'order_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    fromStatus: text('from_status', { enum: ORDER_STATUSES }),
    toStatus: text('to_status', { enum: ORDER_STATUSES }).notNull(),
    at: epochMs('at'),
    note: text('note'),
  },
  (t) => [
    index('order_events_order_idx').on(t.orderId, t.id),
    check('order_events_from_known', sql`${t.fromStatus} IS NULL OR ${t.fromStatus} IN (${statusList})`),
    check('order_events_to_known', sql`${t.toStatus} IN (${statusList})`),
  ],
)

/**
 * `Idempotency-Key` claims of order POSTs: the row is inserted before any work, so that of two concurrent
 * requests with one key only one creates the order. `order_id` is chosen at claim time.
 */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    orderId: text('order_id').notNull(),
    /** SHA-256 of the validated body: the same key with another body is refused. */
    requestHash: text('request_hash').notNull(),
    createdAt: epochMs('created_at'),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.key] }),
    check('idempotency_keys_key_length', sql`length(${t.key}) BETWEEN 1 AND 255`),
  ],
)

export const cartsRelations = relations(carts, ({ many }) => ({
  items: many(cartItems),
}))

// A relation without a foreign key: the line's product may be gone (see cartItems).
export const cartItemsRelations = relations(cartItems, ({ one }) => ({
  cart: one(carts, { fields: [cartItems.cartId], references: [carts.id] }),
  product: one(products, { fields: [cartItems.productId], references: [products.id] }),
  variant: one(productVariants, { fields: [cartItems.variantId], references: [productVariants.id] }),
}))

export const ordersRelations = relations(orders, ({ many, one }) => ({
  items: many(orderItems),
  events: many(orderEvents),
  payment: one(payments),
  refunds: many(refunds),
  taxLines: many(orderTaxLines),
  discounts: many(discountRedemptions),
}))

export const orderItemsRelations = relations(orderItems, ({ one }) => ({
  order: one(orders, { fields: [orderItems.orderId], references: [orders.id] }),
}))

export const orderEventsRelations = relations(orderEvents, ({ one }) => ({
  order: one(orders, { fields: [orderEvents.orderId], references: [orders.id] }),
}))

export type Cart = typeof carts.$inferSelect
export type CartItem = typeof cartItems.$inferSelect
export type Order = typeof orders.$inferSelect
export type NewOrder = typeof orders.$inferInsert
export type OrderItem = typeof orderItems.$inferSelect
export type NewOrderItem = typeof orderItems.$inferInsert
export type OrderEvent = typeof orderEvents.$inferSelect

export const PAYMENT_PROVIDERS = ['stripe', 'local'] as const
export type PaymentProvider = (typeof PAYMENT_PROVIDERS)[number]
/** A checkout's life at the provider: `creating` until the session exists, then open until it completes, fails or expires. */
export const CHECKOUT_STATUSES = ['creating', 'open', 'complete', 'failed', 'expired'] as const
export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number]
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const
export type RefundStatus = (typeof REFUND_STATUSES)[number]
const quoted = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '))

/**
 * An order's payment at the provider: one per order (its checkout session; a session that expires cancels
 * the order). `provider` is `local` for the offline test payment page. `amount_cents` is what the order
 * asked for; `received_cents` what the provider says was paid; `refunded_cents` the running total refunded.
 */
export const payments = sqliteTable(
  'payments',
  {
    orderId: text('order_id')
      .primaryKey()
      .references(() => orders.id, { onDelete: 'restrict' }),
    provider: text('provider', { enum: PAYMENT_PROVIDERS }).notNull(),
    status: text('status', { enum: CHECKOUT_STATUSES }).notNull().default('creating'),
    checkoutSessionId: text('checkout_session_id'),
    checkoutUrl: text('checkout_url'),
    /** When the checkout session stops accepting payment (epoch ms); chosen before the session is created. */
    checkoutExpiresAt: integer('checkout_expires_at'),
    /** Bumped when a session must be asked for again with another expiry (the idempotency key changes with it). */
    checkoutAttempt: integer('checkout_attempt').notNull().default(0),
    paymentIntentId: text('payment_intent_id'),
    amountCents: integer('amount_cents').notNull(),
    currency: text('currency').notNull(),
    receivedCents: integer('received_cents'),
    refundedCents: integer('refunded_cents').notNull().default(0),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [
    uniqueIndex('payments_checkout_session_unique').on(t.checkoutSessionId),
    uniqueIndex('payments_payment_intent_unique').on(t.paymentIntentId),
    check('payments_provider_known', sql`${t.provider} IN (${quoted(PAYMENT_PROVIDERS)})`),
    check('payments_status_known', sql`${t.status} IN (${quoted(CHECKOUT_STATUSES)})`),
    check('payments_amount_nonnegative', sql`${t.amountCents} >= 0`),
    check('payments_refunded_nonnegative', sql`${t.refundedCents} >= 0`),
    check('payments_currency_format', sql`length(${t.currency}) = 3 AND ${t.currency} = upper(${t.currency})`),
  ],
)

/**
 * Every Stripe event handled, once: the row is written in the same batch as the change the event makes,
 * so a duplicate delivery finds it and does nothing, and a delivery that failed halfway left no row and
 * is handled again. `outcome` says what the event did (paid, ignored, duplicate_payment…).
 */
export const stripeEvents = sqliteTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    // No foreign key: an event may name an order this shop does not know.
    orderId: text('order_id'),
    outcome: text('outcome').notNull(),
    receivedAt: epochMs('received_at'),
  },
  (t) => [index('stripe_events_order_idx').on(t.orderId)],
)

/**
 * Refunds asked of the provider. The id is ours and makes the provider's idempotency key, so a retry
 * cannot refund twice; `restock` is the staff's choice, read when the provider confirms the refund.
 */
export const refunds = sqliteTable(
  'refunds',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'restrict' }),
    providerRefundId: text('provider_refund_id'),
    amountCents: integer('amount_cents').notNull(),
    restock: integer('restock', { mode: 'boolean' }).notNull(),
    reason: text('reason').notNull(),
    status: text('status', { enum: REFUND_STATUSES }).notNull().default('pending'),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [
    index('refunds_order_idx').on(t.orderId),
    uniqueIndex('refunds_provider_refund_unique').on(t.providerRefundId),
    check('refunds_amount_positive', sql`${t.amountCents} > 0`),
    check('refunds_id_length', sql`length(${t.id}) BETWEEN 1 AND 200`),
    check('refunds_status_known', sql`${t.status} IN (${quoted(REFUND_STATUSES)})`),
  ],
)

/**
 * The order lines a refund gives money back for, and how many units of each: an order line is never
 * refunded beyond its quantity across refunds (failed refunds do not count). When the refund asked for
 * restock, exactly these units go back to the stock objects.
 */
export const refundItems = sqliteTable(
  'refund_items',
  {
    refundId: text('refund_id')
      .notNull()
      .references(() => refunds.id, { onDelete: 'cascade' }),
    orderId: text('order_id').notNull(),
    productId: integer('product_id').notNull(),
    /** The order line's variant (the order line is `(order_id, variant_id)`). */
    variantId: integer('variant_id').notNull(),
    quantity: integer('quantity').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.refundId, t.variantId] }),
    index('refund_items_order_idx').on(t.orderId, t.variantId),
    check('refund_items_quantity_positive', sql`${t.quantity} >= 1`),
  ],
)
export type RefundItem = typeof refundItems.$inferSelect

export const paymentsRelations = relations(payments, ({ one }) => ({
  order: one(orders, { fields: [payments.orderId], references: [orders.id] }),
}))

export const refundsRelations = relations(refunds, ({ one, many }) => ({
  order: one(orders, { fields: [refunds.orderId], references: [orders.id] }),
  items: many(refundItems),
}))

export const refundItemsRelations = relations(refundItems, ({ one }) => ({
  refund: one(refunds, { fields: [refundItems.refundId], references: [refunds.id] }),
}))

export type Payment = typeof payments.$inferSelect
export type NewPayment = typeof payments.$inferInsert
export type Refund = typeof refunds.$inferSelect
export type StripeEventRow = typeof stripeEvents.$inferSelect

/** Every change staff make: who, when, what, and the record before and after (JSON). */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    actorId: integer('actor_id').references(() => users.id, { onDelete: 'set null' }),
    /** Kept as text so the entry still says who after the account is gone. */
    actorEmail: text('actor_email').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    before: text('before', { mode: 'json' }),
    after: text('after', { mode: 'json' }),
    at: epochMs('at'),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_target_idx').on(t.targetType, t.targetId, t.at), index('audit_log_actor_idx').on(t.actorId, t.at)],
)
export type AuditEntry = typeof auditLog.$inferSelect

/** How an order travels: set when staff mark it shipped, completed when delivered. */
export const shipments = sqliteTable('shipments', {
  orderId: text('order_id')
    .primaryKey()
    .references(() => orders.id, { onDelete: 'cascade' }),
  carrier: text('carrier').notNull(),
  trackingNumber: text('tracking_number'),
  shippedAt: epochMs('shipped_at'),
  deliveredAt: integer('delivered_at'),
})
export type Shipment = typeof shipments.$inferSelect

/** What an outbox row is: `pending` until its handlers ran (`sent`), `failed` while the queue retries, `dead` after the last retry. */
export const OUTBOX_STATES = ['pending', 'sent', 'failed', 'dead'] as const
export type OutboxState = (typeof OUTBOX_STATES)[number]

/**
 * The transactional outbox (src/notifications/outbox.ts): one row per event that must reach someone (a
 * mail, an integration), written in the same D1 batch as the change it announces. The id (a random UUID)
 * is the mail provider's idempotency key; `type` is dotted (`order.paid`); `payload` its documented JSON.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** The address a mail of this event goes to; null for events no one is mailed about. */
    recipient: text('recipient'),
    state: text('state', { enum: OUTBOX_STATES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: epochMs('created_at'),
    sentAt: integer('sent_at'),
  },
  (t) => [index('outbox_state_idx').on(t.state, t.createdAt), check('outbox_state_known', sql`${t.state} IN ('pending', 'sent', 'failed', 'dead')`)],
)
export type OutboxRow = typeof outbox.$inferSelect

/** Development only (no MAIL_API_KEY): every mail the store "sent", readable at /admin/mailbox. The id is the outbox row's. */
export const devMailbox = sqliteTable('dev_mailbox', {
  id: text('id').primaryKey(),
  recipient: text('recipient').notNull(),
  subject: text('subject').notNull(),
  html: text('html').notNull(),
  text: text('text').notNull(),
  createdAt: epochMs('created_at'),
})
export type DevMail = typeof devMailbox.$inferSelect

/** Addresses that opted out of marketing mail (welcome, back in stock); never of order mail. Lower-cased like users.email. */
export const marketingOptOuts = sqliteTable('marketing_opt_outs', {
  email: text('email').primaryKey(),
  createdAt: epochMs('created_at'),
})

/**
 * "Email me when it's back": one entry per address and product (variant_id null: any variant) or per
 * address and variant; deleted in the batch that writes its back-in-stock mail, so each is mailed once.
 */
export const backInStockRequests = sqliteTable(
  'back_in_stock_requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    email: text('email').notNull(),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id').references(() => productVariants.id, { onDelete: 'cascade' }),
    createdAt: epochMs('created_at'),
  },
  (t) => [
    uniqueIndex('back_in_stock_product_unique').on(t.email, t.productId).where(sql`variant_id is null`),
    uniqueIndex('back_in_stock_variant_unique').on(t.email, t.variantId).where(sql`variant_id is not null`),
    index('back_in_stock_product_idx').on(t.productId),
  ],
)
/** What an outbound webhook endpoint may subscribe to (README "Outbound webhooks"). */
export const WEBHOOK_EVENT_TYPES = ['order.created', 'order.paid', 'order.shipped', 'order.refunded', 'order.cancelled', 'product.updated', 'stock.changed'] as const
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]
/** pending: an attempt is due or running; succeeded: a 2xx came back; failed: given up (3 days) or its endpoint disabled. */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number]

/**
 * A merchant's receiver of outbound webhooks. The signing secret is kept encrypted (AES-GCM under a key
 * derived from WEBHOOK_SECRET_KEY): the Worker must sign with it, so it cannot be hashed. During a rotation
 * the previous secret signs too until `previous_secret_expires_at`.
 */
export const webhookEndpoints = sqliteTable(
  'webhook_endpoints',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    /** JSON array of WEBHOOK_EVENT_TYPES. */
    eventTypes: text('event_types', { mode: 'json' }).$type<WebhookEventType[]>().notNull(),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    secretSealed: text('secret_sealed').notNull(),
    previousSecretSealed: text('previous_secret_sealed'),
    previousSecretExpiresAt: integer('previous_secret_expires_at'),
    /** When its deliveries began failing without a success since; null while healthy. */
    failingSince: integer('failing_since'),
    disabledAt: integer('disabled_at'),
    disabledReason: text('disabled_reason'),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [check('webhook_endpoints_url_length', sql`length(${t.url}) BETWEEN 1 AND 2048`)],
)
export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect

/**
 * One event as receivers get it (`{ id, type, created, data }`). `source_key` names what caused it (an
 * outbox row, a test send): the same cause re-dispatched finds its event and makes no new one.
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    sourceKey: text('source_key').notNull(),
    data: text('data', { mode: 'json' }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('webhook_events_source_unique').on(t.sourceKey), index('webhook_events_created_idx').on(t.createdAt)],
)
export type WebhookEvent = typeof webhookEvents.$inferSelect

/** One event for one endpoint: at most one per pair, whatever re-dispatches it. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    eventId: text('event_id')
      .notNull()
      .references(() => webhookEvents.id, { onDelete: 'cascade' }),
    endpointId: integer('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    status: text('status', { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default('pending'),
    /** Attempts started so far; an attempt claims its number, so a message delivered twice sends once. */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at'),
    lastResponseCode: integer('last_response_code'),
    lastError: text('last_error'),
    lastDurationMs: integer('last_duration_ms'),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_endpoint_unique').on(t.eventId, t.endpointId),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.id),
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    check('webhook_deliveries_status_known', sql`${t.status} IN (${quoted(WEBHOOK_DELIVERY_STATUSES)})`),
  ],
)
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect

/** Every attempt of a delivery: when, its number, what came back (or the error) and how long it took. */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: integer('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    succeeded: integer('succeeded', { mode: 'boolean' }).notNull(),
    responseCode: integer('response_code'),
    durationMs: integer('duration_ms').notNull(),
    error: text('error'),
    at: integer('at').notNull(),
  },
  (t) => [uniqueIndex('webhook_attempts_delivery_attempt_unique').on(t.deliveryId, t.attempt)],
)
export type WebhookAttempt = typeof webhookAttempts.$inferSelect
/** Where a product CSV import stands (src/admin/product-csv/jobs.ts): a validation pass, then the import pass. */
export const IMPORT_JOB_STATES = ['validating', 'importing', 'done', 'failed'] as const
export type ImportJobState = (typeof IMPORT_JOB_STATES)[number]

/** One error of an import, by the file's row (the header is row 1) and column. */
export interface ImportRowError {
  row: number
  column: string
  message: string
}

/** A product whose options and variants an import step still has to save (src/admin/product-csv/apply.ts). */
export interface PendingProduct {
  handle: string
  isActive: boolean
  firstRow: number
  options: { name: string; values: string[] }[]
  variants: {
    optionValues: string[]
    sku: string | null
    priceCents: number
    compareAtCents: number | null
    weightGrams: number
    /** Units on hand to set; null to leave the stock as it is. */
    quantity: number | null
    /** The R2 key of the variant's image (one of the product's gallery). */
    imageKey: string | null
    row: number
  }[]
}

/**
 * A product CSV import: the file in R2 (IMPORTS), read in bounded steps by a queue. `step` counts the steps
 * done and `byte_offset` / `row_number` say where the next one reads; each step claims its number in
 * import_job_keys in the same D1 batch as its writes, so a re-delivered step does nothing twice; what
 * the step writes after that batch (each product's variants) is kept in pending_products until it is done.
 */
export const importJobs = sqliteTable(
  'import_jobs',
  {
    id: text('id').primaryKey(),
    r2Key: text('r2_key').notNull(),
    fileName: text('file_name').notNull().default(''),
    byteSize: integer('byte_size').notNull(),
    state: text('state', { enum: IMPORT_JOB_STATES }).notNull().default('validating'),
    /** The header row, once the first step has read it. */
    columns: text('columns', { mode: 'json' }).$type<string[]>(),
    step: integer('step').notNull().default(0),
    byteOffset: integer('byte_offset').notNull().default(0),
    /** The file row of the last record read (0 before the header). */
    rowNumber: integer('row_number').notNull().default(0),
    /** Rows after the header, known once the validation pass has read them all. */
    rowsTotal: integer('rows_total'),
    rowsValidated: integer('rows_validated').notNull().default(0),
    rowsImported: integer('rows_imported').notNull().default(0),
    productsImported: integer('products_imported').notNull().default(0),
    errorCount: integer('error_count').notNull().default(0),
    /** The first IMPORT_ERRORS_KEPT errors. */
    errors: text('errors', { mode: 'json' }).$type<ImportRowError[]>().notNull().default(sql`'[]'`),
    /** The products whose variants the last import step still has to save (through saveVariantSet), with their stock. */
    pendingProducts: text('pending_products', { mode: 'json' }).$type<PendingProduct[]>(),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [index('import_jobs_created_idx').on(t.createdAt), check('import_jobs_state_known', sql`${t.state} IN ('validating', 'importing', 'done', 'failed')`)],
)
export type ImportJob = typeof importJobs.$inferSelect

/**
 * What an import has seen so far, across its steps: `step` (claimed step numbers), `handle` and `sku`
 * (the row where each was first seen, for duplicates across steps), `image` (an Image Src fetched into
 * R2, its value the image's JSON).
 */
export const importJobKeys = sqliteTable(
  'import_job_keys',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => importJobs.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['step', 'handle', 'sku', 'image'] }).notNull(),
    key: text('key').notNull(),
    row: integer('row').notNull().default(0),
    value: text('value'),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.kind, t.key] })],
)

/*
 * Checkout totals (issue 15): shipping zones and methods, tax rates, discounts, the order's money
 * breakdown, the address book and guest buyers. Money in integer cents of the store's currency, rates in
 * basis points (2000 = 20 %, 725 = 7.25 %).
 */

export const TAX_CLASSES = ['standard', 'reduced', 'zero'] as const
export type TaxClass = (typeof TAX_CLASSES)[number]

/** One row (id 1): how prices are entered. Inclusive (EU/UK/AU) leaves totals unchanged and shows the tax they include; exclusive (US) adds it at checkout. */
export const checkoutSettings = sqliteTable(
  'checkout_settings',
  {
    id: integer('id').primaryKey(),
    pricesIncludeTax: integer('prices_include_tax', { mode: 'boolean' }).notNull().default(false),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [check('checkout_settings_singleton', sql`${t.id} = 1`)],
)

/** Where the store ships: a set of countries (or regions of them), with its methods. */
export const shippingZones = sqliteTable(
  'shipping_zones',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    /** Whether shipping is taxed in this zone (at the standard rate of the destination). */
    shippingTaxable: integer('shipping_taxable', { mode: 'boolean' }).notNull().default(false),
    position: integer('position').notNull().default(0),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [check('shipping_zones_name_length', sql`length(${t.name}) BETWEEN 1 AND 100`)],
)

/**
 * A zone's countries: ISO 3166-1 alpha-2, and `region` an ISO 3166-2 subdivision code without the country
 * ("CA" for California in US) or '' for the whole country. An area belongs to one zone; a region's row
 * wins over its country's.
 */
export const shippingZoneAreas = sqliteTable(
  'shipping_zone_areas',
  {
    zoneId: integer('zone_id')
      .notNull()
      .references(() => shippingZones.id, { onDelete: 'cascade' }),
    country: text('country').notNull(),
    region: text('region').notNull().default(''),
  },
  (t) => [
    primaryKey({ columns: [t.country, t.region] }),
    index('shipping_zone_areas_zone_idx').on(t.zoneId),
    check('shipping_zone_areas_country_format', sql`length(${t.country}) = 2 AND ${t.country} = upper(${t.country})`),
  ],
)

export const SHIPPING_RATE_KINDS = ['flat', 'weight', 'subtotal'] as const
export type ShippingRateKind = (typeof SHIPPING_RATE_KINDS)[number]

/** A band of a weight- or subtotal-rated method: from `min` (inclusive) to `max` (exclusive, null for no end), in grams or cents. */
export interface ShippingRateBand {
  min: number
  max: number | null
  price_cents: number
}

/**
 * A way to ship to a zone: a flat price, or by bands of the cart's weight (grams) or subtotal (cents);
 * free when the subtotal reaches `free_above_cents`. `estimate` is shown as written ("3–5 business days").
 */
export const shippingMethods = sqliteTable(
  'shipping_methods',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    zoneId: integer('zone_id')
      .notNull()
      .references(() => shippingZones.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    estimate: text('estimate').notNull().default(''),
    rateKind: text('rate_kind', { enum: SHIPPING_RATE_KINDS }).notNull().default('flat'),
    flatCents: integer('flat_cents').notNull().default(0),
    bands: text('bands', { mode: 'json' }).notNull().default(sql`'[]'`).$type<ShippingRateBand[]>(),
    freeAboveCents: integer('free_above_cents'),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    position: integer('position').notNull().default(0),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [
    index('shipping_methods_zone_idx').on(t.zoneId, t.position),
    check('shipping_methods_name_length', sql`length(${t.name}) BETWEEN 1 AND 100`),
    check('shipping_methods_rate_kind_known', sql`${t.rateKind} IN ('flat', 'weight', 'subtotal')`),
    check('shipping_methods_flat_nonnegative', sql`${t.flatCents} >= 0`),
    check('shipping_methods_free_above_nonnegative', sql`${t.freeAboveCents} IS NULL OR ${t.freeAboveCents} >= 0`),
  ],
)

/** A tax rate for a destination (country, region '' for the whole country; a region's rate wins) and a product tax class. */
export const taxRates = sqliteTable(
  'tax_rates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    country: text('country').notNull(),
    region: text('region').notNull().default(''),
    taxClass: text('tax_class', { enum: TAX_CLASSES }).notNull().default('standard'),
    /** Basis points: 2000 = 20 %. */
    rateBp: integer('rate_bp').notNull(),
    /** How the receipt names it ("VAT", "Sales tax"). */
    name: text('name').notNull(),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [
    uniqueIndex('tax_rates_destination_class_unique').on(t.country, t.region, t.taxClass),
    check('tax_rates_rate_range', sql`${t.rateBp} BETWEEN 0 AND 10000`),
    check('tax_rates_class_known', sql`${t.taxClass} IN ('standard', 'reduced', 'zero')`),
    check('tax_rates_country_format', sql`length(${t.country}) = 2 AND ${t.country} = upper(${t.country})`),
  ],
)

export const DISCOUNT_KINDS = ['percentage', 'fixed', 'free_shipping'] as const
export type DiscountKind = (typeof DISCOUNT_KINDS)[number]

/**
 * A discount code (`code` set, stored normalised: NFKC, upper case, no spaces) or an automatic promotion
 * (`code` null). `value` is basis points for a percentage (1000 = 10 %), cents for a fixed amount, 0 for
 * free shipping. Eligibility: all products, or the listed products and/or categories. `times_used` counts
 * live redemptions (given back when an unpaid order ends) and can never pass `usage_limit`.
 */
export const discounts = sqliteTable(
  'discounts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code'),
    title: text('title').notNull(),
    kind: text('kind', { enum: DISCOUNT_KINDS }).notNull(),
    value: integer('value').notNull().default(0),
    minSubtotalCents: integer('min_subtotal_cents'),
    productIds: text('product_ids', { mode: 'json' }).notNull().default(sql`'[]'`).$type<number[]>(),
    categoryIds: text('category_ids', { mode: 'json' }).notNull().default(sql`'[]'`).$type<number[]>(),
    startsAt: integer('starts_at'),
    endsAt: integer('ends_at'),
    usageLimit: integer('usage_limit'),
    perCustomerLimit: integer('per_customer_limit'),
    timesUsed: integer('times_used').notNull().default(0),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [
    uniqueIndex('discounts_code_unique').on(t.code),
    check('discounts_kind_known', sql`${t.kind} IN ('percentage', 'fixed', 'free_shipping')`),
    check('discounts_value_range', sql`${t.value} >= 0 AND (${t.kind} <> 'percentage' OR ${t.value} BETWEEN 1 AND 10000)`),
    check('discounts_usage_within_limit', sql`${t.timesUsed} >= 0 AND (${t.usageLimit} IS NULL OR ${t.timesUsed} <= ${t.usageLimit})`),
    check('discounts_dates_ordered', sql`${t.startsAt} IS NULL OR ${t.endsAt} IS NULL OR ${t.startsAt} < ${t.endsAt}`),
  ],
)

/**
 * A discount applied to an order, with what it took off (all of the order's lines and shipping). Written in
 * the batch that places the order; `released_at` set in the batch that ends the order unpaid (the use is
 * given back). `customer_key` is the buyer's lower-cased email, for per-customer limits.
 */
export const discountRedemptions = sqliteTable(
  'discount_redemptions',
  {
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    discountId: integer('discount_id')
      .notNull()
      .references(() => discounts.id, { onDelete: 'restrict' }),
    code: text('code'),
    title: text('title').notNull(),
    customerKey: text('customer_key').notNull(),
    amountCents: integer('amount_cents').notNull(),
    createdAt: epochMs('created_at'),
    releasedAt: integer('released_at'),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.discountId] }),
    index('discount_redemptions_customer_idx').on(t.discountId, t.customerKey),
    check('discount_redemptions_amount_nonnegative', sql`${t.amountCents} >= 0`),
  ],
)

/** An order's tax, per rate (and shipping's): what the receipt lists. */
export const orderTaxLines = sqliteTable(
  'order_tax_lines',
  {
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    rateBp: integer('rate_bp').notNull(),
    taxableCents: integer('taxable_cents').notNull(),
    amountCents: integer('amount_cents').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.position] }), check('order_tax_lines_amount_nonnegative', sql`${t.amountCents} >= 0 AND ${t.taxableCents} >= 0`)],
)

/** A customer's saved addresses; at most one default each (a partial unique index). */
export const addresses = sqliteTable(
  'addresses',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    line1: text('line1').notNull(),
    line2: text('line2'),
    city: text('city').notNull(),
    region: text('region'),
    postalCode: text('postal_code').notNull(),
    country: text('country').notNull(),
    phone: text('phone'),
    isDefault: integer('is_default', { mode: 'boolean' }).notNull().default(false),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [
    index('addresses_user_idx').on(t.userId, t.id),
    uniqueIndex('addresses_one_default').on(t.userId).where(sql`${t.isDefault} = 1`),
    check('addresses_country_format', sql`length(${t.country}) = 2 AND ${t.country} = upper(${t.country})`),
  ],
)

export type CheckoutSettings = typeof checkoutSettings.$inferSelect
export type ShippingZone = typeof shippingZones.$inferSelect
export type ShippingZoneArea = typeof shippingZoneAreas.$inferSelect
export type ShippingMethod = typeof shippingMethods.$inferSelect
export type TaxRate = typeof taxRates.$inferSelect
export type Discount = typeof discounts.$inferSelect
export type NewDiscount = typeof discounts.$inferInsert
export type DiscountRedemption = typeof discountRedemptions.$inferSelect
export type OrderTaxLine = typeof orderTaxLines.$inferSelect
export type Address = typeof addresses.$inferSelect

export const shippingZonesRelations = relations(shippingZones, ({ many }) => ({
  areas: many(shippingZoneAreas),
  methods: many(shippingMethods),
}))
export const shippingZoneAreasRelations = relations(shippingZoneAreas, ({ one }) => ({
  zone: one(shippingZones, { fields: [shippingZoneAreas.zoneId], references: [shippingZones.id] }),
}))
export const shippingMethodsRelations = relations(shippingMethods, ({ one }) => ({
  zone: one(shippingZones, { fields: [shippingMethods.zoneId], references: [shippingZones.id] }),
}))
export const orderTaxLinesRelations = relations(orderTaxLines, ({ one }) => ({
  order: one(orders, { fields: [orderTaxLines.orderId], references: [orders.id] }),
}))
export const discountRedemptionsRelations = relations(discountRedemptions, ({ one }) => ({
  order: one(orders, { fields: [discountRedemptions.orderId], references: [orders.id] }),
  discount: one(discounts, { fields: [discountRedemptions.discountId], references: [discounts.id] }),
}))
export const addressesRelations = relations(addresses, ({ one }) => ({
  user: one(users, { fields: [addresses.userId], references: [users.id] }),
}))

/**
 * The store's content pages (src/content/): one row per slug of CONTENT_PAGES that staff have written;
 * a slug without a row shows its default text. `body` is plain text with blank-line paragraphs.
 */
export const contentPages = sqliteTable('content_pages', {
  slug: text('slug').primaryKey(),
  title: text('title').notNull(),
  body: text('body').notNull(),
  updatedAt: epochMs('updated_at'),
})
export type ContentPage = typeof contentPages.$inferSelect

/**
 * Store-wide settings (one row, id 1): the time zone dates are shown in (an IANA name; shoppers see them
 * in their own locale), and the stock at or under which the dashboard lists a variant as low.
 */
export const storeSettings = sqliteTable(
  'store_settings',
  {
    id: integer('id').primaryKey(),
    timeZone: text('time_zone').notNull().default('UTC'),
    lowStockThreshold: integer('low_stock_threshold').notNull().default(5),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [check('store_settings_singleton', sql`${t.id} = 1`), check('store_settings_threshold', sql`${t.lowStockThreshold} >= 0`)],
)
export type StoreSettings = typeof storeSettings.$inferSelect

/** Staff's internal notes on an order (never shown to the customer), newest last; kept with the author's email as it was. */
export const orderNotes = sqliteTable(
  'order_notes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    authorId: integer('author_id').references(() => users.id, { onDelete: 'set null' }),
    authorEmail: text('author_email').notNull(),
    body: text('body').notNull(),
    createdAt: epochMs('created_at'),
  },
  (t) => [index('order_notes_order_idx').on(t.orderId, t.createdAt), check('order_notes_body_length', sql`length(${t.body}) between 1 and 2000`)],
)
export type OrderNote = typeof orderNotes.$inferSelect
