/** The cart page: change quantities, remove lines; add-to-cart from product pages lands here. */
import { TableHead } from '../ui/table-head'
import { Hono, type Context } from 'hono'
import { csrf as originCheck } from 'hono/csrf'
import { csrfProtection, csrfToken, FORM_MAX_BYTES } from '../accounts/csrf'
import { limitBody } from '../platform/body-limit'
import type { AppEnv } from '../platform/env'
import { ApiError } from '../platform/errors'
import { htmlErrorHandler } from '../ui/error-page'
import { takeFlash } from '../ui/flash'
import { VariantLabel, variantText } from '../ui/variant-label'
import { Form, Notice } from '../ui/forms'
import { pageRenderer } from '../ui/renderer'
import { formatMoney } from '../ui/money'
import { LINE_QUANTITY_MAX } from '../db/schema'
import { formNumber, formText, readForm } from '../ui/form-input'
import { AddCartItemBody, CartItemParam, UpdateCartItemBody } from './schemas'
import { cartOwner } from './owner'
import { addCartItem, getCart, productSlugOf, removeCartItem, updateCartItem, type CartView } from './service'

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
                  <td>{line.unit_price_cents !== null && line.currency ? formatMoney(line.unit_price_cents, line.currency) : '—'}</td>
                  <td>
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
                  <td>{line.line_total_cents !== null && line.currency ? formatMoney(line.line_total_cents, line.currency) : '—'}</td>
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
          <div class="cart-summary">
            <p>
              Subtotal ({cart.item_count} {cart.item_count === 1 ? 'item' : 'items'}):{' '}
              <strong>{cart.currency ? formatMoney(cart.subtotal_cents, cart.currency) : '—'}</strong>
            </p>
            {cart.item_count > 0 && (
              <a class="button" href="/checkout">
                Check out
              </a>
            )}
          </div>
        </>
      )}
    </>,
    { title: 'Your cart', status },
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
  .post('/items/:variantId/remove', csrfProtection(), async (c) => {
    await removeCartItem(c.env, await cartOwner(c), variantIdOf(c))
    return c.redirect('/cart', 303)
  })

cartPages.onError(htmlErrorHandler)
