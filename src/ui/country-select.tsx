/** The address form's country and region pickers: selects of ISO codes, labelled, with their errors (no script needed). */
import type { ComponentChildren } from 'preact'
import type { FieldErrors } from '../platform/errors'
import { countryName, regionsOf } from '../platform/countries'
import { LabelledControl } from './forms'

interface PickerProps {
  name: string
  label: string
  value?: string | null
  errors?: FieldErrors
  required?: boolean
  hint?: string
  /** The browser's autofill token ("shipping country", "shipping address-level1"). */
  autocomplete?: string
}

const fieldId = (name: string) => `field-${name.replace(/\W/g, '-')}`

function Picker({ name, label, errors, hint, children }: Pick<PickerProps, 'name' | 'label' | 'errors' | 'hint'> & { children: (described: string | undefined, invalid: boolean) => ComponentChildren }) {
  return (
    <LabelledControl id={fieldId(name)} name={name} label={label} errors={errors} hint={hint}>
      {children}
    </LabelledControl>
  )
}

/**
 * A select of the countries the store ships to (ISO 3166-1 alpha-2 codes, shown by English name). A value
 * that is not among them (an old address) is kept as the first choice, so the form never drops it silently.
 * @example <CountrySelect name="shipping_address.country" label="Country" countries={await shippingCountries(env)} value={address?.country} />
 */
export function CountrySelect({ countries, ...props }: PickerProps & { countries: readonly string[] }) {
  const sorted = [...countries].sort((a, b) => countryName(a).localeCompare(countryName(b), 'en'))
  const stray = props.value && !countries.includes(props.value) ? props.value : null
  return (
    <Picker {...props}>
      {(described, invalid) => (
        <select id={fieldId(props.name)} name={props.name} required={props.required} autoComplete={props.autocomplete} aria-describedby={described} aria-invalid={invalid ? 'true' : undefined}>
          <option value="">Choose a country</option>
          {stray && (
            <option value={stray} selected>
              {`${countryName(stray)} (not shipped to)`}
            </option>
          )}
          {sorted.map((code) => (
            <option key={code} value={code} selected={code === props.value}>
              {countryName(code)}
            </option>
          ))}
        </select>
      )}
    </Picker>
  )
}

/**
 * The region of an address: for a country with regions (US, CA, AU) a select of them; for any other
 * country a free-text field. Without a country yet, one select grouped by the region-bearing countries of
 * `countries` (the server checks the region against the country chosen beside it).
 */
export function RegionSelect({ country, countries = ['US', 'CA', 'AU'], ...props }: PickerProps & { country?: string | null; countries?: readonly string[] }) {
  const own = country ? regionsOf(country) : []
  if (country && own.length === 0) {
    return (
      <Picker {...props}>
        {(described, invalid) => (
          <input id={fieldId(props.name)} name={props.name} value={props.value ?? undefined} maxLength={100} autoComplete={props.autocomplete} aria-describedby={described} aria-invalid={invalid ? 'true' : undefined} />
        )}
      </Picker>
    )
  }
  const groups = country ? [country] : countries.filter((code) => regionsOf(code).length > 0)
  return (
    <Picker {...props}>
      {(described, invalid) => (
        <select id={fieldId(props.name)} name={props.name} required={props.required} autoComplete={props.autocomplete} aria-describedby={described} aria-invalid={invalid ? 'true' : undefined}>
          <option value="">{country ? 'Choose one' : 'None'}</option>
          {groups.map((code) => (
            <optgroup key={code} label={countryName(code)}>
              {regionsOf(code).map((region) => (
                <option key={region.code} value={region.code} selected={region.code === props.value}>
                  {region.name}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      )}
    </Picker>
  )
}
