import { relations, sql } from 'drizzle-orm'
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

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
    stockQuantity: integer('stock_quantity').notNull().default(0),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    createdAt: epochMs('created_at'),
    updatedAt: epochMs('updated_at'),
  },
  (t) => [
    uniqueIndex('products_slug_unique').on(t.slug),
    // One index per list order, each covering the list filters (price, stock): a page of a large
    // catalog is found by walking the order's index and filtering in it, never by sorting every match.
    index('products_list_newest_idx').on(t.isActive, t.createdAt, t.priceCents, t.stockQuantity),
    index('products_list_price_idx').on(t.isActive, t.priceCents, t.stockQuantity),
    index('products_list_name_idx').on(t.isActive, t.name, t.priceCents, t.stockQuantity),
    check('products_slug_format', sql`${t.slug} GLOB '*[a-z]*' AND ${t.slug} NOT GLOB '*[^a-z0-9-]*'`),
    check('products_price_nonnegative', sql`${t.priceCents} >= 0`),
    check('products_stock_nonnegative', sql`${t.stockQuantity} >= 0`),
    check('products_currency_format', sql`length(${t.currency}) = 3 AND ${t.currency} = upper(${t.currency})`),
  ],
)

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

export const categoriesRelations = relations(categories, ({ one, many }) => ({
  parent: one(categories, { fields: [categories.parentId], references: [categories.id], relationName: 'tree' }),
  children: many(categories, { relationName: 'tree' }),
  products: many(productCategories),
}))

export const productsRelations = relations(products, ({ many }) => ({
  images: many(productImages),
  categories: many(productCategories),
}))

export const productCategoriesRelations = relations(productCategories, ({ one }) => ({
  product: one(products, { fields: [productCategories.productId], references: [products.id] }),
  category: one(categories, { fields: [productCategories.categoryId], references: [categories.id] }),
}))

export const productImagesRelations = relations(productImages, ({ one }) => ({
  product: one(products, { fields: [productImages.productId], references: [products.id] }),
}))

export type Category = typeof categories.$inferSelect
export type NewCategory = typeof categories.$inferInsert
export type Product = typeof products.$inferSelect
export type NewProduct = typeof products.$inferInsert
export type ProductImage = typeof productImages.$inferSelect
export type NewProductImage = typeof productImages.$inferInsert
