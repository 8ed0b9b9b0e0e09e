import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTION, FUNCTION } from '../../src/slack/ids.js';
import { ADMIN, APPROVALS_CHANNEL, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { DAY_MS, TestClock } from '../support/domain.js';
import type { FunctionExecution, FunctionParameter } from '../support/slack-emulator/index.js';

const ALICE = 'UALICE';
const BOB = 'UBOB';
const text = (value: unknown) => JSON.stringify(value);

/** The steps as manifest.yml declares them, so the emulator checks outputs against what Slack would. */
type ManifestParams = Record<string, Omit<FunctionParameter, 'name'>>;
const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
  functions: Record<string, { title: string; description: string; input_parameters: ManifestParams; output_parameters: ManifestParams }>;
};
const params = (declared: ManifestParams): FunctionParameter[] => Object.entries(declared).map(([name, p]) => ({ name, ...p }));

describe.each(dialects)('Workflow Builder steps on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect, clock: new TestClock(new Date('2026-12-07T10:00:00Z')) });
  });
  afterEach(async () => t.stop());

  /** Runs a step as Workflow Builder would and waits until the app completes or fails it. */
  async function runStep(callbackId: string, inputs: Record<string, unknown>): Promise<FunctionExecution> {
    const declared = manifest.functions[callbackId];
    if (declared === undefined) throw new Error(`manifest.yml declares no function ${callbackId}`);
    const sent = await t.slack.sendFunctionExecuted({
      callbackId,
      inputs,
      title: declared.title,
      description: declared.description,
      inputParameters: params(declared.input_parameters),
      outputParameters: params(declared.output_parameters),
    });
    expect(sent.status).toBe(200);
    return t.slack.waitFor(() => {
      const execution = t.slack.functionExecution(sent.execution.id);
      return execution?.state === 'running' ? undefined : execution;
    });
  }

  it('the manifest declares each step with the callback ids and parameters of SPEC §18', () => {
    const shape = Object.fromEntries(
      Object.entries(manifest.functions).map(([id, f]) => [id, [Object.keys(f.input_parameters), Object.keys(f.output_parameters)]]),
    );
    expect(shape).toEqual({
      [FUNCTION.requestApiAccess]: [
        ['user_id', 'reason'],
        ['request_id', 'status'],
      ],
      [FUNCTION.deactivateUserKeys]: [['user_id'], ['count']],
      [FUNCTION.keyStatus]: [['key_id'], ['status', 'expires_at']],
    });
  });

  it('request_api_access files a request, posts the approval card, and an admin can approve from it', async () => {
    const done = await runStep(FUNCTION.requestApiAccess, { user_id: BOB, reason: 'nightly export job' });
    expect(done.state).toBe('completed');
    expect(done.outputs).toEqual({ request_id: expect.stringMatching(/^req_/), status: 'pending' });
    const card = await t.slack.waitFor(() =>
      t.slack.messagesIn(APPROVALS_CHANNEL).find((m) => text(m.blocks).includes(ACTION.approveRequest)),
    );
    expect(text(card.blocks)).toContain('nightly export job');
    // The card was posted with the step's token: a click on it carries function_data, as Slack sends it.
    const click = await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card });
    expect(click.payload.function_data).toEqual(expect.objectContaining({ execution_id: done.id }));
    await t.slack.waitFor(() => text(t.slack.messagesIn(APPROVALS_CHANNEL)[0]?.blocks).includes('*Approved* by <@UADMIN>'));
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(true);

    // Asked again while one waits: the waiting request, not a second card; with access: already_granted.
    const again = await runStep(FUNCTION.requestApiAccess, { user_id: BOB });
    expect(again.outputs).toEqual({ request_id: '', status: 'already_granted' });
  });

  it('request_api_access for a request already waiting answers with that request', async () => {
    const first = await runStep(FUNCTION.requestApiAccess, { user_id: BOB });
    const second = await runStep(FUNCTION.requestApiAccess, { user_id: BOB });
    expect(second.state).toBe('completed');
    expect(second.outputs).toEqual({ request_id: first.outputs?.request_id, status: 'pending' });
    expect(t.slack.messagesIn(APPROVALS_CHANNEL).filter((m) => text(m.blocks).includes(ACTION.approveRequest))).toHaveLength(1);
  });

  it('request_api_access without a user ends the step with a short error', async () => {
    const done = await runStep(FUNCTION.requestApiAccess, { reason: 'no one named' });
    expect(done.state).toBe('failed');
    expect(done.error).toContain('This step needs a user');
    expect(t.slack.messagesIn(APPROVALS_CHANNEL)).toEqual([]);
  });

  it('deactivate_user_keys makes every active key of the person inactive, audited once, and says how many', async () => {
    await t.app.services.access.grant(ADMIN, ALICE);
    const a = await t.app.services.keys.create(ALICE, { name: 'deploy', expiry: { kind: 'never' } });
    const b = await t.app.services.keys.create(ALICE, { name: 'backup', expiry: { kind: 'never' } });
    await t.app.services.keys.deactivate(ALICE, b.key.id);
    const done = await runStep(FUNCTION.deactivateUserKeys, { user_id: ALICE });
    expect(done.state).toBe('completed');
    expect(done.outputs).toEqual({ count: 1 });
    expect((await t.app.services.keys.show(ALICE, a.key.id)).key.status).toBe('inactive');
    const audit = await t.app.services.audit.search({ keyId: a.key.id, limit: 10 });
    expect(audit.filter((r) => r.action === 'key.inactivated_offboarding')).toEqual([
      expect.objectContaining({ actorId: 'system', ownerId: ALICE, details: { source: 'workflow_step' } }),
    ]);
    // Run again: nothing is left to change and nothing more is audited.
    expect((await runStep(FUNCTION.deactivateUserKeys, { user_id: ALICE })).outputs).toEqual({ count: 0 });
    const after = await t.app.services.audit.search({ userId: ALICE, limit: 50 });
    expect(after.filter((r) => r.action === 'key.inactivated_offboarding')).toHaveLength(1);
    expect((await t.app.services.audit.verifyChain()).ok).toBe(true);
  });

  it('deactivate_user_keys with a malformed user ends the step with an error and changes nothing', async () => {
    await t.app.services.access.grant(ADMIN, ALICE);
    const a = await t.app.services.keys.create(ALICE, { name: 'deploy', expiry: { kind: 'never' } });
    const done = await runStep(FUNCTION.deactivateUserKeys, { user_id: 'alice' });
    expect(done.state).toBe('failed');
    expect(done.error).toContain('This step needs a user');
    expect((await t.app.services.keys.show(ALICE, a.key.id)).key.status).toBe('active');
  });

  it('key_status tells status and expiry, and never the secret', async () => {
    await t.app.services.access.grant(ADMIN, ALICE);
    const expiresAt = new Date(t.clock.now().getTime() + 30 * DAY_MS);
    const created = await t.app.services.keys.create(ALICE, { name: 'deploy', expiry: { kind: 'at', at: expiresAt } });
    const done = await runStep(FUNCTION.keyStatus, { key_id: created.key.id });
    expect(done.outputs).toEqual({ status: 'Active', expires_at: expiresAt.toISOString() });
    t.clock.advance(31 * DAY_MS);
    expect((await runStep(FUNCTION.keyStatus, { key_id: created.key.id })).outputs).toEqual({
      status: 'Expired',
      expires_at: expiresAt.toISOString(),
    });
    expect(secretsIn(t.slack.allText())).toEqual([]);
  });

  it('key_status for an unknown key, or given a secret, ends the step with an error that repeats no secret', async () => {
    const unknown = await runStep(FUNCTION.keyStatus, { key_id: 'ak_0000000000000000' });
    expect(unknown.state).toBe('failed');
    expect(unknown.error).toContain('No key has the ID "ak_0000000000000000"');
    const pasted = `aks_${'A'.repeat(46)}`;
    const secret = await runStep(FUNCTION.keyStatus, { key_id: pasted });
    expect(secret.state).toBe('failed');
    expect(secret.error).not.toContain(pasted);
    expect(t.slack.callsTo('functions.completeError').map((c) => text(c.args))).not.toContain(pasted);
  });
});
