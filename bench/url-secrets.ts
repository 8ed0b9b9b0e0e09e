/**
 * `npm run bench:url-secrets` — what the secret-in-URL check costs per request for the costliest URL
 * the server still reads: MAX_URL_LENGTH characters of base62 runs behind an escape nested seven times
 * (eight decoding rounds). Longer URLs are refused with 414 before the check. Prints one line: mean and
 * p99 microseconds per check, and the same for an ordinary verify URL.
 */
import { performance } from 'node:perf_hooks';
import { randomBase62 } from '../src/domain/secrets.js';
import { MAX_URL_LENGTH, urlCarriesSecret } from '../src/http/url-secrets.js';

function costlyUrl(length: number): string {
  let url = `/v1/keys/verify?e=${'%25'.repeat(7)}41&r=`;
  while (url.length < length) url += `${randomBase62(200)}-`;
  return url.slice(0, length);
}

function measure(urls: string[]): { meanUs: number; p99Us: number } {
  const times: number[] = [];
  for (const url of urls) {
    const started = performance.now();
    if (urlCarriesSecret(url)) throw new Error('the bench URLs hold no secret');
    times.push((performance.now() - started) * 1000);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
  return { meanUs: mean, p99Us: times[Math.ceil(times.length * 0.99) - 1] ?? Number.NaN };
}

const costly = Array.from({ length: 2000 }, () => costlyUrl(MAX_URL_LENGTH));
const ordinary = Array.from({ length: 2000 }, (_, i) => `/v1/keys/verify?request=${i}&trace=${randomBase62(16)}`);
measure(costly.slice(0, 200)); // warm-up
const worst = measure(costly);
const usual = measure(ordinary);
console.log(
  `url-secrets: ${MAX_URL_LENGTH}-char costly URL mean ${worst.meanUs.toFixed(1)} µs p99 ${worst.p99Us.toFixed(1)} µs; ordinary URL mean ${usual.meanUs.toFixed(2)} µs p99 ${usual.p99Us.toFixed(2)} µs`,
);
