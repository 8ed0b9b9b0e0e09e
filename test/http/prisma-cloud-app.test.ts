import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, AUDIT_CHANNEL, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { call, loginAs } from './prisma-cloud-support.js';

const ALICE = 'UALICE';

describe.each(dialects)('the key API in the running app, with Slack (%s)', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => t?.stop());

  const dmTexts = (app: TestApp): string[] => {
    const channel = app.slack.dmChannelOf(ALICE);
    return channel === undefined ? [] : app.slack.messagesIn(channel).map((m) => JSON.stringify(m.blocks));
  };
  const channelText = (app: TestApp): string =>
    app.slack
      .messagesIn(AUDIT_CHANNEL)
      .map((m) => `${m.text} ${JSON.stringify(m.blocks)}`)
      .join('\n');

  it('a key created and deleted through the API reaches the owner by DM ("by automation using key …") and the security channel', async () => {
    t = await startTestApp({ dialect, background: true });
    const app = t;
    await app.app.services.access.grant(ADMIN, ALICE);
    const first = await app.app.services.keys.create(ALICE, { name: 'ci', expiry: { kind: 'never' } });
    if (!first.created) throw new Error('key not created');
    const base = `http://127.0.0.1:${app.app.port}`;
    const token = await loginAs(base, { id: first.key.id, secret: first.secret });

    const reply = await call(base, 'POST', '/access_keys', { token, body: JSON.stringify({ name: 'ci-next' }) });
    expect(reply.status).toBe(200);
    const created = reply.body as { id: string; secretKey: string };
    await app.slack.waitFor(() => dmTexts(app).find((text) => text.includes('was created') && text.includes(created.id)), {
      timeoutMs: 15_000,
      message: 'the creation DM',
    });
    expect(dmTexts(app).join('\n')).toContain(`by automation using key \`${first.key.id}\``);

    expect((await call(base, 'DELETE', `/access_keys/${created.id}`, { token })).status).toBe(200);
    await app.slack.waitFor(() => dmTexts(app).find((text) => text.includes('was deleted') && text.includes(created.id)), {
      timeoutMs: 15_000,
      message: 'the deletion DM',
    });
    await app.slack.waitFor(
      () => (channelText(app).includes(created.id) && channelText(app).split(created.id).length > 2 ? true : undefined),
      { timeoutMs: 15_000, message: 'the audit mirror posts' },
    );

    expect(secretsIn(app.slack.allText())).toEqual([]);
    expect(secretsIn(app.logs.join('\n'))).toEqual([]);
    expect(app.slack.allText()).not.toContain(created.secretKey);
  }, 40_000);

  it('a DM refused while Slack is down is sent once Slack is back, not lost', async () => {
    t = await startTestApp({ dialect, background: true });
    const app = t;
    await app.app.services.access.grant(ADMIN, ALICE);
    const first = await app.app.services.keys.create(ALICE, { name: 'ci', expiry: { kind: 'never' } });
    if (!first.created) throw new Error('key not created');
    const base = `http://127.0.0.1:${app.app.port}`;
    const token = await loginAs(base, { id: first.key.id, secret: first.secret });
    app.slack.fault({ method: 'conversations.open', kind: 'http500', times: 1 });
    expect((await call(base, 'PATCH', `/access_keys/${first.key.id}/status/false`, { token })).status).toBe(200);
    await app.slack.waitFor(() => dmTexts(app).find((text) => text.includes('was made inactive')), {
      timeoutMs: 15_000,
      message: 'the DM after the outage',
    });
    expect(dmTexts(app).filter((text) => text.includes('was made inactive'))).toHaveLength(1);
  }, 40_000);
});
