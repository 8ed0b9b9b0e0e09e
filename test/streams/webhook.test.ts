import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/domain/services.js';
import { DEFAULT_STREAM_TUNING } from '../../src/domain/streams/deliver.js';
import { StreamSecretBox } from '../../src/domain/streams/secret-box.js';
import { createStreamTransport } from '../../src/streams/index.js';
import { dialects } from '../support/db.js';
import { until } from '../support/wait.js';
import { added, streamsWorld, TestReceiver, type StreamsWorld } from './harness.js';

/** One change streamed (`key.created`), and the key deleted again so the role's key limit never stops the test. */
async function key(services: StreamsWorld['services'], name: string): Promise<void> {
  await services.keys.create('UALICE', { name, expiry: { kind: 'never' } });
  await services.keys.delete('UALICE', { reference: name });
}

describe.each(dialects)('event streams: signed webhooks on %s', (dialect) => {
  let world: StreamsWorld;
  let receiver: TestReceiver;
  beforeEach(async () => {
    world = await streamsWorld(dialect);
    receiver = await TestReceiver.start();
  });
  afterEach(async () => {
    await world.cleanup();
    await receiver.stop();
  });

  async function addWebhook(format: 'json' | 'cloudevents' | 'cloudevents-batch' | 'ocsf' = 'cloudevents', actionPrefix?: string) {
    const result = await added(
      world.services.streams.add('UADMIN', { name: 'siem', kind: 'webhook', url: receiver.url, format, actionPrefix }),
    );
    receiver.secret = result.secret ?? undefined;
    return result;
  }

  it('a webhook that echoes the challenge is enabled; one that does not stays off and gets nothing', async () => {
    receiver.challengeAnswer = 'wrong';
    const failed = await addWebhook();
    expect(failed.challenge?.kind).toBe('failed');
    expect(failed.stream.state).toBe('unverified');
    expect(failed.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    world.startWorker();
    await key(world.services, 'a');
    receiver.challengeAnswer = 'echo';
    const again = await world.services.streams.verify('UADMIN', failed.stream.id);
    expect(again.challenge.kind).toBe('passed');
    expect(again.stream.state).toBe('active');
    // Enabled now, it sends what happened since it was added, in order.
    await until(async () => receiver.records().some((r) => r.action === 'stream.verified'), 'the verified record');
    expect(receiver.records().map((r) => r.action)).toEqual(['stream.created', 'key.created', 'key.deleted', 'stream.verified']);
    const audit = await world.db.store.read.audit.search({ limit: 10 });
    expect(audit.map((r) => r.action)).toContain('stream.verified');
    // The secret is shown once and nowhere else: not in the audit log, not in logs, not in plain text in the row.
    expect(JSON.stringify(audit)).not.toContain('whsec_');
    expect(world.logLines.join('\n')).not.toContain('whsec_');
    expect(await world.db.store.streamQueue.sealedSecret(failed.stream.id)).not.toContain(failed.secret?.slice(6, 20));
  });

  it('three changes arrive as three signed CloudEvents with contiguous seq and linked hashes', async () => {
    const added = await addWebhook('cloudevents', 'key.');
    expect(added.challenge?.kind).toBe('passed');
    world.startWorker();
    await world.services.keys.create('UALICE', { name: 'a', expiry: { kind: 'never' } });
    await world.services.keys.create('UALICE', { name: 'b', expiry: { kind: 'never' } });
    await world.services.keys.delete('UALICE', { reference: 'a' });
    await until(async () => receiver.records().length >= 3 && receiver, 'three events');
    const records = receiver.records();
    expect(records.map((r) => r.action)).toEqual(['key.created', 'key.created', 'key.deleted']);
    expect(records[1]?.seq).toBe((records[0]?.seq ?? 0) + 1);
    expect(records[2]?.seq).toBe((records[1]?.seq ?? 0) + 1);
    expect(records[1]?.prev_hash).toBe(records[0]?.hash);
    expect(records[2]?.prev_hash).toBe(records[1]?.hash);
    expect(receiver.badSignatures).toEqual([]);
    const events = receiver.accepted.flatMap((r) => r.cloudEvents);
    expect(events.map((e) => e.type)).toEqual(['created', 'created', 'deleted'].map((a) => `com.accesskeybot.audit.key.${a}`));
    expect(events.map((e) => e.id)).toEqual(records.map((r) => `audit-${r.seq}`));
    expect(events.map((e) => e.seq)).toEqual(records.map((r) => r.seq));
    expect(receiver.accepted.map((r) => r.id)).toEqual(records.map((r) => `msg_${added.stream.id}_audit-${r.seq}`));
  });

  it('with the receiver down for 20 events, all 20 arrive in order once it is back; the channel is told once', async () => {
    await addWebhook('cloudevents-batch', 'key.created');
    receiver.down = true;
    world.startWorker();
    for (let i = 0; i < 20; i++) await key(world.services, `k${i}`);
    await until(async () => receiver.refused >= 4, 'several refused attempts');
    const lagging = (await world.services.streams.list('UADMIN'))[0];
    expect(lagging?.lag).toBeGreaterThanOrEqual(20);
    expect(lagging?.lastError).toContain('HTTP 503');
    receiver.down = false;
    await until(async () => receiver.records().length >= 20, 'the backlog');
    const seqs = receiver.records().map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(20);
    expect(receiver.accepted.every((r) => r.contentType === 'application/cloudevents-batch+json')).toBe(true);
    const failing = await world.db.store.read.audit.search({ limit: 100 });
    expect(failing.filter((r) => r.action === 'stream.failing')).toHaveLength(1);
    await until(
      async () => (await world.db.store.read.audit.search({ limit: 100 })).some((r) => r.action === 'stream.recovered'),
      'the recovery record',
    );
  });

  it("a receiver that hangs delays no other stream, nor the security channel's queue", async () => {
    const hanging = await TestReceiver.start();
    try {
      hanging.hang = true;
      const stuck = await added(world.services.streams.add('UADMIN', { name: 'stuck', kind: 'webhook', url: hanging.url, format: 'json' }));
      hanging.secret = stuck.secret ?? undefined;
      await addWebhook('json', 'key.created');
      world.startWorker();
      await key(world.services, 'a');
      await until(async () => hanging.heldCount >= 1, 'the hanging receiver to hold a delivery');
      await key(world.services, 'b');
      await key(world.services, 'c');
      await until(async () => receiver.records().length >= 3, 'the healthy stream to get every change');
      expect(hanging.heldCount).toBe(1);
      // The Slack mirror's own queue took every record as it was written, whatever the streams do.
      const head = await world.db.store.read.audit.readHead();
      expect(await world.db.store.read.audit.highestQueuedSeq()).toBe(head.seq);
      hanging.release();
      await until(async () => hanging.records().some((r) => r.seq === head.seq), 'the stuck stream to catch up');
    } finally {
      await hanging.stop();
    }
  });

  it('a paused stream keeps its place and resumes where it stopped', async () => {
    const { stream } = await addWebhook('json');
    world.startWorker();
    await key(world.services, 'a');
    await until(async () => receiver.records().some((r) => r.action === 'key.deleted'), 'the first change');
    await world.services.streams.pause('UADMIN', stream.id);
    await key(world.services, 'b');
    await key(world.services, 'c');
    const paused = (await world.services.streams.list('UADMIN'))[0];
    expect(paused?.state).toBe('paused');
    expect(paused?.lag).toBeGreaterThanOrEqual(5);
    const before = receiver.records().length;
    await world.services.streams.resume('UADMIN', stream.id);
    const head = await world.db.store.read.audit.readHead();
    await until(async () => receiver.records().some((r) => r.seq === head.seq), 'the events from the pause');
    const records = receiver.records();
    expect(records.length).toBeGreaterThan(before);
    // One unbroken chain across the pause: every seq once, each linked to the one before.
    for (const [i, record] of records.entries()) {
      if (i === 0) continue;
      expect(record.seq).toBe((records[i - 1]?.seq ?? 0) + 1);
      expect(record.prev_hash).toBe(records[i - 1]?.hash);
    }
    expect(records.map((r) => r.action)).toEqual(expect.arrayContaining(['stream.paused', 'stream.resumed']));
  });

  it('two replicas deliver every record of one stream: no seq skipped, a repeat only with the same id', async () => {
    const { stream } = await addWebhook('ocsf');
    const other = await world.replica();
    world.startWorker();
    world.startWorker(other, other.store);
    const run = async (services: StreamsWorld['services'], prefix: string) => {
      for (let i = 0; i < 15; i++) await key(services, `${prefix}${i}`);
    };
    await Promise.all([run(world.services, 'x'), run(other, 'y')]);
    const head = await world.db.store.read.audit.readHead();
    await until(async () => receiver.records().some((r) => r.seq === head.seq), 'every record up to the head');
    const bySeq = new Map<number, string>();
    for (const request of receiver.accepted) {
      const seq = (JSON.parse(request.body) as { metadata: { sequence: number } }).metadata.sequence;
      const known = bySeq.get(seq);
      if (known !== undefined) expect(request.id).toBe(known);
      bySeq.set(seq, request.id);
    }
    const seqs = [...bySeq.keys()].sort((a, b) => a - b);
    const first = seqs[0] ?? 0;
    expect(seqs).toEqual(Array.from({ length: head.seq - first + 1 }, (_, i) => first + i));
    expect(seqs.length).toBeGreaterThanOrEqual(60);
    expect(receiver.badSignatures).toEqual([]);
    expect(stream.id).toMatch(/^st_/);
  });

  it('Replay from seq N sends N onwards again with the same ids; Send test event is signed and marked', async () => {
    const { stream } = await addWebhook('json', 'key.created');
    world.startWorker();
    await key(world.services, 'a');
    await key(world.services, 'b');
    await until(async () => receiver.records().length >= 2, 'two events');
    const sent = receiver.records().map((r) => r.seq);
    await world.services.streams.replay('UADMIN', { id: stream.id, fromSeq: sent[0] ?? 0 });
    await until(async () => receiver.records().length >= 4, 'the replay');
    expect(receiver.records().map((r) => r.seq)).toEqual([...sent, ...sent]);
    expect(receiver.accepted[2]?.id).toBe(receiver.accepted[0]?.id);
    const test = await world.services.streams.sendTest('UADMIN', stream.id);
    expect(test.kind).toBe('delivered');
    expect(JSON.parse(receiver.accepted.at(-1)?.body ?? '{}')).toMatchObject({ test: true, action: 'stream.test' });
    await world.services.streams.delete('UADMIN', stream.id);
    expect(await world.services.streams.list('UADMIN')).toEqual([]);
    const actions = (await world.db.store.read.audit.search({ limit: 20 })).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['stream.created', 'stream.verified', 'stream.replayed', 'stream.deleted']));
  });

  it('a secret sealed under another key fails the stream with a reason admins can act on, and nothing is sent', async () => {
    await addWebhook('json');
    const otherKey = new StreamSecretBox('another-stream-secret-key-0123456789abcdef');
    const rekeyed = createServices({ ...world.deps, streams: { transport: createStreamTransport(), secrets: otherKey } });
    world.startWorker(rekeyed);
    await until(async () => (await world.services.streams.list('UADMIN'))[0]?.lastError, 'the stream to fail');
    expect((await world.services.streams.list('UADMIN'))[0]?.lastError).toContain('STREAM_SECRET_KEY');
    expect(receiver.accepted).toEqual([]);
  });

  it('an attempt past its time budget stops between records and leaves the rest for the next claim', async () => {
    const { stream } = await addWebhook('json', 'key.');
    await key(world.services, 'a');
    const [claim] = await world.db.store.streamQueue.claim({ now: new Date(), leaseMs: 60_000, max: 1, exclude: [] });
    if (claim === undefined) throw new Error('the stream was not due');
    const attempt = await world.services.streams.deliver(claim, () => new Date(), {
      ...DEFAULT_STREAM_TUNING,
      attemptBudgetMs: -1,
    });
    expect(attempt).toMatchObject({ kind: 'delivered', records: 1 });
    expect(receiver.records().map((r) => r.action)).toEqual(['key.created']);
    const [after] = await world.services.streams.list('UADMIN');
    expect(after?.cursorSeq).toBe(receiver.records()[0]?.seq);
    expect(after?.id).toBe(stream.id);
    // The lease was given back: the next claim takes it at once and sends the rest.
    const [next] = await world.db.store.streamQueue.claim({ now: new Date(), leaseMs: 60_000, max: 1, exclude: [] });
    expect(next?.stream.id).toBe(stream.id);
  });

  it('refuses plain http to anything but loopback, and non-admins', async () => {
    await expect(
      world.services.streams.add('UADMIN', { name: 'x', kind: 'webhook', url: 'http://siem.example.com/hook', format: 'json' }),
    ).rejects.toThrow(/https/);
    await expect(world.services.streams.add('UALICE', { name: 'x', kind: 'webhook', url: receiver.url, format: 'json' })).rejects.toThrow(
      /admins/,
    );
  });
});
