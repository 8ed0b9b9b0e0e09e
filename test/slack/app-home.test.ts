import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/slack/ids.js';
import { ADMIN, secretsIn, startTestApp, type TestApp } from '../support/app.js';

const ALICE = 'UALICE';

describe('App Home', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => t.stop());

  it('shows a user without API access the way to request it', async () => {
    await t.slack.sendEvent({ type: 'app_home_opened', user: 'UBOB', tab: 'home' });
    const home = await t.slack.waitFor(() => t.slack.homeViewOf('UBOB'));
    expect(JSON.stringify(home.blocks)).toContain(ACTION.requestAccess);
  });

  it("shows the active role's keys and slots, and creates a key whose secret comes as an ephemeral DM", async () => {
    await t.app.services.access.grant(ADMIN, ALICE);
    await t.app.services.keys.create(ALICE, { name: 'existing', expiry: { kind: 'never' } });
    await t.slack.sendEvent({ type: 'app_home_opened', user: ALICE, tab: 'home' });
    const home = await t.slack.waitFor(() => t.slack.homeViewOf(ALICE));
    const text = JSON.stringify(home.blocks);
    expect(text).toContain('1 of 2 keys used');
    expect(text).toContain('existing');

    await t.slack.clickInView({ userId: ALICE, viewId: home.id, actionId: ACTION.createKey });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    await t.slack.sendViewSubmission({ userId: ALICE, viewId: modal.id, inputs: { [INPUT.name]: 'from-home' } });
    const ephemeral = await t.slack.waitFor(() => t.slack.ephemeralsFor(ALICE).find((m) => secretsIn(JSON.stringify(m.blocks)).length > 0));
    expect(ephemeral.channel).toBe(t.slack.dmChannelOf(ALICE));
    await t.slack.waitFor(() => JSON.stringify(t.slack.homeViewOf(ALICE)?.blocks).includes('2 of 2 keys used'));
  });

  it('a button on App Home changes the key and republishes the home view', async () => {
    await t.app.services.access.grant(ADMIN, ALICE);
    const key = await t.app.services.keys.create(ALICE, { name: 'homed', expiry: { kind: 'never' } });
    await t.slack.sendEvent({ type: 'app_home_opened', user: ALICE, tab: 'home' });
    const home = await t.slack.waitFor(() => t.slack.homeViewOf(ALICE));
    await t.slack.clickInView({ userId: ALICE, viewId: home.id, actionId: ACTION.deactivateKey, value: key.key.id });
    await t.slack.waitFor(() => JSON.stringify(t.slack.homeViewOf(ALICE)?.blocks).includes('is now inactive'));
    expect((await t.app.services.keys.show(ALICE, key.key.id)).key.status).toBe('inactive');
  });

  it('Details on App Home opens the key in a modal (Home clicks have no response_url)', async () => {
    await t.app.services.access.grant(ADMIN, ALICE);
    const key = await t.app.services.keys.create(ALICE, { name: 'detailed', expiry: { kind: 'never' } });
    await t.slack.sendEvent({ type: 'app_home_opened', user: ALICE, tab: 'home' });
    const home = await t.slack.waitFor(() => t.slack.homeViewOf(ALICE));
    await t.slack.clickInView({ userId: ALICE, viewId: home.id, actionId: ACTION.showKey, value: key.key.id });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    expect(JSON.stringify(modal.blocks)).toContain(key.key.id);
    expect(JSON.stringify(modal.blocks)).toContain('never shown again');
  });
});
