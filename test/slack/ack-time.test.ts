import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/slack/ids.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { bulkKeyId, insertKeysDirectly } from '../support/background.js';
import type { AckResult } from '../support/slack-emulator/index.js';

/** 100,000 keys of other people, inserted directly: the app must not slow down with table size. */
async function seedKeys(t: TestApp, count: number): Promise<void> {
  const { db } = t.db.connection;
  const role = await db.selectFrom('roles').select('id').where('name', '=', 'Account Group Read Only').executeTakeFirstOrThrow();
  const createdAt = new Date().toISOString();
  const keys = Array.from({ length: count }, (_, i) => ({ id: bulkKeyId(i), ownerId: `USEED${i}`, expiresAt: null, createdAt }));
  await insertKeysDirectly(t.db.connection, role.id, keys);
}

const SLACK_CALLS = [
  'views.open',
  'views.publish',
  'views.update',
  'chat.postMessage',
  'chat.postEphemeral',
  'chat.update',
  'conversations.open',
  'files.getUploadURLExternal',
  'files.completeUploadExternal',
  'response_url',
];

/**
 * Ordered, not timed: every Slack call the app makes is held unanswered while the commands and clicks are
 * sent, so an ack that waited for any of them would never come. The test shows each ack arrived while
 * calls were still held (a clock bound would fail on a busy machine; this cannot).
 */
describe("acknowledging within Slack's 3 seconds", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
    await t.app.services.access.grant(ADMIN, 'UALICE');
    await seedKeys(t, 100_000);
  }, 120_000);
  afterEach(async () => {
    t.slack.releaseHeld();
    await t.stop();
  });

  const holdEverySlackCall = () => {
    for (const method of SLACK_CALLS) t.slack.fault({ method, kind: 'hold' });
  };

  it('with 100,000 keys, every command and click is acked while the Slack calls it causes are still unanswered', async () => {
    const key = await t.app.services.keys.create('UALICE', { name: 'mine', expiry: { kind: 'never' } });
    holdEverySlackCall();
    const acks: AckResult[] = [
      await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'list' }),
      await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'show mine' }),
      await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'create second' }),
      await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'deactivate mine' }),
      await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'admin keys', channelId: 'C0001' }),
      await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin keys' }),
    ];
    // The create command's views.open (at least) was still waiting when the last ack came back.
    expect(t.slack.heldCalls).toBeGreaterThan(0);

    t.slack.clearFaults();
    t.slack.releaseHeld();
    const view = await t.slack.waitFor(() => t.slack.openViewFor('UALICE'), { timeoutMs: 10_000 });
    holdEverySlackCall();
    acks.push(await t.slack.sendViewSubmission({ userId: 'UALICE', viewId: view.id, inputs: { [INPUT.name]: 'second' } }));
    acks.push(await t.slack.clickButton({ userId: 'UALICE', actionId: ACTION.activateKey, value: key.key.id }));
    // The new key's secret delivery (and the activate's refresh) were still held when both acks came.
    expect(t.slack.heldCalls).toBeGreaterThan(0);
    expect(acks.map((a) => a.status)).toEqual(acks.map(() => 200));
  }, 60_000);
});
