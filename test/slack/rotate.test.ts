import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { ADMIN, secretsIn, startTestApp, type TestApp } from '../support/app.js';

describe('/accesskey rotate', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
    await t.app.services.access.grant(ADMIN, 'UALICE');
  });
  afterEach(async () => t.stop());

  it("delivers the successor's secret once (message + CSV) and says how long the old key keeps working", async () => {
    const key = await t.app.services.keys.create('UALICE', { name: 'svc', expiry: { kind: 'never' } });
    await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'rotate svc' });
    await t.slack.clickButton({ userId: 'UALICE', actionId: ACTION.rotateKey, value: key.key.id });
    const post = await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => secretsIn(JSON.stringify(p.body)).length > 0));
    expect(JSON.stringify(post.body)).toContain('Replaces *svc*');
    expect(JSON.stringify(post.body)).toContain('keeps working until');
    const [secret] = secretsIn(JSON.stringify(post.body));
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf('UALICE'));
    await t.slack.waitFor(() => t.slack.filesIn(dm).some((f) => f.content?.includes(secret ?? '-')));
    expect((await t.app.services.keys.list('UALICE')).keys).toHaveLength(2);
  });

  it('the Rotate button in the key list does the same, and the old key shows no Rotate button afterwards', async () => {
    const key = await t.app.services.keys.create('UALICE', { name: 'one', expiry: { kind: 'never' } });
    await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'list' });
    await t.slack.clickButton({ userId: 'UALICE', actionId: ACTION.rotateKey, value: key.key.id });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.some((p) => secretsIn(JSON.stringify(p.body)).length > 0));
    const shown = await t.slack.sendSlashCommand({ userId: 'UALICE', text: `show ${key.key.id}` });
    expect(JSON.stringify(shown.body)).not.toContain(ACTION.rotateKey);
  });

  it('when the new secret reaches the user nowhere, the successor goes and the old key keeps its expiry', async () => {
    const old = await t.app.services.keys.create('UALICE', { name: 'keep', expiry: { kind: 'never' } });
    t.slack.fault({ method: 'files.getUploadURLExternal', kind: 'error', error: 'file_uploads_disabled' });
    t.slack.fault({ method: 'response_url', kind: 'http500', times: 1 });
    await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'rotate keep' });
    await t.slack.clickButton({ userId: 'UALICE', actionId: ACTION.rotateKey, value: old.key.id });
    // Told by DM: the response_url is the path that just failed.
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf('UALICE'));
    await t.slack.waitFor(() => t.slack.messagesIn(dm).some((m) => (m.text ?? '').includes('keeps its previous expiry')));
    const keys = (await t.app.services.keys.list('UALICE')).keys;
    expect(keys.map((k) => [k.key.id, k.key.expiresAt, k.key.rotatedTo])).toEqual([[old.key.id, null, null]]);
    if (!old.created) throw new Error('expected a new key');
    expect((await t.app.services.keys.verify(old.secret)).valid).toBe(true);
  });

  it('a key cannot be rotated twice', async () => {
    await t.app.services.keys.create('UALICE', { name: 'twice', expiry: { kind: 'never' } });
    await t.app.services.keys.rotate('UALICE', 'twice');
    const again = await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'rotate twice' });
    expect(JSON.stringify(again.body)).toContain('was already rotated');
  });
});
