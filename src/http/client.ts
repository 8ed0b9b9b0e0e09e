import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** IPv4 clients on a dual-stack socket show up as `::ffff:1.2.3.4`; one client, one spelling. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The client's address: the socket's peer, or — only when `trustProxy` is on — the address our own
 * reverse proxy appended to X-Forwarded-For (the right-most entry; entries to its left were written by
 * the client and can be forged). Anything that is not an IP address is ignored, so a header can never
 * smuggle text into logs, metrics or audit records.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header[header.length - 1] : header;
    const last = value?.split(',').pop()?.trim();
    if (last !== undefined && isIP(last) !== 0) return normalise(last);
  }
  const peer = req.socket.remoteAddress;
  return peer === undefined ? 'unknown' : normalise(peer);
}

/** Expands an IPv6 address to its eight groups (no embedded IPv4 expected after `normalise`). */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right];
}

/**
 * What throttling counts as one client: an IPv4 address, or an IPv6 /64 — one host usually holds a
 * whole /64, so counting single IPv6 addresses would let it rotate past any limit.
 */
export function throttleIdentity(address: string): string {
  // `address` comes from clientAddress (an IP address, or 'unknown'): only IPv6 has a colon, and this
  // test is on every verify, where isIP would cost more than the rest of this function.
  if (!address.includes(':')) return address;
  return `${ipv6Groups(address)
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
