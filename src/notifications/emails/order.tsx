/**
 * The order mails: placed, paid, payment failed, shipped (carrier, tracking number and link), delivered,
 * refunded (in full or in part), cancelled and expired. Each shows the order's lines (name, and the
 * variant and SKU where the line has them), subtotal and total as the order shows them, and a link to the
 * order's page; the plain-text part says the same.
 */
import { formatMoney } from '../../ui/money'
import type { SummaryRow } from '../../checkout/summary'
import type { StoreIdentity } from '../store-identity'
import { Button, COLORS, EmailLayout, Heading, Paragraph, renderEmail } from './layout'

export type OrderMailKind = 'order.created' | 'order.paid' | 'order.payment_failed' | 'order.shipped' | 'order.delivered' | 'order.refunded' | 'order.cancelled' | 'order.expired'

export interface OrderMailLine {
  name: string
  quantity: number
  unitPriceCents: number
  lineTotalCents: number
  /** "Navy / M": shown when the order line has one. */
  variantTitle?: string | null
  sku?: string | null
}

export interface OrderMail {
  kind: OrderMailKind
  orderId: string
  currency: string
  subtotalCents: number
  totalCents: number
  lines: OrderMailLine[]
  /** The order's whole breakdown (subtotal, discounts, shipping, tax, total) in rows; without it, subtotal and total. */
  totals?: SummaryRow[]
  orderUrl: string
  shipment?: { carrier: string; trackingNumber: string | null; trackingUrl: string | null }
  refund?: { refundedCents: number; full: boolean }
  /** Placed as a guest: an unpaid end gives the items back to no cart, so the mail does not say so. */
  guestCheckout?: boolean
}

export const shortOrderId = (orderId: string) => orderId.slice(0, 8).toUpperCase()

/** The rows under the lines: the order's breakdown, or (for a mail without it) subtotal and total. */
const rowsOf = (mail: OrderMail, money: (cents: number) => string): SummaryRow[] =>
  mail.totals ?? [
    { label: 'Subtotal', amount: money(mail.subtotalCents) },
    { label: 'Total', amount: money(mail.totalCents), total: true },
  ]

/** Subject, heading and the first paragraph of each kind. */
function copy(mail: OrderMail, money: (cents: number) => string): { subject: string; heading: string; intro: string } {
  const ref = shortOrderId(mail.orderId)
  switch (mail.kind) {
    case 'order.created':
      return { subject: `Order ${ref} received`, heading: 'Thank you for your order', intro: `We have your order ${ref}. Its items are set aside for you while you pay; once the payment is in, we get it ready.` }
    case 'order.paid':
      return { subject: `Order ${ref} confirmed`, heading: 'Payment received', intro: `Your payment of ${money(mail.totalCents)} for order ${ref} is in. We are getting your order ready and will email you when it ships.` }
    case 'order.payment_failed':
      return { subject: `Payment for order ${ref} did not go through`, heading: 'Your payment did not go through', intro: `The payment for order ${ref} failed. Your items are still set aside for a little while: open your order to pay again.` }
    case 'order.shipped':
      return { subject: `Order ${ref} is on its way`, heading: 'Your order has shipped', intro: `Order ${ref} is on its way${mail.shipment ? ` with ${mail.shipment.carrier}` : ''}.` }
    case 'order.delivered':
      return { subject: `Order ${ref} was delivered`, heading: 'Your order was delivered', intro: `Order ${ref} was delivered. We hope you enjoy it.` }
    case 'order.refunded': {
      const refunded = money(mail.refund?.refundedCents ?? mail.totalCents)
      return mail.refund && !mail.refund.full
        ? { subject: `A refund for order ${ref}`, heading: 'We refunded part of your order', intro: `We refunded ${refunded} of order ${ref} in all so far, to the way you paid. It can take a few days to show on your statement.` }
        : { subject: `Order ${ref} refunded`, heading: 'Your order was refunded', intro: `We refunded ${refunded} for order ${ref}, to the way you paid. It can take a few days to show on your statement.` }
    }
    case 'order.cancelled':
      return { subject: `Order ${ref} cancelled`, heading: 'Your order was cancelled', intro: `Order ${ref} was cancelled before it was paid; nothing was charged.${mail.guestCheckout ? '' : ' Its items are back in your cart.'}` }
    case 'order.expired':
      return { subject: `Order ${ref} expired`, heading: 'Your order expired', intro: `Order ${ref} was not paid in time, so the items set aside for it were released; nothing was charged.${mail.guestCheckout ? '' : ' They are back in your cart if you still want them.'}` }
  }
}

const lineDetail = (line: OrderMailLine) => [line.variantTitle && line.variantTitle !== 'Default' ? line.variantTitle : null, line.sku ? `SKU ${line.sku}` : null].filter(Boolean).join(' · ')

const cell = `padding:8px 0;border-bottom:1px solid ${COLORS.border};color:${COLORS.text};vertical-align:top;`

function OrderMailBody({ mail, store }: { mail: OrderMail; store: StoreIdentity }) {
  const money = (cents: number) => formatMoney(cents, mail.currency)
  const { heading, intro } = copy(mail, money)
  return (
    <EmailLayout store={store} title={heading} preheader={intro}>
      <Heading>{heading}</Heading>
      <Paragraph>{intro}</Paragraph>
      {mail.shipment && (
        <table role="presentation" cellPadding="0" cellSpacing="0" style={`margin:0 0 16px;width:100%;background-color:${COLORS.page};border-radius:6px;`}>
          <tr>
            <td style={`padding:12px 16px;color:${COLORS.text};background-color:${COLORS.page};`}>
              Carrier: <strong>{mail.shipment.carrier}</strong>
              {mail.shipment.trackingNumber && (
                <>
                  <br />
                  Tracking number: <strong>{mail.shipment.trackingNumber}</strong>
                </>
              )}
              {mail.shipment.trackingUrl && (
                <>
                  <br />
                  <a href={mail.shipment.trackingUrl} style={`color:${COLORS.accent};`}>
                    Track your parcel
                  </a>
                </>
              )}
            </td>
          </tr>
        </table>
      )}
      <table role="presentation" width="100%" cellPadding="0" cellSpacing="0" style="margin:0 0 16px;font-size:15px;">
        {mail.lines.map((line) => (
          <tr>
            <td style={cell}>
              {line.name}
              {lineDetail(line) && (
                <>
                  <br />
                  <span style={`font-size:13px;color:${COLORS.muted};`}>{lineDetail(line)}</span>
                </>
              )}
              <br />
              <span style={`font-size:13px;color:${COLORS.muted};`}>
                {line.quantity} × {money(line.unitPriceCents)}
              </span>
            </td>
            <td align="right" style={`${cell}white-space:nowrap;padding-left:12px;`}>
              {money(line.lineTotalCents)}
            </td>
          </tr>
        ))}
        {rowsOf(mail, money).map((row, i) => (
          <tr>
            <td style={row.total ? `padding:4px 0 0;font-weight:bold;color:${COLORS.text};` : `padding:${i === 0 ? 8 : 4}px 0 0;color:${COLORS.muted};`}>{row.label}</td>
            <td align="right" style={row.total ? `padding:4px 0 0;font-weight:bold;color:${COLORS.text};` : `padding:${i === 0 ? 8 : 4}px 0 0;color:${COLORS.muted};white-space:nowrap;`}>
              {row.amount}
            </td>
          </tr>
        ))}
      </table>
      <Button href={mail.orderUrl}>{mail.kind === 'order.payment_failed' ? 'Pay for your order' : 'View your order'}</Button>
    </EmailLayout>
  )
}

/** The plain-text part: the same words, the lines one per row. */
function orderMailText(mail: OrderMail, store: StoreIdentity): string {
  const money = (cents: number) => formatMoney(cents, mail.currency)
  const { heading, intro } = copy(mail, money)
  const shipment = mail.shipment
    ? [`Carrier: ${mail.shipment.carrier}`, mail.shipment.trackingNumber && `Tracking number: ${mail.shipment.trackingNumber}`, mail.shipment.trackingUrl && `Track your parcel: ${mail.shipment.trackingUrl}`].filter(Boolean).join('\n')
    : null
  const lines = mail.lines.map((line) => `- ${line.name}${lineDetail(line) ? ` (${lineDetail(line)})` : ''}: ${line.quantity} × ${money(line.unitPriceCents)} = ${money(line.lineTotalCents)}`)
  return [
    heading,
    intro,
    shipment,
    [...lines, ...rowsOf(mail, money).map((row) => `${row.label}: ${row.amount}`)].join('\n'),
    `${mail.kind === 'order.payment_failed' ? 'Pay for your order' : 'View your order'}: ${mail.orderUrl}`,
    [store.name, ...store.address].join('\n'),
  ]
    .filter(Boolean)
    .join('\n\n')
}

export function renderOrderMail(mail: OrderMail, store: StoreIdentity) {
  return { subject: copy(mail, (cents) => formatMoney(cents, mail.currency)).subject, html: renderEmail(<OrderMailBody mail={mail} store={store} />), text: orderMailText(mail, store) }
}
