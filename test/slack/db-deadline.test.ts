import { afterEach, describe, expect, it } from 'vitest';
import { BLOCK, INPUT } from '../../src/slack/ids.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { dialects, postgresAdminUrl, type DialectName } from '../support/db.js';
import { awaitLockWaiters, holdAuditChainLock } from '../support/db-faults.js';
import { holdSqliteWriteLock } from '../support/sqlite-lock-holder.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const [ALICE, BOB, CAROL] = ['UALICE', 'UBOB', 'UCAROL'];
const FRIENDLY = /try again in a moment/;
/** Slack's limit for an acknowledgement; a modal submission's errors must arrive inside it. */

interface Running {
  t: TestApp;
  proxy: TcpProxy | undefined;
}

/** Starts a fault and returns how to end it. */
type Fault = (running: Running) => Promise<() => Promise<void>>;

const lockedByAnotherProcess: Fault = async ({ t }) => {
  if (t.db.config.kind !== 'sqlite') throw new Error('sqlite only');
  const holder = await holdSqliteWriteLock(t.db.config.path);
  return () => holder.release();
};

/** Every connection of the app's pool (10) waits behind a foreign lock, and two more requests queue. */
const poolExhausted: Fault = async ({ t }) => {
  const lock = await holdAuditChainLock(t.db);
  const blockers = Array.from({ length: 12 }, () => t.app.store.write((tx) => tx.audit.countPending()).catch(() => undefined));
  await awaitLockWaiters(t.db, 10);
  return async () => {
    await lock.release();
    await Promise.all(blockers);
  };
};

const databaseRefuses: Fault = async ({ proxy }) => {
  if (proxy === undefined) throw new Error('needs the proxy');
  proxy.resetAll();
  await proxy.refuse();
  return () => proxy.forward();
};

/** Accepts connections and never answers, like a host gone from the network (the slow way down). */
const databaseSilent: Fault = async ({ proxy }) => {
  if (proxy === undefined) throw new Error('needs the proxy');
  await proxy.blackhole();
  return () => proxy.forward();
};

const scenarios: Array<{ dialect: DialectName; fault: string; start: Fault }> = [
  { dialect: 'sqlite' as const, fault: 'the write lock held by another process', start: lockedByAnotherProcess },
  { dialect: 'postgres' as const, fault: 'every pooled connection taken', start: poolExhausted },
  { dialect: 'postgres' as const, fault: 'the database refusing connections', start: databaseRefuses },
  { dialect: 'postgres' as const, fault: 'the database accepting connections and never answering', start: databaseSilent },
].filter((s) => dialects.includes(s.dialect));

function text(body: unknown): string {
  return JSON.stringify(body ?? '');
}

describe.each(scenarios)('Slack writes on $dialect with $fault', ({ dialect, start }) => {
  let running: Running | undefined;
  afterEach(async () => {
    await running?.proxy?.forward();
    await running?.t.stop();
    await running?.proxy?.stop();
    running = undefined;
  });

  it('create, extend and deactivate are answered inside Slack\'s 3 seconds with "try again in a moment" where the user is, and work once it is over', async () => {
    let proxy: TcpProxy | undefined;
    if (dialect === 'postgres') {
      const admin = new URL(postgresAdminUrl);
      proxy = await TcpProxy.start({ host: admin.hostname, port: Number(admin.port || 5432) });
    }
    const t = await startTestApp({ dialect, databaseUrl: (url) => proxy?.rewrite(url) ?? url });
    running = { t, proxy };
    const { services } = t.app;
    for (const user of [ALICE, BOB, CAROL]) await services.access.grant(ADMIN, user);
    await services.keys.create(BOB, { name: 'renew', expiry: { kind: 'never' } });
    await services.keys.create(CAROL, { name: 'ci', expiry: { kind: 'never' } });
    // The modals open while the database is fine; the submissions meet the fault.
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'create fresh' });
    const createView = await t.slack.waitFor(() => t.slack.openViewFor(ALICE), { message: 'create modal' });
    await t.slack.sendSlashCommand({ userId: BOB, text: 'extend renew' });
    const extendView = await t.slack.waitFor(() => t.slack.openViewFor(BOB), { message: 'extend modal' });
    const later = Math.floor(Date.now() / 1000) + 7 * 86_400;

    const stop = await start(running);
    const [create, extend, deactivate] = await Promise.all([
      t.slack.sendViewSubmission({ userId: ALICE, viewId: createView.id, inputs: { [INPUT.name]: 'fresh' } }),
      t.slack.sendViewSubmission({ userId: BOB, viewId: extendView.id, inputs: { [INPUT.extendChoice]: 'at', [INPUT.expiryAt]: later } }),
      t.slack.sendSlashCommand({ userId: CAROL, text: 'deactivate ci' }),
    ]);
    await stop();

    for (const ack of [create, extend, deactivate]) {
      expect(ack.status).toBe(200);
    }
    // Inline in the still-open modals, and in the command's reply.
    expect(create.body).toMatchObject({ response_action: 'errors', errors: { [BLOCK.name]: expect.stringMatching(FRIENDLY) } });
    expect(t.slack.openViewFor(ALICE)?.id).toBe(createView.id);
    expect(extend.body).toMatchObject({ response_action: 'errors', errors: { [BLOCK.extendChoice]: expect.stringMatching(FRIENDLY) } });
    expect(t.slack.openViewFor(BOB)?.id).toBe(extendView.id);
    expect(text(deactivate.body)).toMatch(FRIENDLY);
    expect(t.slack.lateAcks).toEqual([]);
    // Nothing was changed, and the same forms work now.
    expect((await services.keys.list(ALICE)).keys).toEqual([]);
    expect((await services.keys.list(CAROL)).keys[0]?.key.status).toBe('active');
    const retried = await t.slack.sendViewSubmission({ userId: ALICE, viewId: createView.id, inputs: { [INPUT.name]: 'fresh' } });
    expect(retried.body).toBeUndefined();
    expect((await services.keys.list(ALICE)).keys.map((k) => k.key.name)).toEqual(['fresh']);
    expect(text((await t.slack.sendSlashCommand({ userId: CAROL, text: 'deactivate ci' })).body)).toContain('is now inactive');
  });
});
