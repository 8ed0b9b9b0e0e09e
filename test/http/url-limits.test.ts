import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32, someWindowCrc32 } from '../../src/domain/crc32.js';
import { checksumOf, generateSecret, randomBase62 } from '../../src/domain/secrets.js';
import { MAX_URL_LENGTH, inspectUrl, urlCarriesSecret } from '../../src/http/url-secrets.js';
import { sendRaw } from '../support/raw-http.js';
import { startApi, type ApiHarness } from './harness.js';

/** The issue's lever: long base62 runs (no secret in them) behind an escape nested seven times. */
function costlyUrl(length: number): string {
  const head = `/v1/keys/verify?e=${'%25'.repeat(7)}41&r=`;
  let url = head;
  while (url.length < length) url += `${randomBase62(200)}-`;
  return url.slice(0, length);
}

/** Every character percent-encoded, as a tool that over-escapes would send it. */
const escapeAll = (text: string) => [...text].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');

describe('the secret-in-URL check does work in proportion to the URL, no more', () => {
  it('a URL of base62 runs behind a 7-times nested escape costs a few steps per character and round, at every length', () => {
    for (const length of [512, 1024, 2048, MAX_URL_LENGTH]) {
      const result = inspectUrl(costlyUrl(length));
      expect(result.secret).toBe(false);
      // Eight rounds (the escape unwinds one level per round), each scanning the text about three times.
      expect(result.steps, `length ${length}`).toBeLessThanOrEqual(8 * 4 * length);
    }
  });

  it('the rolled checksum of every window is the checksum of that window computed afresh', () => {
    const text = `--${randomBase62(300)}--`;
    const rolled: number[] = [];
    someWindowCrc32(text, { from: 2, to: text.length - 2 }, 'aks_', 40, (_start, crc) => {
      rolled.push(crc);
      return false;
    });
    const fresh = Array.from({ length: 300 - 40 + 1 }, (_, i) => crc32(`aks_${text.slice(2 + i, 2 + i + 40)}`));
    expect(rolled).toEqual(fresh);
  });

  it('still finds a secret anywhere in a long run, at the start, the middle and the very end', () => {
    const secret = generateSecret();
    const body = secret.slice(4);
    for (const at of [0, 1000, 2000 - body.length]) {
      const run = randomBase62(at) + body + randomBase62(2000 - at - body.length);
      expect(urlCarriesSecret(`/x?t=${run}`), `at ${at}`).toBe(true);
      expect(urlCarriesSecret(`/x?t=${escapeAll(run.slice(0, 60))}${run.slice(60)}`), `escaped, at ${at}`).toBe(true);
    }
  });

  it('a secret body is found when whole, and not when a non-base62 character splits it', () => {
    const random = randomBase62(40);
    expect(urlCarriesSecret(`/x?t=${random}${checksumOf(`aks_${random}`)}`)).toBe(true);
    expect(urlCarriesSecret(`/x?t=${random.slice(0, 20)}-${random.slice(21)}${checksumOf(`aks_${random}`)}`)).toBe(false);
  });
});

describe('URLs longer than any route needs are refused with 414 first', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApi('sqlite');
  });
  afterAll(async () => h.close());

  it('a URL over the limit gets 414 uri_too_long on every path; one at the limit is routed as usual', async () => {
    const port = Number(new URL(h.base).port);
    for (const path of ['/v1/keys/verify', '/login', '/healthz', '/slack/events', '/no/such/path']) {
      const over = await sendRaw(port, 'GET', `${path}?pad=${'a'.repeat(MAX_URL_LENGTH)}`, undefined);
      expect(over.status, path).toBe(414);
      expect(JSON.parse(over.body), path).toMatchObject({ error: 'uri_too_long' });
    }
    const atLimit = `/healthz?pad=`;
    const fits = await sendRaw(port, 'GET', atLimit + 'a'.repeat(MAX_URL_LENGTH - atLimit.length), undefined);
    expect(fits.status).toBe(200);
  });

  it('the issue’s costly URL (15 KB of runs, a 7-times nested escape) is refused with 414 before any scan', async () => {
    const port = Number(new URL(h.base).port);
    // Node itself answers 431 once the request line and headers pass 16 KB.
    const answer = await sendRaw(port, 'POST', costlyUrl(15 * 1024), Buffer.from('{}'), { 'content-type': 'application/json' });
    expect(answer.status).toBe(414);
  });

  it('a secret in a URL under the limit is still refused with 400 secret_in_url', async () => {
    const reply = await h.post(`/v1/keys/verify?k=%2561ks_${generateSecret().slice(4)}`, {});
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: 'secret_in_url' });
  });
});
