import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditAction } from '../../src/domain/model.js';
import { ACTION, INPUT } from '../../src/slack/ids.js';
import { EXTEND_CHOICES } from '../../src/slack/views/modals.js';
import { ADMIN, APPROVALS_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { TestClock } from '../support/domain.js';
import type { Delivery } from '../../src/sandbox/emulator/inbound.js';

const ALICE = 'UALICE';
const BOB = 'UBOB';
const text = (value: unknown) => JSON.stringify(value);

/**
 * Every state-changing submission and button, delivered three times with the same payload (freshly
 * signed, as a Slack retry or a captured request would be): one effect, one audit record.
 */
describe('a replayed Slack request takes effect once', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ clock: new TestClock(new Date()) });
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  const make = async (name: string) => {
    const result = await t.app.services.keys.create(ALICE, { name, expiry: { kind: 'never' } });
    return result.key;
  };
  const lastDelivery = (type: string): Delivery => {
    const found = [...t.slack.deliveries].reverse().find((d) => d.payload.type === type);
    if (found === undefined) throw new Error(`no ${type} delivered`);
    return found;
  };
  const replay = async (delivery: Delivery) => {
    const reply = await t.slack.sendRaw({
      body: `payload=${encodeURIComponent(JSON.stringify(delivery.payload))}`,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(reply.status).toBe(200);
  };
  const records = async (action: AuditAction, filter: { keyId?: string; userId?: string }) =>
    (await t.app.services.audit.search({ ...filter, limit: 50 })).filter((r) => r.action === action);

  /** Clicks a key's button in the list, replays that press twice, and waits for all three answers. */
  async function pressThreeTimes(actionId: string, keyId: string) {
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'list' });
    const click = await t.slack.clickButton({ userId: ALICE, actionId, value: keyId });
    const press = lastDelivery('block_actions');
    await replay(press);
    await replay(press);
    await t.slack.waitFor(() => t.slack.responsesTo(click.responseUrl ?? '').length >= 3, { message: `three answers to ${actionId}` });
    return press;
  }

  it('the extend modal: the expiry moves once and one key.expiry_extended is written', async () => {
    const key = await make('renew');
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'extend renew' });
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    await t.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.extendChoice]: EXTEND_CHOICES.month } });
    const expiry = (await t.app.services.keys.show(ALICE, key.id)).key.expiresAt;
    expect(expiry).not.toBeNull();
    const submission = lastDelivery('view_submission');
    // "one month from now" would move with the clock if a replay were acted on.
    t.clock.advance(60_000);
    await replay(submission);
    t.clock.advance(60_000);
    await replay(submission);
    expect((await t.app.services.keys.show(ALICE, key.id)).key.expiresAt).toBe(expiry);
    expect(await records('key.expiry_extended', { keyId: key.id })).toHaveLength(1);
  });

  it('Make inactive: one key.deactivated; a replay after the owner made it active again does not switch it off', async () => {
    const key = await make('toggle');
    const press = await pressThreeTimes(ACTION.deactivateKey, key.id);
    expect((await t.app.services.keys.show(ALICE, key.id)).key.status).toBe('inactive');
    expect(await records('key.deactivated', { keyId: key.id })).toHaveLength(1);
    // The replays are answered truthfully: nothing changed.
    expect(t.slack.responsesTo(String(press.payload.response_url)).filter((p) => text(p.body).includes('already handled'))).toHaveLength(2);
    await t.app.services.keys.activate(ALICE, key.id);
    await replay(press);
    await replay(press);
    expect((await t.app.services.keys.show(ALICE, key.id)).key.status).toBe('active');
    expect(await records('key.deactivated', { keyId: key.id })).toHaveLength(1);
  });

  it('Make active: one key.activated; a replay after the owner switched it off again does not switch it on', async () => {
    const key = await make('dormant');
    await t.app.services.keys.deactivate(ALICE, key.id);
    const press = await pressThreeTimes(ACTION.activateKey, key.id);
    expect(await records('key.activated', { keyId: key.id })).toHaveLength(1);
    await t.app.services.keys.deactivate(ALICE, key.id);
    await replay(press);
    expect((await t.app.services.keys.show(ALICE, key.id)).key.status).toBe('inactive');
    expect(await records('key.activated', { keyId: key.id })).toHaveLength(1);
  });

  it('Delete: the key goes once, with one key.deleted', async () => {
    const key = await make('doomed');
    const press = await pressThreeTimes(ACTION.deleteKey, key.id);
    expect((await t.app.services.keys.list(ALICE)).keys).toEqual([]);
    expect(t.slack.responsesTo(String(press.payload.response_url)).filter((p) => text(p.body).includes('already handled'))).toHaveLength(2);
    expect(await records('key.deleted', { keyId: key.id })).toHaveLength(1);
  });

  it('Rotate: one successor and one key.rotated; a replay after the successor was deleted does not rotate again', async () => {
    const key = await make('deploy');
    const press = await pressThreeTimes(ACTION.rotateKey, key.id);
    const keys = (await t.app.services.keys.list(ALICE)).keys;
    expect(keys).toHaveLength(2);
    expect(await records('key.rotated', { keyId: key.id })).toHaveLength(1);
    const successor = keys.find((k) => k.key.id !== key.id);
    await t.app.services.keys.delete(ALICE, { reference: successor?.key.id ?? 'none' });
    await replay(press);
    await t.slack.waitFor(() => t.slack.responsesTo(String(press.payload.response_url)).length >= 4);
    expect((await t.app.services.keys.list(ALICE)).keys.map((k) => k.key.id)).toEqual([key.id]);
    expect((await records('key.created', { userId: ALICE })).filter((r) => r.details.rotatedFrom === key.id)).toHaveLength(1);
  });

  it('the deny-with-reason modal: one api_access.denied and one DM to the requester', async () => {
    await t.slack.sendSlashCommand({ userId: BOB, text: 'request-access nightly job' });
    const card = await t.slack.waitFor(() =>
      t.slack.messagesIn(APPROVALS_CHANNEL).find((m) => text(m.blocks).includes(ACTION.denyRequest)),
    );
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.denyRequest, message: card });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.denyReason]: 'use the shared account' } });
    const submission = lastDelivery('view_submission');
    await replay(submission);
    await replay(submission);
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf(BOB));
    await t.slack.waitFor(() => t.slack.messagesIn(dm).some((m) => (m.text ?? '').includes('denied your API access request')));
    expect(await records('api_access.denied', { userId: BOB })).toHaveLength(1);
    expect(t.slack.messagesIn(dm).filter((m) => (m.text ?? '').includes('denied your API access request'))).toHaveLength(1);
    expect(t.slack.problems).toEqual([]);
  });

  it('the role-deletion confirmation: one role.deleted, one key.deleted_by_role_deletion per key', async () => {
    await t.app.services.roles.create(ADMIN, { name: 'Reporting' });
    await t.app.services.roles.assign(ADMIN, { userId: ALICE, roleName: 'Reporting' });
    await t.app.services.users.switchRole(ALICE, 'Reporting');
    const key = await make('report-job');
    await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin role delete Reporting' });
    const click = await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.confirmRoleDeletion });
    const press = lastDelivery('block_actions');
    await replay(press);
    await replay(press);
    await t.slack.waitFor(() => t.slack.responsesTo(click.responseUrl ?? '').length >= 3);
    expect(await records('role.deleted', { userId: ADMIN })).toHaveLength(1);
    expect(await records('key.deleted_by_role_deletion', { keyId: key.id })).toHaveLength(1);
  });

  it('a slash command (deactivate): replayed after the key was made active again, it does not switch it off again', async () => {
    const key = await make('by-command');
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'deactivate by-command' });
    const command = [...t.slack.deliveries].reverse().find((d) => d.kind === 'slash_commands');
    if (command === undefined) throw new Error('no command delivered');
    await t.app.services.keys.activate(ALICE, key.id);
    const body = new URLSearchParams(Object.entries(command.payload).map(([k, v]): [string, string] => [k, String(v)])).toString();
    for (let i = 0; i < 2; i++)
      expect((await t.slack.sendRaw({ body, contentType: 'application/x-www-form-urlencoded' })).status).toBe(200);
    expect((await t.app.services.keys.show(ALICE, key.id)).key.status).toBe('active');
    expect(await records('key.deactivated', { keyId: key.id })).toHaveLength(1);
  });

  it('the Request API access button: one request, one card, one api_access.requested', async () => {
    await t.slack.sendSlashCommand({ userId: BOB, text: 'create x' });
    // The card post is slow, so the replays arrive while the first press is still posting it.
    t.slack.fault({ method: 'chat.postMessage', kind: 'delay', ms: 500, times: 1 });
    const click = await t.slack.clickButton({ userId: BOB, actionId: ACTION.requestAccess });
    const press = lastDelivery('block_actions');
    await replay(press);
    await replay(press);
    await t.slack.waitFor(() => t.slack.responsesTo(click.responseUrl ?? '').length >= 3, { message: 'three answers' });
    await t.slack.waitFor(() => t.slack.messagesIn(APPROVALS_CHANNEL).length >= 1);
    expect(t.slack.messagesIn(APPROVALS_CHANNEL)).toHaveLength(1);
    expect(await records('api_access.requested', { userId: BOB })).toHaveLength(1);
  });

  it('the role-removal confirmation: one role.removed; a replay after the role was given back does not remove it again', async () => {
    await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin role assign <@UALICE> Account Group Admin' });
    await t.slack.sendSlashCommand({ userId: ADMIN, text: 'admin role remove <@UALICE> Account Group Admin' });
    const click = await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.confirmRoleRemoval });
    const press = lastDelivery('block_actions');
    await replay(press);
    await replay(press);
    await t.slack.waitFor(() => t.slack.responsesTo(click.responseUrl ?? '').length >= 3);
    const held = async () => (await t.app.services.users.context(ALICE)).roles.map((r) => r.name);
    expect(await held()).not.toContain('Account Group Admin');
    await t.app.services.roles.assign(ADMIN, { userId: ALICE, roleName: 'Account Group Admin' });
    await replay(press);
    await t.slack.waitFor(() => t.slack.responsesTo(click.responseUrl ?? '').length >= 4);
    expect(await held()).toContain('Account Group Admin');
    expect(await records('role.removed', { userId: ALICE })).toHaveLength(1);
  });
});
