import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/domain/secrets.js';
import { ACTION } from '../../src/slack/ids.js';
import { ADMIN, AUDIT_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { until } from '../support/wait.js';

const ALICE = 'UALICE';
const BOB = 'UBOB';
const GENERAL = 'C0GENERAL';

describe.each(dialects)('the leak watch in Slack on %s', (dialect) => {
  let t: TestApp;
  let keyId: string;
  let secret: string;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    t.slack.addChannel({ id: GENERAL, name: 'general' });
    await t.app.services.access.grant(ADMIN, ALICE);
    const created = await t.app.services.keys.create(ALICE, { name: 'svc', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    keyId = created.key.id;
    secret = created.secret;
  });
  afterEach(async () => t.stop());

  const text = (body: unknown) => JSON.stringify(body);
  const leakRecords = async () => (await t.app.services.audit.search({ keyId, limit: 500 })).filter((r) => r.action === 'key.leaked');
  const card = () =>
    t.slack
      .messagesIn(AUDIT_CHANNEL)
      .find((m) => text(m.blocks).includes(ACTION.leakFalsePositive) || text(m.blocks).includes('Leaked access key'));
  const post = (ts: string, fields: Record<string, unknown>) =>
    t.slack.sendEvent({ type: 'message', channel: GENERAL, user: BOB, ts, ...fields });

  it('a secret pasted in a channel stops the key; the thread, the poster, the owner and the security channel are told, none quoting it', async () => {
    await post('1700000000.000100', { text: `here is the prod key \`${secret}\`` });
    expect(await until(async () => (await t.app.services.keys.verify(secret)).valid === false, 'the key to stop')).toBe(true);
    const reply = await t.slack.waitFor(() => t.slack.messagesIn(GENERAL).find((m) => m.threadTs === '1700000000.000100'));
    expect(reply.text).toContain('Please delete the message');
    const ownerDm = await t.slack.waitFor(() => {
      const dm = t.slack.dmChannelOf(ALICE);
      return dm === undefined ? undefined : t.slack.messagesIn(dm).find((m) => m.text.includes('was found in Slack'));
    });
    expect(text(ownerDm.blocks)).toContain(ACTION.rotateKey);
    const posterDm = await t.slack.waitFor(() => {
      const dm = t.slack.dmChannelOf(BOB);
      return dm === undefined ? undefined : t.slack.messagesIn(dm).find((m) => m.text.includes('You posted the secret'));
    });
    const leakCard = await t.slack.waitFor(card);
    for (const part of [ACTION.rotateKey, ACTION.leakKeepInactive, ACTION.leakFalsePositive, keyId, 'Seen once'])
      expect(text(leakCard.blocks)).toContain(part);
    for (const said of [reply, ownerDm, posterDm, leakCard]) expect(text(said)).not.toContain(secret.slice(4, 12));
    const [record] = await leakRecords();
    expect(record?.details).toMatchObject({ source: 'slack', channel: GENERAL, messageTs: '1700000000.000100', poster: BOB });
  });

  it('finds secrets in links, in rich text split by formatting, and in an edit; a replayed event acts once', async () => {
    const half = 20;
    await post('1700000000.000200', {
      text: 'see link',
      blocks: [
        {
          type: 'rich_text',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: secret.slice(0, half) },
                { type: 'text', text: secret.slice(half), style: { bold: true } },
              ],
            },
          ],
        },
      ],
    });
    await until(async () => (await leakRecords()).length === 1, 'the rich-text sighting');
    // An edit that adds the secret behind a link, in another message.
    await t.slack.sendEvent({
      type: 'message',
      subtype: 'message_changed',
      channel: GENERAL,
      ts: '1700000001.000000',
      message: { type: 'message', user: BOB, ts: '1700000000.000300', text: `<https://example.com/?k=${secret}|the docs>` },
      previous_message: { type: 'message', user: BOB, ts: '1700000000.000300', text: 'the docs' },
    });
    await until(async () => (await leakRecords()).length === 2, 'the edited sighting');
    // Slack retries the same event: nothing more.
    await post('1700000000.000200', { text: `again ${secret}` });
    await t.slack.waitFor(() => t.slack.messagesIn(GENERAL).filter((m) => m.threadTs !== undefined).length >= 2 || undefined);
    expect(await leakRecords()).toHaveLength(2);
    const shown = await t.slack.waitFor(() => {
      const found = card();
      return found !== undefined && text(found.blocks).includes('Seen 2 times') ? found : undefined;
    });
    expect(t.slack.messagesIn(AUDIT_CHANNEL).filter((m) => text(m.blocks).includes('Leaked access key'))).toEqual([shown]);
  });

  it("skips bots' messages, and a well-formed secret of no key writes nothing", async () => {
    await post('1700000000.000400', { text: `bot says ${secret}`, bot_id: 'B0OTHER', subtype: 'bot_message' });
    await t.slack.sendEvent({ type: 'message', channel: GENERAL, user: 'U0BOT', bot_id: 'B0BOT', ts: '1700000000.000500', text: secret });
    const head = await t.app.store.read.audit.readHead();
    await post('1700000000.000600', { text: `unknown ${generateSecret()}` });
    await until(async () => t.app.services.leaks.unknownBySource().slack === 1, 'the unknown secret to be counted');
    expect((await t.app.services.keys.verify(secret)).valid).toBe(true);
    expect(await t.app.store.read.audit.readHead()).toEqual(head);
    expect(await leakRecords()).toEqual([]);
  });

  it('a burst of 50 messages makes 50 records and one card that counts them', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => post(`1700000100.${String(i).padStart(6, '0')}`, { text: secret })));
    await until(async () => (await leakRecords()).length === 50, '50 records');
    const counted = await t.slack.waitFor(() => {
      const found = card();
      return found !== undefined && text(found.blocks).includes('Seen 50 times') ? found : undefined;
    });
    expect(t.slack.messagesIn(AUDIT_CHANNEL).filter((m) => text(m.blocks).includes('Leaked access key'))).toEqual([counted]);
  });

  it('only an admin can call it a false positive, which makes the key work again', async () => {
    await post('1700000000.000700', { text: secret });
    const leakCard = await t.slack.waitFor(card);
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.leakFalsePositive, value: keyId, message: leakCard });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => text(p.body).includes('Only admins')));
    expect((await t.app.services.keys.verify(secret)).valid).toBe(false);
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.leakFalsePositive, value: keyId, message: leakCard });
    expect(await until(async () => (await t.app.services.keys.verify(secret)).valid, 'the key to work again')).toBe(true);
    await t.slack.waitFor(() => {
      const found = card();
      return found !== undefined && text(found.blocks).includes('false positive') ? found : undefined;
    });
    const [record] = await t.app.services.audit.search({ keyId, limit: 1 });
    expect(record).toMatchObject({ action: 'key.leak_false_positive', actorId: ADMIN });
  });

  it('sighted again after a false positive, the card asks again with its buttons', async () => {
    await post('1700000000.000800', { text: secret });
    const first = await t.slack.waitFor(card);
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.leakFalsePositive, value: keyId, message: first });
    await t.slack.waitFor(() => {
      const found = card();
      return found !== undefined && text(found.blocks).includes('marked a false positive') ? found : undefined;
    });
    await post('1700000000.000801', { text: secret });
    const reopened = await t.slack.waitFor(() => {
      const found = card();
      return found !== undefined && text(found.blocks).includes('Seen 2 times') && text(found.blocks).includes(ACTION.leakKeepInactive)
        ? found
        : undefined;
    });
    expect(text(reopened.blocks)).toContain(ACTION.leakFalsePositive);
    expect(text(reopened.blocks)).not.toContain('marked a false positive');
    expect((await t.app.services.keys.verify(secret)).valid).toBe(false);
  });
});

describe.each(dialects)('the leak watch over Socket Mode on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect, socketMode: true });
    await t.slack.waitForSocket();
    t.slack.addChannel({ id: GENERAL, name: 'general' });
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  it('a secret pasted in a DM with the app stops the key too', async () => {
    const created = await t.app.services.keys.create(ALICE, { name: 'svc', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    const dm = t.slack.openDm(BOB);
    await t.slack.sendEvent({ type: 'message', channel: dm, channel_type: 'im', user: BOB, ts: '1700000000.000900', text: created.secret });
    expect(await until(async () => (await t.app.services.keys.verify(created.secret)).valid === false, 'the key to stop')).toBe(true);
    const reply = await t.slack.waitFor(() => t.slack.messagesIn(dm).find((m) => m.threadTs === '1700000000.000900'));
    expect(reply.text).toContain('Please delete the message');
  });
});
