/** The variant of a cart or order line beside its product's name ("Navy / M · SKU TEE-NVY-M"); nothing for a default variant. */
export function VariantLabel({ title, sku, optionValues }: { title: string | null; sku: string | null; optionValues: readonly { name: string; value: string }[] }) {
  if (optionValues.length === 0 || !title) return null
  return (
    <small class="variant-label">
      {title}
      {sku && <span class="sku"> · SKU {sku}</span>}
    </small>
  )
}

/** The same as text, for CSV cells, Stripe line names and messages: "Navy / M", or "" for a default variant. */
export const variantText = (title: string | null, optionValues: readonly unknown[]) => (optionValues.length && title ? title : '')
