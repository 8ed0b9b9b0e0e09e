import { afterEach, describe, expect, it } from 'vitest';
import type { ViaKey } from '../../src/domain/keys/via.js';
import type { Store } from '../../src/domain/ports.js';
import { createNotificationSender } from '../../src/scheduler/jobs/notification-sender.js';
import { startWorkerLoop, type WorkerLoop } from '../../src/scheduler/worker-loop.js';
import { createRecordingLogger, outboundFor } from '../support/background.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices, jobsOver } from '../support/domain.js';
import { SlackEmulator } from '../support/slack-emulator/index.js';
import { until } from '../support/wait.js';

const ADMIN = 'UADMIN';
const OWNERS = ['UAAAA', 'UBBBB', 'UCCCC', 'UDDDD', 'UEEEE'];
const FAST = { spacingMs: 0, idlePollMs: 10, retryDelaysMs: [0], unavailableBackoffMs: [20], blockedRetryMs: 50 };

describe.each(dialects)('the notification sender on %s', (dialect) => {
  let db: TestDatabase | undefined;
  let slack: SlackEmulator | undefined;
  const loops: WorkerLoop[] = [];
  afterEach(async () => {
    for (const loop of loops.splice(0)) await loop.stop();
    await slack?.stop();
    await db?.cleanup();
    slack = undefined;
    db = undefined;
  });

  async function setUp(knownOwners: readonly string[]) {
    const test = await createTestDatabase(dialect);
    db = test;
    const emulator = await SlackEmulator.start();
    slack = emulator;
    for (const owner of knownOwners) emulator.addUser({ id: owner, name: owner.toLowerCase() });
    const { services } = await makeServices(test.store, { admins: [ADMIN] });
    const logger = createRecordingLogger();
    const start = (store: Store, name: string, maxAttempts = 5) => {
      const sender = createNotificationSender({
        ...jobsOver(store, () => new Date()),
        channel: outboundFor(emulator, logger).notifications,
        logger,
        tuning: { ...FAST, batchSize: 2, maxAttempts },
      });
      loops.push(startWorkerLoop({ name, logger, tick: (signal) => sender.tick(signal), errorDelayMs: 20 }));
    };
    const dmsFor = (owner: string) => {
      const channel = emulator.dmChannelOf(owner);
      return channel === undefined ? [] : emulator.messagesIn(channel);
    };
    return { test, emulator, services, logger, start, dmsFor };
  }

  /** Each owner creates a key "through the key API" (with a via key): one owner DM queued each. */
  async function createThroughApi(services: Awaited<ReturnType<typeof setUp>>['services']): Promise<string[]> {
    const created: string[] = [];
    for (const owner of OWNERS) {
      await services.access.grant(ADMIN, owner);
      const first = await services.keys.create(owner, { name: 'ci', expiry: { kind: 'never' } });
      if (!first.created) throw new Error('not created');
      const via: ViaKey = { keyId: first.key.id, roleId: first.key.roleId };
      const next = await services.keys.create(owner, { name: 'next', expiry: { kind: 'never' } }, { via });
      created.push(next.key.id);
    }
    return created;
  }

  it('two replicas draining the outbox DM each key API owner exactly once, naming the calling key', async () => {
    const { test, services, start, dmsFor } = await setUp(OWNERS);
    const created = await createThroughApi(services);
    start(test.store, 'replica 0');
    start((await test.openAnother()).store, 'replica 1');
    await until(
      async () => (await test.store.notifications.backlog()).pending === 0 && OWNERS.every((o) => dmsFor(o).length > 0),
      'every DM',
      20_000,
    );
    for (const [index, owner] of OWNERS.entries()) {
      const dms = dmsFor(owner);
      expect(dms, owner).toHaveLength(1);
      expect(JSON.stringify(dms[0]?.blocks)).toContain(created[index]);
      expect(JSON.stringify(dms[0]?.blocks)).toContain('by automation using key `ak_');
    }
  }, 40_000);

  it('a DM Slack keeps refusing is retried, then parked with one alert, while the others go through', async () => {
    // The first owner is unknown to Slack: conversations.open refuses with user_not_found every time.
    const { test, services, logger, start, dmsFor } = await setUp(OWNERS.slice(1));
    await createThroughApi(services);
    start(test.store, 'sender', 3);
    await until(
      async () => {
        const backlog = await test.store.notifications.backlog();
        return backlog.parked === 1 && backlog.pending === 0;
      },
      'the refused DM parked',
      20_000,
    );
    for (const owner of OWNERS.slice(1)) expect(dmsFor(owner), owner).toHaveLength(1);
    expect(logger.entries.filter((e) => e.alert === 'notification_parked')).toEqual([
      expect.objectContaining({ kind: 'key_api.owner_dm', attempts: 3 }),
    ]);
  }, 40_000);

  it("one owner's DMs about one key arrive in the order things happened through the key API: created, made inactive, deleted", async () => {
    const [owner = 'UAAAA'] = OWNERS;
    const { test, services, start, dmsFor } = await setUp([owner]);
    await services.access.grant(ADMIN, owner);
    const caller = await services.keys.create(owner, { name: 'ci', expiry: { kind: 'never' } });
    const via: ViaKey = { keyId: caller.key.id, roleId: caller.key.roleId };
    const made = await services.keys.create(owner, { name: 'made', expiry: { kind: 'never' } }, { via });
    await services.keys.deactivate(owner, made.key.id, { via });
    await services.keys.activate(owner, made.key.id, { via });
    await services.keys.delete(owner, { reference: made.key.id }, { via });
    start(test.store, 'sender');
    const dms = await until(async () => dmsFor(owner).length >= 3 && dmsFor(owner), 'three DMs', 20_000);
    expect(dms.map((m) => /was (created|made inactive|deleted)/.exec(m.text ?? '')?.[0])).toEqual([
      'was created',
      'was made inactive',
      'was deleted',
    ]);
    expect(dms.every((m) => JSON.stringify(m.blocks).includes(made.key.id))).toBe(true);
  }, 40_000);

  it("an admin reporting someone else's key queues the owner's DM with Rotate; reporting one's own key queues none", async () => {
    const [owner = 'UAAAA'] = OWNERS;
    const { test, services, start, dmsFor } = await setUp([owner]);
    await services.access.grant(ADMIN, owner);
    const reported = await services.keys.create(owner, { name: 'svc', expiry: { kind: 'never' } });
    const own = await services.keys.create(owner, { name: 'own', expiry: { kind: 'never' } });
    await services.keys.reportCompromised(owner, own.key.id);
    expect((await test.store.notifications.backlog()).pending).toBe(0);
    await services.keys.reportCompromised(ADMIN, reported.key.id);
    expect((await test.store.notifications.backlog()).pending).toBe(1);
    start(test.store, 'sender');
    const [dm] = await until(async () => dmsFor(owner).length > 0 && dmsFor(owner), 'the owner DM', 20_000);
    expect(dm?.text).toContain('reported your access key');
    expect(JSON.stringify(dm?.blocks)).toContain(reported.key.id);
    expect(JSON.stringify(dm?.blocks)).toContain('Rotate');
  }, 40_000);

  it('a compromised-key DM still queued when an admin makes the key active again is cancelled, not sent', async () => {
    const [owner = 'UAAAA'] = OWNERS;
    const { test, services, start, dmsFor } = await setUp([owner]);
    await services.access.grant(ADMIN, owner);
    const key = await services.keys.create(owner, { name: 'svc', expiry: { kind: 'never' } });
    await services.keys.reportCompromised(ADMIN, key.key.id);
    await services.keys.activate(ADMIN, key.key.id);
    start(test.store, 'sender');
    await until(async () => (await test.store.notifications.backlog()).pending === 0, 'the outbox drained', 20_000);
    expect(dmsFor(owner)).toEqual([]);
    const rows = await test.connection.db.selectFrom('notification_outbox').select(['kind', 'state', 'last_error']).execute();
    expect(rows).toEqual([{ kind: 'key_compromised.owner_dm', state: 'cancelled', last_error: 'key_no_longer_compromised' }]);
  }, 40_000);
});
