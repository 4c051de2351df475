/** What the shipping and tax screens share: reading their forms into the API's bodies, and fields the generic `Field` does not cover. */
import type { ComponentChildren } from 'preact'
import type { FieldErrors } from '../../platform/errors'
import { forbidden } from '../../platform/errors'
import { centsToDecimal, DecimalPrice } from '../../platform/money'
import type { ShippingRateBand } from '../../db/schema'
import { userOf } from '../../accounts/guard'
import type { Ctx } from './layout'
import { LabelledControl } from '../../ui/forms'

/** Only admins change shipping and tax; staff read the same pages without their forms. */
export const mayWrite = (c: Ctx) => userOf(c).role === 'admin'
export function requireAdmin(c: Ctx) {
  if (!mayWrite(c)) throw forbidden('Only admins can change shipping and tax settings.')
}

/** "DE, FR US-CA" → the areas as the API takes them; each token kept so that an error can name it. */
export function areasFromText(text: string) {
  const tokens = text.split(/[\s,;]+/).filter(Boolean)
  return {
    tokens,
    areas: tokens.map((token) => {
      const [country = '', ...rest] = token.split('-')
      return { country, region: rest.join('-') }
    }),
  }
}
export const areasToText = (areas: { country: string; region: string }[]) => areas.map((a) => (a.region ? `${a.country}-${a.region}` : a.country)).join(', ')

/** An amount typed in the currency ("4.50") as cents, or the text itself for the schema to refuse by name. */
export function centsFromText(text: string): number | string {
  const parsed = DecimalPrice.safeParse(text)
  return parsed.success ? parsed.data : text
}

/**
 * Bands typed one per line, "FROM-TO: PRICE" or "FROM+: PRICE" (weight in grams, subtotal in the
 * currency): `0-1000: 4.50`, `1000+: 9`. Lines that are not like that are named in `problems`.
 */
export function bandsFromText(text: string, unit: 'grams' | 'money'): { bands: ShippingRateBand[]; problems: string[] } {
  const bands: ShippingRateBand[] = []
  const problems: string[] = []
  const bound = (value: string) => (unit === 'grams' ? (/^\d{1,9}$/.test(value) ? Number(value) : null) : DecimalPrice.safeParse(value).data ?? null)
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .forEach((line, i) => {
      if (!line) return
      const match = /^([\d.]+)\s*(?:(?:-|–|to)\s*([\d.]+)|\+)\s*:\s*([\d.]+)$/.exec(line)
      const min = match ? bound(match[1] ?? '') : null
      const max = match?.[2] === undefined ? null : bound(match[2])
      const price = match ? DecimalPrice.safeParse(match[3]).data : undefined
      if (!match || min === null || (match[2] !== undefined && max === null) || price === undefined) {
        problems.push(`line ${i + 1} ("${line}") is not like ${unit === 'grams' ? '0-1000: 4.50 or 1000+: 9' : '0-50: 4.50 or 50+: 0'}`)
        return
      }
      bands.push({ min, max, price_cents: price })
    })
  return { bands, problems }
}
export const bandsToText = (bands: ShippingRateBand[], unit: 'grams' | 'money') => {
  const bound = (n: number) => (unit === 'grams' ? String(n) : centsToDecimal(n))
  return bands.map((b) => `${bound(b.min)}${b.max === null ? '+' : `-${bound(b.max)}`}: ${centsToDecimal(b.price_cents)}`).join('\n')
}

/**
 * The API's field errors as the form's fields: `rename` maps an API field to the form's, and errors of
 * an array's items (`areas.2.region`, `bands.1`) go to the array's field; those of an item's own field
 * (`areas.2.region`) are prefixed by `itemName(index)`, the others already name their item.
 */
export function formFieldErrors(fields: FieldErrors, rename: Record<string, string>, itemName: (field: string, index: number) => string = (_f, i) => `item ${i + 1}`): FieldErrors {
  const out: Record<string, string[]> = {}
  for (const [key, messages] of Object.entries(fields)) {
    const [head = '_', index, ...rest] = key.split('.')
    const target = rename[head] ?? head
    const prefix = index !== undefined && /^\d+$/.test(index) && rest.length ? `${itemName(head, Number(index))} (${rest.join('.').replace(/_/g, ' ')}): ` : ''
    ;(out[target] ??= []).push(...messages.map((m) => `${prefix}${m}`))
  }
  return out
}

/** A labelled textarea with its hint and errors. */
export function TextArea({ name, label, value, hint, errors, rows = 4, idSuffix = '' }: { name: string; label: string; value?: string; hint?: string; errors?: FieldErrors; rows?: number; idSuffix?: string }) {
  const id = `field-${name}${idSuffix}`
  return (
    <LabelledControl id={id} name={name} label={label} hint={hint} errors={errors}>
      {(described, invalid) => (
        <textarea id={id} name={name} rows={rows} aria-describedby={described} aria-invalid={invalid ? 'true' : undefined}>
          {value ?? ''}
        </textarea>
      )}
    </LabelledControl>
  )
}

/** A labelled input with an id of its own (several forms of a page have the same field names). */
export function RowField({ name, label, value, hint, errors, idSuffix, inputMode, required, maxLength }: { name: string; label: string; value?: string; hint?: string; errors?: FieldErrors; idSuffix: string; inputMode?: 'decimal' | 'numeric'; required?: boolean; maxLength?: number }) {
  const id = `field-${name}-${idSuffix}`
  return (
    <LabelledControl id={id} name={name} label={label} hint={hint} errors={errors}>
      {(described, invalid) => <input id={id} name={name} inputMode={inputMode} value={value ?? ''} required={required} maxLength={maxLength} aria-describedby={described} aria-invalid={invalid ? 'true' : undefined} />}
    </LabelledControl>
  )
}

/** A form's errors summarised at its top, each linking to its field (DESIGN.md). */
export function ErrorSummary({ errors, idSuffix = '', children }: { errors?: FieldErrors; idSuffix?: string; children?: ComponentChildren }) {
  if (!errors || Object.keys(errors).length === 0) return null
  return (
    <div class="notice notice-error" role="alert">
      {children ?? <p>Please correct these fields:</p>}
      <ul>
        {Object.entries(errors).map(([field, messages]) => (
          <li key={field}>
            <a href={`#field-${field}${idSuffix}`}>{`${field.replace(/_/g, ' ')}: ${messages.join('; ')}`}</a>
          </li>
        ))}
      </ul>
    </div>
  )
}
