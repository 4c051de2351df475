/**
 * The "Email me when it's back" form of a sold-out product (or variant), for the product page. No script;
 * it sits on cached, anonymous pages, so like add-to-cart it is guarded by the Origin check rather than a
 * per-visitor token (see src/notifications/pages.tsx).
 * @example {!product.in_stock && <BackInStockForm productId={product.id} />}
 */
export function BackInStockForm({ productId, variantId }: { productId: number; variantId?: number }) {
  const id = `back-in-stock-${productId}${variantId ? `-${variantId}` : ''}`
  return (
    <form class="back-in-stock" method="post" action="/notifications/back-in-stock">
      <input type="hidden" name="product_id" value={String(productId)} />
      {variantId !== undefined && <input type="hidden" name="variant_id" value={String(variantId)} />}
      <div class="field">
        <label for={id}>Email me when it's back</label>
        <input id={id} name="email" type="email" required autocomplete="email" maxLength={254} />
      </div>
      <button type="submit" class="secondary">
        Notify me
      </button>
      <p class="hint">One email when it is back in stock, then we forget your address for it.</p>
    </form>
  )
}
