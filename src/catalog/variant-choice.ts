/**
 * How the product page resolves its options to one variant without JavaScript: the chosen variant is the
 * URL's `?variant=ID`, and each value of each option is a link to the variant with that value and the
 * other current choices (or, where that combination does not exist, to the nearest variant that has the value).
 */
import type { ProductDetail, ProductVariant } from './responses'

/** The `?variant=` of a product page: an id as digits, anything else names no variant. */
const VARIANT_ID = /^[1-9]\d{0,15}$/

export type VariantChoice =
  /** No `?variant`: the first variant in stock (the first at all when every one is sold out). */
  | { kind: 'default'; variant: ProductVariant }
  | { kind: 'chosen'; variant: ProductVariant }
  /** A `?variant` that is not an active variant of this product: shown with the default variant and a notice. */
  | { kind: 'unknown'; variant: ProductVariant }

/** The variant the page shows for `requested` (the raw `?variant` value), or null for a product with no active variant. */
export function chooseVariant(product: ProductDetail, requested: string | undefined): VariantChoice | null {
  const fallback = product.variants.find((v) => v.in_stock) ?? product.variants[0]
  if (!fallback) return null
  if (requested === undefined) return { kind: 'default', variant: fallback }
  const chosen = VARIANT_ID.test(requested) ? product.variants.find((v) => v.id === Number(requested)) : undefined
  return chosen ? { kind: 'chosen', variant: chosen } : { kind: 'unknown', variant: fallback }
}

/** The `?variant` value to key a page's cache on: an id as digits, or nothing (every other query parameter is ignored by the page). */
export const variantKey = (requested: string | undefined) => (requested !== undefined && VARIANT_ID.test(requested) ? requested : undefined)

export interface ValueChoice {
  value: string
  /** The variant this link leads to: the exact combination, or the nearest one with this value. */
  target: ProductVariant
  /**
   * `current`: the chosen variant's value; `available`: the combination exists and is in stock;
   * `sold-out`: it exists and is sold out; `unavailable`: no variant has this value with the other choices.
   */
  state: 'current' | 'available' | 'sold-out' | 'unavailable'
}

/** For each option (in order), each of its values as a choice from the `current` variant. */
export function valueChoices(product: ProductDetail, current: ProductVariant): { name: string; chosen: string; values: ValueChoice[] }[] {
  const valueOf = (variant: ProductVariant, option: number) => variant.option_values[option]?.value
  return product.options.map((option, o) => {
    const values = option.values.flatMap((value): ValueChoice[] => {
      const withValue = product.variants.filter((v) => valueOf(v, o) === value)
      if (withValue.length === 0) return [] // a value no active variant has: not offered
      const exact = withValue.find((v) => product.options.every((_, other) => other === o || valueOf(v, other) === valueOf(current, other)))
      if (exact) return [{ value, target: exact, state: exact.id === current.id ? 'current' : exact.in_stock ? 'available' : 'sold-out' }]
      // The nearest: most other choices kept, then in stock, then the variants' order.
      const kept = (v: ProductVariant) => product.options.filter((_, other) => other !== o && valueOf(v, other) === valueOf(current, other)).length
      const nearest = [...withValue].sort((a, b) => kept(b) - kept(a) || Number(b.in_stock) - Number(a.in_stock))[0] as ProductVariant
      return [{ value, target: nearest, state: 'unavailable' }]
    })
    return { name: option.name, chosen: valueOf(current, o) ?? '', values }
  })
}

/** Whether an option's values are colours (shown as swatches). */
export const isColourOption = (name: string) => /^colou?rs?$/i.test(name.trim())
