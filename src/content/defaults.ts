/**
 * What a content page says until staff write their own (no row in content_pages), and what the demo seed
 * writes: sensible text for the demo store (a US store in USD, see scripts/seed/checkout.ts), in the plain
 * text the admin edits (blank lines between paragraphs, "## " headings, [label](https://…) links).
 */
import type { ContentSlug } from './slugs'

export interface ContentText {
  title: string
  body: string
}

export const DEFAULT_CONTENT: Record<ContentSlug, ContentText> = {
  shipping: {
    title: 'Shipping',
    body: `We ship every order from our warehouse within two working days of your payment. You get an email with the carrier and tracking number as soon as it leaves us, and the tracking link is on your order page.

## United States
Standard: $5 under 1 kg, $9 from 1 to 5 kg, $15 from 5 kg; free on orders from $75. Usually 3–5 working days.
Express: $19, 1–2 working days.

## Europe
Standard: $12, 5–8 working days. Express: $29, 2–4 working days. Prices include the VAT of your country; no customs duties within the EU.

## Rest of the world
Standard: $18, 7–14 working days. Express: $45, 3–6 working days. Import duties and taxes of your country may be due on delivery.

Something not arrived? Write to us through the [contact page](/pages/contact) with your order number.`,
  },
  returns: {
    title: 'Returns',
    body: `Changed your mind? Send it back within 30 days of delivery for a full refund of the item's price.

## How to return
Write to us through the [contact page](/pages/contact) with your order number and what you would like to return. We reply within one working day with a return address.

Pack the item unused and in its original packaging. Returns of faulty or wrong items are free: we send you a prepaid label. Otherwise the return postage is yours.

## Refunds
We refund to the card you paid with within 5 working days of receiving the return; your bank may take a few more days to show it. Original shipping is refunded when the whole order comes back.

Food (tea tins) and items made to order cannot be returned once opened.`,
  },
  contact: {
    title: 'Contact',
    body: `We are a small team and answer every message within one working day, Monday to Friday.

Email: shop@example.com
Please give your order number (the 8 letters and digits on your order page) if your message is about an order.

## Orders and returns
Your orders, their tracking and receipts are in [your orders](/orders). Returns are explained on the [returns page](/pages/returns).`,
  },
  privacy: {
    title: 'Privacy',
    body: `We keep only what we need to sell to you and deliver your orders, and we never sell it.

## What we keep
Your name, email, shipping addresses and orders; your password as a one-way hash, never in readable form. Card details are entered on our payment provider's page (Stripe) and never reach us.

## Why
To deliver your orders, send you their confirmations and shipping notices, handle returns, and keep the accounts our tax laws require.

## Cookies
Only the cookies the shop needs to work: your cart, your sign-in and a security token for forms. No advertising or tracking cookies.

## Your rights
You can see, correct or delete your data: write to us through the [contact page](/pages/contact). Orders are kept for as long as tax law requires.`,
  },
  terms: {
    title: 'Terms',
    body: `These terms apply to every order placed in this shop.

## Orders
Your order is accepted once its payment is confirmed: we email you then. Until it is paid you may cancel it from your order page; the items set aside for you are released.

## Prices
Prices are in US dollars. Tax and shipping are shown at checkout before you pay, and the total you see is the total you are charged.

## Delivery
Delivery times on the [shipping page](/pages/shipping) are estimates. The risk of loss passes to you on delivery.

## Returns
See the [returns page](/pages/returns). Your rights as a consumer under the law of your country are not affected.`,
  },
}
