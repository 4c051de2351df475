/**
 * What the catalog shows of a product's stock: the units it will sell (on hand minus those held for
 * unpaid orders, as the cart and the order check them), counted exactly up to STOCK_SHOWN_MAX and as
 * "STOCK_SHOWN_MAX or more" above. Cached answers hold this figure, so they only need to change (and the
 * catalog version only moves on, see `catalogStockListener`) when it changes: a flash sale
 * of 1,000 units moves it 11 times (the last ten units and sold out), not 1,000.
 */
import { sql, type SQL } from 'drizzle-orm'
import type { StockChangedListener } from '../stock/signals'
import { bumpCatalogVersionStatement, forgetCatalogVersion } from './cache'

/** Shown exactly up to here: the product page's quantity picker offers at most this many. */
export const STOCK_SHOWN_MAX = 10

/** The figure the catalog shows for `available` units. */
export const shownStock = (available: number) => Math.min(Math.max(available, 0), STOCK_SHOWN_MAX)

/** The units the shop will sell, in SQL over the products row (its stock object's write-through). */
export const availableSql = (onHand: SQL, held: SQL) => sql<number>`(${onHand} - ${held})`

/** `shownStock` in SQL. */
export const shownStockSql = (available: SQL) => sql<number>`min(max(${available}, 0), ${sql.raw(String(STOCK_SHOWN_MAX))})`

/**
 * The catalog's reaction to the stock domain's "stock changed" signal (wired in src/index.ts): when the
 * figure it shows changes (of the product or of the variant), the catalog version moves on in the same D1 batch as the stock write, so the
 * cached answers that showed the old figure are never read again (src/catalog/cache.ts).
 */
export const catalogStockListener: StockChangedListener = (db, change) =>
  shownUnchanged(change.previousAvailable, change.available) && shownUnchanged(change.previousLevelAvailable, change.levelOnHand - change.levelHeld)
    ? null
    : { statements: [bumpCatalogVersionStatement(db)], afterCommit: forgetCatalogVersion }

/**
 * Whether the figure shown stays the same: the product's (lists) and its variant's (the product page,
 * whose variant can sell out while the product still has 40 units of others). Unknown before is a change.
 */
const shownUnchanged = (before: number | null | undefined, now: number) => before !== null && before !== undefined && shownStock(before) === shownStock(now)
