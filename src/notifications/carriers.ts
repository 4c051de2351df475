/**
 * Tracking links of the carriers we know: a carrier name as staff type it ("Royal Mail", "royalmail",
 * "FedEx") → the carrier's public tracking page for a number. An unknown carrier gets no link (the
 * number alone is shown), never a guessed one.
 */
const TRACKING_URLS: Record<string, string> = {
  ups: 'https://www.ups.com/track?tracknum={n}',
  usps: 'https://tools.usps.com/go/TrackConfirmAction?tLabels={n}',
  fedex: 'https://www.fedex.com/fedextrack/?trknbr={n}',
  dhl: 'https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={n}',
  dhlexpress: 'https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={n}',
  royalmail: 'https://www.royalmail.com/track-your-item#/tracking-results/{n}',
  canadapost: 'https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={n}',
  australiapost: 'https://auspost.com.au/mypost/track/details/{n}',
  laposte: 'https://www.laposte.fr/outils/suivre-vos-envois?code={n}',
  colissimo: 'https://www.laposte.fr/outils/suivre-vos-envois?code={n}',
  postnl: 'https://postnl.nl/tracktrace/?B={n}',
}

/** "Royal Mail" → "royalmail": the key of TRACKING_URLS. */
const carrierKey = (carrier: string) => carrier.toLowerCase().replace(/[^a-z0-9]/g, '')

/**
 * The tracking page of `trackingNumber` at `carrier`, or null for an unknown carrier or no number.
 * @example trackingUrl('UPS', '1Z999AA10123456784') // "https://www.ups.com/track?tracknum=1Z999AA10123456784"
 */
export function trackingUrl(carrier: string, trackingNumber: string | null | undefined): string | null {
  const template = TRACKING_URLS[carrierKey(carrier)]
  if (!template || !trackingNumber?.trim()) return null
  return template.replace('{n}', encodeURIComponent(trackingNumber.trim()))
}
