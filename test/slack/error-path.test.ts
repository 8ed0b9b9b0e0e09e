import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/slack/ids.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';

const ALICE = 'UALICE';
const REFERENCE = /err_[0-9a-f]{12}/;

/**
 * A real fault, not a mock: the users table disappears under the running app, so every listener that
 * reads the caller's roles throws an error no listener expects. The one error path must still answer.
 */
describe.each(dialects)('when a listener fails unexpectedly, on %s', (dialect) => {
  let t: TestApp;
  let keyId: string;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    await t.app.services.access.grant(ADMIN, ALICE);
    keyId = (await t.app.services.keys.create(ALICE, { name: 'fragile', expiry: { kind: 'never' } })).key.id;
  });
  afterEach(async () => {
    if (broken) await sql`alter table users_broken rename to users`.execute(t.db.connection.db);
    broken = false;
    await t.stop();
  });

  let broken = false;
  async function breakDatabase(): Promise<void> {
    await sql`alter table users rename to users_broken`.execute(t.db.connection.db);
    broken = true;
  }

  /** The reference the user was shown is in exactly one log line: the failure, logged once. */
  function expectLoggedOnce(shown: string): string {
    const reference = REFERENCE.exec(shown)?.[0];
    expect(reference).toBeDefined();
    const lines = t.logs.filter((line) => line.includes(reference ?? 'none'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('request failed');
    return reference ?? '';
  }

  it('a slash command is answered ephemerally with a short text and an err_ reference', async () => {
    await breakDatabase();
    const ack = await t.slack.sendSlashCommand({ userId: ALICE, text: 'list' });
    expect(ack.body).toMatchObject({ response_type: 'ephemeral' });
    const shown = JSON.stringify(ack.body);
    expect(shown).toContain('Something went wrong on our side');
    expect(shown).not.toContain('req_');
    expect(shown).not.toMatch(/users|sqlite|relation/i);
    expectLoggedOnce(shown);
  });

  it('a button under a message is acknowledged and answered with an ephemeral reply', async () => {
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'list' });
    await breakDatabase();
    const click = await t.slack.clickButton({ userId: ALICE, actionId: ACTION.showKey, value: keyId });
    expect(click.status).toBe(200);
    const reply = await t.slack.waitFor(
      () => t.slack.responsesTo(click.responseUrl ?? '').find((p) => REFERENCE.test(JSON.stringify(p.body))),
      { message: 'the error reply' },
    );
    expect(reply.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expectLoggedOnce(JSON.stringify(reply.body));
  });

  it('a button on App Home shows the error on the Home tab, even though Home cannot be drawn', async () => {
    await t.slack.sendEvent({ type: 'app_home_opened', user: ALICE, tab: 'home' });
    const home = await t.slack.waitFor(() => t.slack.homeViewOf(ALICE));
    await breakDatabase();
    await t.slack.clickInView({ userId: ALICE, viewId: home.id, actionId: ACTION.createKey });
    const errorHome = await t.slack.waitFor(
      () => {
        const now = t.slack.homeViewOf(ALICE);
        return REFERENCE.test(JSON.stringify(now?.blocks)) ? now : undefined;
      },
      { message: 'the error on App Home' },
    );
    expectLoggedOnce(JSON.stringify(errorHome.blocks));
  });

  it('a modal submission that fails for no reason of its input replaces the modal with the error', async () => {
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'create nightly' });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ALICE), { message: 'create modal' });
    await breakDatabase();
    const submitted = await t.slack.sendViewSubmission({ userId: ALICE, viewId: modal.id, inputs: { [INPUT.name]: 'nightly' } });
    expect(submitted.body).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
    expectLoggedOnce(JSON.stringify(submitted.body));
    expect(t.slack.problems).toEqual([]);
  });

  it('a failing app_home_opened is logged once with a reference, since nobody waits for an answer', async () => {
    await breakDatabase();
    const before = t.logs.length;
    await t.slack.sendEvent({ type: 'app_home_opened', user: ALICE, tab: 'home' });
    const line = await t.slack.waitFor(() => t.logs.slice(before).find((l) => l.includes('request failed')), { message: 'the log line' });
    expect(line).toContain('app_home_opened');
    expect(line).toMatch(REFERENCE);
    expect(t.slack.homeViewOf(ALICE)).toBeUndefined();
  });
});
