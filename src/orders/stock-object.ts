import { DurableObject } from 'cloudflare:workers'

/**
 * One per product (addressed by the product's id): the owner of its sellable stock. The catalog issue
 * declares it so that the binding and its SQLite migration exist from the first deploy; reservations,
 * holds and their alarm arrive with the orders issue.
 */
export class StockObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS stock (id INTEGER PRIMARY KEY CHECK (id = 1), on_hand INTEGER NOT NULL CHECK (on_hand >= 0))')
    })
  }

  /** Units on hand as this object knows them (null until the orders issue initialises it from D1). */
  get(): { onHand: number | null } {
    const row = this.ctx.storage.sql.exec<{ on_hand: number }>('SELECT on_hand FROM stock WHERE id = 1').toArray()[0]
    return { onHand: row?.on_hand ?? null }
  }
}
