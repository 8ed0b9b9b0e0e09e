import { randomBytes } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/slack/ids.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { TestClock } from '../support/domain.js';
import { dumpAllRows } from '../support/dump.js';
import { TestReceiver } from '../streams/harness.js';

describe.each(dialects)('`/accesskey admin streams` on %s', (dialect) => {
  let t: TestApp;
  let receiver: TestReceiver;
  beforeEach(async () => {
    t = await startTestApp({ dialect, env: { STREAM_SECRET_KEY: 'stream-secret-key-for-slack-tests-0123456789' } });
    receiver = await TestReceiver.start();
  });
  afterEach(async () => {
    await t.stop();
    await receiver.stop();
  });

  async function openStreams() {
    await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin streams' });
    return t.slack.waitFor(() => t.slack.openViewFor(ADMIN), { message: 'streams modal' });
  }

  it('adds a webhook that passes its challenge, shows the secret once, pauses and deletes it; each change is audited', async () => {
    const view = await openStreams();
    expect(JSON.stringify(view.blocks)).toContain('No event streams yet');
    const submitted = await t.slack.sendViewSubmission({
      userId: ADMIN,
      viewId: view.id,
      inputs: {
        [INPUT.streamName]: 'splunk-hec',
        [INPUT.streamKind]: 'webhook',
        [INPUT.streamUrl]: receiver.url,
        [INPUT.streamFormat]: 'cloudevents-batch',
        [INPUT.streamFilter]: 'key.',
      },
    });
    const updated = JSON.stringify(submitted.body);
    expect(t.slack.problems).toEqual([]);
    expect(updated).toContain('answered the verification challenge');
    const secret = /whsec_[A-Za-z0-9+/]+=*/.exec(updated)?.[0];
    expect(secret).toBeDefined();
    const [stream] = await t.app.services.streams.list(ADMIN);
    expect(stream).toMatchObject({ name: 'splunk-hec', state: 'active', format: 'cloudevents-batch', actionPrefix: 'key.' });

    // The secret went only into that one modal update: not the logs, not any stored row.
    const payloads = t.slack.calls.filter((c) => JSON.stringify(c.args).includes(secret ?? 'none'));
    expect(payloads).toEqual([]);
    expect(t.logs.join('\n')).not.toContain('whsec_');
    expect((await dumpAllRows(t.db)).text).not.toContain(secret?.slice(6, 30) ?? 'none');

    const open = await t.slack.waitFor(() => {
      const current = t.slack.openViewFor(ADMIN);
      return JSON.stringify(current?.blocks ?? []).includes(ACTION.streamPause) ? current : undefined;
    });
    await t.slack.clickInView({ userId: ADMIN, viewId: open.id, actionId: ACTION.streamPause, value: stream?.id });
    await t.slack.waitFor(() => JSON.stringify(t.slack.openViewFor(ADMIN)?.blocks ?? []).includes('paused; it resumes') || undefined);
    expect((await t.app.services.streams.list(ADMIN))[0]?.state).toBe('paused');

    await t.slack.clickInView({ userId: ADMIN, viewId: open.id, actionId: ACTION.streamDelete, value: stream?.id });
    await t.slack.waitFor(() => JSON.stringify(t.slack.openViewFor(ADMIN)?.blocks ?? []).includes('Stream deleted') || undefined);
    const actions = (await t.app.store.read.audit.search({ limit: 20 })).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['stream.created', 'stream.verified', 'stream.paused', 'stream.deleted']));
    expect(JSON.stringify(await t.app.store.read.audit.search({ limit: 20 }))).not.toContain('whsec_');
  });

  it('Send test event reaches the receiver signed; Replay from seq N moves the stream back to N', async () => {
    const result = await t.app.services.streams.add(ADMIN, { name: 'siem', kind: 'webhook', url: receiver.url, format: 'json' });
    if (result === 'replayed') throw new Error('not a replay');
    receiver.secret = result.secret ?? undefined;
    const view = await openStreams();
    await t.slack.clickInView({ userId: ADMIN, viewId: view.id, actionId: ACTION.streamTest, value: result.stream.id });
    await t.slack.waitFor(() => JSON.stringify(t.slack.openViewFor(ADMIN)?.blocks ?? []).includes('test event was delivered') || undefined);
    expect(receiver.accepted).toHaveLength(1);
    expect(receiver.badSignatures).toEqual([]);

    const current = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    const replayed = await t.slack.sendViewSubmission({
      userId: ADMIN,
      viewId: current.id,
      inputs: { [INPUT.streamReplayWhich]: result.stream.id, [INPUT.streamReplaySeq]: '1' },
    });
    expect(JSON.stringify(replayed.body)).toContain('from #1 again');
    expect((await t.app.services.streams.list(ADMIN))[0]?.cursorSeq).toBe(0);
    expect((await t.app.store.read.audit.search({ limit: 5 })).map((r) => r.action)).toContain('stream.replayed');
  });

  it('a webhook that fails its challenge is added but stays off, with the reason shown', async () => {
    receiver.challengeAnswer = 'wrong';
    const view = await openStreams();
    const submitted = await t.slack.sendViewSubmission({
      userId: ADMIN,
      viewId: view.id,
      inputs: {
        [INPUT.streamName]: 'broken',
        [INPUT.streamKind]: 'webhook',
        [INPUT.streamUrl]: receiver.url,
        [INPUT.streamFormat]: 'json',
      },
    });
    expect(JSON.stringify(submitted.body)).toContain('did not pass the verification challenge');
    expect((await t.app.services.streams.list(ADMIN))[0]?.state).toBe('unverified');
  });

  it('refuses plain http beside the URL field, and the command to non-admins', async () => {
    const view = await openStreams();
    const submitted = await t.slack.sendViewSubmission({
      userId: ADMIN,
      viewId: view.id,
      inputs: {
        [INPUT.streamName]: 'x',
        [INPUT.streamKind]: 'webhook',
        [INPUT.streamUrl]: 'http://siem.example.com/hook',
        [INPUT.streamFormat]: 'json',
      },
    });
    expect(submitted.body).toMatchObject({ response_action: 'errors' });
    expect(JSON.stringify(submitted.body)).toContain('https://');
    const refused = await t.slack.sendSlashCommand({ userId: 'UBOB', text: 'admin streams' });
    expect(JSON.stringify(refused.body)).toContain('Only admins');
  });

  it("App Home shows admins each stream's lag and last error", async () => {
    await t.app.services.streams.add(ADMIN, { name: 'rsyslog', kind: 'syslog', url: 'tcp://127.0.0.1:9', format: 'ocsf' });
    // One delivery attempt, as the worker makes it: nothing listens on port 9 (discard), so it fails.
    const [claim] = await t.app.store.streamQueue.claim({ now: new Date(), leaseMs: 60_000, max: 1, exclude: [] });
    if (claim === undefined) throw new Error('the stream was not due');
    expect((await t.app.services.streams.deliver(claim, () => new Date())).kind).toBe('failed');
    await t.slack.sendEvent({ type: 'app_home_opened', user: ADMIN, tab: 'home' });
    const home = await t.slack.waitFor(() => t.slack.homeViewOf(ADMIN));
    const text = JSON.stringify(home.blocks);
    expect(text).toContain('Event streams');
    expect(text).toContain('rsyslog');
    expect(text).toMatch(/1 record behind/);
    expect(text).toMatch(/failing \(1 attempt\)[^"]*ECONNREFUSED/);
    await t.slack.sendEvent({ type: 'app_home_opened', user: 'UBOB', tab: 'home' });
    const bobs = await t.slack.waitFor(() => t.slack.homeViewOf('UBOB'));
    expect(JSON.stringify(bobs.blocks)).not.toContain('Event streams');
  });
});

describe.each(dialects)('event streams in the running app on %s', (dialect) => {
  it('the app started with background work runs the stream worker: a change reaches the stream', async () => {
    const t = await startTestApp({ dialect, background: true, env: { STREAM_SECRET_KEY: 'stream-secret-key-for-slack-tests-0123456789' } });
    const receiver = await TestReceiver.start();
    try {
      const result = await t.app.services.streams.add(ADMIN, {
        name: 'siem',
        kind: 'webhook',
        url: receiver.url,
        format: 'cloudevents',
        actionPrefix: 'api_access.',
      });
      if (result === 'replayed') throw new Error('not a replay');
      receiver.secret = result.secret ?? undefined;
      await t.app.services.access.grant(ADMIN, 'UALICE');
      await t.slack.waitFor(() => (receiver.records().some((r) => r.action === 'api_access.granted') ? true : undefined), {
        message: 'the grant to reach the stream',
      });
      expect(receiver.badSignatures).toEqual([]);
      expect(receiver.accepted[0]?.cloudEvents[0]?.type).toBe('com.accesskeybot.audit.api_access.granted');
    } finally {
      await t.stop();
      await receiver.stop();
    }
  });
});

describe.each(dialects)('the streams modal behind step-up codes on %s', (dialect) => {
  it('with ADMIN_STEP_UP=on a code is asked first; a wrong one opens nothing, a right one turns into the streams modal', async () => {
    const clock = new TestClock('2026-12-07T10:00:05.000Z');
    const t = await startTestApp({
      dialect,
      clock,
      env: {
        ADMIN_STEP_UP: 'on',
        MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        STREAM_SECRET_KEY: 'stream-secret-key-for-slack-tests-0123456789',
      },
    });
    try {
      const codeAt = (uri: string) => {
        const totp = URI.parse(uri);
        if (!(totp instanceof TOTP)) throw new Error('not TOTP');
        return totp.generate({ timestamp: clock.now().getTime() });
      };
      await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin mfa enroll' });
      const enrolModal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
      const dm = () => t.slack.dmChannelOf(ADMIN) ?? 'none';
      const message = await t.slack.waitFor(() => t.slack.messagesIn(dm()).find((m) => JSON.stringify(m.blocks).includes('otpauth://')));
      const uri = /otpauth:\/\/[^`\s"]+/.exec(JSON.stringify(message.blocks))?.[0]?.replace(/&amp;/g, '&') ?? '';
      await t.slack.sendViewSubmission({ userId: ADMIN, viewId: enrolModal.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
      await t.slack.waitFor(() => t.slack.messagesIn(dm()).some((m) => (m.text ?? '').includes('Step-up codes are set up')));
      clock.advance(30_000);

      await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin streams' });
      const codeModal = await t.slack.waitFor(() => {
        const open = t.slack.openViewFor(ADMIN);
        return JSON.stringify(open?.blocks ?? []).includes('opening the event streams') ? open : undefined;
      });
      const wrong = await t.slack.sendViewSubmission({ userId: ADMIN, viewId: codeModal.id, inputs: { [INPUT.mfaCode]: '000000' } });
      expect(JSON.stringify(wrong.body)).toContain('Nothing changed');
      const right = await t.slack.sendViewSubmission({ userId: ADMIN, viewId: codeModal.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
      expect(right.body).toMatchObject({ response_action: 'update', view: { callback_id: 'streams_modal' } });
      expect(t.slack.problems).toEqual([]);
    } finally {
      await t.stop();
    }
  });
});
