import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addCalendarMonth } from '../../src/domain/time.js';
import { ACTION, BLOCK, INPUT } from '../../src/slack/ids.js';
import { ADMIN, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { DAY_MS } from '../support/domain.js';

const ALICE = 'UALICE';
const HOUR_MS = 60 * 60 * 1000;
const text = (value: unknown) => JSON.stringify(value);

interface Element {
  type?: string;
  action_id?: string;
  value?: string;
  confirm?: { title?: { text?: string }; text?: { text?: string } };
}
interface Block {
  type?: string;
  block_id?: string;
  optional?: boolean;
  elements?: Element[];
}

/** The buttons in a message or view's blocks. */
const buttonsIn = (blocks: unknown): Element[] =>
  ((blocks ?? []) as Block[]).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : [])).filter((e) => e.type === 'button');

const buttonIn = (blocks: unknown, actionId: string, keyId: string): Element => {
  const found = buttonsIn(blocks).find((e) => e.action_id === actionId && e.value === keyId);
  if (found === undefined) throw new Error(`no ${actionId} button for ${keyId} in ${text(blocks)}`);
  return found;
};

const blocksOf = (body: unknown): unknown => (body as { blocks?: unknown }).blocks;

describe.each(dialects)('key flows on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  const run = (command: string, userId = ALICE) => t.slack.sendSlashCommand({ userId, text: command });
  const make = async (name: string, expiry: { kind: 'never' } | { kind: 'at'; at: Date } = { kind: 'never' }) => {
    const result = await t.app.services.keys.create(ALICE, { name, expiry });
    if (!result.created) throw new Error('expected a new key');
    return result.key;
  };
  const openHome = async () => {
    await t.slack.sendEvent({ type: 'app_home_opened', user: ALICE, tab: 'home' });
    return t.slack.waitFor(() => t.slack.homeViewOf(ALICE));
  };
  const secretPost = () => t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => secretsIn(text(p.body)).length > 0));

  it('Rotate asks first on the list, details and App Home, as Make inactive, Delete and Report compromised do', async () => {
    const key = await make('asked');
    const surfaces = {
      list: blocksOf((await run('list')).body),
      details: blocksOf((await run(`show ${key.id}`)).body),
      home: (await openHome()).blocks,
    };
    for (const [surface, blocks] of Object.entries(surfaces)) {
      for (const action of [ACTION.rotateKey, ACTION.deactivateKey, ACTION.deleteKey, ACTION.reportCompromised])
        expect(buttonIn(blocks, action, key.id).confirm, `${surface}: ${action}`).toBeDefined();
      const rotate = buttonIn(blocks, ACTION.rotateKey, key.id).confirm;
      expect(rotate?.title?.text).toBe('Rotate this key?');
      expect(rotate?.text?.text).toContain('keeps working for 1 day after the new secret reaches you');
    }
  });

  it('/accesskey rotate asks once: nothing changes until its Rotate button, which asks nothing more, and the secret takes its place', async () => {
    const key = await make('by-command');
    const question = await run('rotate by-command');
    expect(text(question.body)).toContain('Rotate *by-command*');
    expect(buttonIn(blocksOf(question.body), ACTION.rotateKey, key.id).confirm).toBeUndefined();
    expect((await t.app.services.keys.list(ALICE)).keys).toHaveLength(1);
    expect((await t.app.services.audit.search({ keyId: key.id, limit: 10 })).map((r) => r.action)).not.toContain('key.rotated');

    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.rotateKey, value: key.id });
    const post = await secretPost();
    expect(post.body).toMatchObject({ replace_original: true });
    expect((await t.app.services.keys.list(ALICE)).keys).toHaveLength(2);
  });

  it('in a full role the list says "2 of 2 keys used (+1 being rotated out)", and a second rotation says what finishing one means', async () => {
    await make('a');
    await make('b');
    await t.app.services.keys.rotate(ALICE, 'a');
    for (const shown of [text((await run('list')).body), text((await openHome()).blocks)]) {
      expect(shown).toContain('2 of 2 keys used (+1 being rotated out)');
      expect(shown).not.toContain('3 of 2');
    }
    const refused = text((await run('rotate b')).body);
    expect(refused).toContain('2 of 2 keys used (+1 being rotated out) — finish an earlier rotation first.');
    expect(refused).toContain('finish a rotation by moving your integrations to the new key, then deleting the old one');
    expect(text((await run('create c')).body)).toContain('2 of 2 keys used (+1 being rotated out)');
  });

  it('rotating an expired key gives the successor a fresh month and says the old key has already expired', async () => {
    const key = await make('lapsed', { kind: 'at', at: new Date(t.clock.now().getTime() + HOUR_MS) });
    t.clock.advance(2 * HOUR_MS);
    const question = text((await run('rotate lapsed')).body);
    expect(question).toContain('has already expired');
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.rotateKey, value: key.id });
    const secret = text((await secretPost()).body);
    expect(secret).toContain('which has already expired');
    expect(secret).not.toContain('keeps working until');
    const successor = (await t.app.services.keys.list(ALICE)).keys.find((k) => k.key.id !== key.id)?.key;
    expect(successor?.expiresAt).toBe(addCalendarMonth(t.clock.now()).toISOString());
  });

  it("an expired key's successor gets the role's policy maximum when that is shorter than a month", async () => {
    await make('short', { kind: 'at', at: new Date(t.clock.now().getTime() + HOUR_MS) });
    await t.app.services.roles.setPolicy(ADMIN, { name: 'Account Group Read Only', change: { setting: 'max-days', value: 7 } });
    t.clock.advance(2 * HOUR_MS);
    const rotated = await t.app.services.keys.rotate(ALICE, 'short');
    expect(rotated.oldExpired).toBe(true);
    expect(rotated.successor.expiresAt).toBe(new Date(t.clock.now().getTime() + 7 * DAY_MS).toISOString());
  });

  it('reporting a rotated key compromised names its successor instead of offering a Rotate that is not there', async () => {
    const key = await make('leaky');
    const rotated = await t.app.services.keys.rotate(ALICE, 'leaky');
    const question = await run(`compromised ${key.id}`);
    expect(text(question.body)).toContain(`Its successor \`${rotated.successor.id}\` is not affected`);
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.reportCompromised, value: key.id });
    const outcome = await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => text(p.body).includes('is reported compromised')));
    expect(text(outcome.body)).toContain(`its successor \`${rotated.successor.id}\` takes its place`);
    expect(text(outcome.body)).not.toContain('*Rotate* it');
    expect(buttonsIn(blocksOf(outcome.body)).map((b) => b.action_id)).not.toContain(ACTION.rotateKey);
  });

  it('admin revoke of an unknown key ID does not say "of yours"; admin keys @user is headed with that user, in proper plurals', async () => {
    const missing = text((await run('admin revoke ak_0000000000000000', ADMIN)).body);
    expect(missing).toContain('No key has the ID \\"ak_0000000000000000');
    expect(missing).not.toContain('of yours');
    await make('only-one');
    const listed = text((await run(`admin keys <@${ALICE}|alice>`, ADMIN)).body);
    expect(listed).toContain(`*Keys of <@${ALICE}>*`);
    expect(listed).not.toContain('All keys');
    expect(listed).toContain('\\n1 key"');
    expect(text((await run('admin keys', ADMIN)).body)).toContain('*All keys*');
  });

  it('activate on an expired key says what to do without contradicting itself', async () => {
    await make('off', { kind: 'at', at: new Date(t.clock.now().getTime() + HOUR_MS) });
    await make('on', { kind: 'at', at: new Date(t.clock.now().getTime() + HOUR_MS) });
    await run('deactivate off');
    t.clock.advance(2 * HOUR_MS);
    const inactive = text((await run('activate off')).body);
    expect(inactive).toContain('an expired key cannot be made active. Extend its expiry first, then make it active.');
    expect(inactive).not.toContain('cannot be made active again');
    const active = text((await run('activate on')).body);
    expect(active).toContain('is still active, but it has expired: extend its expiry and it works again.');
  });

  it('when a policy leaves only a date, the expiry picker is required, so Slack does not label it "(optional)"', async () => {
    await make('bounded', { kind: 'at', at: new Date(t.clock.now().getTime() + DAY_MS) });
    const picker = (blocks: unknown) => (blocks as Block[]).find((b) => b.block_id === BLOCK.expiryAt);
    await run('extend bounded');
    expect(picker((await t.slack.waitFor(() => t.slack.openViewFor(ALICE))).blocks)?.optional).toBe(true);
    await t.slack.sendViewClosed({ userId: ALICE });

    await t.app.services.roles.setPolicy(ADMIN, { name: 'Account Group Read Only', change: { setting: 'max-days', value: 7 } });
    await run('extend bounded');
    const extend = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    expect(picker(extend.blocks)?.optional).toBe(false);
    await t.slack.sendViewClosed({ userId: ALICE });
    await run('create dated');
    const create = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    expect(picker(create.blocks)?.optional).toBe(false);
  });

  it('a key created on App Home: the Home says its secret went to the DM, and the DM message says it came from the Home', async () => {
    const home = await openHome();
    await t.slack.clickInView({ userId: ALICE, viewId: home.id, actionId: ACTION.createKey });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    await t.slack.sendViewSubmission({ userId: ALICE, viewId: modal.id, inputs: { [INPUT.name]: 'homemade' } });
    const secret = await t.slack.waitFor(() => t.slack.ephemeralsFor(ALICE).find((m) => secretsIn(text(m.blocks)).length > 0));
    expect(text(secret.blocks)).toContain('You created this key on my App Home tab');
    const refreshed = await t.slack.waitFor(() => {
      const blocks = text(t.slack.homeViewOf(ALICE)?.blocks);
      return blocks.includes('homemade') ? blocks : undefined;
    });
    expect(refreshed).toContain('*homemade* is created. Its secret is in your DM with me');
    expect(secretsIn(refreshed)).toEqual([]);
  });

  it('/accesskey delete asks once: its Delete button has no second dialog, and deletes', async () => {
    const key = await make('gone');
    const question = await run('delete gone');
    expect(buttonIn(blocksOf(question.body), ACTION.deleteKey, key.id).confirm).toBeUndefined();
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.deleteKey, value: key.id });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.some((p) => text(p.body).includes('is deleted')));
    expect((await t.app.services.keys.list(ALICE)).keys).toHaveLength(0);
    // Everywhere else Delete keeps Slack's own dialog.
    const other = await make('kept');
    expect(buttonIn(blocksOf((await run('list')).body), ACTION.deleteKey, other.id).confirm).toBeDefined();
  });
});
