import type { HoldsExpiredHook } from '../stock/types'
import { expireOrder } from './service'

const observers = new Set<HoldsExpiredHook>()

/** Registers an observer of expiries (tests use it); returns the function that removes it. */
export function observeHoldsExpired(observer: HoldsExpiredHook): () => void {
  observers.add(observer)
  return () => observers.delete(observer)
}

/**
 * The stock domain's holds-expired hook (wired in src/index.ts with `setHoldsExpiredHook`): a product's
 * StockObject alarm calls it with the holds that expired while attached to an order: each
 * order still awaiting payment becomes `expired` and the holds of its other lines are released (see
 * `expireOrder`), then the observers hear of it. If it throws, the object keeps the holds as
 * undelivered and its alarm calls again a few seconds later; every step is safe to repeat.
 */
export const onHoldsExpired: HoldsExpiredHook = async (env, expired) => {
  const ended = new Set(expired.map((hold) => hold.reservationId))
  for (const orderId of new Set(expired.map((hold) => hold.orderId))) await expireOrder(env, orderId, ended)
  for (const observer of observers) await observer(env, expired)
}
