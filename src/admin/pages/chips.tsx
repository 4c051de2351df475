/** Status chips: one colour per meaning on every admin screen (waiting: amber, to act on: blue, done: green, money back: red, over: grey). */
import type { ORDER_STATUSES, PAYMENT_STATUSES } from '../../db/schema'
import { STATUS_LABELS } from '../../orders/pages'

type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'none'

const ORDER_TONES: Record<(typeof ORDER_STATUSES)[number], Tone> = {
  pending_payment: 'warn',
  paid: 'info',
  shipped: 'ok',
  delivered: 'ok',
  cancelled: 'none',
  expired: 'none',
  refunded: 'bad',
}

export const PAYMENT_LABELS: Record<(typeof PAYMENT_STATUSES)[number], string> = {
  unpaid: 'Unpaid',
  paid: 'Paid',
  partially_refunded: 'Partly refunded',
  refunded: 'Refunded',
  failed: 'Failed',
}

const PAYMENT_TONES: Record<(typeof PAYMENT_STATUSES)[number], Tone> = { unpaid: 'warn', paid: 'ok', partially_refunded: 'bad', refunded: 'bad', failed: 'bad' }

export function Chip({ tone, children }: { tone: Tone; children: string }) {
  return <span class={`admin-chip ${tone}`}>{children}</span>
}

/** "Paid" reads as "to ship" for staff: the fulfilment waits on them. */
export const OrderChip = ({ status }: { status: (typeof ORDER_STATUSES)[number] }) => <Chip tone={ORDER_TONES[status]}>{status === 'paid' ? 'Paid · to ship' : STATUS_LABELS[status]}</Chip>

export const PaymentChip = ({ status }: { status: (typeof PAYMENT_STATUSES)[number] }) => <Chip tone={PAYMENT_TONES[status]}>{PAYMENT_LABELS[status]}</Chip>

export const ActiveChip = ({ active }: { active: boolean }) => <Chip tone={active ? 'ok' : 'none'}>{active ? 'Active' : 'Inactive'}</Chip>
