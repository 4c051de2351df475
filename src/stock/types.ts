/**
 * The stock domain's vocabulary: what its object's RPC methods answer (result unions, never thrown for a
 * business outcome), the level key that variants will use, and the two signals it gives out
 * (src/stock/signals.ts).
 */

/**
 * Which of a product's stock counts a call is about: the variant's id as text (`variantLevel`). One object
 * per product keeps every count of that product, so that a reservation over several of them stays one
 * transaction.
 */
export type LevelKey = string

/** The level of a variant. */
export const variantLevel = (variantId: number): LevelKey => String(variantId)

/**
 * The one level of objects made before variants; the object moves it onto its product's default variant
 * (`renameLevel`) at its next call, so it stays only where the product is gone from D1.
 */
export const DEFAULT_LEVEL: LevelKey = 'default'

/** How long a reservation holds its units unless the caller passes its own setting (15 minutes). */
export const HOLD_TTL_MS_DEFAULT = 15 * 60 * 1000

/** How a reservation ended; remembered so that every call is idempotent by its reservation id. */
export type Outcome = 'committed' | 'released' | 'expired'

/** Units set aside for a reservation until `expiresAt` (epoch ms). */
export type Hold = { reservationId: string; qty: number; expiresAt: number; orderId: string | null }

/** A product's stock as its object knows it: `available = onHand - held`. */
export type StockView = { productId: number; onHand: number; held: number; available: number; holds: Hold[] }

/** The product does not exist in D1, so its object has no stock to give. */
export type UnknownProduct = { ok: false; reason: 'unknown_product'; available: 0 }

export type ReserveResult =
  | { ok: true; reservationId: string; qty: number; expiresAt: number; available: number }
  | { ok: false; reason: 'insufficient'; available: number }
  | { ok: false; reason: 'finished'; outcome: Outcome; available: number }
  | UnknownProduct

/** One line of `reserveLines`: `qty` units of one variant, under its own reservation id. */
export type ReserveLine = { variantId: number; reservationId: string; qty: number }

export type ReserveLinesResult =
  | { ok: true; holds: { variantId: number; reservationId: string; qty: number; expiresAt: number }[] }
  | { ok: false; reason: 'insufficient'; short: { variantId: number; available: number }[] }
  | { ok: false; reason: 'finished'; reservationId: string; outcome: Outcome }
  | { ok: false; reason: 'unknown_variant'; variantId: number; available: 0 }
  | UnknownProduct

export type ExtendResult =
  | { ok: true; reservationId: string; expiresAt: number }
  | { ok: false; reason: 'not_held'; outcome: Outcome | null }
  | UnknownProduct

export type ReleaseResult =
  | { ok: true; outcome: 'released' | 'expired'; qty: number; available: number }
  | { ok: false; reason: 'committed'; available: number }
  | UnknownProduct

/** A sale: `synced` says whether D1's stock_quantity already equals `onHand` (else an alarm retries). */
export type Sale = { ok: true; reservationId: string; qty: number; onHand: number; available: number; synced: boolean }

export type CommitResult =
  | Sale
  | { ok: false; reason: 'not_held'; outcome: 'released' | 'expired' | null; available: number }
  | UnknownProduct

export type TakeResult = Sale | { ok: false; reason: 'insufficient'; available: number } | UnknownProduct

/** A sale given back: `qty` units returned to on_hand now (0 when the reservation was not, or no longer, sold). */
export type RestockResult = { ok: true; reservationId: string; qty: number; onHand: number; available: number; synced: boolean } | UnknownProduct

export type AdjustResult =
  | { ok: true; onHand: number; held: number; available: number; synced: boolean }
  | { ok: false; reason: 'below_held' | 'negative' | 'changed'; onHand: number; held: number; available: number }
  | UnknownProduct

export type GetResult = ({ ok: true } & StockView) | UnknownProduct


/** A hold that expired while attached to an order. */
export type ExpiredHold = { productId: number; reservationId: string; orderId: string; qty: number; expiredAt: number }

/** Receives holds that expired; delivery is at least once, so it must be idempotent. */
export type HoldsExpiredHook = (env: Env, expired: ExpiredHold[]) => Promise<void>

/**
 * One line of `changeStocks`: a variant's on hand set (a compare-and-set against `expectedOnHand`, the
 * figure staff saw, when given) or moved by `delta`.
 */
export type StockLineChange = { variantId: number; onHand: number; expectedOnHand?: number } | { variantId: number; delta: number }

export type ChangeStocksResult =
  | { ok: true; levels: { variantId: number; onHand: number; held: number; available: number }[]; synced: boolean }
  | { ok: false; reason: 'below_held' | 'negative' | 'changed'; variantId: number; onHand: number; held: number; available: number }
  | { ok: false; reason: 'unknown_variant'; variantId: number; available: 0 }
  | UnknownProduct

export type RetireResult =
  | { ok: true; levels: { variantId: number; onHand: number }[] }
  | { ok: false; reason: 'held' | 'sold'; variantIds: number[] }
  | UnknownProduct

/**
 * What an order needs to know of a variant to sell it, as the product's stock object keeps it (read from D1
 * on first use and again every SALE_INFO_FRESH_MS): so that placing an order reads no variant from D1. It
 * is a copy: the order's own D1 batch is refused when D1 disagrees on anything the line or its total is
 * made of (src/orders/place.ts `linesUnchangedSql`), and the order asks the object to read it again.
 */
export type SaleVariant = {
  variantId: number
  productId: number
  slug: string
  /** The product's name. */
  name: string
  sku: string | null
  title: string
  optionValues: { name: string; value: string }[]
  priceCents: number
  currency: string
  /** The product and the variant are both sold. */
  isActive: boolean
  imageKey: string | null
  variantCount: number
  weightGrams: number
  taxClass: 'standard' | 'reduced' | 'zero'
  /** The product's categories, in id order (discount eligibility). */
  categoryIds: number[]
}

/**
 * `reserveLines` for an order, with the lines' variants as the object knows them: each answer carries
 * `variants` (one per line's variant that exists), so that the order prices and names its lines from it.
 * A variant not sold (it, or its product, switched off) is refused as `not_for_sale` before anything is
 * held, after the object has read D1 again to be sure.
 */
export type ReserveSaleResult =
  | ({ ok: true; holds: { variantId: number; reservationId: string; qty: number; expiresAt: number }[] } & { variants: SaleVariant[] })
  | ({ ok: false; reason: 'insufficient'; short: { variantId: number; available: number }[] } & { variants: SaleVariant[] })
  | ({ ok: false; reason: 'finished'; reservationId: string; outcome: Outcome } & { variants: SaleVariant[] })
  | { ok: false; reason: 'not_for_sale'; variantIds: number[]; variants: SaleVariant[] }
  | { ok: false; reason: 'unknown_variant'; variantId: number; available: 0; variants: SaleVariant[] }
  | (UnknownProduct & { variants: SaleVariant[] })

/** What the cart needs to put a variant in a line: the variant as the object sells it and the units available of it. */
export type OfferResult =
  | { ok: true; variant: SaleVariant; available: number }
  | { ok: false; reason: 'unknown_variant'; available: 0 }
  | UnknownProduct
