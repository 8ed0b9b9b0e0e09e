import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INPUT } from '../../src/slack/ids.js';
import { ADMIN, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { until } from '../support/wait.js';

const ALICE = 'UALICE';

/**
 * The secret's message goes by response_url; when that path keeps failing (and the CSV fails too),
 * the "couldn't deliver" notice must take another path, or the user hears nothing at all.
 */
describe('the "couldn\'t deliver" notice when the response_url keeps failing', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  it('reaches the user by DM, without the secret', async () => {
    t.slack.fault({ method: 'files.getUploadURLExternal', kind: 'error', error: 'file_uploads_disabled' });
    t.slack.fault({ method: 'response_url', kind: 'http500' });
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'create lost' });
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    await t.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.name]: 'lost' } });
    await until(
      async () => (await t.app.services.audit.search({ userId: ALICE, limit: 1 }))[0]?.action === 'key.deleted',
      'the undelivered key to be deleted',
    );
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf(ALICE), { message: 'a DM with the user' });
    const told = await t.slack.waitFor(() => t.slack.messagesIn(dm).find((m) => (m.text ?? '').includes("couldn't deliver the secret")), {
      message: 'the notice in the DM',
    });
    expect(told.text).toContain('deleted it again');
    expect(secretsIn(JSON.stringify(told))).toEqual([]);
  });
});
