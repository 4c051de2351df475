/**
 * Where outbound webhooks may go. Outside development only https URLs whose host is a public name or a
 * public IP literal: no loopback, private, link-local (the cloud metadata address 169.254.169.254 among
 * them), carrier-grade NAT, multicast or reserved ranges, in IPv4 or IPv6 (mapped IPv4 included), and no
 * names that only mean something inside a network (localhost, *.local, *.internal, single labels).
 *
 * Only the URL's host literal can be checked: a Worker's fetch resolves names itself and never tells us the
 * address it connected to, so a public name whose DNS answers a private address (DNS rebinding) is out of
 * our reach here. Cloudflare's network does not route Worker subrequests into private networks anyway.
 */
import { isDevelopment } from '../platform/env'

export const ENDPOINT_URL_MAX = 2048

/** IPv4 ranges no webhook may reach: [first octets as a number, prefix length]. */
const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
]

const v4Number = (address: string) => address.split('.').reduce((n, part) => n * 256 + Number(part), 0)

function blockedV4(address: string): boolean {
  const n = v4Number(address)
  return BLOCKED_V4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(v4Number(base) / 2 ** (32 - bits)))
}

/** The eight 16-bit groups of an IPv6 literal as the URL parser writes it (compressed, lower-case, no zone). */
function v6Groups(address: string): number[] | null {
  const [head = '', tail] = address.split('::')
  const part = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)))
  const left = part(head)
  const right = tail === undefined ? [] : part(tail)
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right]
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null
}

function blockedV6(address: string): boolean {
  const g = v6Groups(address)
  if (!g) return true
  const [a = 0, b = 0, , , , f = 0, h7 = 0, h8 = 0] = g
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0)
  if (zeroUpTo(7) && (h8 === 0 || h8 === 1)) return true // :: and ::1
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible addresses: judge the IPv4 address inside.
  if (zeroUpTo(5) && (f === 0xffff || f === 0)) return blockedV4(`${h7 >> 8}.${h7 & 255}.${h8 >> 8}.${h8 & 255}`)
  if (a === 0x64 && b === 0xff9b) return true // NAT64
  if ((a & 0xfe00) === 0xfc00) return true // unique local fc00::/7
  if ((a & 0xffc0) === 0xfe80) return true // link-local fe80::/10
  if ((a & 0xffc0) === 0xfec0) return true // site-local (deprecated)
  if ((a & 0xff00) === 0xff00) return true // multicast
  if (a === 0x2001 && b === 0xdb8) return true // documentation
  return false
}

/** Names that never lead to the public Internet. */
const INTERNAL_NAME = /(^|\.)(localhost|local|internal|intranet|lan|home|corp|localdomain|home\.arpa)$/

/**
 * What is wrong with `raw` as an endpoint URL in this environment, or null when it may be used.
 * @example endpointUrlProblem(env, 'https://10.0.0.1/hook') // 'must not be a private, loopback or link-local address'
 */
export function endpointUrlProblem(env: Pick<Env, 'ENVIRONMENT'>, raw: string): string | null {
  if (raw.length > ENDPOINT_URL_MAX) return `must be at most ${ENDPOINT_URL_MAX} characters`
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'is not a URL'
  }
  const development = isDevelopment(env)
  if (url.protocol !== 'https:' && !(development && url.protocol === 'http:')) return development ? 'must start with https:// or http://' : 'must start with https://'
  if (url.username || url.password) return 'must not carry a user name or password'
  if (url.hash) return 'must not have a #fragment'
  if (development) return null
  // The WHATWG parser has already turned every IPv4 spelling (decimal, hex, octal, short) into dotted quads.
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return blockedV4(host) ? 'must not be a private, loopback or link-local address' : null
  if (host.startsWith('[')) return blockedV6(host.slice(1, -1)) ? 'must not be a private, loopback or link-local address' : null
  if (!host.includes('.') || INTERNAL_NAME.test(host)) return 'must be a public host name (not localhost or a local network name)'
  return null
}
