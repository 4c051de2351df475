/**
 * Discounts: which apply to a cart (a code the shopper entered, and automatic promotions), and their
 * redemptions, counted in the batch that places the order and given back when it ends unpaid.
 *
 * PLACEHOLDER of the checkout scaffold: the discounts slice replaces this file; the signatures are the contract.
 */
import type { BatchItem } from 'drizzle-orm/batch'
import type { Db } from '../db/client'
import type { DiscountRule } from '../checkout/types'

/** Why a code does not apply, in words the shopper reads next to the code field. */
export type CodeRefusalReason = 'unknown' | 'inactive' | 'not_started' | 'expired' | 'used_up' | 'customer_limit' | 'min_subtotal' | 'not_eligible'
export interface CodeRefusal {
  reason: CodeRefusalReason
  message: string
}

export interface DiscountRequest {
  /** As typed by the shopper (normalised here: NFKC, case, spaces); null when none was entered. */
  code: string | null
  /** The buyer's lower-cased email when known (per-customer limits), else null. */
  customerKey: string | null
  lines: { productId: number; categoryIds: number[]; subtotalCents: number }[]
  subtotalCents: number
  now: number
}

export interface ApplicableDiscounts {
  /** The entered code's rule when it applies. */
  code: DiscountRule | null
  /** Why the entered code does not apply (never silently ignored). */
  refusal: CodeRefusal | null
  /** Every automatic promotion that applies now; the totals formula picks among them (the stacking rule). */
  automatic: DiscountRule[]
}

export async function applicableDiscounts(_env: Env, request: DiscountRequest): Promise<ApplicableDiscounts> {
  return { code: null, refusal: request.code ? { reason: 'unknown', message: `No discount code ${request.code}` } : null, automatic: [] }
}

/**
 * The statements that count the order's discounts as used, for the batch that inserts the order: the
 * batch fails (and so places nothing) when a limit would be passed; `redemptionRefusal(err)` says which.
 */
export function redeemStatements(_db: Db, _orderId: string, _customerKey: string, _applied: { rule: DiscountRule; amountCents: number }[]): BatchItem<'sqlite'>[] {
  return []
}

/** The refusal a failed order batch carries when it failed on a discount limit, else null. */
export function redemptionRefusal(_err: unknown): CodeRefusal | null {
  return null
}

/** The statements that give the order's discount uses back (an unpaid order expired or cancelled), idempotent. */
export function releaseStatements(_db: Db, _orderId: string): BatchItem<'sqlite'>[] {
  return []
}
