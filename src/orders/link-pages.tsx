/** The pieces of the order pages that serve an order's signed link (src/orders/links.ts). */
import type { MiddlewareHandler } from 'hono'
import { signedInPage } from '../accounts/guard'
import type { AppEnv } from '../platform/env'

/**
 * `signedInPage()`, except for a request carrying an order link's `key`: that one goes on, and its handler
 * checks the key (orderAccess); a handler that takes no key still asks for the signed-in user (401).
 */
export const signedInPageUnlessKeyed = (): MiddlewareHandler<AppEnv> => {
  const signedIn = signedInPage()
  return async (c, next) => (c.req.query('key') === undefined ? signedIn(c, next) : next())
}

/** What the page reached by its link says about that link: it is the way back here. */
export function OrderLinkNotice({ url }: { url: string }) {
  return (
    <div class="notice notice-info order-link" role="status">
      <p>
        <strong>Keep this link to see your order:</strong> it opens this page, lets you pay and shows the receipt, without an account. Anyone who has it can see this order.
      </p>
      <p>
        <a href={url} class="order-link-url">
          {url}
        </a>
      </p>
    </div>
  )
}
