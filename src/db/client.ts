import { fillPlaceholders, getTableColumns, sql, type SQL, type Table } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { drizzle } from 'drizzle-orm/d1'
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core'
import * as schema from './schema'

function makeDb(d1: D1Database) {
  return drizzle(d1, { schema })
}
export type Db = ReturnType<typeof makeDb>

/**
 * Building a client walks the whole schema for the relational API, so one is kept per D1 binding
 * (the binding object lives as long as the isolate) instead of one per request.
 */
const clients = new WeakMap<D1Database, Db>()

/** The drizzle client over the D1 binding. */
export function getDb(env: Pick<Env, 'DB'>): Db {
  let db = clients.get(env.DB)
  if (!db) clients.set(env.DB, (db = makeDb(env.DB)))
  return db
}

/**
 * A statement built and prepared once per client (drizzle's `.prepare()`, values as `sql.placeholder`),
 * for the queries nearly every request runs (who is signed in): building one costs more CPU than D1
 * spends answering it.
 * @example const byId = preparedOnce((db) => db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare())
 */
export function preparedOnce<T>(build: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>()
  return (db) => {
    let prepared = made.get(db)
    if (prepared === undefined) made.set(db, (prepared = build(db)))
    return prepared
  }
}

/** What drizzle's D1 batch takes of an item's prepared query: its SQL and parameters, its D1 statement, how its rows map. */
interface PreparedForBatch {
  getQuery(): { sql: string; params: unknown[] }
  mapResult(result: unknown, isFromBatch?: boolean): unknown
  stmt: D1PreparedStatement
}

/**
 * A statement prepared once (`preparedOnce`) as an item of `db.batch`, with its placeholders' `values`:
 * drizzle's batch builds every item's SQL again (the cost `preparedOnce` spares single statements), so
 * this hands it the prepared one, bound. The rows map as the statement's own `.all()`/`.get()` would.
 * @example db.batch([write, inBatch(linesOfUser(db), { userId })])
 */
export function inBatch(prepared: unknown, values: Record<string, unknown>): BatchItem<'sqlite'> {
  const query = prepared as PreparedForBatch
  const { sql: text, params } = query.getQuery()
  const bound = { sql: text, params: fillPlaceholders(params, values) }
  const item = { _prepare: () => ({ getQuery: () => bound, stmt: query.stmt, mapResult: (result: unknown, isFromBatch?: boolean) => query.mapResult(result, isFromBatch) }) }
  return item as unknown as BatchItem<'sqlite'>
}

/** D1 binds at most 100 parameters per statement. */
const D1_MAX_BOUND_PARAMETERS = 100

/**
 * Rows for a multi-row insert, split so that no statement binds more than D1's 100 parameters
 * (`extra` are the statement's other parameters). Each chunk becomes its own statement, in one batch.
 * With its `table`, every column counts (drizzle binds a column's JS default for a key a row leaves out),
 * so a column added to the table later cannot push a chunk past the limit.
 * @example db.batch(chunkRows(rows, 0, t).map((chunk) => db.insert(t).values(chunk)))
 */
export function chunkRows<T extends Record<string, unknown>>(rows: T[], extra = 0, table?: Table): T[][] {
  const columns = Math.max(1, table ? Object.keys(getTableColumns(table)).length : 0, ...rows.map((row) => Object.keys(row).length))
  const perStatement = Math.max(1, Math.floor((D1_MAX_BOUND_PARAMETERS - extra) / columns))
  const chunks: T[][] = []
  for (let i = 0; i < rows.length; i += perStatement) chunks.push(rows.slice(i, i + perStatement))
  return chunks
}

const dialect = new SQLiteAsyncDialect()

/**
 * A fragment of SQL without parameters, rendered to its text on first use and then reused as that text.
 * drizzle renders a query's text anew on every call, walking every chunk of it: for a large fixed fragment
 * on a hot path (an order's price guard) that cost more of the isolate's CPU than D1 spent running it.
 * @example const guard = renderedOnce(() => sql`exists (select 1 from ${products} where ...)`)
 */
export function renderedOnce(build: () => SQL): () => SQL {
  let text: SQL | undefined
  return () => {
    if (!text) {
      const rendered = dialect.sqlToQuery(build())
      if (rendered.params.length) throw new Error(`a fragment rendered once cannot hold parameters: ${rendered.sql}`)
      text = sql.raw(rendered.sql)
    }
    return text
  }
}
