import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { postgresAdminUrl } from '../support/db.js';
import { awaitLockWaiters, health, holdAuditChainLock, watchForCrashes } from '../support/db-faults.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/wait.js';

const ALICE = 'UALICE';
const FRIENDLY = /try again in a moment/;

/** The real app, background workers included, reaching PostgreSQL only through a proxy the test can break. */
async function appBehindProxy(): Promise<{ t: TestApp; proxy: TcpProxy; secret: string }> {
  const admin = new URL(postgresAdminUrl);
  const proxy = await TcpProxy.start({ host: admin.hostname, port: Number(admin.port || 5432) });
  const t = await startTestApp({ dialect: 'postgres', background: true, databaseUrl: (url) => proxy.rewrite(url) });
  await t.app.services.access.grant(ADMIN, ALICE);
  const created = await t.app.services.keys.create(ALICE, { name: 'ci', expiry: { kind: 'never' } });
  if (!created.created) throw new Error('setup');
  return { t, proxy, secret: created.secret };
}

/** POST /v1/keys/verify: the integration API's answer while the database is away. */
async function verify(t: TestApp, secret: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${t.app.port}/v1/keys/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: secret }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.text() };
}

async function command(t: TestApp, text: string): Promise<{ text: string }> {
  const ack = await t.slack.sendSlashCommand({ userId: ALICE, text });
  return { text: JSON.stringify(ack.body ?? '') };
}

describe('a lost PostgreSQL connection', () => {
  let t: TestApp | undefined;
  let proxy: TcpProxy | undefined;
  const crashes = watchForCrashes();
  afterAll(() => crashes.stop());
  afterEach(async () => {
    await proxy?.forward();
    await t?.stop();
    await proxy?.stop();
    t = undefined;
    proxy = undefined;
  });

  it('reset under requests that hold connections leaves the app up: 503 and friendly errors while the database refuses, then it recovers by itself', async () => {
    let secret: string;
    ({ t, proxy, secret } = await appBehindProxy());
    const crashesBefore = crashes.errors.length;
    // Writes queue behind a foreign lock, so the app's pool has connections checked out mid-query.
    const lock = await holdAuditChainLock(t.db);
    const pending = [command(t, 'deactivate ci'), command(t, 'deactivate ci'), command(t, 'deactivate ci')];
    await awaitLockWaiters(t.db, 3);

    proxy.resetAll();
    await proxy.refuse();
    const answers = await Promise.all(pending);
    for (const answer of answers) {
      expect(answer.text).toMatch(FRIENDLY);
    }
    const down = await health(t.app.port);
    expect(down.status).toBe(503);
    const list = await command(t, 'list');
    expect(list.text).toMatch(FRIENDLY);
    const refused = await verify(t, secret);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatch(FRIENDLY);
    await lock.release();

    await proxy.forward();
    await until(async () => (await health(t?.app.port ?? 0)).status === 200, '/healthz to recover');
    expect((await command(t, 'deactivate ci')).text).toContain('is now inactive');
    expect(crashes.errors.slice(crashesBefore)).toEqual([]);
    expect(t.slack.lateAcks).toEqual([]);
  });

  it('a database that accepts connections and never answers fails requests within the budget, /healthz says 503 within about a second, and it recovers', async () => {
    ({ t, proxy } = await appBehindProxy());
    const crashesBefore = crashes.errors.length;
    // Pooled connections exist, so the silence hits them as well as new ones.
    expect((await command(t, 'list')).text).toContain('ci');
    await proxy.blackhole();

    const down = await health(t.app.port);
    expect(down.status).toBe(503);
    const deactivate = await command(t, 'deactivate ci');
    expect(deactivate.text).toMatch(FRIENDLY);

    await proxy.forward();
    await until(async () => (await health(t?.app.port ?? 0)).status === 200, '/healthz to recover');
    expect((await command(t, 'deactivate ci')).text).toContain('is now inactive');
    expect(crashes.errors.slice(crashesBefore)).toEqual([]);
  });
});
