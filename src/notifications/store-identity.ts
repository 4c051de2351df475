/**
 * Who a mail is from: the store's name, postal address (the law asks it of commercial mail) and public
 * origin for links. Set as vars or secrets (STORE_NAME, STORE_ADDRESS, STORE_URL); in development only,
 * defaults stand in. Anywhere else a missing one is an error, recorded on the outbox row, never a mail
 * that names nobody or links to localhost.
 */
import { isDevelopment } from '../platform/env'

export interface StoreIdentity {
  name: string
  /** Lines of the postal address. */
  address: string[]
  /** Origin without a trailing slash. */
  url: string
}

const DEVELOPMENT_IDENTITY = { name: 'Cato-Store (development)', address: '1 Example Street\nSpringfield 00000\nNowhere', url: 'http://127.0.0.1:8787' }

export class StoreIdentityMissing extends Error {}

export function storeIdentity(env: Env): StoreIdentity {
  const dev = isDevelopment(env)
  const name = env.STORE_NAME?.trim() || (dev ? DEVELOPMENT_IDENTITY.name : '')
  const address = env.STORE_ADDRESS?.trim() || (dev ? DEVELOPMENT_IDENTITY.address : '')
  const url = (env.STORE_URL?.trim() || (dev ? DEVELOPMENT_IDENTITY.url : '')).replace(/\/+$/, '')
  const missing = [!name && 'STORE_NAME', !address && 'STORE_ADDRESS', !url && 'STORE_URL'].filter(Boolean)
  if (missing.length) throw new StoreIdentityMissing(`Mail cannot be sent: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`)
  return { name, address: address.split(/\n|\\n/).map((line) => line.trim()).filter(Boolean), url }
}
