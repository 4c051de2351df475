/** The account mails: welcome (marketing: it carries an unsubscribe link) and the password-reset link. */
import type { StoreIdentity } from '../store-identity'
import { Button, EmailLayout, Heading, Paragraph, renderEmail } from './layout'

const footer = (store: StoreIdentity) => [store.name, ...store.address].join('\n')

export function renderWelcomeMail({ name, shopUrl, unsubscribeUrl }: { name: string; shopUrl: string; unsubscribeUrl: string }, store: StoreIdentity) {
  const intro = `Your ${store.name} account is ready. Your orders, addresses and password live on your account page.`
  return {
    subject: `Welcome to ${store.name}`,
    html: renderEmail(
      <EmailLayout store={store} title={`Welcome to ${store.name}`} preheader={intro} unsubscribeUrl={unsubscribeUrl}>
        <Heading>Welcome, {name}</Heading>
        <Paragraph>{intro}</Paragraph>
        <Button href={shopUrl}>Start shopping</Button>
      </EmailLayout>,
    ),
    text: [`Welcome, ${name}`, intro, `Start shopping: ${shopUrl}`, footer(store), `Unsubscribe from these emails: ${unsubscribeUrl}`].join('\n\n'),
  }
}

export function renderPasswordResetMail({ link }: { link: string }, store: StoreIdentity) {
  const intro = `Someone asked to reset the password of your ${store.name} account. To choose a new one, open this link within an hour.`
  const ignore = 'If it was not you, ignore this message: your password stays as it is.'
  return {
    subject: `Reset your ${store.name} password`,
    html: renderEmail(
      <EmailLayout store={store} title="Reset your password" preheader={intro}>
        <Heading>Reset your password</Heading>
        <Paragraph>{intro}</Paragraph>
        <Button href={link}>Choose a new password</Button>
        <Paragraph>{ignore}</Paragraph>
      </EmailLayout>,
    ),
    text: [intro, link, ignore, footer(store)].join('\n\n'),
  }
}

export function renderBackInStockMail({ productName, productUrl, unsubscribeUrl }: { productName: string; productUrl: string; unsubscribeUrl: string }, store: StoreIdentity) {
  const intro = `${productName} is back in stock. You asked us to tell you; we will not email you about it again.`
  return {
    subject: `${productName} is back in stock`,
    html: renderEmail(
      <EmailLayout store={store} title={`${productName} is back`} preheader={intro} unsubscribeUrl={unsubscribeUrl}>
        <Heading>It's back</Heading>
        <Paragraph>{intro}</Paragraph>
        <Button href={productUrl}>See {productName}</Button>
      </EmailLayout>,
    ),
    text: [intro, `See it: ${productUrl}`, footer(store), `Unsubscribe from these emails: ${unsubscribeUrl}`].join('\n\n'),
  }
}

/** After registering with an email a guest bought with: the link that moves those orders to the account. */
export function renderGuestOrdersMail({ name, link }: { name: string; link: string }, store: StoreIdentity) {
  const intro = `Your new ${store.name} account uses an email address that placed orders as a guest before. To see those orders in your account, open this link while signed in.`
  const ignore = 'If you did not create this account, ignore this message: nothing is linked without this link.'
  return {
    subject: `Link your past orders to your ${store.name} account`,
    html: renderEmail(
      <EmailLayout store={store} title="Link your past orders" preheader={intro}>
        <Heading>Hello {name}</Heading>
        <Paragraph>{intro}</Paragraph>
        <Button href={link}>Link my past orders</Button>
        <Paragraph>{ignore}</Paragraph>
      </EmailLayout>,
    ),
    text: [`Hello ${name}`, intro, link, ignore, footer(store)].join('\n\n'),
  }
}
