/** The caller's address lives in client-address.ts (shared with usage per network); re-exported for the routes. */
export { clientAddress, type TrustedProxies } from './client-address.js';

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
