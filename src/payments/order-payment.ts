/** An order with its payment and lines, as every part of payments reads it, and what "money came in" means. */
import { eq } from 'drizzle-orm'
import type { Db } from '../db/client'
import { orders, payments, refunds, type PaymentStatus } from '../db/schema'
import { orderStockLines } from '../orders/service'
import { stockOf } from '../stock/client'

export type LoadedOrder = NonNullable<Awaited<ReturnType<typeof loadOrder>>>

const MONEY_IN: readonly PaymentStatus[] = ['paid', 'partially_refunded', 'refunded']
export const moneyIn = (order: Pick<LoadedOrder, 'paymentStatus'>) => MONEY_IN.includes(order.paymentStatus)

export const loadOrder = (db: Db, orderId: string) => db.query.orders.findFirst({ where: eq(orders.id, orderId), with: { payment: true, items: true } })
export const paymentOf = (db: Db, orderId: string) => db.select().from(payments).where(eq(payments.orderId, orderId)).get()
export const refundOf = (db: Db, refundId: string) => db.select().from(refunds).where(eq(refunds.id, refundId)).get()

/** Releases every hold of the order; false when a line turned out sold (a payment is being recorded). */
export async function releaseHolds(env: Env, orderId: string): Promise<boolean> {
  const lines = await orderStockLines(env, orderId)
  const results = await Promise.all(lines.map((line) => stockOf(env, line.productId).release(line.productId, line.reservationId)))
  return !results.some((result) => !result.ok && result.reason === 'committed')
}
