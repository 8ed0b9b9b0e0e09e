import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyId } from '../../src/domain/secrets.js';
import { dialects } from '../support/db.js';
import { dumpAllRows } from '../support/dump.js';
import { DAY_MS } from '../support/domain.js';
import { ADMIN, ALICE, BOB, rawRequest, startApi, type ApiHarness } from './harness.js';
import { adminKeyInSystemAdmin, call, loginAs, redlockCode, type KeyReply } from './prisma-cloud-support.js';

interface WireKey {
  id: string;
  name: string;
  createdBy: string;
  createdTs: number;
  lastUsedTime: number;
  expiresOn: number;
  status: string;
  username: string;
  role: { id: string; name: string };
  roleType: string;
}

const keysOf = (reply: KeyReply): WireKey[] => reply.body as WireKey[];
const createdOf = (reply: KeyReply): { id: string; secretKey: string } => reply.body as { id: string; secretKey: string };

describe.each(dialects)('Prisma-compatible key API on %s', (dialect) => {
  let h: ApiHarness;
  beforeEach(async () => {
    h = await startApi(dialect);
  });
  afterEach(async () => h.close());

  const as = (token: string) => ({
    get: (path: string) => call(h.base, 'GET', path, { token }),
    post: (body: unknown) => call(h.base, 'POST', '/access_keys', { token, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    del: (id: string) => call(h.base, 'DELETE', `/access_keys/${id}`, { token }),
    status: (id: string, active: string) => call(h.base, 'PATCH', `/access_keys/${id}/status/${active}`, { token }),
  });
  const aliceToken = async () => loginAs(h.base, await h.createKey('ci'));
  const audit = async (action: string) => (await h.services.audit.search({ limit: 100 })).filter((r) => r.action === action);
  /** The key API's owner DMs waiting in the notification outbox, in the order they go out. */
  const pendingNotices = async () =>
    (await h.db.store.notifications.claim({ now: new Date(h.clock.now().getTime() + DAY_MS), leaseMs: 1000, maxItems: 100 })).flatMap(
      (item) => (item.notification?.kind === 'key_api.owner_dm' ? [item.notification] : []),
    );

  describe('POST /access_keys', () => {
    it("creates a key in the calling key's role for its owner, shows the secret once, stores only its hash, and the new key logs in", async () => {
      const api = as(await aliceToken());
      const reply = await api.post({ name: 'rotated', expiresOn: 0 });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('cache-control')).toBe('no-store');
      const created = createdOf(reply);
      expect(created.id).toMatch(/^ak_/);
      expect(created.secretKey).toMatch(/^aks_[0-9A-Za-z]{46}$/);
      const stored = await h.store.read.keys.findById(created.id);
      expect(stored).toMatchObject({ ownerId: ALICE, expiresAt: null, status: 'active' });
      expect(JSON.stringify(stored)).not.toContain(created.secretKey);
      await loginAs(h.base, { id: created.id, secret: created.secretKey });
      const listed = keysOf(await api.get(`/access_keys`)).find((k) => k.id === created.id);
      expect(JSON.stringify(listed)).not.toContain(created.secretKey);
      const dump = await dumpAllRows(h.db);
      expect(dump.tables).toContain('notification_outbox');
      expect(dump.text).toContain(created.id);
      expect(dump.text).not.toContain(created.secretKey);
      expect(h.logs.join('\n')).not.toContain(created.secretKey);
    });

    it('writes the same key.created audit record as Slack, made by the owner via the calling key and marked as delivered by the response', async () => {
      const caller = await h.createKey('ci');
      const reply = await as(await loginAs(h.base, caller)).post({ name: 'next' });
      const [record] = (await audit('key.created')).filter((r) => r.keyId === createdOf(reply).id);
      expect(record).toMatchObject({
        actorId: ALICE,
        ownerId: ALICE,
        roleName: 'Account Group Read Only',
        details: { via: caller.id, delivery: 'api_response', slotsUsed: 2, maxKeys: 2 },
      });
      expect(await h.services.audit.verifyChain()).toMatchObject({ ok: true });
    });

    it('takes expiresOn in epoch milliseconds and lists it back the same; 0 or absent means never', async () => {
      const api = as(await aliceToken());
      const at = h.clock.now().getTime() + 10 * DAY_MS;
      const dated = createdOf(await api.post({ name: 'dated', expiresOn: at }));
      const shown = (await api.get(`/access_keys/${dated.id}`)).body as WireKey;
      expect(shown).toMatchObject({
        id: dated.id,
        name: 'dated',
        expiresOn: at,
        status: 'active',
        lastUsedTime: 0,
        createdTs: h.clock.now().getTime(),
        username: ALICE,
        createdBy: ALICE,
        role: { name: 'Account Group Read Only' },
        roleType: 'Account Group Read Only',
      });
      await h.services.keys.delete(ALICE, { reference: dated.id });
      const never = createdOf(await api.post({ name: 'forever' }));
      expect(((await api.get(`/access_keys/${never.id}`)).body as WireKey).expiresOn).toBe(0);
    });

    it('refuses a past or present expiresOn with invalid_expiry_access_key and creates nothing', async () => {
      const api = as(await aliceToken());
      for (const expiresOn of [h.clock.now().getTime() - 1, h.clock.now().getTime(), -5, 1.5, '2030-01-01']) {
        const reply = await api.post({ name: 'late', expiresOn });
        expect(reply.status, String(expiresOn)).toBe(400);
        expect(redlockCode(reply)).toBe('invalid_expiry_access_key');
      }
      expect(keysOf(await api.get('/access_keys')).map((k) => k.name)).toEqual(['ci']);
    });

    it("refuses the role's third key with already_have_two_access_keys in the body and in X-Redlock-Status", async () => {
      const api = as(await aliceToken());
      expect((await api.post({ name: 'second' })).status).toBe(200);
      const third = await api.post({ name: 'third' });
      expect(third.status).toBe(400);
      expect(JSON.parse(third.headers.get('x-redlock-status') ?? '[]')).toEqual([
        { i18nKey: 'already_have_two_access_keys', severity: 'error', subject: null },
      ]);
      expect(third.body).toMatchObject({ error: 'already_have_two_access_keys', message: expect.stringContaining('2 of 2') });
    });

    it('lets exactly as many of 20 concurrent creates through as the role has free slots', async () => {
      const api = as(await aliceToken());
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => api.post({ name: `race-${i}` })));
      const created = replies.filter((r) => r.status === 200);
      expect(created).toHaveLength(1);
      for (const refused of replies.filter((r) => r.status !== 200)) expect(redlockCode(refused)).toBe('already_have_two_access_keys');
      expect(await h.store.read.keys.countAll({ ownerId: ALICE })).toBe(2);
    });

    it("answers name problems with Prisma's codes: wrong type, too long, empty, invisible characters, duplicate", async () => {
      const api = as(await aliceToken());
      const cases: Array<[unknown, number, string]> = [
        [{ name: 42 }, 400, 'invalid_access_key_name'],
        [{ name: 'x'.repeat(65) }, 400, 'invalid_access_key_name_length'],
        [{ name: '   ' }, 400, 'invalid_access_key_name_length'],
        [{ name: 'tab\there' }, 400, 'invalid_access_key_name'],
        [{ name: 'CI' }, 409, 'duplicate_access_key_name'],
        [{}, 400, 'invalid_access_key_name'],
      ];
      for (const [body, status, code] of cases) {
        const reply = await api.post(body);
        expect(reply.status, JSON.stringify(body)).toBe(status);
        expect(redlockCode(reply), JSON.stringify(body)).toBe(code);
      }
      expect(await h.store.read.keys.countAll({ ownerId: ALICE })).toBe(1);
    });

    it('refuses unknown fields, non-objects and non-JSON with 400 and a code, and serviceAccountName on its own terms', async () => {
      const api = as(await aliceToken());
      const unknown = await api.post({ name: 'x', scopes: ['all'] });
      expect([unknown.status, redlockCode(unknown)]).toEqual([400, 'invalid_request_body']);
      expect(unknown.body).toMatchObject({ message: expect.stringContaining('scopes') });
      for (const raw of ['[]', '"name"', 'null', '{"name":', '']) {
        const reply = await api.post(raw);
        expect([reply.status, redlockCode(reply)], raw).toEqual([400, 'invalid_request_body']);
      }
      const service = await api.post({ name: 'svc', serviceAccountName: 'deployer' });
      expect([service.status, redlockCode(service)]).toEqual([400, 'service_accounts_not_supported']);
      expect(service.body).toMatchObject({ message: expect.stringContaining('Service accounts') });
      expect(await h.store.read.keys.countAll({ ownerId: ALICE })).toBe(1);
    });

    it("creates in the calling key's role even after its owner switched the active role in Slack", async () => {
      await h.services.roles.assign(ADMIN, { userId: ALICE, roleName: 'Build and Deploy Security' });
      const token = await aliceToken();
      await h.services.users.switchRole(ALICE, 'Build and Deploy Security');
      const created = createdOf(await as(token).post({ name: 'same-role' }));
      expect(((await as(token).get(`/access_keys/${created.id}`)).body as WireKey).role.name).toBe('Account Group Read Only');
    });
  });

  describe('GET /access_keys and GET /access_keys/{id}', () => {
    it("lists only the owner's keys in the calling key's role, with Prisma's field types", async () => {
      await h.services.roles.assign(ADMIN, { userId: ALICE, roleName: 'Account Group Admin' });
      await h.services.users.switchRole(ALICE, 'Account Group Admin');
      const otherRole = await h.createKey('other-role');
      await h.services.users.switchRole(ALICE, 'Account Group Read Only');
      const token = await aliceToken();
      await h.createKey('bobs', { owner: BOB });
      const keys = keysOf(await as(token).get('/access_keys'));
      expect(keys.map((k) => k.name)).toEqual(['ci']);
      const [key] = keys;
      for (const field of ['createdTs', 'lastUsedTime', 'expiresOn'] as const) expect(Number.isInteger(key?.[field]), field).toBe(true);
      expect(key?.status).toBe('active');
      // The same owner's key in another role does not exist through this key.
      const hidden = await as(token).get(`/access_keys/${otherRole.id}`);
      expect([hidden.status, redlockCode(hidden)]).toEqual([500, 'non_existing_access_key']);
    });

    it('shows status as Prisma does: active, inactive (also when revoked) and expired', async () => {
      const token = await aliceToken();
      const statuses = async () => Object.fromEntries(keysOf(await as(token).get('/access_keys')).map((k) => [k.name, k.status]));
      const off = await h.createKey('off');
      await h.services.keys.deactivate(ALICE, off.id);
      expect(await statuses()).toEqual({ ci: 'active', off: 'inactive' });
      await h.services.keys.delete(ALICE, { reference: off.id });
      const revoked = await h.createKey('revoked');
      await h.services.keys.deactivate(ADMIN, revoked.id);
      expect(await statuses()).toEqual({ ci: 'active', revoked: 'inactive' });
      await h.services.keys.delete(ALICE, { reference: revoked.id });
      await h.createKey('soon', { expiresAt: new Date(h.clock.now().getTime() + 1000) });
      h.clock.advance(1000);
      expect(await statuses()).toEqual({ ci: 'active', soon: 'expired' });
    });

    it("a member's key cannot see an admin's key: the same non_existing_access_key as for a key that never existed", async () => {
      const adminKey = await h.createKey('admin-key', { owner: ADMIN });
      const api = as(await aliceToken());
      const foreign = await api.get(`/access_keys/${adminKey.id}`);
      const missing = await api.get(`/access_keys/${generateKeyId()}`);
      expect([foreign.status, redlockCode(foreign)]).toEqual([500, 'non_existing_access_key']);
      const strip = (reply: KeyReply) => ({ ...(reply.body as Record<string, unknown>), requestId: undefined });
      expect(strip(foreign)).toEqual(strip(missing));
      expect(keysOf(await api.get('/access_keys')).map((k) => k.id)).not.toContain(adminKey.id);
      for (const reply of [await api.del(adminKey.id), await api.status(adminKey.id, 'false')])
        expect(redlockCode(reply)).toBe('non_existing_access_key');
      expect(await h.store.read.keys.findById(adminKey.id)).toMatchObject({ status: 'active' });
    });

    it("a System Admin's key sees every key; the same admin's key in another role does not", async () => {
      await h.createKey('alices');
      await h.createKey('bobs', { owner: BOB });
      const plain = await loginAs(h.base, await h.createKey('admin-plain', { owner: ADMIN }));
      const admin = await loginAs(h.base, await adminKeyInSystemAdmin(h));
      expect(
        keysOf(await as(admin).get('/access_keys'))
          .map((k) => k.name)
          .sort(),
      ).toEqual(['admin-automation', 'admin-plain', 'alices', 'bobs']);
      expect(keysOf(await as(plain).get('/access_keys')).map((k) => k.name)).toEqual(['admin-plain']);
    });

    it('refuses ids that are not key ids with 400 invalid_access_key_id', async () => {
      const api = as(await aliceToken());
      for (const id of ['nope', 'ak_short', '..%2F..%2Fetc', `ak_${'a'.repeat(65)}`]) {
        const reply = await api.get(`/access_keys/${id}`);
        expect([reply.status, redlockCode(reply)], id).toEqual([400, 'invalid_access_key_id']);
      }
    });
  });

  describe('PATCH /access_keys/{id}/status/{true|false}', () => {
    it('makes a key inactive and active again with an empty 200, each audited via the calling key', async () => {
      const caller = await h.createKey('ci');
      const api = as(await loginAs(h.base, caller));
      const other = await h.createKey('other');
      const off = await api.status(other.id, 'false');
      expect([off.status, off.text]).toEqual([200, '']);
      expect((await h.store.read.keys.findById(other.id))?.status).toBe('inactive');
      expect((await api.status(other.id, 'true')).status).toBe(200);
      expect((await h.store.read.keys.findById(other.id))?.status).toBe('active');
      expect((await audit('key.deactivated'))[0]).toMatchObject({ actorId: ALICE, keyId: other.id, details: { via: caller.id } });
      expect((await audit('key.activated'))[0]).toMatchObject({ actorId: ALICE, keyId: other.id, details: { via: caller.id } });
    });

    it('refuses to activate an expired key with expired_access_key', async () => {
      const api = as(await aliceToken());
      const soon = await h.createKey('soon', { expiresAt: new Date(h.clock.now().getTime() + 1000) });
      h.clock.advance(1000);
      const reply = await api.status(soon.id, 'true');
      expect([reply.status, redlockCode(reply)]).toEqual([500, 'expired_access_key']);
    });

    it('refuses a status that is not true or false, and changes nothing', async () => {
      const caller = await h.createKey('ci');
      const api = as(await loginAs(h.base, caller));
      for (const value of ['yes', '1', 'TRUE', '']) {
        const reply = await api.status(caller.id, value);
        expect([reply.status, redlockCode(reply)], value).toEqual([400, 'empty_access_key_status_provided']);
      }
      expect((await h.store.read.keys.findById(caller.id))?.status).toBe('active');
    });

    it("an inactive key's token stops working at once", async () => {
      const caller = await h.createKey('ci');
      const api = as(await loginAs(h.base, caller));
      expect((await api.status(caller.id, 'false')).status).toBe(200);
      const after = await api.get('/access_keys');
      expect(after.status).toBe(401);
      expect(after.body).toMatchObject({ error: 'invalid_token' });
    });

    it("a System Admin's key deactivating another owner's key is a revocation the owner cannot undo", async () => {
      const alices = await h.createKey('alices');
      const adminKey = await adminKeyInSystemAdmin(h);
      expect((await as(await loginAs(h.base, adminKey)).status(alices.id, 'false')).status).toBe(200);
      expect((await audit('key.revoked'))[0]).toMatchObject({ actorId: ADMIN, ownerId: ALICE, details: { via: adminKey.id } });
      const own = as(await aliceToken());
      const undo = await own.status(alices.id, 'true');
      expect([undo.status, redlockCode(undo)]).toEqual([403, 'unauthorized_to_use_access_keys']);
    });

    it("with step-up on, no key, not even a System Admin's, makes a compromised or leaked key active again", async () => {
      // Undoing a compromise then needs a code (SPEC §17), which a key API caller cannot give. Without
      // step-up an admin's key may (test/reliability/compromised-surfaces.test.ts).
      await h.close();
      h = await startApi(dialect, {}, { mfa: { key: randomBytes(32), stepUp: true, issuer: 'Access Key Bot' } });
      const alices = await h.createKey('alices');
      await h.services.keys.reportCompromised(ALICE, alices.id);
      const adminApi = as(await loginAs(h.base, await adminKeyInSystemAdmin(h)));
      const refused = await adminApi.status(alices.id, 'true');
      expect([refused.status, redlockCode(refused)]).toEqual([403, 'unauthorized_to_use_access_keys']);
      expect(refused.body).toMatchObject({ message: expect.stringContaining('only an admin in Slack, with a code') });
      expect((await h.store.read.keys.findById(alices.id))?.status).toBe('compromised');
      expect(await audit('key.activated')).toEqual([]);
    });
  });

  describe('DELETE /access_keys/{id}', () => {
    it('deletes with an empty 200, audited via the calling key; a second delete is non_existing_access_key', async () => {
      const caller = await h.createKey('ci');
      const api = as(await loginAs(h.base, caller));
      const old = await h.createKey('old');
      const reply = await api.del(old.id);
      expect([reply.status, reply.text]).toEqual([200, '']);
      expect(await h.store.read.keys.findById(old.id)).toBeUndefined();
      expect((await audit('key.deleted'))[0]).toMatchObject({ actorId: ALICE, keyId: old.id, details: { via: caller.id } });
      expect(redlockCode(await api.del(old.id))).toBe('non_existing_access_key');
    });
  });

  describe('owner DMs', () => {
    it('queues a notice with each create, delete and deactivation through the API, and none for an activation', async () => {
      const caller = await h.createKey('ci');
      const api = as(await loginAs(h.base, caller));
      const created = createdOf(await api.post({ name: 'made' }));
      await api.status(created.id, 'false');
      await api.status(created.id, 'true');
      await api.del(created.id);
      const notices = await pendingNotices();
      expect(notices.map((n) => [n.change, n.keyId, n.ownerId, n.viaKeyId])).toEqual([
        ['key_created', created.id, ALICE, caller.id],
        ['key_deactivated', created.id, ALICE, caller.id],
        ['key_deleted', created.id, ALICE, caller.id],
      ]);
    });

    it('queues nothing when the change is refused', async () => {
      const api = as(await aliceToken());
      await api.post({ name: 'ci' });
      await api.del(generateKeyId());
      expect(await pendingNotices()).toEqual([]);
    });
  });

  describe('GET /user/me', () => {
    it("names the key's owner, their roles and the role the key acts in", async () => {
      const reply = await as(await aliceToken()).get('/user/me');
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        username: ALICE,
        slackUserId: ALICE,
        accessKeysAllowed: true,
        activeRole: { name: 'Account Group Read Only' },
        roles: [{ name: 'Account Group Read Only' }],
      });
    });
  });

  describe('authentication and transport', () => {
    it('answers 401 for a missing, malformed, foreign-signed or expired token on every route', async () => {
      const key = await h.createKey('ci');
      const token = await loginAs(h.base, key);
      const foreign = await new SignJWT({ owner: ALICE })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(key.id)
        .setIssuer('access-key-bot')
        .setAudience('access-key-bot:integration-api')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode('another-secret-of-at-least-32-characters'));
      const routes: Array<[string, string]> = [
        ['GET', '/access_keys'],
        ['POST', '/access_keys'],
        ['GET', `/access_keys/${key.id}`],
        ['DELETE', `/access_keys/${key.id}`],
        ['PATCH', `/access_keys/${key.id}/status/false`],
        ['GET', '/user/me'],
      ];
      let client = 0;
      for (const bad of [undefined, 'garbage', foreign]) {
        for (const [method, path] of routes) {
          const reply = await call(h.base, method, path, {
            ...(bad === undefined ? {} : { token: bad }),
            body: method === 'POST' ? '{"name":"x"}' : undefined,
            client: `198.51.100.${client++}`,
          });
          expect(reply.status, `${method} ${path}`).toBe(401);
        }
      }
      h.clock.advance(10 * 60 * 1000);
      expect((await as(token).get('/access_keys')).status).toBe(401);
      expect(await h.store.read.keys.findById(key.id)).toMatchObject({ status: 'active' });
    });

    it('throttles a client sending bad tokens: 429 with Retry-After, other clients unaffected', async () => {
      const token = await aliceToken();
      for (let i = 0; i < 10; i++)
        expect((await call(h.base, 'GET', '/access_keys', { token: 'bad', client: '203.0.113.9' })).status).toBe(401);
      const throttled = await call(h.base, 'GET', '/access_keys', { token, client: '203.0.113.9' });
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await call(h.base, 'GET', '/access_keys', { token, client: '203.0.113.10' })).status).toBe(200);
    });

    it('bodiless calls work with a JSON content type and an empty body, null or {}; any other body is refused', async () => {
      const caller = await h.createKey('ci');
      const token = await loginAs(h.base, caller);
      expect((await call(h.base, 'GET', '/access_keys', { token })).status).toBe(200);
      // fetch sends no body with GET; Python's requests does (`data=json.dumps(None)` is "null").
      for (const body of ['', 'null', '{}']) {
        const raw = await rawRequest(h.base, {
          path: '/access_keys',
          method: 'GET',
          headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'x-redlock-auth': token },
          chunks: [body],
        });
        expect(raw.status, body).toBe(200);
      }
      expect((await call(h.base, 'PATCH', `/access_keys/${caller.id}/status/true`, { token, body: '' })).status).toBe(200);
      const other = await h.createKey('other');
      const refused = await call(h.base, 'DELETE', `/access_keys/${other.id}`, { token, body: '{"force":true}' });
      expect([refused.status, redlockCode(refused)]).toEqual([400, 'invalid_request_body']);
      expect(await h.store.read.keys.findById(other.id)).toBeDefined();
      expect((await call(h.base, 'DELETE', `/access_keys/${other.id}`, { token, body: 'null' })).status).toBe(200);
    });

    it('answers 405 for a known path with another method, and counts the routes by template in metrics', async () => {
      const token = await aliceToken();
      expect((await call(h.base, 'PUT', `/access_keys/${generateKeyId()}`, { token })).status).toBe(405);
      await as(token).get(`/access_keys/${generateKeyId()}`);
      const metrics = (await h.metrics()).text;
      expect(metrics).toContain('route="/access_keys/{id}",outcome="non_existing_access_key"');
      expect(metrics).not.toMatch(/route="\/access_keys\/ak_/);
    });
  });
});
