import { randomBytes } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/slack/ids.js';
import { ADMIN, AUDIT_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { TestClock } from '../support/domain.js';

const ALICE = 'UALICE';
const GENERAL = 'C0GENERAL';
const text = (value: unknown) => JSON.stringify(value);

describe.each(dialects)('a leaked key called a false positive with ADMIN_STEP_UP=on, on %s', (dialect) => {
  let t: TestApp;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock('2026-12-07T10:00:05.000Z');
    t = await startTestApp({ dialect, clock, env: { ADMIN_STEP_UP: 'on', MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
    t.slack.addChannel({ id: GENERAL, name: 'general' });
  });
  afterEach(async () => t.stop());

  const codeAt = (uri: string) => {
    const totp = URI.parse(uri);
    if (!(totp instanceof TOTP)) throw new Error('not TOTP');
    return totp.generate({ timestamp: clock.now().getTime() });
  };

  /** `/accesskey admin mfa enroll`, then the first code in its modal. */
  async function enrol(user: string): Promise<string> {
    await t.slack.sendSlashCommand({ userId: user, text: 'admin mfa enroll' });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(user));
    const dm = () => t.slack.dmChannelOf(user) ?? 'none';
    const message = await t.slack.waitFor(() => t.slack.messagesIn(dm()).find((m) => text(m.blocks).includes('otpauth://')));
    const uri = /otpauth:\/\/[^`\s"]+/.exec(text(message.blocks))?.[0]?.replace(/&amp;/g, '&') ?? '';
    await t.slack.sendViewSubmission({ userId: user, viewId: modal.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
    await t.slack.waitFor(() => t.slack.messagesIn(dm()).some((m) => (m.text ?? '').includes('Step-up codes are set up')));
    clock.advance(30_000);
    return uri;
  }

  it('asks the admin for a code before the key works again; Keep inactive needs none', async () => {
    const uri = await enrol(ADMIN);
    await t.app.services.access.grant(ADMIN, ALICE);
    const created = await t.app.services.keys.create(ALICE, { name: 'svc', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    await t.slack.sendEvent({ type: 'message', channel: GENERAL, user: 'UBOB', ts: '1700000000.000100', text: created.secret });
    const card = await t.slack.waitFor(() =>
      t.slack.messagesIn(AUDIT_CHANNEL).find((m) => text(m.blocks).includes(ACTION.leakFalsePositive)),
    );

    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.leakFalsePositive, value: created.key.id, message: card });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    expect(text(modal.blocks)).toContain('false positive');
    expect((await t.app.services.keys.verify(created.secret)).valid).toBe(false);
    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.mfaCode]: codeAt(uri) } });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => text(p.body).includes('is active again (false positive)')));
    expect((await t.app.services.keys.verify(created.secret)).valid).toBe(true);

    // A second leak of another key: Keep inactive decides at once, without a code.
    const other = await t.app.services.keys.create(ALICE, { name: 'svc2', expiry: { kind: 'never' } });
    if (!other.created) throw new Error('expected a new key');
    await t.slack.sendEvent({ type: 'message', channel: GENERAL, user: 'UBOB', ts: '1700000000.000200', text: other.secret });
    const second = await t.slack.waitFor(() =>
      t.slack
        .messagesIn(AUDIT_CHANNEL)
        .find((m) => text(m.blocks).includes(other.key.id) && text(m.blocks).includes(ACTION.leakKeepInactive)),
    );
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.leakKeepInactive, value: other.key.id, message: second });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => text(p.body).includes('stays inactive; the leak is confirmed')));
    expect((await t.app.services.keys.verify(other.secret)).valid).toBe(false);
  });
});
