/**
 * The mail of an outbox event (one handler of ./dispatch.ts, registered in src/index.ts): renders the mail
 * of the event's type for its recipient and sends it (./provider.ts, the outbox id as idempotency key).
 * Events without a recipient or without a mail of their type send nothing; marketing mail (welcome, back
 * in stock) is not sent to an address that opted out.
 */
import { getDb } from '../db/client'
import type { OutboxEvent } from './dispatch'
import { renderBackInStockMail, renderGuestOrdersMail, renderPasswordResetMail, renderWelcomeMail } from './emails/account'
import { GUEST_CLAIM_EVENT, guestClaimPath } from '../accounts/guests'
import { orderLinkPath } from '../orders/links'
import { orderViewById } from '../orders/service'
import { figuresOfOrder, summaryRows, type SummaryRow } from '../checkout/summary'
import { renderOrderMail, type OrderMailKind, type OrderMailLine } from './emails/order'
import { trackingUrl } from './carriers'
import { isOptedOut, unsubscribeUrl } from './marketing'
import type { OrderEventPayload } from './outbox'
import { mailRoute, sendMail } from './provider'
import { storeIdentity, type StoreIdentity } from './store-identity'

interface Rendered {
  subject: string
  html: string
  text: string
}

type Composer = (env: Env, event: OutboxEvent, store: StoreIdentity, to: string) => Promise<Rendered>

const ORDER_KINDS: readonly OrderMailKind[] = ['order.created', 'order.paid', 'order.payment_failed', 'order.shipped', 'order.delivered', 'order.refunded', 'order.cancelled', 'order.expired']

/** Marketing mail: skipped for addresses that opted out, and carrying an unsubscribe link and header. */
export const MARKETING_TYPES: ReadonlySet<string> = new Set(['account.registered', 'product.back_in_stock'])

/**
 * The order as it stands now, read once: its lines (each with its variant title and SKU as they were at
 * purchase; a default variant shows neither) and its breakdown in rows (src/checkout/summary.tsx).
 */
async function orderMailContent(env: Env, orderId: string): Promise<{ lines: OrderMailLine[]; totals?: SummaryRow[] }> {
  const order = await orderViewById(env, orderId)
  if (!order) return { lines: [] }
  const lines = order.items.map((item) => ({ name: item.name, quantity: item.quantity, unitPriceCents: item.price_at_purchase_cents, lineTotalCents: item.line_total_cents, variantTitle: item.variant_title, sku: item.sku }))
  return { lines, totals: summaryRows(figuresOfOrder(order)) }
}

const orderComposer: Composer = async (env, event, store) => {
  const payload = event.payload as unknown as OrderEventPayload
  const shipment = payload.shipment
  return renderOrderMail(
    {
      kind: event.type as OrderMailKind,
      orderId: payload.order_id,
      currency: payload.currency,
      subtotalCents: payload.subtotal_cents,
      totalCents: payload.total_cents,
      // Its lines and every total as the order's pages show them (discounts, shipping, tax), as it stands now.
      ...(await orderMailContent(env, payload.order_id)),
      // The signed link: it opens the order without a sign-in (a guest has none), for the mail's reader only.
      orderUrl: `${store.url}${await orderLinkPath(env, payload.order_id)}`,
      shipment: shipment && { carrier: shipment.carrier, trackingNumber: shipment.tracking_number, trackingUrl: trackingUrl(shipment.carrier, shipment.tracking_number) },
      refund: payload.refund && { refundedCents: payload.refund.refunded_cents, full: payload.refund.full },
      guestCheckout: payload.guest_checkout === true,
    },
    store,
  )
}

const text = (value: unknown) => (typeof value === 'string' ? value : '')

const COMPOSERS: Record<string, Composer> = {
  ...Object.fromEntries(ORDER_KINDS.map((kind) => [kind, orderComposer])),
  'account.registered': async (env, event, store, to) =>
    renderWelcomeMail({ name: text(event.payload['name']) || 'there', shopUrl: `${store.url}/`, unsubscribeUrl: await unsubscribeUrl(env, store.url, to) }, store),
  'account.password_reset': async (_env, event, store) => {
    const link = text(event.payload['link'])
    if (!link) throw new Error('the reset link of this mail is gone (the mail was sent before)')
    return renderPasswordResetMail({ link }, store)
  },
  // The link is signed as the mail is made: no usable link is stored anywhere.
  [GUEST_CLAIM_EVENT]: async (env, event, store) =>
    renderGuestOrdersMail({ name: text(event.payload['name']) || 'there', link: `${store.url}${await guestClaimPath(env, Number(event.payload['guest_user_id']), text(event.payload['email']))}` }, store),
  'product.back_in_stock': async (env, event, store, to) =>
    renderBackInStockMail(
      {
        productName: [text(event.payload['name']) || 'A product you asked about', text(event.payload['variant_title'])].filter((part) => part && part !== 'Default').join(' – '), productUrl: `${store.url}/products/${encodeURIComponent(text(event.payload['slug']))}`, unsubscribeUrl: await unsubscribeUrl(env, store.url, to) },
      store,
    ),
}

/** The rendered mail of an event, or null when the event has none (no recipient, no mail of its type). */
export async function composeMail(env: Env, event: OutboxEvent): Promise<(Rendered & { to: string; marketing: boolean }) | null> {
  const composer = COMPOSERS[event.type]
  if (!composer || !event.recipient) return null
  const store = storeIdentity(env)
  return { ...(await composer(env, event, store, event.recipient)), to: event.recipient, marketing: MARKETING_TYPES.has(event.type) }
}

export async function mailOutboxEvent(env: Env, event: OutboxEvent): Promise<void> {
  if (!COMPOSERS[event.type] || !event.recipient) return
  // First what no retry can mend by itself, in words for the admin's list: no provider, no store identity.
  mailRoute(env)
  storeIdentity(env)
  if (MARKETING_TYPES.has(event.type) && (await isOptedOut(getDb(env), event.recipient))) return
  const mail = await composeMail(env, event)
  if (!mail) return
  const headers = mail.marketing ? { 'List-Unsubscribe': `<${await unsubscribeUrl(env, storeIdentity(env).url, mail.to)}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : undefined
  await sendMail(env, { id: event.id, to: mail.to, subject: mail.subject, html: mail.html, text: mail.text, headers })
}
