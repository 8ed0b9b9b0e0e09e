import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { postgresAdminUrl } from '../support/db.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { call, loginAs } from '../http/prisma-cloud-support.js';

const ALICE = 'UALICE';
/** Every audited change inserts its record; the cut waits for the COMMIT of such a transaction. */
const AUDITED = 'insert into "audit_log"';

/**
 * The running app reaching PostgreSQL through a proxy that cuts the connection at an audited write's
 * COMMIT (a failover right as the server commits): what the key API and Slack say about it.
 */
describe('a lost COMMIT answer, as the key API and Slack tell it (PostgreSQL)', () => {
  let t: TestApp | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.forward();
    await t?.stop();
    await proxy?.stop();
    t = undefined;
    proxy = undefined;
  });

  async function appBehindProxy(): Promise<{ app: TestApp; cutter: TcpProxy; base: string; token: string; firstId: string }> {
    const admin = new URL(postgresAdminUrl);
    const cutter = await TcpProxy.start({ host: admin.hostname, port: Number(admin.port || 5432) });
    proxy = cutter;
    const app = await startTestApp({ dialect: 'postgres', databaseUrl: (url) => cutter.rewrite(url) });
    t = app;
    await app.app.services.access.grant(ADMIN, ALICE);
    const first = await app.app.services.keys.create(ALICE, { name: 'ci', expiry: { kind: 'never' } });
    if (!first.created) throw new Error('setup');
    const base = `http://127.0.0.1:${app.app.port}`;
    const token = await loginAs(base, { id: first.key.id, secret: first.secret });
    return { app, cutter, base, token, firstId: first.key.id };
  }

  it('POST /access_keys answers the key it committed, with a secret that logs in; DELETE answers success for the key it deleted', async () => {
    const { app, cutter, base, token } = await appBehindProxy();
    const cut = cutter.cutAtNextCommit({ commitReaches: true, afterStatement: AUDITED });
    const reply = await call(base, 'POST', '/access_keys', { token, body: JSON.stringify({ name: 'ci-next' }) });
    await cut;
    expect(reply.status).toBe(200);
    const created = reply.body as { id: string; secretKey: string };
    expect((await app.app.services.keys.list(ALICE)).keys.map((k) => k.key.id)).toContain(created.id);
    expect((await app.app.services.keys.list(ALICE)).keys).toHaveLength(2);
    await loginAs(base, { id: created.id, secret: created.secretKey });

    const deleteCut = cutter.cutAtNextCommit({ commitReaches: true, afterStatement: AUDITED });
    const deleted = await call(base, 'DELETE', `/access_keys/${created.id}`, { token });
    await deleteCut;
    expect(deleted.status).toBe(200);
    expect((await app.app.services.keys.list(ALICE)).keys.map((k) => k.key.id)).not.toContain(created.id);
  });

  it('when no connection can tell, the key API and Slack say they could not confirm it, never "nothing was changed"', async () => {
    const { app, cutter, base, token, firstId } = await appBehindProxy();
    const cut = cutter.cutAtNextCommit({ commitReaches: true, thenRefuse: true, afterStatement: AUDITED });
    const reply = await call(base, 'PATCH', `/access_keys/${firstId}/status/false`, { token });
    await cut;
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBeNull();
    expect(reply.body).toMatchObject({ error: 'outcome_unknown' });
    expect(reply.text).toMatch(/couldn't confirm whether that change was saved.*GET \/access_keys/);
    await cutter.forward();
    // It did commit.
    expect((await app.app.services.keys.list(ALICE)).keys[0]?.key.status).toBe('inactive');

    const slackCut = cutter.cutAtNextCommit({ commitReaches: true, thenRefuse: true, afterStatement: AUDITED });
    const ack = await app.slack.sendSlashCommand({ userId: ALICE, text: 'activate ci' });
    await slackCut;
    const text = JSON.stringify(ack.body ?? '');
    expect(text).toMatch(/couldn't confirm whether that change was saved\. Check with \/accesskey list before trying again/);
    expect(text).not.toMatch(/nothing (was )?changed/);
  });

  it('Slack tells the change that happened, not "already handled; nothing changed"', async () => {
    const { app, cutter } = await appBehindProxy();
    const cut = cutter.cutAtNextCommit({ commitReaches: true, afterStatement: AUDITED });
    const ack = await app.slack.sendSlashCommand({ userId: ALICE, text: 'deactivate ci' });
    await cut;
    const text = JSON.stringify(ack.body ?? '');
    expect(text).toContain('is now inactive');
    expect(text).not.toContain('nothing changed');
  });
});
