import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/slack/ids.js';
import { ADMIN, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { until } from '../support/wait.js';

const ALICE = 'UALICE';

describe('the whole flow in Socket Mode', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ socketMode: true });
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  it('create → secret delivered once → list → make inactive, all over the socket', async () => {
    const ack = await t.slack.sendSlashCommand({ userId: ALICE, text: 'create socket-key' });
    expect(ack.transport).toBe('socket');
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    await t.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.name]: 'socket-key' } });
    const post = await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => secretsIn(JSON.stringify(p.body)).length > 0));
    const [secret] = secretsIn(JSON.stringify(post.body));
    // The key works once the app has recorded the delivery, a moment after Slack showed the message.
    await until(async () => (await t.app.services.keys.verify(secret)).valid, 'the key to count as delivered');
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf(ALICE));
    await t.slack.waitFor(() => t.slack.filesIn(dm).find((f) => f.content?.includes(secret ?? '-')));

    const list = await t.slack.sendSlashCommand({ userId: ALICE, text: 'list' });
    expect(JSON.stringify(list.body)).toContain('socket-key');
    const [row] = (await t.app.services.keys.list(ALICE)).keys;
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.deactivateKey, value: row?.key.id });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.some((p) => JSON.stringify(p.body).includes('is now inactive')));
    expect(await t.app.services.keys.verify(secret)).toEqual({ valid: false, code: 'INACTIVE' });
    expect(t.slack.lateAcks).toEqual([]);
    expect(t.slack.problems).toEqual([]);
  });

  it('in Socket Mode the HTTP port serves the API but no Slack endpoint', async () => {
    const response = await fetch(`http://127.0.0.1:${t.app.port}/slack/events`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${t.app.port}/healthz`)).status).toBe(200);
  });
});
