/** The cart page: change quantities, remove lines; add-to-cart from product pages lands here. */
import { TableHead } from '../ui/table-head'
import { shippableCountries, type Choice } from '../accounts/address-options'
import { CountrySelect, RegionSelect } from '../ui/country-select'
import { Hono, type Context } from 'hono'
import { csrf as originCheck } from 'hono/csrf'
import { csrfProtection, csrfToken, FORM_MAX_BYTES } from '../accounts/csrf'
import { limitBody } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { ApiError } from '../platform/errors'
import { htmlErrorHandler } from '../ui/error-page'
import { redirectWithFlash, takeFlash } from '../ui/flash'
import { figuresOfQuote, TotalsSummary } from '../checkout/summary'
import { VariantLabel, variantText } from '../ui/variant-label'
import { Form, Notice } from '../ui/forms'
import { pageRenderer } from '../ui/renderer'
import { formatMoney } from '../ui/money'
import { LINE_QUANTITY_MAX } from '../db/schema'
import { formNumber, formText, readForm } from '../ui/form-input'
import { AddCartItemBody, CartItemParam, UpdateCartBody, UpdateCartItemBody } from './schemas'
import { cartOwner } from './owner'
import { addCartItem, getCart, productSlugOf, removeCartItem, updateCartCheckout, updateCartItem, type CartView } from './service'

type Ctx = Context<AppEnv>

const NOTES: Record<string, string> = {
  no_longer_sold: 'No longer sold: remove it to check out.',
  other_currency: 'Priced in another currency than the rest of the cart.',
}

/** The line's variant from the path, through the API's schema: anything but a variant id is no such line (404). */
function variantIdOf(c: Ctx): number {
  const param = CartItemParam.safeParse({ variantId: c.req.param('variantId') })
  if (!param.success) throw new ApiError(404, 'not_found', 'This product is not in your cart.')
  return param.data.variantId
}

async function cartPage(c: Ctx, { message, notice, status = 200 }: { message?: string; notice?: string; status?: 200 | 400 | 404 | 409 } = {}) {
  const cart: CartView = await getCart(c.env, await cartOwner(c))
  const csrf = csrfToken(c)
  // What an action elsewhere left for this page (an order cancelled, its items back here).
  const flash = await takeFlash(c)
  return c.render(
    <>
      <h1>Your cart</h1>
      {flash && <Notice kind={flash.kind}>{flash.text}</Notice>}
      {notice && <Notice kind="success">{notice}</Notice>}
      {message && <Notice kind="error">{message}</Notice>}
      {cart.items.length === 0 ? (
        <p class="empty">
          Your cart is empty. <a href="/products">Find something you like</a>.
        </p>
      ) : (
        <>
          <table class="cart">
            <caption class="visually-hidden">Products in your cart</caption>
            <TableHead columns={['Product', 'Price', 'Quantity', 'Total', { hidden: 'Remove' }]} />
            <tbody>
              {cart.items.map((line) => (
                <tr key={line.variant_id} class={line.unavailable ? 'unavailable' : undefined}>
                  <td>
                    <div class="cart-product">
                      {line.image_url && <img src={line.image_url} alt="" width={64} height={64} />}
                      <span>
                        {line.slug ? <a href={`/products/${line.slug}`}>{line.name}</a> : (line.name ?? `Product ${line.product_id}`)}
                        <VariantLabel title={line.variant_title} sku={line.sku} optionValues={line.option_values} />
                        {line.unavailable && <small class="stock-out">{NOTES[line.unavailable]}</small>}
                      </span>
                    </div>
                  </td>
                  <td data-label="Price">{line.unit_price_cents !== null && line.currency ? formatMoney(line.unit_price_cents, line.currency) : '—'}</td>
                  <td data-label={line.unavailable ? undefined : 'Quantity'}>
                    {!line.unavailable && (
                      <Form action={`/cart/items/${line.variant_id}`} csrf={csrf} class="quantity-form">
                        <label for={`qty-${line.variant_id}`} class="visually-hidden">
                          Quantity of {line.name}{variantText(line.variant_title, line.option_values) && ` (${line.variant_title})`}
                        </label>
                        <input id={`qty-${line.variant_id}`} name="quantity" type="number" min={1} max={LINE_QUANTITY_MAX} value={String(line.quantity)} inputMode="numeric" />
                        <button type="submit" class="secondary">
                          Update
                        </button>
                      </Form>
                    )}
                  </td>
                  <td data-label="Total">{line.line_total_cents !== null && line.currency ? formatMoney(line.line_total_cents, line.currency) : '—'}</td>
                  <td>
                    <Form action={`/cart/items/${line.variant_id}/remove`} csrf={csrf} class="inline-form">
                      <button type="submit" class="link-button">
                        Remove<span class="visually-hidden"> {line.name}{variantText(line.variant_title, line.option_values) && ` (${line.variant_title})`}</span>
                      </button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <CartSummary cart={cart} csrf={csrf} countries={await shippableCountries(c.env)} />
        </>
      )}
    </>,
    { title: 'Your cart', status },
  )
}

/**
 * The summary card: the subtotal, the discount code (its refusal next to it), the shipping and tax
 * estimate once a country is given, the total, and the one "Check out".
 */
function CartSummary({ cart, csrf, countries }: { cart: CartView; csrf: string; countries: readonly Choice[] }) {
  const estimate = cart.estimate
  const refusal = estimate?.code_refusal ?? null
  const problems = estimate?.problems.filter((p) => p.code !== 'method_required') ?? []
  return (
    <aside class="cart-summary summary-card" aria-labelledby="cart-summary-title">
      <h2 id="cart-summary-title">Order summary</h2>
      <p class="hint">
        {cart.item_count} {cart.item_count === 1 ? 'item' : 'items'}
      </p>
      {estimate && cart.currency ? (
        <TotalsSummary figures={figuresOfQuote(estimate, cart.currency)} estimate title="Estimated totals" />
      ) : (
        <dl class="totals" aria-label="Totals">
          <div class="totals-total">
            <dt>Subtotal</dt>
            <dd>
              <strong>{cart.currency ? formatMoney(cart.subtotal_cents, cart.currency) : '—'}</strong>
            </dd>
          </div>
        </dl>
      )}
      {problems.map((p) => (
        <p key={p.code} class="field-error">
          {p.message}
        </p>
      ))}
      <Form action="/cart/discount" csrf={csrf} class="summary-form">
        <label for="discount-code">Discount code</label>
        <div class="inline-fields">
          <input
            id="discount-code"
            name="discount_code"
            value={cart.discount_code ?? ''}
            maxLength={64}
            autoComplete="off"
            aria-invalid={refusal ? 'true' : undefined}
            aria-describedby={refusal ? 'discount-code-error' : undefined}
          />
          <button type="submit" class="secondary">
            Apply
          </button>
        </div>
        {refusal && (
          <p id="discount-code-error" class="field-error">
            {refusal.message}
          </p>
        )}
      </Form>
      <details class="estimate" open={Boolean(cart.estimate_country)}>
        <summary>{cart.estimate_country ? `Shipping and tax to ${cart.estimate_country}${cart.estimate_region ? ` (${cart.estimate_region})` : ''}` : 'Estimate shipping and tax'}</summary>
        <Form action="/cart/estimate" csrf={csrf} class="summary-form">
          <div class="fieldset-grid">
            <CountrySelect name="estimate_country" label="Country" countries={countries.map((country) => country.code)} value={cart.estimate_country} required autocomplete="shipping country" />
            <RegionSelect name="estimate_region" label="State, province or territory" hint="For the United States, Canada and Australia." value={cart.estimate_region} autocomplete="shipping address-level1" />
          </div>
          <button type="submit" class="secondary">
            Estimate
          </button>
        </Form>
      </details>
      {cart.item_count > 0 && (
        <a class="button" href="/checkout">
          Check out
        </a>
      )}
    </aside>
  )
}

/** A failure of a cart form shown on the cart page (409 stock, 404 product), anything else to the error page. */
async function cartFailure(c: Ctx, err: unknown) {
  if (err instanceof ApiError && (err.status === 404 || err.status === 409)) return cartPage(c, { message: err.message, status: err.status })
  throw err
}

export const cartPages = new Hono<AppEnv>()
  .use(pageRenderer({ noStore: true, noindex: true }))
  .get('/', (c) => cartPage(c, { notice: c.req.query('added') ? 'Added to your cart.' : undefined }))
  // Add-to-cart sits on cached, anonymous product pages that cannot carry a per-visitor token: it is
  // guarded by the Origin / Sec-Fetch-Site check instead (with SameSite=Lax cookies, a cross-site form
  // cannot pass it).
  .post('/items', limitBody(FORM_MAX_BYTES, 'The form'), originCheck(), async (c) => {
    const form = await readForm(c)
    // The product page's form names its variant; an older page (or a product without options) its product.
    const variantField = formText(form, 'variant_id').trim()
    const target = variantField ? { variant_id: formNumber(variantField) } : { product_id: formNumber(formText(form, 'product_id')) }
    const line = AddCartItemBody.safeParse({ ...target, quantity: formNumber(formText(form, 'quantity') || '1') })
    if (!line.success) {
      const message = line.error.issues.some((issue) => issue.path[0] === 'quantity') ? 'Choose a quantity from 1 to 99.' : 'Choose a product to add.'
      return cartPage(c, { message, status: 400 })
    }
    try {
      await addCartItem(c.env, await cartOwner(c), line.data)
      return c.redirect('/cart?added=1', 303)
    } catch (err) {
      // A product with options and no choice made: back to its page, which says what to choose (`?choose`:
      // the same for everyone, so the page stays cacheable).
      if (err instanceof ApiError && err.code === 'variant_required' && line.data.product_id !== undefined) {
        const slug = await productSlugOf(c.env, line.data.product_id)
        if (slug) return c.redirect(`/products/${slug}?choose=1`, 303)
      }
      return cartFailure(c, err)
    }
  })
  .post('/items/:variantId', csrfProtection(), async (c) => {
    const form = await c.req.parseBody()
    try {
      const variantId = variantIdOf(c)
      // 0 removes the line, as the stepper's lowest value; anything else goes through the API's schema.
      if (formText(form, 'quantity').trim() === '0') return await removeCartItem(c.env, await cartOwner(c), variantId).then(() => c.redirect('/cart', 303))
      const line = UpdateCartItemBody.safeParse({ quantity: formNumber(formText(form, 'quantity')) })
      if (!line.success) return cartPage(c, { message: `Choose a quantity from 0 to ${LINE_QUANTITY_MAX}.`, status: 400 })
      await updateCartItem(c.env, await cartOwner(c), variantId, line.data.quantity)
      return c.redirect('/cart', 303)
    } catch (err) {
      return cartFailure(c, err)
    }
  })
  // The summary card's forms: a code, and the country of the estimate, saved on the cart.
  .post('/discount', csrfProtection(), async (c) => {
    const form = await c.req.parseBody()
    const parsed = UpdateCartBody.safeParse({ discount_code: formText(form, 'discount_code') })
    if (!parsed.success) return cartPage(c, { message: 'A discount code has at most 64 characters.', status: 400 })
    const cart = await updateCartCheckout(c.env, await cartOwner(c), parsed.data)
    const code = cart.discount_code
    if (!code) return redirectWithFlash(c, '/cart', 'info', 'Discount code removed.')
    const refusal = cart.estimate?.code_refusal
    if (refusal) return redirectWithFlash(c, '/cart', 'error', `The code ${code} was not applied: ${refusal.message}`)
    const off = cart.estimate?.discounts.find((d) => d.code !== null)
    return redirectWithFlash(c, '/cart', 'success', `Code ${code} applied${off && cart.currency ? `: ${formatMoney(off.amount_cents, cart.currency)} off` : ''}.`)
  })
  .post('/estimate', csrfProtection(), async (c) => {
    const form = await c.req.parseBody()
    const parsed = UpdateCartBody.safeParse({ estimate_country: formText(form, 'estimate_country'), estimate_region: formText(form, 'estimate_region') })
    if (!parsed.success) return cartPage(c, { message: 'Give a two-letter country code (e.g. US, FR) and, if you like, a region code (e.g. CA).', status: 400 })
    const cart = await updateCartCheckout(c.env, await cartOwner(c), parsed.data)
    const problem = cart.estimate?.problems.find((p) => p.code !== 'method_required')
    if (problem) return redirectWithFlash(c, '/cart', 'error', problem.message)
    return redirectWithFlash(c, '/cart', 'success', `Shipping and tax estimated for ${cart.estimate_country}${cart.estimate_region ? ` (${cart.estimate_region})` : ''}.`)
  })
  .post('/items/:variantId/remove', csrfProtection(), async (c) => {
    await removeCartItem(c.env, await cartOwner(c), variantIdOf(c))
    return c.redirect('/cart', 303)
  })

cartPages.onError(htmlErrorHandler)
