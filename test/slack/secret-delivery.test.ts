import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INPUT } from '../../src/slack/ids.js';
import { ADMIN, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { until } from '../support/wait.js';

const ALICE = 'UALICE';

describe('when the secret cannot be delivered', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  async function submitCreate(name: string) {
    await t.slack.sendSlashCommand({ userId: ALICE, text: `create ${name}` });
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    await t.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.name]: name } });
  }

  it('without the CSV, the key stays and a follow-up (without the secret) says to copy it from the message now', async () => {
    t.slack.fault({ method: 'files.getUploadURLExternal', kind: 'error', error: 'file_uploads_disabled' });
    await submitCreate('no-csv');
    const post = await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => secretsIn(JSON.stringify(p.body)).length > 0));
    const followUp = await t.slack.waitFor(() =>
      t.slack.responseUrlPosts.find((p) => JSON.stringify(p.body).includes('could not be delivered')),
    );
    expect(JSON.stringify(followUp.body)).toContain('copy the secret from the message above now');
    expect(secretsIn(JSON.stringify(followUp.body))).toEqual([]);
    const [secret] = secretsIn(JSON.stringify(post.body));
    expect((await t.app.services.keys.verify(secret)).valid).toBe(true);
  });

  it('a hanging CSV upload (files.completeUploadExternal never answers) does not delay the ephemeral secret, and the key works at once', async () => {
    t.slack.fault({ method: 'files.completeUploadExternal', kind: 'delay', ms: 60_000 });
    const started = Date.now();
    await submitCreate('slow-csv');
    const post = await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => secretsIn(JSON.stringify(p.body)).length > 0), {
      message: 'the secret message while the upload hangs',
    });
    const [secret] = secretsIn(JSON.stringify(post.body));
    await until(async () => (await t.app.services.keys.verify(secret)).valid, 'the key to count as delivered');
    // The upload is still hanging: the message did not wait for it.
    expect(t.slack.filesIn(t.slack.dmChannelOf(ALICE) ?? 'none').filter((f) => secretsIn(f.content ?? '').length > 0)).toEqual([]);
    // The client's timeout ends the hang (well before the emulator's 60 s), and the user hears the CSV is not coming.
    await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => JSON.stringify(p.body).includes('could not be delivered')), {
      timeoutMs: 15_000,
      message: 'the upload to time out',
    });
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);

  it('without the message, the key stays and the DM says the CSV is the only copy', async () => {
    t.slack.fault({ method: 'response_url', kind: 'http500' });
    await submitCreate('no-message');
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf(ALICE));
    await t.slack.waitFor(() => t.slack.messagesIn(dm).some((m) => (m.text ?? '').includes('the CSV above is the only copy')));
    const [file] = t.slack.filesIn(dm);
    const [secret] = secretsIn(file?.content ?? '');
    expect((await t.app.services.keys.verify(secret)).valid).toBe(true);
  });

  it('with neither, the key is deleted (audited), its secret never verifies, and the user is told to retry', async () => {
    t.slack.fault({ method: 'files.getUploadURLExternal', kind: 'error', error: 'file_uploads_disabled' });
    t.slack.fault({ method: 'response_url', kind: 'http500', times: 1 });
    await submitCreate('lost');
    await until(
      async () => (await t.app.services.audit.search({ userId: ALICE, limit: 1 }))[0]?.action === 'key.deleted',
      'the undelivered key to be deleted',
    );
    expect((await t.app.services.keys.list(ALICE)).keys).toEqual([]);
    const audit = await t.app.services.audit.search({ userId: ALICE, limit: 10 });
    expect(audit.map((r) => r.action).slice(0, 2)).toEqual(['key.deleted', 'key.created']);
    expect(audit[0]?.details).toMatchObject({ reason: 'secret_not_delivered' });
    // The user hears about it by DM (not on the path that just failed), without any secret.
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf(ALICE));
    const told = await t.slack.waitFor(() => t.slack.messagesIn(dm).find((m) => (m.text ?? '').includes('deleted it again')));
    expect(secretsIn(JSON.stringify(told))).toEqual([]);
    // The only place the secret went was the one (failed) ephemeral attempt: no Web API call carried it.
    expect(t.slack.calls.filter((c) => secretsIn(JSON.stringify(c.args)).length > 0)).toEqual([]);
  });
});

describe('shutting down while a secret is on its way', () => {
  it("stop waits for the delivery to finish, so the committed key's secret still reaches its owner", async () => {
    const t = await startTestApp();
    try {
      await t.app.services.access.grant(ADMIN, ALICE);
      t.slack.fault({ method: 'files.getUploadURLExternal', kind: 'delay', ms: 1500 });
      await t.slack.sendSlashCommand({ userId: ALICE, text: 'create in-flight' });
      const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
      await t.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.name]: 'in-flight' } });
      // The key is committed and the (slow) delivery has started; now the process is told to stop.
      await until(async () => (await t.app.services.keys.list(ALICE)).keys.length === 1, 'the key to be committed');
      expect(t.slack.responseUrlPosts.filter((p) => secretsIn(JSON.stringify(p.body)).length > 0)).toEqual([]);
      await t.app.stop();
      expect(t.slack.responseUrlPosts.filter((p) => secretsIn(JSON.stringify(p.body)).length > 0)).toHaveLength(1);
      const dm = t.slack.dmChannelOf(ALICE) ?? 'none';
      expect(t.slack.filesIn(dm).filter((f) => secretsIn(f.content ?? '').length > 0)).toHaveLength(1);
    } finally {
      await t.slack.stop();
      await t.db.cleanup();
    }
  });
});
