import { PRODUCT_OPTIONS_MAX, PRODUCT_VARIANTS_MAX } from '../db/schema'
import { validationFailed, type FieldErrors } from '../platform/errors'

/** A product's options with their values, in order, as the admin sends them. */
export type OptionInput = { name: string; values: string[] }

/** One variant of a product: its value for each option, in the options' order (none for a product without options). */
export type VariantInput = {
  optionValues: string[]
  sku: string | null
  priceCents: number
  compareAtCents: number | null
  weightGrams: number
}

export type VariantSet = { options: OptionInput[]; variants: VariantInput[] }

/**
 * What is wrong with a product's options and variants, by field (`variants.3.sku`), empty when nothing is:
 * the rules the schema cannot state alone — at most PRODUCT_OPTIONS_MAX options and PRODUCT_VARIANTS_MAX
 * variants, 1 variant at least, each variant one known value per option, no combination twice, no SKU
 * twice — besides the money rules the schema's CHECKs also hold (integer cents ≥ 0, compare-at above the
 * price), so that a bad set is refused with its field named before anything is written.
 */
export function variantSetErrors(set: VariantSet): FieldErrors {
  const errors: FieldErrors = {}
  const add = (field: string, message: string) => (errors[field] ??= []).push(message)
  if (set.options.length > PRODUCT_OPTIONS_MAX) add('options', `at most ${PRODUCT_OPTIONS_MAX} options`)
  const names = new Set<string>()
  set.options.forEach((option, i) => {
    const name = option.name.trim().toLowerCase()
    if (!name) add(`options.${i}.name`, 'required')
    else if (names.has(name)) add(`options.${i}.name`, `option "${option.name}" is named twice`)
    names.add(name)
    if (option.values.length === 0) add(`options.${i}.values`, 'at least one value')
    if (new Set(option.values).size !== option.values.length) add(`options.${i}.values`, 'a value is listed twice')
  })
  if (set.variants.length === 0) add('variants', 'at least one variant')
  if (set.variants.length > PRODUCT_VARIANTS_MAX) add('variants', `at most ${PRODUCT_VARIANTS_MAX} variants`)
  const combinations = new Map<string, number>()
  const skus = new Map<string, number>()
  set.variants.forEach((variant, i) => {
    const at = `variants.${i}`
    if (variant.optionValues.length !== set.options.length) add(`${at}.option_values`, `one value for each of the ${set.options.length} options`)
    variant.optionValues.forEach((value, o) => {
      const option = set.options[o]
      if (option && !option.values.includes(value)) add(`${at}.option_values.${o}`, `"${value}" is not a value of ${option.name}`)
    })
    const combination = JSON.stringify(variant.optionValues)
    const twin = combinations.get(combination)
    if (twin !== undefined) add(`${at}.option_values`, `the same combination as variant ${twin}`)
    else combinations.set(combination, i)
    if (variant.sku !== null) {
      const same = skus.get(variant.sku)
      if (!variant.sku.trim()) add(`${at}.sku`, 'empty; leave it out instead')
      else if (same !== undefined) add(`${at}.sku`, `the same SKU as variant ${same}`)
      else skus.set(variant.sku, i)
    }
    for (const [field, value] of [
      ['price_cents', variant.priceCents],
      ['weight_grams', variant.weightGrams],
      ['compare_at_cents', variant.compareAtCents],
    ] as const) {
      if (value !== null && (!Number.isSafeInteger(value) || value < 0)) add(`${at}.${field}`, 'a whole number, 0 or more')
    }
    if (variant.compareAtCents !== null && variant.compareAtCents <= variant.priceCents) add(`${at}.compare_at_cents`, 'above the price')
  })
  return errors
}

/** Throws the one 400 shape (`validation_failed`, fields named) for a set `variantSetErrors` finds fault with. */
export function assertVariantSet(set: VariantSet): void {
  const errors = variantSetErrors(set)
  if (Object.keys(errors).length) throw validationFailed(errors)
}

/** The title a variant is shown by: its values joined ("Navy / M"), "Default" for a product without options. */
export function variantTitle(optionValues: string[]): string {
  return optionValues.length ? optionValues.join(' / ') : 'Default'
}

/** "Choose a size and colour" from a product's option names. */
export function chooseMessage(optionNames: string[]): string {
  const names = optionNames.map((name) => name.toLowerCase())
  if (names.length === 0) return 'Choose an option'
  const joined = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
  return `Choose a ${joined}`
}
