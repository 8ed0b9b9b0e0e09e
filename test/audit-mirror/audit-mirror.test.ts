import { WebClient } from '@slack/web-api';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditOutbox } from '../../src/domain/audit-outbox.js';
import { createAuditMirror } from '../../src/scheduler/jobs/audit-mirror.js';
import { AUDIT_DIGEST_MAX_BLOCKS_CHARS, AUDIT_DIGEST_MAX_RECORDS } from '../../src/slack/views/audit-message.js';
import type { WorkerLoop } from '../../src/scheduler/worker-loop.js';
import { boltLogger } from '../../src/slack/bolt-logger.js';
import {
  AUDIT_CHANNEL,
  FAST_MIRROR,
  appendAuditBurst,
  createRecordingLogger,
  outboundFor,
  postedSeqs,
  seqsOf,
  startMirrorLoop,
} from '../support/background.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';
import { SlackEmulator } from '../support/slack-emulator/index.js';
import { until } from '../support/wait.js';

const SECRET_ANYWHERE = /aks_[0-9A-Za-z]{46}/;
const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

interface World {
  db: TestDatabase;
  slack: SlackEmulator;
  logger: ReturnType<typeof createRecordingLogger>;
  loops: WorkerLoop[];
}

async function setUp(dialect: 'sqlite' | 'postgres'): Promise<World> {
  const db = await createTestDatabase(dialect);
  const slack = await SlackEmulator.start();
  slack.addChannel({ id: AUDIT_CHANNEL, name: 'security' });
  return { db, slack, logger: createRecordingLogger(), loops: [] };
}

async function tearDown(world: World | undefined): Promise<void> {
  if (world === undefined) return;
  for (const loop of world.loops) await loop.stop();
  await world.slack.stop();
  await world.db.cleanup();
}

async function outboxRows(db: TestDatabase) {
  const rows = await db.connection.db
    .selectFrom('audit_outbox')
    .select(['seq', 'state', 'attempts', 'message_ts', 'last_error'])
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), state: r.state, attempts: Number(r.attempts), ts: r.message_ts, error: r.last_error }));
}

const auditPosts = (slack: SlackEmulator) => slack.callsTo('chat.postMessage').filter((c) => c.args.channel === AUDIT_CHANNEL);

describe.each(dialects)('the audit mirror on %s', (dialect) => {
  let world: World;
  beforeEach(async () => {
    world = await setUp(dialect);
  });
  afterEach(async () => tearDown(world));

  it('posts every audit record once, in order, naming action, actor, key, owner, role, expiry, time and seq', async () => {
    const { db, slack, logger, loops } = world;
    const { services } = await makeServices(db.store, { admins: ['UADMIN'] });
    await services.access.grant('UADMIN', 'UALICE');
    const created = await services.keys.create('UALICE', { name: '<!channel> prod & ci', expiry: { kind: 'default' } });
    if (!created.created) throw new Error('the key should have been created');
    await services.keys.deactivate('UALICE', created.key.id);
    const head = await db.store.read.audit.readHead();

    loops.push(startMirrorLoop({ store: db.store, outbound: outboundFor(slack, logger), logger }));
    await slack.waitFor(() => postedSeqs(slack).length >= head.seq);

    expect(postedSeqs(slack)).toEqual(upTo(head.seq));
    const [createdRecord] = await services.audit
      .search({ keyId: created.key.id, limit: 10 })
      .then((r) => r.filter((x) => x.action === 'key.created'));
    const block = slack
      .messagesIn(AUDIT_CHANNEL)
      .flatMap((m) => m.blocks)
      .find((b) => b.block_id === `audit-${createdRecord?.seq ?? -1}-${createdRecord?.hash ?? ''}`);
    const text = JSON.stringify(block);
    for (const part of [
      '`key.created`',
      'by <@UALICE>',
      created.key.id,
      '&lt;!channel&gt; prod &amp; ci',
      'owner <@UALICE>',
      'role Account Group Read Only',
      'expires <!date^',
      `#${createdRecord?.seq}`,
    ]) {
      expect(text).toContain(part);
    }
    expect(slack.allText()).not.toContain('<!channel>');

    const rows = await waitForRows(db, (r) => r.every((row) => row.state === 'posted'));
    const tsBySeq = new Map(slack.messagesIn(AUDIT_CHANNEL).flatMap((m) => seqsOf(m).map((seq) => [seq, m.ts] as const)));
    expect(rows.every((r) => r.ts !== null && r.ts === tsBySeq.get(r.seq))).toBe(true);

    expect(slack.allText()).not.toMatch(SECRET_ANYWHERE);
    expect(slack.allText()).not.toContain(created.secret);
    expect(JSON.stringify(logger.entries)).not.toMatch(SECRET_ANYWHERE);
  });

  it('a crash between posting and marking re-posts that one message once, after the lease, and the outbox ends empty', async () => {
    const { db, slack, logger, loops } = world;
    await appendAuditBurst(db.store, 3);
    const real = db.store.auditOutbox;
    let leaseFrom = 0;
    const killedBeforeMarking: AuditOutbox = {
      claim: (request) => {
        leaseFrom = request.now.getTime();
        return real.claim(request);
      },
      markPosted: async () => {
        throw new Error('process killed between chat.postMessage and the mark');
      },
      release: (seqs) => real.release(seqs),
      recordFailure: (seq, failure) => real.recordFailure(seq, failure),
      holdGate: (until, reason) => real.holdGate(until, reason),
      backlog: () => real.backlog(),
    };
    const leaseMs = 400;
    const crashed = createAuditMirror({
      outbox: killedBeforeMarking,
      channel: outboundFor(slack, logger).auditChannel,
      now: () => new Date(),
      logger,
      tuning: { ...FAST_MIRROR, leaseMs },
    });
    await expect(crashed.tick()).rejects.toThrow(/killed/);
    expect(postedSeqs(slack)).toEqual([1, 2, 3]);

    // The restarted process: a new connection and a new mirror. It must wait for the lease.
    const restarted = await db.openAnother();
    loops.push(startMirrorLoop({ store: restarted.store, outbound: outboundFor(slack, logger), logger, tuning: { leaseMs } }));
    await slack.waitFor(() => postedSeqs(slack).length === 6, { timeoutMs: 10_000 });

    const posts = auditPosts(slack);
    expect(posts).toHaveLength(2);
    // Not before the crashed claim's lease ran out (measured from the lease's own start, not from the first
    // post's arrival, which a busy machine can delay by more than any tolerance).
    expect((posts[1]?.at ?? 0) - leaseFrom).toBeGreaterThanOrEqual(leaseMs);
    expect(postedSeqs(slack)).toEqual([1, 2, 3, 1, 2, 3]);
    const rows = await waitForRows(db, (r) => r.every((row) => row.state === 'posted'));
    expect(rows.map((r) => r.ts)).toEqual([posts[1], posts[1], posts[1]].map((p) => (p?.response as { ts: string } | undefined)?.ts));
  });

  it('replicas with clocks seconds apart post each record exactly once between them', async () => {
    const { db, slack, logger, loops } = world;
    const replicas = [db.store, (await db.openAnother()).store, (await db.openAnother()).store];
    const skews = [-2000, 0, 2000];
    replicas.forEach((store, i) => {
      const skew = skews[i] ?? 0;
      loops.push(
        startMirrorLoop({
          store,
          outbound: outboundFor(slack, logger),
          now: () => new Date(Date.now() + skew),
          logger,
          tuning: { spacingMs: 10 },
        }),
      );
    });
    // Records keep arriving while the replicas drain, from all three connections.
    await Promise.all(replicas.map((store) => appendAuditBurst(store, 40)));
    await slack.waitFor(() => postedSeqs(slack).length >= 120, { timeoutMs: 20_000 });
    await waitForRows(db, (rows) => rows.every((r) => r.state === 'posted'));

    const seqs = postedSeqs(slack);
    expect([...seqs].sort((a, b) => a - b)).toEqual(upTo(120));
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});

/** The outbox rows once `done` holds for them. */
async function waitForRows(db: TestDatabase, done: (rows: Awaited<ReturnType<typeof outboxRows>>) => boolean, timeoutMs = 10_000) {
  return until(
    async () => {
      const rows = await outboxRows(db);
      return done(rows) && rows;
    },
    'the outbox to reach the expected state',
    timeoutMs,
  );
}

describe('the audit mirror against a misbehaving Slack', () => {
  let world: World;
  beforeEach(async () => {
    world = await setUp('sqlite');
  });
  afterEach(async () => tearDown(world));

  it('after a 429 with Retry-After: 1 it sends nothing for a second, while a user-facing client is not held', async () => {
    const { db, slack, logger, loops } = world;
    slack.fault({ method: 'chat.postMessage', kind: 'ratelimited', retryAfterSec: 1, times: 1 });
    await appendAuditBurst(db.store, 3);
    loops.push(startMirrorLoop({ store: db.store, outbound: outboundFor(slack, logger), logger }));
    const limited = await slack.waitFor(() => auditPosts(slack).find((c) => c.status === 429));

    // Bolt's listeners use their own client: the mirror's hold must not touch them.
    const userFacing = new WebClient(slack.config.botToken, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      logger: boltLogger(logger),
    });
    const answered = await userFacing.chat.postMessage({ channel: 'C0001', text: 'a listener answering someone' });

    await slack.waitFor(() => postedSeqs(slack).length === 3, { timeoutMs: 10_000 });
    const after = auditPosts(slack).filter((c) => c.at > limited.at);
    // Ordered, not timed: the listener's message got through while the mirror was still holding back.
    const listenerPost = slack.messagesIn('C0001').find((m) => m.ts === answered.ts);
    expect(Number(listenerPost?.ts ?? 'NaN') * 1000).toBeLessThan(after[0]?.at ?? 0);
    expect(after.length).toBeGreaterThan(0);
    expect((after[0]?.at ?? 0) - limited.at).toBeGreaterThanOrEqual(1000);
    expect(after.every((c) => c.status === 200)).toBe(true);
    expect(postedSeqs(slack)).toEqual([1, 2, 3]);
    expect(logger.entries.some((e) => String(e.msg).includes('rate limited') && e.retryAfterMs === 1000)).toBe(true);
  });

  it('500s for a while, then recovery: every record is posted, in order, none missing, none charged', async () => {
    const { db, slack, logger, loops } = world;
    slack.fault({ method: 'chat.postMessage', kind: 'http500', times: 6 });
    await appendAuditBurst(db.store, 4);
    loops.push(
      startMirrorLoop({ store: db.store, outbound: outboundFor(slack, logger), logger, tuning: { unavailableBackoffMs: [30, 60, 90] } }),
    );
    await slack.waitFor(() => auditPosts(slack).filter((c) => c.status === 500).length >= 3);
    await appendAuditBurst(db.store, 4); // written during the outage
    await slack.waitFor(() => postedSeqs(slack).length >= 8, { timeoutMs: 10_000 });

    expect(auditPosts(slack).filter((c) => c.status === 500)).toHaveLength(6);
    expect(postedSeqs(slack)).toEqual(upTo(8));
    const rows = await waitForRows(db, (r) => r.every((row) => row.state === 'posted'));
    expect(rows.every((r) => r.attempts === 0)).toBe(true);
    expect(logger.entries.filter((e) => String(e.msg).includes('backing off'))).toHaveLength(6);
  });

  it('a burst of 300 records goes out as paced digests: none lost, none twice, no 429s, backlog logged', async () => {
    const { db, slack, logger, loops } = world;
    await appendAuditBurst(db.store, 300);
    const spacingMs = 200;
    loops.push(startMirrorLoop({ store: db.store, outbound: outboundFor(slack, logger), logger, tuning: { spacingMs } }));
    await slack.waitFor(() => postedSeqs(slack).length >= 300, { timeoutMs: 20_000 });

    const posts = auditPosts(slack);
    expect(posts.every((c) => c.status === 200)).toBe(true);
    expect(posts).toHaveLength(Math.ceil(300 / AUDIT_DIGEST_MAX_RECORDS));
    // Paced: arrivals carry each request's own delay on the way, so a gap may shrink by the difference of
    // two such delays; half the spacing is a margin only a stall could use up, and no pacing gives ~0.
    for (let i = 1; i < posts.length; i++) expect((posts[i]?.at ?? 0) - (posts[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(spacingMs / 2);
    expect(postedSeqs(slack)).toEqual(upTo(300));
    for (const message of slack.messagesIn(AUDIT_CHANNEL)) {
      expect(message.blocks.length).toBeLessThanOrEqual(50);
      const texts = message.blocks.map((b) => JSON.stringify(b));
      expect(texts.join('').length).toBeLessThanOrEqual(AUDIT_DIGEST_MAX_BLOCKS_CHARS);
      // Every record names its seq and full hash, in the text and in its block's id.
      for (const b of message.blocks)
        if (b.type === 'section') expect(JSON.stringify(b)).toMatch(/"block_id":"audit-(\d+)-([0-9a-f]{64})".*\*#\1\*.*`\2`/);
      for (const b of message.blocks) if (b.type === 'section') expect(JSON.stringify(b.text).length).toBeLessThanOrEqual(3000);
    }
    const backlog = logger.entries.find((e) => e.metric === 'audit_mirror_backlog');
    expect(backlog).toMatchObject({ pending: 300, parked: 0 });
  });

  it('a record that cannot be rendered is parked after 5 attempts with one alert, and later records keep flowing', async () => {
    const { db, slack, logger, loops } = world;
    await appendAuditBurst(db.store, 3);
    await sql`update audit_log set details = ${'{oops'} where seq = 2`.execute(db.connection.db);
    loops.push(startMirrorLoop({ store: db.store, outbound: outboundFor(slack, logger), logger }));
    const rows = await waitForRows(
      db,
      (r) => r.find((row) => row.seq === 2)?.state === 'parked' && r.filter((row) => row.state === 'posted').length === 2,
    );
    expect(rows.find((r) => r.seq === 2)).toMatchObject({ state: 'parked', attempts: 5 });
    expect(rows.find((r) => r.seq === 2)?.error).toMatch(/unreadable/);
    expect(postedSeqs(slack)).toEqual([1, 3]);
    expect(logger.entries.filter((e) => e.alert === 'audit_record_parked')).toEqual([expect.objectContaining({ seq: 2, attempts: 5 })]);

    await appendAuditBurst(db.store, 2);
    await slack.waitFor(() => postedSeqs(slack).length === 4);
    expect(postedSeqs(slack)).toEqual([1, 3, 4, 5]);
  });

  it('a digest Slack refuses is split: each record is retried alone and all of them go through', async () => {
    const { db, slack, logger, loops } = world;
    slack.fault({ method: 'chat.postMessage', kind: 'error', error: 'invalid_blocks', times: 1 });
    await appendAuditBurst(db.store, 3);
    loops.push(startMirrorLoop({ store: db.store, outbound: outboundFor(slack, logger), logger }));
    await slack.waitFor(() => postedSeqs(slack).length === 3);
    expect(slack.messagesIn(AUDIT_CHANNEL).map((m) => seqsOf(m))).toEqual([[1], [2], [3]]);
    const rows = await waitForRows(db, (r) => r.every((row) => row.state === 'posted'));
    expect(rows.map((r) => r.attempts)).toEqual([1, 1, 1]);
  });

  it.each(['invalid_auth', 'token_revoked', 'channel_not_found'])(
    '%s opens the circuit breaker: one operator alert, slow retries, records not charged',
    async (error) => {
      const { db, slack, logger, loops } = world;
      slack.fault({ method: 'chat.postMessage', kind: 'error', error, times: 3 });
      await appendAuditBurst(db.store, 2);
      const blockedRetryMs = 150;
      loops.push(startMirrorLoop({ store: db.store, outbound: outboundFor(slack, logger), logger, tuning: { blockedRetryMs } }));
      await slack.waitFor(() => postedSeqs(slack).length === 2, { timeoutMs: 10_000 });

      const posts = auditPosts(slack);
      expect(posts).toHaveLength(4);
      for (let i = 1; i < posts.length; i++)
        expect((posts[i]?.at ?? 0) - (posts[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(blockedRetryMs / 2);
      expect(logger.entries.filter((e) => e.alert === 'audit_mirror_blocked')).toEqual([
        expect.objectContaining({ error, level: 'error' }),
      ]);
      const rows = await waitForRows(db, (r) => r.every((row) => row.state === 'posted'));
      expect(rows.map((r) => r.attempts)).toEqual([0, 0]);
    },
  );
});
