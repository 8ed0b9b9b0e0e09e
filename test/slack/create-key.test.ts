import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addCalendarMonth } from '../../src/domain/time.js';
import { ACTION, BLOCK, INPUT } from '../../src/slack/ids.js';
import { ADMIN, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { until } from '../support/wait.js';
import { dialects } from '../support/db.js';
import { dumpAllRows } from '../support/dump.js';

const ALICE = 'UALICE';

describe.each(dialects)('creating a key from Slack on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    await t.app.services.access.grant(ADMIN, ALICE);
  });
  afterEach(async () => t.stop());

  async function createThroughModal(name: string, inputs: Record<string, unknown> = {}) {
    const ack = await t.slack.sendSlashCommand({ userId: ALICE, text: `create ${name}` });
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE), { message: 'create modal' });
    const submitted = await t.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.name]: name, ...inputs } });
    return { ack, view, submitted };
  }

  async function deliveredSecret(): Promise<string> {
    const post = await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => secretsIn(JSON.stringify(p.body)).length > 0), {
      message: 'secret message',
    });
    const [secret] = secretsIn(JSON.stringify(post.body));
    if (secret === undefined) throw new Error('no secret');
    return secret;
  }

  it('the create modal opens with the name prefilled and the active role with its slots', async () => {
    const ack = await t.slack.sendSlashCommand({ userId: ALICE, text: 'create ci-deploy' });
    expect(ack.status).toBe(200);
    expect(ack.body).toBeUndefined();
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Account Group Read Only · 0 of 2 keys used');
    expect(text).toContain('"initial_value":"ci-deploy"');
    expect(text).toContain('Set key expiry');
    expect(text).toContain('datetimepicker');
  });

  it('the secret reaches its creator exactly twice: one ephemeral message and one CSV in the DM', async () => {
    const { submitted } = await createThroughModal('ci-deploy');
    expect(submitted.body).toBeUndefined();
    const secret = await deliveredSecret();
    const dm = await t.slack.waitFor(() => t.slack.dmChannelOf(ALICE));
    const [file] = await t.slack.waitFor(() => (t.slack.filesIn(dm).length > 0 ? t.slack.filesIn(dm) : undefined));
    const [key] = (await t.app.services.keys.list(ALICE)).keys;
    expect(key?.key.name).toBe('ci-deploy');
    expect(file?.filename).toBe(`access-key-${key?.key.id}.csv`);
    expect(file?.content).toBe(`Access Key ID,Secret Key\n${key?.key.id},${secret}\n`);
    // Where the secret went: one response_url post, one uploaded file, no Web API message call.
    const postsWithSecret = t.slack.responseUrlPosts.filter((p) => JSON.stringify(p.body).includes(secret));
    expect(postsWithSecret).toHaveLength(1);
    expect(postsWithSecret[0]?.body).toMatchObject({ response_type: 'ephemeral' });
    const apiCallsWithSecret = t.slack.calls.filter((c) => c.method !== 'upload' && JSON.stringify(c.args).includes(secret));
    expect(apiCallsWithSecret).toEqual([]);
    expect(t.slack.filesIn(dm).filter((f) => f.content?.includes(secret))).toHaveLength(1);
    expect(t.logs.filter((line) => line.includes(secret.slice(4, 30)))).toEqual([]);
    const dump = await dumpAllRows(t.db);
    expect(dump.text).not.toContain(secret.slice(4, 44));
    // The key works once the app has recorded the delivery, a moment after Slack showed the message.
    await until(async () => (await t.app.services.keys.verify(secret)).valid, 'the key to count as delivered');
    expect(t.slack.lateAcks).toEqual([]);
    expect(t.slack.problems).toEqual([]);
  });

  it('the fallback text of the secret message, which notifications show, leaves the secret out', async () => {
    await createThroughModal('notify');
    const secret = await deliveredSecret();
    const post = t.slack.responseUrlPosts.find((p) => JSON.stringify(p.body).includes(secret));
    expect(post).toBeDefined();
    expect((post?.body as { text: string } | undefined)?.text).not.toContain(secret);
  });

  it('a past expiry is answered inside the modal, which stays open, and nothing is created', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const { submitted, view } = await createThroughModal('old', { [INPUT.expiryEnabled]: ['on'], [INPUT.expiryAt]: past });
    expect(submitted.body).toMatchObject({ response_action: 'errors', errors: { [BLOCK.expiryAt]: 'The expiry must be in the future.' } });
    expect(t.slack.openViewFor(ALICE)?.id).toBe(view.id);
    expect((await t.app.services.keys.list(ALICE)).keys).toEqual([]);
  });

  it('a chosen date without the expiry checkbox is questioned, not silently ignored', async () => {
    const future = Math.floor(Date.now() / 1000) + 86_400;
    const { submitted } = await createThroughModal('unclear', { [INPUT.expiryAt]: future });
    expect(submitted.body).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK.expiryAt]: expect.stringContaining('Tick "Set key expiry"') },
    });
  });

  it('the expiry checkbox without a date makes the key expire one month later', async () => {
    await createThroughModal('monthly', { [INPUT.expiryEnabled]: ['on'] });
    await deliveredSecret();
    const [row] = (await t.app.services.keys.list(ALICE)).keys;
    expect(row?.key.expiresAt).toBe(addCalendarMonth(new Date(row?.key.createdAt ?? 0)).toISOString());
  });

  it('a name too long or a duplicate name is answered on the name field', async () => {
    await createThroughModal('dup');
    await deliveredSecret();
    const again = await createThroughModal('DUP');
    expect(again.submitted.body).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK.name]: expect.stringContaining('already have a key called') },
    });
    const view = t.slack.openViewFor(ALICE);
    const long = await t.slack.sendViewSubmission({ userId: ALICE, viewId: view?.id, inputs: { [INPUT.name]: 'x'.repeat(65) } });
    expect(long.body).toMatchObject({ response_action: 'errors', errors: { [BLOCK.name]: 'A key name can be at most 64 characters.' } });
  });

  it('a full role is refused before the modal opens, with the slots in the message', async () => {
    for (const name of ['a', 'b']) await t.app.services.keys.create(ALICE, { name, expiry: { kind: 'never' } });
    const ack = await t.slack.sendSlashCommand({ userId: ALICE, text: 'create c' });
    expect(JSON.stringify(ack.body)).toContain('Account Group Read Only: 2 of 2 keys used — delete or rotate one first.');
    expect(t.slack.openViewFor(ALICE)).toBeUndefined();
  });

  it('the last slot taken while the modal was open is refused inside the modal', async () => {
    await t.app.services.keys.create(ALICE, { name: 'a', expiry: { kind: 'never' } });
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'create late' });
    const view = await t.slack.waitFor(() => t.slack.openViewFor(ALICE));
    await t.app.services.keys.create(ALICE, { name: 'b', expiry: { kind: 'never' } });
    const submitted = await t.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.name]: 'late' } });
    expect(submitted.body).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK.name]: expect.stringContaining('2 of 2 keys used') },
    });
  });

  it('a user without API access gets an explanation and a request button instead of a modal', async () => {
    const ack = await t.slack.sendSlashCommand({ userId: 'UBOB', text: 'create x' });
    const body = JSON.stringify(ack.body);
    expect(body).toContain("don't have API access");
    expect(body).toContain(ACTION.requestAccess);
    expect(t.slack.openViewFor('UBOB')).toBeUndefined();
  });

  it('the same signed view submission delivered twice creates one key and shows the secret once', async () => {
    await createThroughModal('twice');
    const secret = await deliveredSecret();
    const submission = t.slack.deliveries.find((d) => d.kind === 'interactive' && d.payload.type === 'view_submission');
    if (submission === undefined) throw new Error('no submission recorded');
    // What Slack sends on a retry: the identical payload, signed again.
    const replay = await t.slack.sendRaw({
      body: `payload=${encodeURIComponent(JSON.stringify(submission.payload))}`,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(replay.status).toBe(200);
    await t.slack.waitFor(() => t.slack.responseUrlPosts.some((p) => JSON.stringify(p.body).includes('was already created')));
    expect((await t.app.services.keys.list(ALICE)).keys).toHaveLength(1);
    expect(t.slack.responseUrlPosts.filter((p) => JSON.stringify(p.body).includes(secret))).toHaveLength(1);
  });
});
