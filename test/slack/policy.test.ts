import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK, INPUT } from '../../src/slack/ids.js';
import { ADMIN, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { DAY_MS } from '../support/domain.js';

const ALICE = 'UALICE';
const ROLE = 'Account Group Read Only';

describe.each(dialects)('lifetime policy per role from Slack on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  const text = (body: unknown) => JSON.stringify(body);

  it('an admin sets max-days; roles shows it; keys made before are flagged in list, details, App Home and admin keys, unchanged', async () => {
    const legacy = await t.app.services.keys.create(ALICE, { name: 'legacy', expiry: { kind: 'never' } });
    const set = await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin role policy ${ROLE} max-days 30` });
    expect(text(set.body)).toContain('keys expire within 30 days');
    expect(text((await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin roles' })).body)).toContain(
      `${ROLE}* — up to 2 keys per user · 2 members · built-in · policy: keys expire within 30 days`,
    );

    expect(text((await t.slack.sendSlashCommand({ userId: ALICE, text: 'list' })).body)).toContain('Out of policy');
    expect(text((await t.slack.sendSlashCommand({ userId: ALICE, text: 'show legacy' })).body)).toContain(
      `never expires; the ${ROLE} policy says keys expire within 30 days`,
    );
    expect(text((await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin keys' })).body)).toContain('out of policy');
    await t.slack.sendEvent({ type: 'app_home_opened', user: ALICE, tab: 'home' });
    const home = await t.slack.waitFor(() => t.slack.homeViewOf(ALICE));
    expect(text(home.blocks)).toContain('Out of policy');
    expect((await t.app.services.keys.show(ALICE, legacy.key.id)).key.expiresAt).toBeNull();

    const audit = await t.app.services.audit.search({ limit: 1 });
    expect(audit[0]).toMatchObject({
      action: 'role.policy_changed',
      actorId: ADMIN,
      roleName: ROLE,
      details: { maxDays: 30, keysOutOfPolicy: 1 },
    });
  });

  it('the create modal pre-fills the longest allowed expiry, requires it, and refuses a later one next to the expiry field', async () => {
    await t.app.services.roles.setPolicy(ADMIN, { name: ROLE, change: { setting: 'max-days', value: 30 } });
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'create ci' });
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    const expiryBlock = view.blocks.find((b) => b.block_id === BLOCK.expiry) as
      | { optional?: boolean; element: { initial_options?: unknown[] } }
      | undefined;
    expect(expiryBlock?.optional).toBe(false);
    expect(expiryBlock?.element.initial_options).toHaveLength(1);
    const picker = view.blocks.find((b) => b.block_id === BLOCK.expiryAt) as
      | { hint: { text: string }; element: { initial_date_time?: number } }
      | undefined;
    const latest = t.clock.now().getTime() + 30 * DAY_MS;
    expect(Math.abs((picker?.element.initial_date_time ?? 0) * 1000 - latest)).toBeLessThan(2000);
    expect(picker?.hint.text).toContain(`${ROLE} policy: keys expire within 30 days.`);

    const tooLate = Math.floor((t.clock.now().getTime() + 40 * DAY_MS) / 1000);
    const refused = await t.slack.sendViewSubmission({
      userId: ALICE,
      viewId: view.id,
      inputs: { [INPUT.name]: 'ci', [INPUT.expiryAt]: String(tooLate) },
    });
    expect(refused.body).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK.expiryAt]: expect.stringContaining(`The ${ROLE} policy says keys expire within 30 days`) },
    });

    const accepted = await t.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.name]: 'ci' } });
    expect(accepted.body).toBeUndefined();
    await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => secretsIn(JSON.stringify(p.body)).length > 0));
    const [created] = (await t.app.services.keys.list(ALICE)).keys;
    expect(Date.parse(created?.key.expiresAt ?? '')).toBe((picker?.element.initial_date_time ?? 0) * 1000);
  });

  it('the extend modal offers no "never" under a policy, and a too-late date is refused inline naming the policy', async () => {
    const key = await t.app.services.keys.create(ALICE, { name: 'svc', expiry: { kind: 'default' } });
    await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin role policy ${ROLE} expiry-required on` });
    await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin role policy ${ROLE} max-days 14` });
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'extend svc' });
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    const choices = view.blocks.find((b) => b.block_id === BLOCK.extendChoice) as
      | { element: { options: Array<{ value: string }> } }
      | undefined;
    expect(choices?.element.options.map((o) => o.value)).toEqual(['at']);
    const tooLate = Math.floor((t.clock.now().getTime() + 20 * DAY_MS) / 1000);
    const refused = await t.slack.sendViewSubmission({
      userId: ALICE,
      viewId: view.id,
      inputs: { [INPUT.extendChoice]: 'at', [INPUT.expiryAt]: String(tooLate) },
    });
    expect(refused.body).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK.expiryAt]: expect.stringContaining('keys expire within 14 days') },
    });
    expect((await t.app.services.keys.show(ALICE, key.key.id)).key.expiresAt).toBe(key.key.expiresAt);
  });

  it('clearing the policy with max-days off offers "never" again; bad values get a short error', async () => {
    await t.app.services.roles.setPolicy(ADMIN, { name: ROLE, change: { setting: 'max-days', value: 30 } });
    expect(text((await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin role policy ${ROLE} max-days off` })).body)).toContain(
      'no lifetime policy',
    );
    expect(text((await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin role policy ${ROLE} max-days soon` })).body)).toContain(
      'max-days takes a whole number of days from 1 to 3650',
    );
    expect(text((await t.slack.sendSlashCommand({ userId: ALICE, text: `admin role policy ${ROLE} max-days 5` })).body)).toMatch(/admin/i);
    expect((await t.app.services.keys.create(ALICE, { name: 'free', expiry: { kind: 'never' } })).created).toBe(true);
  });
});
