import { iso31662 } from 'iso-3166/2.js'
import { describe, expect, it } from 'vitest'
import { ShippingAddress } from '../src/accounts/schemas'
import { COUNTRIES, countryName, isCountry, isRegionOf, regionCode, regionsOf } from '../src/platform/countries'
import { fieldErrors } from '../src/platform/validate'
import { CountrySelect, RegionSelect } from '../src/ui/country-select'
import { h } from 'preact'
import { renderToString } from 'preact-render-to-string'

const address = (fields: Record<string, unknown>) => ShippingAddress.safeParse({ name: 'Ada', line1: '1 Main St', city: 'Springfield', postal_code: '12345', ...fields })

describe('countries and regions', () => {
  it('knows every assigned ISO 3166-1 country by its everyday English name', () => {
    expect(COUNTRIES).toHaveLength(249)
    expect(['GB', 'US', 'DE', 'KR', 'CI'].map(countryName)).toEqual(['United Kingdom', 'United States', 'Germany', 'South Korea', 'Côte d’Ivoire'])
    expect(isCountry('FR')).toBe(true)
    expect(isCountry('XX')).toBe(false)
    expect(isCountry('fr')).toBe(false)
  })

  it('lists the US states and DC, Canada’s provinces and territories and Australia’s states and territories as ISO 3166-2 has them', () => {
    // US outlying areas have country codes of their own (PR, GU…): they are countries here, not states.
    const territories = new Set(['AS', 'GU', 'MP', 'PR', 'UM', 'VI'])
    for (const country of ['US', 'CA', 'AU']) {
      const expected = iso31662
        .filter((s) => s.parent === country && !(country === 'US' && territories.has(s.code.slice(3))))
        .map((s) => `${s.code.slice(3)} ${s.name}`)
        .sort()
      expect(regionsOf(country).map((r) => `${r.code} ${r.name}`).sort()).toEqual(expected)
    }
    expect([regionsOf('US').length, regionsOf('CA').length, regionsOf('AU').length]).toEqual([51, 13, 8])
    expect(regionsOf('FR')).toEqual([])
    expect([isRegionOf('US', 'DC'), isRegionOf('AU', 'NSW'), isRegionOf('CA', 'TX')]).toEqual([true, true, false])
    expect([regionCode('US', ' new york '), regionCode('CA', 'qc'), regionCode('AU', 'Western Australia'), regionCode('US', 'Ontario')]).toEqual(['NY', 'QC', 'WA', null])
  })
})

describe('a shipping address', () => {
  it('stores a region typed by name or code as its code, where the country has regions', () => {
    expect(address({ country: 'us', region: 'california' }).data).toMatchObject({ country: 'US', region: 'CA' })
    expect(address({ country: 'AU', region: 'nsw' }).data).toMatchObject({ region: 'NSW' })
  })

  it('needs a region of the country there, and leaves it free text elsewhere', () => {
    const missing = address({ country: 'US' })
    expect(missing.success ? {} : fieldErrors(missing.error)).toEqual({ region: ['is required: choose the state'] })
    const wrong = address({ country: 'CA', region: 'Texas' })
    expect(wrong.success ? {} : fieldErrors(wrong.error)).toEqual({ region: ['must be a province or territory of CA, e.g. "AB"'] })
    expect(address({ country: 'GB', region: 'Greater London' }).data).toMatchObject({ region: 'Greater London' })
    expect(address({ country: 'GB' }).data).toMatchObject({ region: null })
  })
})

describe('the country and region selects', () => {
  it('offer the countries the store ships to by name, keep an address’s own country, and show a country’s regions', () => {
    const countries = renderToString(h(CountrySelect, { name: 'shipping_address.country', label: 'Country', countries: ['US', 'DE', 'FR'], value: 'JP' }))
    expect(countries.match(/<option value="[A-Z]{2}"[^>]*>[^<]+/g)).toEqual(['<option value="JP" selected>Japan (not shipped to)', '<option value="FR">France', '<option value="DE">Germany', '<option value="US">United States'])
    expect(countries).toContain('<label for="field-shipping_address-country">Country</label>')
    const states = renderToString(h(RegionSelect, { name: 'shipping_address.region', label: 'State', country: 'US', value: 'CA', errors: { 'shipping_address.region': ['is required'] } }))
    expect(states).toContain('<option value="CA" selected>California</option>')
    expect(states).toContain('aria-invalid="true"')
    const free = renderToString(h(RegionSelect, { name: 'shipping_address.region', label: 'Region', country: 'GB', value: 'Kent' }))
    expect(free).toContain('<input id="field-shipping_address-region" name="shipping_address.region" value="Kent"')
    const grouped = renderToString(h(RegionSelect, { name: 'shipping_address.region', label: 'Region', countries: ['US', 'AU', 'GB'] }))
    expect(grouped.match(/<optgroup label="[^"]+"/g)).toEqual(['<optgroup label="United States"', '<optgroup label="Australia"'])
  })
})
