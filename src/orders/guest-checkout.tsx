/**
 * The checkout page's guest side: who checks out (the signed-in user, or a guest with the cart of their
 * cookie and the email they gave), the "Continue as guest / Sign in" choice a guest sees first, and the
 * saved-address picker a signed-in shopper sees. The page itself is in ./pages.tsx; it calls these.
 */
import type { Context } from 'hono'
import { csrfToken } from '../accounts/csrf'
import { currentUser } from '../accounts/guard'
import { AddressLines } from '../accounts/address-pages'
import type { AddressView } from '../accounts/addresses'
import { cartOwner } from '../cart/owner'
import { guestCheckoutOf } from '../cart/service'
import type { AppEnv, CurrentUser } from '../platform/env'
import type { FieldErrors } from '../platform/errors'
import { Field, Form, Notice } from '../ui/forms'

type Ctx = Context<AppEnv>

/** Who checks out: the signed-in user, or a guest (their cookie's cart, and the email they gave once they gave it). */
export type CheckoutBuyer = { kind: 'user'; user: CurrentUser } | { kind: 'guest'; cartId: number; email: string | null }

/** The buyer of this request; null for a guest without a cart (nothing to check out). */
export async function checkoutBuyer(c: Ctx): Promise<CheckoutBuyer | null> {
  const user = await currentUser(c)
  if (user) return { kind: 'user', user }
  const guest = await guestCheckoutOf(c.env, await cartOwner(c))
  return guest && { kind: 'guest', ...guest }
}

/** What a guest sees before the address: continue with an email, or sign in (the cart comes along either way). */
export function GuestGate({ c, email, errors, message }: { c: Ctx; email?: string | null; errors?: FieldErrors; message?: string }) {
  return (
    <section class="checkout checkout-gate">
      <h1>Checkout</h1>
      {message && <Notice kind="error">{message}</Notice>}
      <div class="gate-choices">
        <div class="gate-option">
          <h2>Continue as guest</h2>
          <Form action="/checkout/guest" csrf={csrfToken(c)}>
            <Field name="email" label="Email" type="email" value={email} errors={errors} required autocomplete="email" maxLength={254} hint="For your order confirmation and a link to your order." />
            <button type="submit">Continue as guest</button>
          </Form>
        </div>
        <div class="gate-option">
          <h2>Have an account?</h2>
          <p>Sign in to use your saved addresses and see this order with your others.</p>
          <p>
            <a class="button secondary" href="/account/sign-in?next=%2Fcheckout">
              Sign in
            </a>
          </p>
          <p>
            New here? <a href="/account/register?next=%2Fcheckout">Create an account</a>
          </p>
        </div>
      </div>
      <p>
        <a href="/cart">Back to the cart</a>
      </p>
    </section>
  )
}

/** The guest's contact line above the address: the email the order will use, and a way to change it. */
export function GuestContact({ email }: { email: string }) {
  return (
    <p class="checkout-contact">
      Checking out as a guest with <strong>{email}</strong> · <a href="/checkout/guest">Change</a>
    </p>
  )
}

/**
 * The signed-in shopper's saved addresses as a radio list (the default, or the one chosen before, checked)
 * and "a new address" (the fields that follow, with "save to my address book"). Without a saved address
 * there is only the new one.
 */
export function SavedAddressPicker({ saved, chosen }: { saved: AddressView[]; chosen: string }) {
  if (saved.length === 0) return <input type="hidden" name="address_id" value="new" />
  return (
    <fieldset class="address-picker">
      <legend>Ship to</legend>
      {saved.map((address) => (
        <label key={address.id} class="address-option">
          <input type="radio" name="address_id" value={String(address.id)} checked={chosen === String(address.id)} />
          <span>
            {address.is_default && <span class="badge badge-default">Default</span>}
            <AddressLines address={address} />
          </span>
        </label>
      ))}
      <label class="address-option">
        <input type="radio" name="address_id" value="new" checked={chosen === 'new'} /> <span>A new address (below)</span>
      </label>
    </fieldset>
  )
}

/** The address the picker starts on: the one chosen before, else the default, else a new one. */
export const initialChoice = (saved: AddressView[], chosen?: string) =>
  chosen && (chosen === 'new' || saved.some((a) => String(a.id) === chosen)) ? chosen : String(saved.find((a) => a.is_default)?.id ?? 'new')
