import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { until } from '../support/wait.js';
import { ADMIN, ALICE, startApi, type ApiHarness } from './harness.js';
import { call, loginAs } from './prisma-cloud-support.js';

/**
 * Least-privilege keys over HTTP (docs/least-privilege.md): permission queries on verify, networks on
 * verify, /login, /auth_token/extend and the key API, forwarded headers from trusted proxies only, and
 * report-only keys.
 */

const VERIFY = '/v1/keys/verify';
const ROLE = 'Account Group Read Only';

describe.each(dialects)('least-privilege keys over HTTP on %s', (dialect) => {
  let h: ApiHarness;
  afterEach(async () => h.close());

  async function withRolePermissions(...permissions: string[]): Promise<void> {
    await h.services.roles.changePermissions(ADMIN, { name: ROLE, change: { op: 'add', permissions } });
  }

  async function key(
    name: string,
    options: { permissions?: string[]; networks?: string[]; networkReportOnly?: boolean } = {},
  ): Promise<{ id: string; secret: string }> {
    const created = await h.services.keys.create(ALICE, { name, expiry: { kind: 'never' }, ...options });
    if (!created.created) throw new Error('no key was created');
    return { id: created.key.id, secret: created.secret };
  }

  const login = (id: string, secret: string, client: string) =>
    h.post('/login', { username: id, password: secret }, { 'x-forwarded-for': client });

  describe('permissions', () => {
    it('a key carries its chosen subset; verify lists it, and a query it fails is INSUFFICIENT_PERMISSIONS', async () => {
      h = await startApi(dialect);
      await withRolePermissions('alerts.read', 'policies.read', 'policies.write');
      const narrow = await key('narrow', { permissions: ['alerts.read', 'policies.read'] });
      const plain = await h.post(VERIFY, { key: narrow.secret });
      expect(plain.json).toMatchObject({ valid: true, keyId: narrow.id, permissions: ['alerts.read', 'policies.read'] });
      const ok = await h.post(VERIFY, { key: narrow.secret, permissions: 'alerts.read AND (policies.read OR policies.write)' });
      expect(ok.json).toMatchObject({ valid: true, permissions: ['alerts.read', 'policies.read'] });
      const refused = await h.post(VERIFY, { key: narrow.secret, permissions: 'alerts.read AND policies.write' });
      expect(refused.status).toBe(200);
      expect(refused.json).toEqual({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });
    });

    it('a key may not be given a permission its role does not hold', async () => {
      h = await startApi(dialect);
      await withRolePermissions('alerts.read');
      await expect(key('greedy', { permissions: ['alerts.read', 'policies.write'] })).rejects.toThrow(
        `\`policies.write\` is not a permission of ${ROLE}`,
      );
      expect((await h.services.keys.list(ALICE)).keys).toHaveLength(0);
    });

    it("removing a permission from the role narrows every key at the very next verify, cached or not; the role's whole set follows the role", async () => {
      h = await startApi(dialect);
      await withRolePermissions('alerts.read', 'policies.write');
      const chosen = await key('chosen', { permissions: ['alerts.read', 'policies.write'] });
      // Keys made through the Prisma-compatible API carry the role's whole set (null).
      const whole = await key('whole');
      const ask = (secret: string) => h.post(VERIFY, { key: secret, permissions: 'policies.write' });
      expect((await ask(chosen.secret)).json).toMatchObject({ valid: true });
      expect((await ask(whole.secret)).json).toMatchObject({ valid: true, permissions: ['alerts.read', 'policies.write'] });
      // Cached now (PostgreSQL trusts its cache once LISTEN is up).
      await until(async () => {
        const before = h.queries.count;
        await ask(chosen.secret);
        return h.queries.count === before;
      }, 'a verify answered from the cache');
      await h.services.roles.changePermissions(ADMIN, { name: ROLE, change: { op: 'remove', permissions: ['policies.write'] } });
      expect((await ask(chosen.secret)).json).toEqual({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });
      expect((await ask(whole.secret)).json).toEqual({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });
      expect((await h.post(VERIFY, { key: chosen.secret })).json).toMatchObject({ valid: true, permissions: ['alerts.read'] });
      // Added back: the key's chosen set had it, so it holds it again.
      await withRolePermissions('policies.write');
      expect((await ask(chosen.secret)).json).toMatchObject({ valid: true });
    });

    it("a key made through the Prisma-compatible API carries its role's whole set, whatever its calling key holds", async () => {
      h = await startApi(dialect);
      await withRolePermissions('alerts.read', 'policies.write');
      const caller = await key('automation', { permissions: ['alerts.read'] });
      const token = await loginAs(h.base, caller);
      const created = await call(h.base, 'POST', '/access_keys', { token, body: JSON.stringify({ name: 'from-api', expiresOn: 0 }) });
      expect(created.status).toBe(200);
      const secret = (created.body as { secretKey: string }).secretKey;
      expect((await h.post(VERIFY, { key: secret })).json).toMatchObject({ valid: true, permissions: ['alerts.read', 'policies.write'] });
    });

    it('a rotated key passes its permissions and networks to its successor', async () => {
      h = await startApi(dialect);
      await withRolePermissions('alerts.read', 'policies.write');
      const old = await key('old', { permissions: ['alerts.read'], networks: ['10.0.0.0/8'], networkReportOnly: false });
      const rotated = await h.services.keys.rotate(ALICE, old.id);
      expect(rotated.successor).toMatchObject({ permissions: ['alerts.read'], networks: ['10.0.0.0/8'], networkReportOnly: false });
      expect((await h.post(VERIFY, { key: rotated.secret, ip: '10.0.0.1' })).json).toMatchObject({
        valid: true,
        permissions: ['alerts.read'],
      });
      expect((await h.post(VERIFY, { key: rotated.secret, ip: '11.0.0.1' })).json).toEqual({ valid: false, code: 'NETWORK_NOT_ALLOWED' });
    });

    it('a malformed query is 400 invalid_permissions_query naming the position, before any lookup', async () => {
      h = await startApi(dialect);
      const k = await key('k');
      const cases: Array<[unknown, number]> = [
        ['alerts.read AND', 15],
        ['(alerts.read OR policies.read', 29],
        ['alerts.read policies.read', 12],
        ['Alerts.Read', 0],
        [42, 0],
        ['x'.repeat(1001), 1000],
      ];
      for (const [permissions, position] of cases) {
        const before = h.queries.count;
        const reply = await h.post(VERIFY, { key: k.secret, permissions });
        expect(reply.status).toBe(400);
        expect(reply.json).toMatchObject({ error: 'invalid_permissions_query', position });
        expect(String(reply.json.message)).toMatch(/position \d+|must be a string/);
        expect(h.queries.count).toBe(before);
      }
    });
  });

  describe('networks', () => {
    it('verify checks the ip passed: inside is valid, outside or missing is NETWORK_NOT_ALLOWED; IPv4-mapped matches IPv4', async () => {
      h = await startApi(dialect);
      const fenced = await key('fenced', { networks: ['10.0.0.0/8', '2001:db8::/32'] });
      const ask = (ip?: string) => h.post(VERIFY, ip === undefined ? { key: fenced.secret } : { key: fenced.secret, ip });
      expect((await ask('10.1.2.3')).json).toMatchObject({ valid: true });
      // Both checks on a cached key cost no database work.
      await until(async () => {
        const before = h.queries.count;
        const inside = await h.post(VERIFY, { key: fenced.secret, ip: '10.9.9.9', permissions: 'alerts.read OR policies.read' });
        const outside = await ask('11.1.2.3');
        expect(inside.json).toEqual({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });
        expect(outside.json).toEqual({ valid: false, code: 'NETWORK_NOT_ALLOWED' });
        return h.queries.count === before;
      }, 'both checks answered from the cache');
      expect((await ask('::ffff:10.1.2.3')).json).toMatchObject({ valid: true });
      expect((await ask('2001:db8::5')).json).toMatchObject({ valid: true });
      expect((await ask('11.1.2.3')).json).toEqual({ valid: false, code: 'NETWORK_NOT_ALLOWED' });
      expect((await ask('not-an-ip')).json).toEqual({ valid: false, code: 'NETWORK_NOT_ALLOWED' });
      // No ip at all: fails closed.
      expect((await ask()).json).toEqual({ valid: false, code: 'NETWORK_NOT_ALLOWED' });
      // A key without ranges ignores ip.
      const open = await key('open');
      expect((await h.post(VERIFY, { key: open.secret, ip: '192.0.2.1' })).json).toMatchObject({ valid: true });
    });

    it('/login from outside the key networks is the usual single 401; from inside a token; the token then stops outside too', async () => {
      h = await startApi(dialect);
      const fenced = await key('fenced', { networks: ['203.0.113.0/24'] });
      const outside = await login(fenced.id, fenced.secret, '198.51.100.9');
      expect(outside.status).toBe(401);
      expect(outside.json).toMatchObject({ error: 'unauthorized', message: 'Invalid access key ID or secret key.' });
      const inside = await login(fenced.id, fenced.secret, '203.0.113.9');
      expect(inside.status).toBe(200);
      const token = String(inside.json.token);
      const extend = (client: string) => h.get('/auth_token/extend', { 'x-redlock-auth': token, 'x-forwarded-for': client });
      expect((await extend('203.0.113.10')).status).toBe(200);
      const refused = await extend('198.51.100.9');
      expect(refused.status).toBe(401);
      expect(refused.json).toMatchObject({ error: 'network_not_allowed' });
      const list = (client: string) => h.get('/access_keys', { 'x-redlock-auth': token, 'x-forwarded-for': client });
      expect((await list('203.0.113.10')).status).toBe(200);
      expect((await list('198.51.100.9')).status).toBe(401);
    });

    it('a forged X-Forwarded-For from a peer outside TRUST_PROXY_CIDRS is ignored; the socket address counts', async () => {
      // The test client is 127.0.0.1, which is not a trusted proxy here.
      h = await startApi(dialect, { trustProxy: false, trustProxyCidrs: ['192.0.2.1/32'] });
      const fenced = await key('fenced', { networks: ['203.0.113.0/24'] });
      expect((await login(fenced.id, fenced.secret, '203.0.113.9')).status).toBe(401);
      const local = await key('local', { networks: ['127.0.0.0/8'] });
      expect((await login(local.id, local.secret, '203.0.113.9')).status).toBe(200);
    });

    it('from a trusted proxy, the right-most untrusted X-Forwarded-For entry is the client; entries a client wrote to its left are not', async () => {
      h = await startApi(dialect, { trustProxy: false, trustProxyCidrs: ['127.0.0.0/8', '10.0.0.0/8'] });
      const fenced = await key('fenced', { networks: ['203.0.113.0/24'] });
      // The client forged 203.0.113.9; our proxies (10.0.0.5, then loopback) appended the real 198.51.100.9.
      expect((await login(fenced.id, fenced.secret, '203.0.113.9, 198.51.100.9, 10.0.0.5')).status).toBe(401);
      expect((await login(fenced.id, fenced.secret, '198.51.100.9, 203.0.113.9, 10.0.0.5')).status).toBe(200);
      expect((await login(fenced.id, fenced.secret, '::ffff:203.0.113.9')).status).toBe(200);
    });

    it('report-only lets calls from outside through and queues one notice and one audit record per key, network and hour', async () => {
      h = await startApi(dialect);
      const watched = await key('watched', { networks: ['10.0.0.0/8'], networkReportOnly: true });
      const outside = async (ip: string) => {
        expect((await h.post(VERIFY, { key: watched.secret, ip })).json).toMatchObject({ valid: true });
        await h.api.networkReports.settled();
      };
      const notices = async () =>
        (
          await h.db.connection.db
            .selectFrom('notification_outbox')
            .select(['id', 'payload'])
            .where('kind', '=', 'key_network.outside_dm')
            .execute()
        ).map((row) => JSON.parse(row.payload) as { network: string; keyId: string; ownerId: string });
      const audited = async () =>
        (await h.services.audit.search({ keyId: watched.id, limit: 50 })).filter((r) => r.action === 'key.network_outside_reported');
      await outside('198.51.100.7');
      await outside('198.51.100.8');
      await outside('10.0.0.1');
      expect(await notices()).toEqual([expect.objectContaining({ network: '198.51.100.0/24', keyId: watched.id, ownerId: ALICE })]);
      expect(await audited()).toHaveLength(1);
      await outside('203.0.113.1');
      expect((await notices()).map((n) => n.network).sort()).toEqual(['198.51.100.0/24', '203.0.113.0/24']);
      // The next hour, the same network is reported again, once.
      h.clock.advance(3_600_000);
      await outside('198.51.100.9');
      await outside('198.51.100.10');
      expect(await notices()).toHaveLength(3);
      expect(await audited()).toHaveLength(3);
    });
  });
});
