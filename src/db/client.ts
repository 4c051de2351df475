import { drizzle } from 'drizzle-orm/d1'
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
