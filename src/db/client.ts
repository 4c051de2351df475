import { drizzle } from 'drizzle-orm/d1'
import * as schema from './schema'

/** The drizzle client over the D1 binding; cheap to make per request. */
export const getDb = (env: Pick<Env, 'DB'>) => drizzle(env.DB, { schema })
export type Db = ReturnType<typeof getDb>
