import ipaddr from 'ipaddr.js';
import { AppError } from '../errors.js';

/**
 * Least-privilege keys, networks half (docs/least-privilege.md): CIDR ranges parsed with ipaddr.js (the
 * library behind Express's `proxy-addr`), with messages a person can act on, and matching an address
 * against a list. IPv4-mapped IPv6 addresses (`::ffff:10.1.2.3`, what a dual-stack socket reports) are
 * matched as the IPv4 address they carry. Pure: no I/O. Also used for TRUST_PROXY_CIDRS (src/http/client-address.ts).
 */

export const MAX_KEY_NETWORKS = 20;

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** An IPv4-mapped IPv6 address as its IPv4 self; anything else unchanged. */
function unmapped(address: Address): Address {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
}

/** A parsed address (IPv4-mapped IPv6 as IPv4), or undefined for anything that is not one. */
export function parseAddress(text: string): Address | undefined {
  const trimmed = text.trim();
  // ipaddr.js also reads "10" or "0x0a.1" as IPv4 (inet_aton forms); only the four-part dotted form is meant.
  if (!ipaddr.IPv6.isValid(trimmed) && !ipaddr.IPv4.isValidFourPartDecimal(trimmed)) return undefined;
  // An IPv4 tail inside IPv6 (`::ffff:1.2.3.4`) must be plain dotted decimal too (no `010`).
  if (trimmed.includes(':') && trimmed.includes('.') && ipv4Number(trimmed.slice(trimmed.lastIndexOf(':') + 1)) === undefined)
    return undefined;
  return unmapped(ipaddr.parse(trimmed));
}

/** The address as one spelling (`::ffff:1.2.3.4` → `1.2.3.4`, IPv6 compressed), or undefined. */
export function normaliseAddress(text: string): string | undefined {
  return parseAddress(text)?.toString();
}

export type CidrResult = { ok: true; cidr: string } | { ok: false; problem: string };

/**
 * One range as typed by a person: `10.0.0.0/8`, `2001:db8::/32`, or a single address (→ /32, /128).
 * Host bits set (`10.0.0.1/8`) are refused with the range that was probably meant.
 */
export function parseCidr(input: string): CidrResult {
  const text = input.trim();
  const shown = `\`${text.slice(0, 60)}\``;
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  const address = parseAddress(addressText);
  if (address === undefined) return { ok: false, problem: `${shown}: not an IPv4 or IPv6 address` };
  const max = address.kind() === 'ipv4' ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return { ok: false, problem: `${shown}: the prefix after \`/\` must be a number` };
    prefix = Number(prefixText);
    // A mapped address was typed as IPv6: its prefix counts the 96 bits in front of the IPv4 part.
    const mappedInput = address.kind() === 'ipv4' && addressText.includes(':');
    if (mappedInput) {
      if (prefix > 128) return { ok: false, problem: `${shown}: the prefix must be 128 or less` };
      if (prefix < 96) return { ok: false, problem: `${shown}: an IPv4-mapped range needs a prefix of 96 or more` };
      prefix -= 96;
    } else if (prefix > max) {
      return { ok: false, problem: `${shown}: the prefix must be ${max} or less` };
    }
  }
  const network = ipaddr.parse(
    address.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`).toString()
      : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`).toString(),
  );
  if (network.toString() !== address.toString())
    return { ok: false, problem: `${shown}: host bits are set (did you mean \`${network.toString()}/${prefix}\`?)` };
  return { ok: true, cidr: `${network.toString()}/${prefix}` };
}

export type NetworkListResult = { ok: true; networks: string[] } | { ok: false; problems: string[] };

/** A list as typed (one per line, or separated by commas or spaces): canonical, de-duplicated, at most 20. */
export function parseNetworkList(text: string, max = MAX_KEY_NETWORKS): NetworkListResult {
  const items = text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const problems: string[] = [];
  const networks: string[] = [];
  for (const item of items) {
    const parsed = parseCidr(item);
    if (!parsed.ok) problems.push(parsed.problem);
    else if (!networks.includes(parsed.cidr)) networks.push(parsed.cidr);
  }
  if (networks.length > max) problems.push(`at most ${max} ranges (${networks.length} given)`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, networks };
}

/**
 * A dotted-quad IPv4 address as an unsigned 32-bit number, or undefined. The verify path checks an
 * address on every call of a key with ranges, so IPv4 (nearly every caller) is read by hand: about 20
 * times cheaper than a general parse. Anything else goes through ipaddr.js.
 */
function ipv4Number(text: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      // No leading zeros ("010" is octal to some parsers): one spelling per address.
      if (digits === 1 && part === 0) return undefined;
      part = part * 10 + (code - 48);
      digits += 1;
      if (digits > 3 || part > 255) return undefined;
    } else if (code === 46) {
      if (digits === 0 || parts === 3) return undefined;
      value = value * 256 + part;
      parts += 1;
      part = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || parts !== 3) return undefined;
  return value * 256 + part;
}

/** `::ffff:1.2.3.4` in any case: the IPv4 part, else undefined. */
function mappedIpv4(text: string): number | undefined {
  if (text.length < 14 || text.charCodeAt(0) !== 58 || text.charCodeAt(1) !== 58 || text.slice(2, 7).toLowerCase() !== 'ffff:')
    return undefined;
  return ipv4Number(text.slice(7));
}

/** Ranges compiled once for matching; stored ranges are canonical, anything unreadable is skipped (deny). */
export class NetworkMatcher {
  /** IPv4 ranges as [network, mask], unsigned. */
  readonly #v4: Array<[number, number]> = [];
  readonly #v6: Array<[ipaddr.IPv6, number]> = [];

  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      // Stored ranges are canonical: an IPv4 one is read by hand (the verify path compiles a key's list
      // whenever the key is read anew); anything else is checked in full.
      const slash = cidr.indexOf('/');
      const v4 = slash === -1 ? undefined : ipv4Number(cidr.slice(0, slash));
      const bits = slash === -1 ? Number.NaN : Number(cidr.slice(slash + 1));
      if (v4 !== undefined && Number.isInteger(bits) && bits >= 0 && bits <= 32) {
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        this.#v4.push([(v4 & mask) >>> 0, mask]);
        continue;
      }
      const parsed = parseCidr(cidr);
      if (!parsed.ok) continue;
      const [address, prefix] = ipaddr.parseCIDR(parsed.cidr);
      if (address.kind() === 'ipv4') {
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        this.#v4.push([(ipv4Number(address.toString()) ?? 0) & mask, mask]);
      } else {
        this.#v6.push([address as ipaddr.IPv6, prefix]);
      }
    }
  }

  /** Whether `address` (any spelling; IPv4-mapped counts as IPv4) is in one of the ranges. */
  allows(address: string): boolean {
    const v4 = ipv4Number(address) ?? mappedIpv4(address);
    if (v4 !== undefined) {
      for (const [network, mask] of this.#v4) if ((v4 & mask) >>> 0 === network >>> 0) return true;
      return false;
    }
    const parsed = parseAddress(address);
    if (parsed === undefined) return false;
    if (parsed.kind() === 'ipv4') {
      const number = ipv4Number(parsed.toString());
      return number !== undefined && this.#v4.some(([network, mask]) => (number & mask) >>> 0 === network >>> 0);
    }
    return this.#v6.some(([network, prefix]) => (parsed as ipaddr.IPv6).match(network, prefix));
  }
}

/** Matchers per stored list: the key cache hands out the same frozen key (and list) until it drops it. */
const matchers = new WeakMap<readonly string[], NetworkMatcher>();
/**
 * And by their text: a key read again (the cache's entry lifetime, any change) is a new object with a new
 * list, and many keys share a list; compiling it again each time showed in bench:verify. Bounded.
 */
const matchersByText = new Map<string, NetworkMatcher>();
const MATCHERS_BY_TEXT_MAX = 10_000;

export function matcherFor(networks: readonly string[]): NetworkMatcher {
  let matcher = matchers.get(networks);
  if (matcher !== undefined) return matcher;
  const text = networks.join(',');
  matcher = matchersByText.get(text);
  if (matcher === undefined) {
    matcher = new NetworkMatcher(networks);
    if (matchersByText.size >= MATCHERS_BY_TEXT_MAX) matchersByText.clear();
    matchersByText.set(text, matcher);
  }
  matchers.set(networks, matcher);
  return matcher;
}

/**
 * The network an address is counted in when it is reported (and for usage per network): its IPv4 /24
 * or its IPv6 /48, as a CIDR. Undefined for anything that is not an address.
 */
export function reportingNetwork(address: string): string | undefined {
  const parsed = parseAddress(address);
  if (parsed === undefined) return undefined;
  const prefix = parsed.kind() === 'ipv4' ? 24 : 48;
  const network =
    parsed.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${parsed}/${prefix}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${parsed}/${prefix}`);
  return `${network.toString()}/${prefix}`;
}

/** Refuses a list that is not canonical ranges, or too long (every entry point parses it first). */
export function checkNetworks(networks: readonly string[]): void {
  if (networks.length > MAX_KEY_NETWORKS) throw new AppError('INVALID_INPUT', `At most ${MAX_KEY_NETWORKS} ranges per key.`);
  for (const network of networks) {
    const parsed = parseCidr(network);
    if (!parsed.ok) throw new AppError('INVALID_INPUT', `${parsed.problem}.`);
    if (parsed.cidr !== network) throw new AppError('INVALID_INPUT', `\`${network}\`: write it as \`${parsed.cidr}\`.`);
  }
}
