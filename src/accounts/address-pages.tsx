/** The address book pages (`/account/addresses`): the list with its default, add, edit, delete (confirmed on a page of its own), make default. */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../platform/env'
import type { FieldErrors } from '../platform/errors'
import { htmlErrorHandler } from '../ui/error-page'
import { redirectWithFlash, takeFlash, type Flash } from '../ui/flash'
import { Form, Notice } from '../ui/forms'
import { formFailure, parseForm, readForm } from '../ui/form-input'
import { pageRenderer, shopLayout, type PageLayout } from '../ui/renderer'
import { formatAddressLines, type PostalAddress } from './address-format'
import { AddressFieldset, addressFromForm, type AddressFormValues } from './address-fields'
import { shippableCountries, type Choice } from './address-options'
import { ADDRESSES_MAX, CreateAddressBody, UpdateAddressBody } from './address-schemas'
import { addressOf, createAddress, deleteAddress, listAddresses, makeDefaultAddress, updateAddress, type AddressView } from './addresses'
import { csrfProtection, csrfToken } from './csrf'
import { signedInPage, userOf } from './guard'

type Ctx = Context<AppEnv>

const accountLayout: PageLayout = (c, content, props) => shopLayout(c, <section class="account">{content}</section>, props)

/** An address in one line, as banners name it ("12 St James Square, London"). */
const oneLine = (address: Pick<AddressView, 'line1' | 'city'>) => `${address.line1}, ${address.city}`

/** The lines of an address as a card or a page shows them, in its country's order (address-format.ts). */
export function AddressLines({ address, withPhone = true }: { address: PostalAddress; withPhone?: boolean }) {
  const lines = formatAddressLines(address, { withPhone })
  return (
    <address>
      {lines.map((line, i) => (
        <span key={i}>
          {line}
          <br />
        </span>
      ))}
    </address>
  )
}

function AddressBook({ c, items, flash }: { c: Ctx; items: AddressView[]; flash?: Flash }) {
  return (
    <>
      <p class="breadcrumb">
        <a href="/account">Your account</a>
      </p>
      <h1>Your addresses</h1>
      {flash && <Notice kind={flash.kind}>{flash.text}</Notice>}
      {items.length === 0 ? (
        <p class="empty">No saved addresses yet. Save one to pick it at checkout.</p>
      ) : (
        <ul class="address-book">
          {items.map((address) => (
            <li key={address.id} class="address-card">
              {address.is_default && <span class="badge badge-default">Default</span>}
              <AddressLines address={address} />
              <p class="address-actions">
                <a href={`/account/addresses/${address.id}/edit`}>
                  Edit<span class="visually-hidden"> {oneLine(address)}</span>
                </a>{' '}
                ·{' '}
                <a href={`/account/addresses/${address.id}/delete`}>
                  Delete<span class="visually-hidden"> {oneLine(address)}</span>
                </a>
              </p>
              {!address.is_default && (
                <Form action={`/account/addresses/${address.id}/default`} csrf={csrfToken(c)} class="inline-form">
                  <button type="submit" class="secondary">
                    Make default<span class="visually-hidden"> {oneLine(address)}</span>
                  </button>
                </Form>
              )}
            </li>
          ))}
        </ul>
      )}
      {items.length < ADDRESSES_MAX ? (
        <p>
          <a class="button" href="/account/addresses/new">
            Add an address
          </a>
        </p>
      ) : (
        <p class="hint">Your address book is full ({ADDRESSES_MAX} addresses): delete one to add another.</p>
      )}
    </>
  )
}

function AddressForm({ c, action, title, values, countries, errors, message, submit }: { c: Ctx; action: string; title: string; values: AddressFormValues; countries: Choice[]; errors?: FieldErrors; message?: string; submit: string }) {
  return (
    <>
      <p class="breadcrumb">
        <a href="/account/addresses">Your addresses</a>
      </p>
      <h1>{title}</h1>
      {message && <Notice kind="error">{message}</Notice>}
      <Form action={action} csrf={csrfToken(c)}>
        <AddressFieldset values={values} errors={errors} countries={countries} />
        {action === '/account/addresses' && (
          <label class="check">
            <input type="checkbox" name="is_default" value="on" /> Make this my default address
          </label>
        )}
        <button type="submit">{submit}</button> <a href="/account/addresses">Cancel</a>
      </Form>
    </>
  )
}

const PAGE_FAILURES = [400, 409] as const

/** An id in the path: anything but digits is the 404 an unknown id is. */
const idOf = (c: Ctx) => (/^\d{1,15}$/.test(c.req.param('id') ?? '') ? Number(c.req.param('id')) : Number.NaN)

export const addressPages = new Hono<AppEnv>()
  .use(pageRenderer({ noStore: true, noindex: true, layout: accountLayout }))
  .use(csrfProtection())
  .use('*', signedInPage())
  .get('/', async (c) => c.render(<AddressBook c={c} items={await listAddresses(c.env, userOf(c).id)} flash={await takeFlash(c)} />, { title: 'Your addresses' }))
  .get('/new', async (c) =>
    c.render(<AddressForm c={c} action="/account/addresses" title="Add an address" values={{ name: userOf(c).name }} countries={await shippableCountries(c.env)} submit="Save address" />, { title: 'Add an address' }),
  )
  .post('/', async (c) => {
    const form = await readForm(c)
    const values = addressFromForm(form)
    try {
      const saved = await createAddress(c.env, userOf(c).id, parseForm(CreateAddressBody, { ...values, phone: values.phone || null, is_default: form['is_default'] === 'on' }))
      return redirectWithFlash(c, '/account/addresses', 'success', `Address saved: ${oneLine(saved)}${saved.is_default ? ' (your default)' : ''}.`)
    } catch (err) {
      const failure = formFailure(err, PAGE_FAILURES)
      if (!failure) throw err
      return c.render(<AddressForm c={c} action="/account/addresses" title="Add an address" values={values} countries={await shippableCountries(c.env)} errors={failure.fields} message={failure.message} submit="Save address" />, {
        title: 'Add an address',
        status: failure.status,
      })
    }
  })
  .get('/:id/edit', async (c) => {
    const address = await addressOf(c.env, userOf(c).id, idOf(c))
    return c.render(<AddressForm c={c} action={`/account/addresses/${address.id}`} title="Edit address" values={address} countries={await shippableCountries(c.env)} submit="Save changes" />, { title: 'Edit address' })
  })
  .post('/:id', async (c) => {
    const id = idOf(c)
    const values = addressFromForm(await readForm(c))
    try {
      const saved = await updateAddress(c.env, userOf(c).id, id, parseForm(UpdateAddressBody, { ...values, line2: values.line2 || null, phone: values.phone || null }))
      return redirectWithFlash(c, '/account/addresses', 'success', `Address saved: ${oneLine(saved)}.`)
    } catch (err) {
      const failure = formFailure(err, PAGE_FAILURES)
      if (!failure) throw err
      return c.render(<AddressForm c={c} action={`/account/addresses/${id}`} title="Edit address" values={values} countries={await shippableCountries(c.env)} errors={failure.fields} message={failure.message} submit="Save changes" />, {
        title: 'Edit address',
        status: failure.status,
      })
    }
  })
  .post('/:id/default', async (c) => {
    const address = await makeDefaultAddress(c.env, userOf(c).id, idOf(c))
    return redirectWithFlash(c, '/account/addresses', 'success', `${oneLine(address)} is now your default address.`)
  })
  .get('/:id/delete', async (c) => {
    const address = await addressOf(c.env, userOf(c).id, idOf(c))
    return c.render(
      <section class="confirm">
        <h1>Delete this address?</h1>
        <AddressLines address={address} />
        {address.is_default && <p>It is your default address: your newest other address becomes the default.</p>}
        <Form action={`/account/addresses/${address.id}/delete`} csrf={csrfToken(c)}>
          <input type="hidden" name="confirm" value="yes" />
          <button type="submit" class="danger">
            Delete the address
          </button>{' '}
          <a href="/account/addresses">Keep it</a>
        </Form>
      </section>,
      { title: 'Delete this address?' },
    )
  })
  .post('/:id/delete', async (c) => {
    const id = idOf(c)
    const form = await readForm(c)
    if (form['confirm'] !== 'yes') return c.redirect(`/account/addresses/${id}/delete`, 303)
    const address = await addressOf(c.env, userOf(c).id, id)
    await deleteAddress(c.env, userOf(c).id, id)
    return redirectWithFlash(c, '/account/addresses', 'success', `Address deleted: ${oneLine(address)}.`)
  })

addressPages.onError(htmlErrorHandler)
