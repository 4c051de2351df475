import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm'
import { integer, sqliteTable, text, type AnySQLiteColumn, type AnySQLiteTable, type SelectedFields } from 'drizzle-orm/sqlite-core'
import type { Db } from '../db/client'
import { availableSql, shownStock, shownStockSql } from './availability'
import { categories, productCategories, productImages, productOptions, productOptionValues, products, productVariants, variantOptionValues } from '../db/schema'
import type { CategoryNode, ProductDetail, ProductFacets } from './responses'
import { filtersVariants, type ProductListParams } from './schemas'
import { ftsQuery } from './search'

export type { CategoryNode, ProductDetail, ProductSummary } from './responses'

/**
 * The FTS5 index made by migrations/0001_search.sql. Declared here rather than in db/schema.ts so that
 * drizzle-kit never tries to create it as a plain table.
 */
const productsFts = sqliteTable('products_fts', {
  rowid: integer('rowid').notNull(),
  name: text('name'),
  description: text('description'),
})


export const imageUrl = (r2Key: string) => `/images/${r2Key}`

/**
 * The most matches whose facets are counted: a search, a category or filters that narrow the catalog to
 * this many. Counting facets reads every variant of every match (measured: 2.8 s a page over 10,000
 * products); a broader listing answers `facets: null` and the shop shows its filters without counts.
 */
export const FACETS_MATCHES_MAX = 2_000

/** The price ranges of the facets, in cents, both ends included (a range's end is a cent below the next one's start); null for no end. */
const PRICE_BUCKETS: [number, number | null][] = [
  [0, 2499],
  [2500, 4999],
  [5000, 9999],
  [10000, 19999],
  [20000, null],
]

/** The facets as SQLite wrote them, options grouped by name (in the order of their first value). */
function facetsOf(json: string): ProductFacets {
  const raw = JSON.parse(json) as {
    in_stock: number
    prices: { min: number; max: number | null; count: number }[]
    categories: { slug: string; name: string; parent_id: number | null; count: number }[]
    options: { name: string; value: string; count: number }[]
  }
  const options = new Map<string, { name: string; values: { value: string; count: number }[] }>()
  for (const o of raw.options ?? []) {
    const key = o.name.toLowerCase()
    const option = options.get(key) ?? { name: o.name, values: [] }
    option.values.push({ value: o.value, count: o.count })
    options.set(key, option)
  }
  return {
    in_stock: raw.in_stock ?? 0,
    prices: (raw.prices ?? []).map((p) => ({ min_cents: p.min, max_cents: p.max, count: p.count })),
    categories: raw.categories ?? [],
    options: [...options.values()],
  }
}

/**
 * The most results a search answers, best first: ranking is per match, so a word that tens of thousands
 * of products hold ranks the newest this many of them (with every exact name and SKU match), and the
 * answer says there were more (`search.more_matches`): a word more or a filter narrows them.
 */
export const SEARCH_RESULTS_MAX = 1_000

/** Search ranks: bm25 scores are small negative numbers (lower is better), so these put a SKU match first, then an exact name. */
const SKU_EXACT_BONUS = 1_000_000
const SKU_PREFIX_BONUS = 1_000
const EXACT_NAME_BONUS = 100

/**
 * The SKUs a search text can be the start of: `lower(sku)` from the text (lower-cased, trimmed) up to the
 * next string after every string it begins. A text with a space is no SKU: the range is then empty.
 */
function skuRange(text: string): { sku_text: string; sku_after: string } {
  const t = text.trim().toLowerCase()
  if (!t || /\s/.test(t)) return { sku_text: '\uffff', sku_after: '\uffff' }
  return { sku_text: t, sku_after: t + '\uffff' }
}

const ORDER: Record<Exclude<ProductListParams['sort'], 'relevance'>, SQL[]> = {
  price: [asc(products.priceCents), asc(products.id)],
  '-price': [desc(products.priceCents), desc(products.id)],
  name: [asc(products.name), asc(products.id)],
  newest: [desc(products.createdAt), desc(products.id)],
}

/**
 * A column named with its table. drizzle leaves columns unqualified in single-table selects, which
 * inside a correlated subquery would bind to the inner table: `"id"` must be `"products"."id"`.
 */
const col = (table: AnySQLiteTable, column: AnySQLiteColumn) => sql`${table}.${sql.identifier(column.name)}`

/** The units the shop will sell of a product's active variants (see availability.ts), kept on its row by migration 0010's triggers. */
const available = col(products, products.availableUnits)

/** The item of a list page as JSON text, built by SQLite: see ProductSummary. */
const summaryJson = sql<string>`json_object(
  'id', ${col(products, products.id)}, 'slug', ${col(products, products.slug)}, 'name', ${col(products, products.name)},
  'price_cents', ${col(products, products.priceCents)},
  'price_min_cents', ${col(products, products.priceCents)}, 'price_max_cents', ${col(products, products.priceMaxCents)},
  'compare_at_max_cents', ${col(products, products.compareAtMaxCents)}, 'currency', ${col(products, products.currency)},
  'stock_quantity', ${shownStockSql(available)},
  'in_stock', json(case when ${available} > 0 then 'true' else 'false' end),
  'image', (
    select json_object('url', ${imageUrl('')} || ${col(productImages, productImages.r2Key)}, 'alt', ${col(productImages, productImages.altText)},
      'width', ${col(productImages, productImages.width)}, 'height', ${col(productImages, productImages.height)})
    from ${productImages} where ${col(productImages, productImages.productId)} = ${col(products, products.id)}
    order by ${col(productImages, productImages.position)}, ${col(productImages, productImages.id)} limit 1),
  'categories', (
    select json_group_array(${col(categories, categories.slug)} order by ${col(categories, categories.slug)}) from ${productCategories}
    join ${categories} on ${col(categories, categories.id)} = ${col(productCategories, productCategories.categoryId)}
    where ${col(productCategories, productCategories.productId)} = ${col(products, products.id)}))`

/** What decides the text of the page query: which filters are present and the order. Values are bound. */
const shapeOf = (params: ProductListParams, byCategory: boolean) =>
  [
    params.sort,
    params.q ? 'q' : '',
    byCategory ? 'c' : '',
    params.min_price !== undefined ? 'min' : '',
    params.max_price !== undefined ? 'max' : '',
    String(params.in_stock),
    params.sku !== undefined ? 'sku' : '',
    `o${params.options.length}`,
  ].join('|')

/**
 * The products with an active variant that matches the variant filters (SKU, every `option.<name>=<value>`)
 * and, for such a list, the price range and the stock state: then these apply to the matching variant, not
 * to the product ("M in Navy, in stock, under $30"). An option is matched by its name in any (ASCII) case
 * and its value exactly; an unknown name matches nothing. Values are placeholders `sku`, `opt<i>name`, `opt<i>value`.
 */
function matchingVariants(db: Db, params: ProductListParams) {
  const variant = (column: AnySQLiteColumn) => col(productVariants, column)
  const terms: SQL[] = [sql`${variant(productVariants.isActive)} = 1`]
  if (params.sku !== undefined) terms.push(sql`${variant(productVariants.sku)} = ${sql.placeholder('sku')}`)
  params.options.forEach((_, i) => {
    terms.push(sql`exists (select 1 from ${variantOptionValues}
      join ${productOptions} on ${col(productOptions, productOptions.id)} = ${col(variantOptionValues, variantOptionValues.optionId)}
      join ${productOptionValues} on ${col(productOptionValues, productOptionValues.id)} = ${col(variantOptionValues, variantOptionValues.optionValueId)}
      where ${col(variantOptionValues, variantOptionValues.variantId)} = ${variant(productVariants.id)}
        and lower(${col(productOptions, productOptions.name)}) = lower(${sql.placeholder(`opt${i}name`)})
        and ${col(productOptionValues, productOptionValues.value)} = ${sql.placeholder(`opt${i}value`)})`)
  })
  if (params.min_price !== undefined) terms.push(sql`${variant(productVariants.priceCents)} >= ${sql.placeholder('min')}`)
  if (params.max_price !== undefined) terms.push(sql`${variant(productVariants.priceCents)} <= ${sql.placeholder('max')}`)
  if (params.in_stock !== undefined) {
    const sellable = availableSql(variant(productVariants.stockQuantity), variant(productVariants.stockHeld))
    terms.push(params.in_stock ? sql`${sellable} > 0` : sql`${sellable} <= 0`)
  }
  return db.select({ id: productVariants.productId }).from(productVariants).where(and(...terms))
}

/**
 * The page query (and the count for a search page past the end) for one shape, built by drizzle once
 * and kept as prepared statements: building a query of this size costs more CPU than D1 spends running it, and there are at
 * most a few hundred shapes. Values are placeholders: `fts`, `categories` (a JSON array of ids), `min`,
 * `max`, `limit`, `offset`.
 */
function preparePage(db: Db, params: ProductListParams, byCategory: boolean) {
  /**
   * The list filters. For a page in another order than price, the price terms are made unindexable
   * (`+column`, SQLite's idiom): otherwise the planner takes a price range through the price index and
   * sorts every match, where walking the order's index (which covers price and stock) stops after a page.
   */
  const filtersFor = (page: boolean) => {
    const price = page && params.sort !== 'price' && params.sort !== '-price' ? sql`+${products.priceCents}` : products.priceCents
    const filters: (SQL | undefined)[] = [eq(products.isActive, true)]
    if (byCategory) {
      const inCategory = db
        .select({ id: productCategories.productId })
        .from(productCategories)
        .where(sql`${productCategories.categoryId} in (select value from json_each(${sql.placeholder('categories')}))`)
      filters.push(inArray(products.id, inCategory))
    }
    if (filtersVariants(params)) {
      filters.push(inArray(products.id, matchingVariants(db, params)))
      return and(...filters)
    }
    if (params.min_price !== undefined) filters.push(sql`${price} >= ${sql.placeholder('min')}`)
    if (params.max_price !== undefined) filters.push(sql`${price} <= ${sql.placeholder('max')}`)
    if (params.in_stock !== undefined) {
      // The same figure the items show: what the cart and the order will accept of any active variant, not what is on the shelf.
      filters.push(params.in_stock ? sql`${products.availableUnits} > 0` : sql`${products.availableUnits} <= 0`)
    }
    return and(...filters)
  }
  // The search hits: the newest SEARCH_RESULTS_MAX + 1 products the text matches that pass the filters,
  // walked down the index's rowids (newest first) and stopped there, so that a word a large catalog holds
  // tens of thousands of times costs what a thousand cost (bm25 is computed per row answered). Each is
  // ranked by bm25 (name weighs ten times the description) less a bonus for a name that is the search text
  // itself; with the products whose name is the text (in any case, through its index, among the newest or
  // not) and those one of whose SKUs is the text (first) or begins with it (next), through the index on
  // lower(sku). One row per product, its best score. (FTS5 answers `rowid in (…)` with a MATCH by running
  // the match once per rowid: the ranking is done in the walk itself.)
  const ranked = sql`select * from (select ${productsFts}.rowid as id,
        bm25(${productsFts}, 10.0, 1.0) - (case when ${productsFts}.name = ${sql.placeholder('text')} collate nocase then ${EXACT_NAME_BONUS} else 0 end) as score
      from ${productsFts} cross join ${products}
      where ${productsFts} match ${sql.placeholder('fts')} and ${products.id} = ${productsFts}.rowid and ${filtersFor(false)}
      order by ${productsFts}.rowid desc limit ${sql.raw(String(SEARCH_RESULTS_MAX + 1))})
    union all
    select id, ${-EXACT_NAME_BONUS} as score from ${products} where name = ${sql.placeholder('text')} collate nocase and +is_active = 1
    union all
    select product_id as id, case when lower(sku) = ${sql.placeholder('sku_text')} then ${-SKU_EXACT_BONUS} else ${-SKU_PREFIX_BONUS} end as score
      from ${productVariants} where lower(sku) >= ${sql.placeholder('sku_text')} and lower(sku) < ${sql.placeholder('sku_after')} and is_active = 1`
  const hits = db
    .select({ id: sql<number>`id`.as('id'), score: sql<number>`min(score)`.as('score') })
    .from(sql`(${ranked})`)
    .groupBy(sql`id`)
    .as('hits')
  // A search starts from its hits (CROSS JOIN fixes that order in SQLite): left to the planner, a price
  // filter could make it walk every product and run the match for each.
  const matching = <F extends SelectedFields>(fields: F, { page }: { page: boolean }) => {
    const where = filtersFor(page)
    const fromProducts = db.select(fields).from(products).$dynamic()
    if (!params.q) return fromProducts.where(where)
    // The same fields over the same rows: only the FROM differs, which drizzle's types cannot say.
    const fromHits = db.select(fields).from(hits).$dynamic().crossJoin(products) as unknown as typeof fromProducts
    return fromHits.where(and(sql`${sql.identifier('hits')}.${sql.identifier('id')} = ${products.id}`, where))
  }

  // Browsing counts with an uncorrelated scalar subquery, which runs once from the indexes without
  // sorting (a window count sorts every match: measured about 20% slower). A search counts with a
  // window over the page query instead, so that the FTS match runs once, not twice (about 50% faster);
  // the window's total rides on the page's rows, so a page past the end counts on its own.
  const windowCount = Boolean(params.q)
  const page = matching({
    id: products.id,
    score: (params.q ? sql<number>`${hits.score}` : sql<number>`0`).as('score'),
    total: (windowCount ? sql<number>`count(*) over ()` : sql<number>`0`).as('total'),
  }, { page: true })
    .orderBy(...(params.sort === 'relevance' ? [asc(hits.score), asc(products.id)] : ORDER[params.sort]))
    .limit(sql.placeholder('limit'))
    .offset(sql.placeholder('offset'))
    .as('page')
  const countQuery = matching({ total: count() }, { page: false })
  // The page's items as one JSON array (in page order) and the total, in a single row.
  const order = params.sort === 'relevance' ? [asc(page.score), asc(products.id)] : ORDER[params.sort]
  const pageQuery = db
    .select({
      items: sql<string>`json_group_array(${summaryJson} order by ${sql.join(order, sql`, `)})`,
      total: windowCount ? sql<number | null>`max(${page.total})` : sql<number | null>`(${countQuery})`,
    })
    .from(page)
    .innerJoin(products, eq(products.id, page.id))
    .prepare()
  // The facets of every match, as one JSON object built by SQLite (see selectFacets).
  const matched = matching({ id: products.id }, { page: false })
  const facetsQuery = db
    .select({
      facets: sql<string>`json_object(
        'in_stock', (select count(*) from ${products} p where p.id in ${matched} and p.available_units > 0),
        'prices', (select json_group_array(json_object('min', b.lo, 'max', b.hi, 'count', (
            select count(*) from ${products} p where p.id in ${matched} and p.price_cents >= b.lo and (b.hi is null or p.price_cents <= b.hi))))
          from (${sql.raw(PRICE_BUCKETS.map(([lo, hi], i) => `${i ? 'union all ' : ''}select ${lo} as lo, ${hi ?? 'null'} as hi`).join(' '))}) b),
        'categories', (select json_group_array(json_object('slug', c.slug, 'name', c.name, 'parent_id', c.parent_id, 'count', x.n) order by c.parent_id is not null, c.position, c.name)
          from (
            with recursive up(category_id, ancestor_id) as (
              select id, id from ${categories}
              union all select up.category_id, c.parent_id from up join ${categories} c on c.id = up.ancestor_id where c.parent_id is not null)
            select up.ancestor_id as id, count(distinct pc.product_id) as n from ${productCategories} pc
            join up on up.category_id = pc.category_id where pc.product_id in ${matched} group by up.ancestor_id) x
          join ${categories} c on c.id = x.id),
        'options', (select json_group_array(json_object('name', o.name, 'value', o.value, 'count', o.n) order by o.name collate nocase, o.position)
          from (select min(po.name) as name, pov.value as value, min(pov.position) as position, count(distinct pv.product_id) as n
            from ${productVariants} pv
            join ${variantOptionValues} vov on vov.variant_id = pv.id
            join ${productOptions} po on po.id = vov.option_id
            join ${productOptionValues} pov on pov.id = vov.option_value_id
            where pv.is_active = 1 and pv.product_id in ${matched}
            group by lower(po.name), pov.value) o)
      )`,
    })
    .from(sql`(select 1)`)
  return { page: pageQuery, count: countQuery.prepare(), facets: facetsQuery.prepare() }
}

const preparedPages = new WeakMap<Db, Map<string, ReturnType<typeof preparePage>>>()

/**
 * One page of active products and the total that match, in one statement (one D1 round trip): an inner
 * query picks the page's ids and every match is counted alongside; only the page's rows then get
 * their primary image and category slugs from correlated subqueries, so the work never grows with the
 * page number nor the number of matches, and the number of queries never with the page size. SQLite
 * writes the items' JSON itself: the Worker neither maps rows nor parses nested columns.
 * `categoryIds` is the requested category and everything below it, already resolved from the tree.
 */
export async function selectProductPage(
  db: Db,
  params: ProductListParams,
  categoryIds?: number[],
  withFacets = false,
): Promise<{ total: number; itemsJson: string; facets?: ProductFacets | null; moreMatches: boolean }> {
  let byShape = preparedPages.get(db)
  if (!byShape) preparedPages.set(db, (byShape = new Map()))
  const shape = shapeOf(params, categoryIds !== undefined)
  let prepared = byShape.get(shape)
  if (!prepared) byShape.set(shape, (prepared = preparePage(db, params, categoryIds !== undefined)))
  const values = {
    fts: ftsQuery(params.q ?? ''),
    text: params.q ?? '',
    ...skuRange(params.q ?? ''),
    categories: JSON.stringify(categoryIds ?? []),
    min: params.min_price ?? 0,
    max: params.max_price ?? 0,
    // A search answers its best SEARCH_RESULTS_MAX: its last page stops there.
    limit: params.q ? Math.max(0, Math.min(params.page_size, SEARCH_RESULTS_MAX - (params.page - 1) * params.page_size)) : params.page_size,
    offset: (params.page - 1) * params.page_size,
    sku: params.sku ?? '',
    ...Object.fromEntries(params.options.flatMap(({ name, value }, i) => [[`opt${i}name`, name], [`opt${i}value`, value]])),
  }
  // An aggregate always answers one row, even for a page past the end.
  const row = await prepared.page.get(values)
  /** ProductSummary[] as JSON text, ready to be cached and sent without a parse. */
  const itemsJson = row?.items ?? '[]'
  const counted = row?.total ?? (params.page > 1 ? ((await prepared.count.get(values))?.total ?? 0) : 0)
  // A search counts its candidates (at most one more than it answers) and its exact name and SKU matches.
  const moreMatches = Boolean(params.q) && counted > SEARCH_RESULTS_MAX
  const total = moreMatches ? SEARCH_RESULTS_MAX : counted
  if (!withFacets) return { total, itemsJson, moreMatches }
  // Counted over every match, so only where the matches are few enough to count at a page's pace and
  // are all answered (a search that matches more than it answers has no counts to be consistent with).
  if (total > FACETS_MATCHES_MAX || moreMatches) return { total, itemsJson, facets: null, moreMatches }
  const facets = await prepared.facets.get(values)
  return { total, itemsJson, facets: facetsOf(facets?.facets ?? '{}'), moreMatches }
}

/**
 * An active product with all its images in order, its categories, its options with their values in order
 * and its active variants with their values, in one statement (drizzle's relational query is one SQL
 * statement with JSON subqueries: one D1 round trip).
 */
export async function selectProduct(db: Db, key: number | string): Promise<ProductDetail | null> {
  const product = await db.query.products.findFirst({
    where: and(typeof key === 'number' ? eq(products.id, key) : eq(products.slug, key), eq(products.isActive, true)),
    with: {
      images: { orderBy: [asc(productImages.position), asc(productImages.id)] },
      categories: { with: { category: true } },
      options: {
        orderBy: [asc(productOptions.position), asc(productOptions.id)],
        with: { values: { orderBy: [asc(productOptionValues.position), asc(productOptionValues.id)] } },
      },
      variants: {
        where: eq(productVariants.isActive, true),
        orderBy: [asc(productVariants.position), asc(productVariants.id)],
        with: { optionValues: { columns: { optionId: true, optionValueId: true } } },
      },
    },
  })
  if (!product) return null
  const images = product.images.map((image) => ({
    id: image.id,
    url: imageUrl(image.r2Key),
    alt: image.altText,
    width: image.width,
    height: image.height,
    content_type: image.contentType,
    byte_size: image.byteSize,
    position: image.position,
  }))
  const imageById = new Map(images.map(({ id, url, alt, width, height }) => [id, { url, alt, width, height }]))
  const valueById = new Map(product.options.flatMap((option) => option.values.map((v) => [v.id, v.value] as const)))
  const variants = product.variants.map((variant) => {
    const available = variant.stockQuantity - variant.stockHeld
    const chosen = new Map(variant.optionValues.map((ov) => [ov.optionId, valueById.get(ov.optionValueId) ?? '']))
    return {
      id: variant.id,
      sku: variant.sku,
      title: variant.title,
      option_values: product.options.map((option) => ({ name: option.name, value: chosen.get(option.id) ?? '' })),
      price_cents: variant.priceCents,
      compare_at_cents: variant.compareAtCents,
      stock_quantity: shownStock(available),
      in_stock: available > 0,
      image: (variant.imageId !== null && imageById.get(variant.imageId)) || null,
      position: variant.position,
    }
  })
  const available = product.variants.reduce((sum, v) => sum + Math.max(v.stockQuantity - v.stockHeld, 0), 0)
  const prices = variants.map((v) => v.price_cents)
  const compareAts = variants.flatMap((v) => (v.compare_at_cents === null ? [] : [v.compare_at_cents]))
  return {
    id: product.id,
    slug: product.slug,
    name: product.name,
    description: product.description,
    price_cents: prices.length ? Math.min(...prices) : product.priceCents,
    price_min_cents: prices.length ? Math.min(...prices) : product.priceCents,
    price_max_cents: prices.length ? Math.max(...prices) : product.priceCents,
    compare_at_max_cents: compareAts.length ? Math.max(...compareAts) : null,
    currency: product.currency,
    stock_quantity: shownStock(available),
    in_stock: available > 0,
    created_at: new Date(product.createdAt).toISOString(),
    updated_at: new Date(product.updatedAt).toISOString(),
    images: images.map(({ id: _id, ...image }) => image),
    categories: product.categories
      .map(({ category }) => ({ id: category.id, slug: category.slug, name: category.name, parent_id: category.parentId }))
      .sort((a, b) => a.slug.localeCompare(b.slug)),
    options: product.options.map((option) => ({ name: option.name, values: option.values.map((v) => v.value) })),
    variants,
  }
}

/**
 * Every category as a tree, with counts of distinct active products in each subtree. The closure comes
 * from a recursive CTE, which drizzle's builder does not express, hence the `sql` template.
 */
export async function selectCategoryTree(db: Db): Promise<CategoryNode[]> {
  const countsQuery = db.all<{ id: number; product_count: number }>(sql`
    with recursive tree(ancestor_id, category_id) as (
      select ${categories.id}, ${categories.id} from ${categories}
      -- union, not union all: the closure ends even if the tree ever held a cycle.
      union
      select tree.ancestor_id, ${categories.id} from ${categories} join tree on ${categories.parentId} = tree.category_id
    )
    select tree.ancestor_id as id, count(distinct ${productCategories.productId}) as product_count
    from tree
    join ${productCategories} on ${productCategories.categoryId} = tree.category_id
    join ${products} on ${products.id} = ${productCategories.productId} and ${products.isActive} = 1
    group by tree.ancestor_id`)
  const rowsQuery = db.select().from(categories).orderBy(asc(categories.position), asc(categories.name))
  const [counts, rows] = await db.batch([countsQuery, rowsQuery])
  const countById = new Map(counts.map((c) => [c.id, c.product_count]))
  const nodes = new Map<number, CategoryNode>(
    rows.map((row) => [
      row.id,
      { id: row.id, slug: row.slug, name: row.name, position: row.position, parent_id: row.parentId, product_count: countById.get(row.id) ?? 0, children: [] },
    ]),
  )
  const roots: CategoryNode[] = []
  for (const node of nodes.values()) {
    const parent = node.parent_id === null ? undefined : nodes.get(node.parent_id)
    ;(parent ? parent.children : roots).push(node)
  }
  return roots
}

/** The ids of the category with this slug and of every category below it, or null for an unknown slug. */
export function subtreeIds(tree: CategoryNode[], slug: string): number[] | null {
  const collect = (node: CategoryNode): number[] => [node.id, ...node.children.flatMap(collect)]
  const find = (nodes: CategoryNode[]): CategoryNode | undefined => {
    for (const node of nodes) {
      if (node.slug === slug) return node
      const below = find(node.children)
      if (below) return below
    }
    return undefined
  }
  const node = find(tree)
  return node ? collect(node) : null
}

/** Every active product's slug and last change, for the sitemap (at most 50,000, the format's limit). */
export const selectSitemapEntries = (db: Db) =>
  db
    .select({ slug: products.slug, updatedAt: products.updatedAt })
    .from(products)
    .where(eq(products.isActive, true))
    .orderBy(asc(products.id))
    .limit(50_000)
