import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_KEY_NETWORKS,
  NetworkMatcher,
  normaliseAddress,
  parseCidr,
  parseNetworkList,
  reportingNetwork,
} from '../../src/domain/networks.js';

describe('CIDR ranges as a person types them', () => {
  it('says what is wrong with each bad range, quoting it', () => {
    expect(parseCidr('10.0.0.0/33')).toEqual({ ok: false, problem: '`10.0.0.0/33`: the prefix must be 32 or less' });
    expect(parseCidr('2001:db8::/129')).toEqual({ ok: false, problem: '`2001:db8::/129`: the prefix must be 128 or less' });
    expect(parseCidr('10.0.0.1/8')).toEqual({ ok: false, problem: '`10.0.0.1/8`: host bits are set (did you mean `10.0.0.0/8`?)' });
    expect(parseCidr('intranet')).toEqual({ ok: false, problem: '`intranet`: not an IPv4 or IPv6 address' });
    expect(parseCidr('10/8')).toMatchObject({ ok: false });
    expect(parseCidr('10.0.0.0/x')).toEqual({ ok: false, problem: '`10.0.0.0/x`: the prefix after `/` must be a number' });
  });

  it('canonicalises good ranges; a single address is its /32 or /128; IPv4-mapped ranges are IPv4', () => {
    expect(parseCidr(' 10.0.0.0/8 ')).toEqual({ ok: true, cidr: '10.0.0.0/8' });
    expect(parseCidr('203.0.113.7')).toEqual({ ok: true, cidr: '203.0.113.7/32' });
    expect(parseCidr('2001:DB8:0:0::/32')).toEqual({ ok: true, cidr: '2001:db8::/32' });
    expect(parseCidr('2001:db8::1')).toEqual({ ok: true, cidr: '2001:db8::1/128' });
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ ok: true, cidr: '10.0.0.0/8' });
  });

  it(`a list takes newlines, commas and spaces, drops duplicates, reports every problem, and holds at most ${MAX_KEY_NETWORKS}`, () => {
    expect(parseNetworkList('10.0.0.0/8,\n192.168.0.0/16 10.0.0.0/8')).toEqual({ ok: true, networks: ['10.0.0.0/8', '192.168.0.0/16'] });
    expect(parseNetworkList('')).toEqual({ ok: true, networks: [] });
    expect(parseNetworkList('10.0.0.0/33, nope')).toEqual({
      ok: false,
      problems: ['`10.0.0.0/33`: the prefix must be 32 or less', '`nope`: not an IPv4 or IPv6 address'],
    });
    const many = Array.from({ length: MAX_KEY_NETWORKS + 1 }, (_, i) => `10.0.${i}.0/24`).join('\n');
    expect(parseNetworkList(many)).toEqual({ ok: false, problems: [`at most ${MAX_KEY_NETWORKS} ranges (21 given)`] });
  });
});

describe('matching an address against ranges', () => {
  const matcher = new NetworkMatcher(['10.0.0.0/8', '2001:db8::/32', '198.51.100.7/32']);

  it('matches IPv4 and IPv6 inside their ranges only, never across families, never garbage', () => {
    expect(matcher.allows('10.200.3.4')).toBe(true);
    expect(matcher.allows('11.0.0.1')).toBe(false);
    expect(matcher.allows('198.51.100.7')).toBe(true);
    expect(matcher.allows('198.51.100.8')).toBe(false);
    expect(matcher.allows('2001:db8:ffff::1')).toBe(true);
    expect(matcher.allows('2001:db9::1')).toBe(false);
    expect(matcher.allows('::a00:1')).toBe(false);
    expect(matcher.allows('not an address')).toBe(false);
    expect(matcher.allows('10')).toBe(false);
  });

  it('an IPv4-mapped IPv6 address matches the IPv4 ranges (a dual-stack socket reports these)', () => {
    expect(matcher.allows('::ffff:10.1.2.3')).toBe(true);
    expect(matcher.allows('::FFFF:10.1.2.3')).toBe(true);
    expect(matcher.allows('::ffff:11.1.2.3')).toBe(false);
    expect(normaliseAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
  });

  it('an address is reported as its /24 or /48 network', () => {
    expect(reportingNetwork('203.0.113.99')).toBe('203.0.113.0/24');
    expect(reportingNetwork('::ffff:203.0.113.99')).toBe('203.0.113.0/24');
    expect(reportingNetwork('2001:db8:1:2::5')).toBe('2001:db8:1::/48');
    expect(reportingNetwork('nope')).toBeUndefined();
  });

  it('agrees with arithmetic on random IPv4 addresses and prefixes', () => {
    const toText = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (net, prefix, address) => {
          const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
          const network = (net & mask) >>> 0;
          const parsed = parseCidr(`${toText(network)}/${prefix}`);
          expect(parsed).toEqual({ ok: true, cidr: `${toText(network)}/${prefix}` });
          const inside = (address & mask) >>> 0 === network;
          expect(new NetworkMatcher([`${toText(network)}/${prefix}`]).allows(toText(address))).toBe(inside);
          expect(new NetworkMatcher([`${toText(network)}/${prefix}`]).allows(`::ffff:${toText(address)}`)).toBe(inside);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the fast IPv4 reading agrees with the general one', () => {
  it('odd spellings are not addresses, whichever path reads them', () => {
    const matcher = new NetworkMatcher(['0.0.0.0/0']);
    for (const odd of ['010.0.0.1', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '+1.2.3.4', '::ffff:010.0.0.1'])
      expect(matcher.allows(odd)).toBe(false);
    for (const fine of ['0.0.0.0', '255.255.255.255', '::ffff:1.2.3.4', '::FFFF:1.2.3.4']) expect(matcher.allows(fine)).toBe(true);
  });
});
