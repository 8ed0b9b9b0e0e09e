import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { startTestApp, type TestApp } from '../support/app.js';

describe.each(dialects)('the integration API inside the real app on %s', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  const url = (path: string) => `http://127.0.0.1:${t?.app.port ?? 0}${path}`;

  it.each([false, true])(
    'shares the one port with Slack (socket mode: %s): login, verify, metrics, and last use written at stop',
    async (socketMode) => {
      t = await startTestApp({ dialect, socketMode });
      const services = t.app.services;
      await services.access.grant('UADMIN', 'UALICE');
      const created = await services.keys.create('UALICE', { name: 'ci', expiry: { kind: 'never' } });
      if (!created.created) throw new Error('no key');

      const json = { 'content-type': 'application/json' };
      const login = await fetch(url('/login'), {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ username: created.key.id, password: created.secret }),
      });
      expect(login.status).toBe(200);
      const verify = await fetch(url('/v1/keys/verify'), { method: 'POST', headers: json, body: JSON.stringify({ key: created.secret }) });
      expect(await verify.json()).toMatchObject({ valid: true, keyId: created.key.id });
      // /metrics is not on the public port; it is on the metrics port (loopback).
      expect((await fetch(url('/metrics'))).status).toBe(404);
      const metrics = await (await fetch(`http://127.0.0.1:${t.app.metricsPort}/metrics`)).text();
      expect(metrics).toContain('akb_http_requests_total{route="/v1/keys/verify",outcome="valid"} 1');

      // Stop the app as SIGTERM does: its last flush must write the use it still held in memory.
      await t.app.stop();
      // The app's own connection is closed now; read through the test database's.
      const key = await t.db.store.read.keys.findById(created.key.id);
      expect(key?.lastUsedAt).toBe(t.clock.now().toISOString());
      const firstUse = (await t.db.store.read.audit.search({ keyId: created.key.id, limit: 10 })).filter(
        (r) => r.action === 'key.first_used',
      );
      expect(firstUse).toHaveLength(1);
      const { slack, db } = t;
      t = undefined;
      await slack.stop();
      await db.cleanup();
    },
  );
});
