import { afterEach, describe, expect, it } from 'vitest';
import { KyselyOwnerNotices } from '../../src/db/owner-notices-repo.js';
import type { ViaKey } from '../../src/domain/owner-notices.js';
import { createOwnerNoticeSender } from '../../src/scheduler/jobs/owner-notice-sender.js';
import { startWorkerLoop, type WorkerLoop } from '../../src/scheduler/worker-loop.js';
import { createRecordingLogger, outboundFor } from '../support/background.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';
import { SlackEmulator } from '../support/slack-emulator/index.js';

const ADMIN = 'UADMIN';
const OWNERS = ['UAAAA', 'UBBBB', 'UCCCC', 'UDDDD', 'UEEEE'];
const FAST = { spacingMs: 0, idlePollMs: 10, retryDelaysMs: [0], unavailableBackoffMs: [20], blockedRetryMs: 50 };

async function waitUntil(what: string, done: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(dialects)('owner notice sender on %s', (dialect) => {
  let db: TestDatabase;
  let slack: SlackEmulator;
  const loops: WorkerLoop[] = [];
  afterEach(async () => {
    for (const loop of loops.splice(0)) await loop.stop();
    await slack.stop();
    await db.cleanup();
  });

  /** Each owner creates a key "through the API" (with a via key), which queues one notice each. */
  async function queueNotices(): Promise<string[]> {
    const { services } = await makeServices(db.store, { admins: [ADMIN] });
    const created: string[] = [];
    for (const owner of OWNERS) {
      await services.access.grant(ADMIN, owner);
      const first = await services.keys.create({ actorId: owner, name: 'ci', expiry: { kind: 'never' } });
      if (!first.created) throw new Error('not created');
      const via: ViaKey = { keyId: first.key.id, roleId: first.key.roleId };
      const next = await services.keys.create({ actorId: owner, name: 'next', expiry: { kind: 'never' }, via });
      created.push(next.key.id);
    }
    return created;
  }

  const dmsFor = (owner: string) => {
    const channel = slack.dmChannelOf(owner);
    return channel === undefined ? [] : slack.messagesIn(channel);
  };

  it('two replicas draining the queue DM each owner exactly once', async () => {
    db = await createTestDatabase(dialect);
    slack = await SlackEmulator.start();
    for (const owner of OWNERS) slack.addUser({ id: owner, name: owner.toLowerCase() });
    const created = await queueNotices();
    const logger = createRecordingLogger();
    for (let replica = 0; replica < 2; replica++) {
      const connection = replica === 0 ? db.connection : (await db.openAnother()).connection;
      const sender = createOwnerNoticeSender({ queue: new KyselyOwnerNotices(connection), dm: outboundFor(slack, logger).ownerNotices, now: () => new Date(), logger, tuning: { ...FAST, batchSize: 2 } });
      loops.push(startWorkerLoop({ name: `notices ${replica}`, logger, tick: (signal) => sender.tick(signal), errorDelayMs: 20 }));
    }
    await waitUntil('every DM', async () => (await new KyselyOwnerNotices(db.connection).backlog()).pending === 0 && OWNERS.every((o) => dmsFor(o).length > 0));
    for (const [index, owner] of OWNERS.entries()) {
      const dms = dmsFor(owner);
      expect(dms, owner).toHaveLength(1);
      expect(JSON.stringify(dms[0]?.blocks)).toContain(created[index]);
    }
  }, 40_000);

  it('a DM Slack keeps refusing is retried, then parked with an alert, while the others go through', async () => {
    db = await createTestDatabase(dialect);
    slack = await SlackEmulator.start();
    // The first owner is unknown to Slack: conversations.open refuses with user_not_found every time.
    for (const owner of OWNERS.slice(1)) slack.addUser({ id: owner, name: owner.toLowerCase() });
    await queueNotices();
    const logger = createRecordingLogger();
    const queue = new KyselyOwnerNotices(db.connection);
    const sender = createOwnerNoticeSender({ queue, dm: outboundFor(slack, logger).ownerNotices, now: () => new Date(), logger, tuning: { ...FAST, maxAttempts: 3 } });
    loops.push(startWorkerLoop({ name: 'notices', logger, tick: (signal) => sender.tick(signal), errorDelayMs: 20 }));
    await waitUntil('the refused DM parked', async () => (await queue.backlog()).parked === 1 && (await queue.backlog()).pending === 0);
    for (const owner of OWNERS.slice(1)) expect(dmsFor(owner), owner).toHaveLength(1);
    expect(logger.entries.filter((e) => e.alert === 'owner_notice_parked')).toHaveLength(1);
  }, 40_000);
});
