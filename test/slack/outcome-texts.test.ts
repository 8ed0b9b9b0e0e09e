import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { keyActivatedText, keyDeactivatedText } from '../../src/slack/views/outcomes.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';

const ALICE = 'UALICE';
const shown = (text: string) => JSON.stringify(text).slice(1, -1);

/** One outcome, one wording: the slash command and the button say the same thing (src/slack/views/outcomes.ts). */
describe('a key status change reads the same from a button and from the command', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  async function clickAnswer(actionId: string, keyId: string): Promise<string> {
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'list' });
    const click = await t.slack.clickButton({ userId: ALICE, actionId, value: keyId });
    const post = await t.slack.waitFor(() => t.slack.responsesTo(click.responseUrl ?? '')[0], { message: `the answer to ${actionId}` });
    return JSON.stringify(post.body);
  }

  it('"make inactive" and "make active" answer with the same words either way', async () => {
    const { key } = await t.app.services.keys.create(ALICE, { name: 'twin', expiry: { kind: 'never' } });
    const byCommand = JSON.stringify((await t.slack.sendSlashCommand({ userId: ALICE, text: 'deactivate twin' })).body);
    expect(byCommand).toContain(shown(keyDeactivatedText('twin')));
    expect(JSON.stringify((await t.slack.sendSlashCommand({ userId: ALICE, text: 'activate twin' })).body)).toContain(
      shown(keyActivatedText('twin')),
    );
    expect(await clickAnswer(ACTION.deactivateKey, key.id)).toContain(shown(keyDeactivatedText('twin')));
    expect(await clickAnswer(ACTION.activateKey, key.id)).toContain(shown(keyActivatedText('twin')));
  });
});
