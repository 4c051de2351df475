/**
 * The address fields of every form that takes one (the address book, checkout): the country as a select of
 * the countries the store ships to, the region as a select of the US, Canadian and Australian regions, or
 * as text for other countries (no script: both are there, the server takes the one that fits), the phone
 * optional. Components take data: the caller passes the countries (`shippableCountries`).
 */
import type { FieldErrors } from '../platform/errors'
import { Field, LabelledControl } from '../ui/forms'
import { formText, type FormBody } from '../ui/form-input'
import { countryName, REGIONS, type Choice } from './address-options'

/** An address as a form shows it again: any field may be missing or wrong. */
export interface AddressFormValues {
  name?: string | null
  line1?: string | null
  line2?: string | null
  city?: string | null
  region?: string | null
  postal_code?: string | null
  country?: string | null
  phone?: string | null
}

const REGION_COUNTRIES = Object.keys(REGIONS)

/** The form's address under `prefix` (`shipping_address.` at checkout), as the API's body would have it. */
export function addressFromForm(form: FormBody, prefix = ''): Record<string, string> {
  const text = (key: string) => formText(form, `${prefix}${key}`).trim()
  const country = text('country').toUpperCase()
  // The select's region for its countries, the text field's for the others.
  // (A form without the text field, as older pages sent it, has its free text in `region`.)
  const region = REGION_COUNTRIES.includes(country) ? text('region') : text('region_other') || text('region')
  return { name: text('name'), line1: text('line1'), line2: text('line2'), city: text('city'), region, postal_code: text('postal_code'), country, phone: text('phone') }
}

/** A labelled select with its hint and errors (the options mark themselves `selected`: the same code may be in two countries). */
function Select({ id, name, label, hint, errors, required, autocomplete, children }: { id: string; name: string; label: string; hint?: string; errors?: FieldErrors; required?: boolean; autocomplete: string; children: preact.ComponentChildren }) {
  return (
    <LabelledControl id={id} name={name} label={label} hint={hint} errors={errors}>
      {(described, invalid) => (
        <select id={id} name={name} required={required} autoComplete={autocomplete} aria-invalid={invalid ? 'true' : undefined} aria-describedby={described}>
          {children}
        </select>
      )}
    </LabelledControl>
  )
}

/**
 * The fields of one address. `prefix` names them (`shipping_address.name`…) and errors are looked up under
 * the same names; `section` is the autocomplete section ("shipping").
 */
export function AddressFieldset({
  values,
  errors,
  countries,
  prefix = '',
  section = 'shipping',
  required = true,
}: {
  values?: AddressFormValues | null
  errors?: FieldErrors
  countries: readonly Choice[]
  prefix?: string
  section?: string
  /** False on a form whose address may be left empty (the profile's). */
  required?: boolean
}) {
  const name = (key: string) => `${prefix}${key}`
  const id = (key: string) => `field-${name(key).replace(/\W/g, '-')}`
  const country = values?.country?.toUpperCase() ?? ''
  const hasList = REGION_COUNTRIES.includes(country)
  // A country the store no longer ships to stays selectable in the form that holds it, named as such.
  const listed = country === '' || countries.some((choice) => choice.code === country)
  return (
    <>
      <Field name={name('name')} label="Recipient" value={values?.name} errors={errors} required={required} autocomplete={`${section} name`} maxLength={100} />
      <Field name={name('line1')} label="Address line 1" value={values?.line1} errors={errors} required={required} autocomplete={`${section} address-line1`} maxLength={200} />
      <Field name={name('line2')} label="Address line 2" value={values?.line2} errors={errors} autocomplete={`${section} address-line2`} maxLength={200} />
      <div class="fieldset-grid">
        <Field name={name('city')} label="City" value={values?.city} errors={errors} required={required} autocomplete={`${section} address-level2`} maxLength={100} />
        <Field name={name('postal_code')} label="Postal code" value={values?.postal_code} errors={errors} required={required} autocomplete={`${section} postal-code`} maxLength={20} />
      </div>
      <Select id={id('country')} name={name('country')} label="Country" errors={errors} required={required} autocomplete={`${section} country`}>
        <option value="">Choose a country</option>
        {!listed && (
          <option value={country} selected>
            {countryName(country)} (not shipped to)
          </option>
        )}
        {countries.map((choice) => (
          <option key={choice.code} value={choice.code} selected={choice.code === country}>
            {choice.name}
          </option>
        ))}
      </Select>
      <div class="fieldset-grid">
        <Select id={id('region')} name={name('region')} label="State, province or territory" hint="For the United States, Canada and Australia." errors={errors} autocomplete={`${section} address-level1`}>
          <option value="">None</option>
          {REGION_COUNTRIES.map((code) => (
            <optgroup key={code} label={countryName(code)}>
              {(REGIONS[code] ?? []).map((region) => (
                <option key={`${code}-${region.code}`} value={region.code} selected={code === country && region.code === values?.region}>
                  {region.name}
                </option>
              ))}
            </optgroup>
          ))}
        </Select>
        <Field name={name('region_other')} label="Region (other countries)" hint="Optional." value={hasList ? '' : values?.region} errors={errors} autocomplete={`${section} address-level1`} maxLength={100} />
      </div>
      <Field name={name('phone')} label="Phone (optional)" type="tel" value={values?.phone} errors={errors} autocomplete={`${section} tel`} hint="International form, e.g. +14155550123; for the carrier." />
    </>
  )
}
