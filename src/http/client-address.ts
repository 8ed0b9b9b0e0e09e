import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { NetworkMatcher, normaliseAddress } from '../domain/networks.js';

/**
 * Who is calling: the one place the integration API (and the Slack gate) work out a caller's address,
 * for throttling, last-used, usage counts and key networks (docs/least-privilege.md).
 *
 * Forwarded headers are believed only from trusted proxies (TRUST_PROXY_CIDRS): when the socket's peer
 * is one, X-Forwarded-For is read from the right, skipping entries that are trusted proxies too, and the
 * first other address is the client (the `proxy-addr` rule). From any other peer the header is ignored,
 * so a client cannot pick its own address. Entries that are not IP addresses end the walk, so a header
 * can never smuggle text into logs, metrics or audit records.
 */

/** The peers whose X-Forwarded-For is believed; undefined = nobody's. */
export type TrustedProxies = NetworkMatcher | undefined;

/** `TRUST_PROXY=true` without TRUST_PROXY_CIDRS: a proxy on this host or on a private network. */
export const PRIVATE_PROXY_CIDRS: readonly string[] = [
  '127.0.0.0/8',
  '::1/128',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  'fc00::/7',
];

/** TRUST_PROXY_CIDRS wins; else TRUST_PROXY=true means the private ranges; else nobody. */
export function trustedProxies(trustProxy: boolean | undefined, cidrs: readonly string[] | undefined): TrustedProxies {
  if (cidrs !== undefined && cidrs.length > 0) return new NetworkMatcher(cidrs);
  return trustProxy === true ? new NetworkMatcher(PRIVATE_PROXY_CIDRS) : undefined;
}

/** IPv4 clients on a dual-stack socket show up as `::ffff:1.2.3.4`; one client, one spelling. */
export function normalisePeer(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** The caller's address ('unknown' only if the socket has none, e.g. already closed). */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string {
  const peer = req.socket.remoteAddress;
  let current = peer === undefined ? 'unknown' : normalisePeer(peer);
  if (trusted === undefined || !trusted.allows(current)) return current;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === undefined) return current;
  const hops = value.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseAddress(hops[i] ?? '');
    if (hop === undefined) return current;
    current = hop;
    if (!trusted.allows(current)) return current;
  }
  return current;
}
