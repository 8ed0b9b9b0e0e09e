import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { ADMIN, AUDIT_CHANNEL, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { until } from '../support/wait.js';

const ALICE = 'UALICE';

describe.each(dialects)('report compromised from Slack on %s', (dialect) => {
  let t: TestApp;
  let keyId: string;
  let secret: string;
  beforeEach(async () => {
    // The audit mirror runs, so the security channel's alert can be seen.
    t = await startTestApp({ dialect, background: true });
    await t.app.services.access.grant(ADMIN, ALICE);
    const created = await t.app.services.keys.create(ALICE, { name: 'svc', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    keyId = created.key.id;
    secret = created.secret;
    await t.app.store.write((tx) => tx.keys.touchLastUsed(keyId, '2026-01-15T11:00:00.000Z', '203.0.113.7'));
  });
  afterEach(async () => t.stop());

  const text = (body: unknown) => JSON.stringify(body);

  it('/accesskey compromised asks once; then the key is refused, the security channel gets an alert, and the owner is offered Rotate', async () => {
    const ask = await t.slack.sendSlashCommand({ userId: ALICE, text: 'compromised svc' });
    expect(text(ask.body)).toContain('Report *svc*');
    expect(text(ask.body)).not.toContain('"confirm"');
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.reportCompromised, value: keyId });
    const outcome = await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => text(p.body).includes('is reported compromised')));
    expect(text(outcome.body)).toContain(ACTION.rotateKey);
    expect(text(outcome.body)).not.toContain(ACTION.activateKey);
    expect(await t.app.services.keys.verify(secret)).toEqual({ valid: false, code: 'INACTIVE' });

    const alert = await t.slack.waitFor(() => t.slack.messagesIn(AUDIT_CHANNEL).find((m) => m.blocks.some((b) => b.type === 'header')));
    const header = alert.blocks[0] as { type: string; text: { text: string } };
    expect(header).toMatchObject({ type: 'header', text: { text: ':rotating_light: Access key reported compromised' } });
    for (const part of [keyId, '<@UALICE>', 'Account Group Read Only', '<!date^', '203.0.113.7', 'key.reported_compromised'])
      expect(text(alert.blocks)).toContain(part);
    expect(alert.text).toMatch(/^:rotating_light: /);
    // The ordinary mirror lines stay ordinary.
    expect(t.slack.messagesIn(AUDIT_CHANNEL).filter((m) => m.blocks.some((b) => b.type === 'header'))).toHaveLength(1);
  });

  it('Rotate in the same message hands over a successor; the compromised key stays refused', async () => {
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'compromised svc' });
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.reportCompromised, value: keyId });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => text(p.body).includes('is reported compromised')));
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.rotateKey, value: keyId });
    const delivered = await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => secretsIn(text(p.body)).length > 0));
    expect(text(delivered.body)).toContain('was reported compromised and stays inactive');
    const [successorSecret] = secretsIn(text(delivered.body));
    // The successor works once the app has recorded the delivery, just after Slack took the message.
    expect(
      await until(async () => (await t.app.services.keys.verify(successorSecret)).valid, 'the successor to be confirmed delivered'),
    ).toBe(true);
    expect(await t.app.services.keys.verify(secret)).toEqual({ valid: false, code: 'INACTIVE' });
  });

  it('only an admin can make it active again', async () => {
    await t.app.services.keys.reportCompromised(ALICE, keyId);
    expect(text((await t.slack.sendSlashCommand({ userId: ALICE, text: 'activate svc' })).body)).toContain(
      'only an admin can make it active again',
    );
    expect(text((await t.slack.sendSlashCommand({ userId: ADMIN, text: `activate ${keyId}` })).body)).toContain('is active again');
    expect((await t.app.services.keys.verify(secret)).valid).toBe(true);
  });

  it('every key in the list carries the button behind one confirmation dialog; App Home too', async () => {
    const list = await t.slack.sendSlashCommand({ userId: ALICE, text: 'list' });
    expect(list.body).toMatchObject({
      blocks: expect.arrayContaining([
        expect.objectContaining({
          elements: expect.arrayContaining([
            expect.objectContaining({
              action_id: ACTION.reportCompromised,
              value: keyId,
              confirm: expect.objectContaining({ title: expect.objectContaining({ text: 'Report this key compromised?' }) }),
            }),
          ]),
        }),
      ]),
    });

    await t.slack.sendEvent({ type: 'app_home_opened', user: ALICE, tab: 'home' });
    const home = await t.slack.waitFor(() => t.slack.homeViewOf(ALICE));
    await t.slack.clickInView({ userId: ALICE, viewId: home.id, actionId: ACTION.reportCompromised, value: keyId });
    await t.slack.waitFor(() => text(t.slack.homeViewOf(ALICE)?.blocks).includes('is reported compromised'));
    expect(text(t.slack.homeViewOf(ALICE)?.blocks)).toContain('reported compromised');
    expect((await t.app.services.keys.show(ALICE, keyId)).key.status).toBe('compromised');
  });

  it("an admin may report anyone's key: the owner is told by DM and offered Rotate there", async () => {
    await t.slack.sendSlashCommand({ userId: ADMIN, text: `compromised ${keyId}` });
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.reportCompromised, value: keyId });
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf(ALICE));
    const message = await t.slack.waitFor(() => t.slack.messagesIn(dm).find((m) => m.text.includes('reported your access key')));
    expect(text(message.blocks)).toContain(ACTION.rotateKey);
    const [record] = await t.app.services.audit.search({ keyId, limit: 1 });
    expect(record).toMatchObject({ action: 'key.reported_compromised', actorId: ADMIN, ownerId: ALICE });
  });
});

describe.each(dialects)('report compromised from an expiry warning DM on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    // The expiry check runs every second so the warning DM arrives without waiting for the default cron.
    t = await startTestApp({ dialect, background: true, env: { EXPIRY_CHECK_CRON: '* * * * * *' } });
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  it('the warning carries the button, and pressing it reports the key and offers Rotate in its place', async () => {
    const created = await t.app.services.keys.create(ALICE, {
      name: 'soon',
      expiry: { kind: 'at', at: new Date(t.clock.now().getTime() + 8 * 86_400_000) },
    });
    // Two days later the key is inside its 7-day window.
    t.clock.advance(2 * 86_400_000);
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf(ALICE), { timeoutMs: 15_000 });
    const warning = await t.slack.waitFor(() => t.slack.messagesIn(dm).find((m) => m.text.includes('expires in')), { timeoutMs: 15_000 });
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.reportCompromised, value: created.key.id, message: warning });
    const outcome = await t.slack.waitFor(() =>
      t.slack.responseUrlPosts.find((p) => JSON.stringify(p.body).includes('is reported compromised')),
    );
    expect(JSON.stringify(outcome.body)).toContain(ACTION.rotateKey);
    expect((await t.app.services.keys.show(ALICE, created.key.id)).key.status).toBe('compromised');
  });
});
