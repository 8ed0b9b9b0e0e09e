import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { App, LogLevel, type Logger, type types } from '@slack/bolt';
import { ErrorCode, WebClient } from '@slack/web-api';
import { SlackEmulator, slackSignature } from './slack-emulator/index.js';

/** Keeps Bolt and web-api quiet; the emulator's records are what the tests look at. */
function quietLogger(): Logger {
  let level = LogLevel.ERROR;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

function clientFor(slack: SlackEmulator, token = 'xoxb-test', extra: { rejectRateLimitedCalls?: boolean } = {}): WebClient {
  return new WebClient(token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: quietLogger(), ...extra });
}

const modal = (overrides: Partial<types.ModalView> = {}): types.ModalView => ({
  type: 'modal',
  callback_id: 'create_key',
  title: { type: 'plain_text', text: 'New API key' },
  submit: { type: 'plain_text', text: 'Create' },
  private_metadata: '{"channel":"C0001"}',
  blocks: [
    {
      type: 'input',
      block_id: 'name_block',
      label: { type: 'plain_text', text: 'Name' },
      element: { type: 'plain_text_input', action_id: 'name_input' },
    },
  ],
  ...overrides,
});

describe('request signing', () => {
  it('signs a known form-encoded test vector exactly like Slack', () => {
    const body =
      'token=vtok&team_id=T0001&team_domain=acme&channel_id=C0001&channel_name=general&user_id=U0001&user_name=alice&command=%2Faccesskey&text=create&api_app_id=A0001&is_enterprise_install=false&response_url=http%3A%2F%2F127.0.0.1%3A4100%2Fresponse%2Fr1&trigger_id=1111.2222.abcd';
    expect(slackSignature('test-signing-secret', 1700000000, body)).toBe(
      'v0=63a0abf12d5b272d663f7f13c412e297aa599a33b00352e876a867e8a620f1d3',
    );
  });

  it('signs a known JSON test vector exactly like Slack', () => {
    const body = '{"token":"vtok","challenge":"abc123","type":"url_verification"}';
    expect(slackSignature('test-signing-secret', '1700000000', body)).toBe(
      'v0=27ad7921aebe6753e6720d042cbc8266bb8a554e9fee87299f0fc93ce53676a9',
    );
  });
});

describe('the Web API, called through a real @slack/web-api WebClient', () => {
  let slack: SlackEmulator;
  let client: WebClient;

  beforeEach(async () => {
    slack = await SlackEmulator.start();
    slack.addUser({ id: 'U0001', name: 'alice', tz: 'Europe/Berlin' });
    slack.addChannel({ id: 'C0AUDIT', name: 'security', members: ['U0001'] });
    client = clientFor(slack);
  });

  afterEach(async () => {
    await slack.stop();
  });

  it('answers auth.test with the bot identity', async () => {
    const result = await client.auth.test();
    expect(result).toMatchObject({ ok: true, user_id: 'U0BOT', bot_id: 'B0001', team_id: 'T0001' });
  });

  it('answers invalid_auth for a wrong token and not_authed for none', async () => {
    await expect(clientFor(slack, 'xoxb-wrong').auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    const response = await fetch(`${slack.apiUrl}auth.test`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('accepts the token as a body field as well as a bearer header', async () => {
    const response = await fetch(`${slack.apiUrl}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=xoxb-test',
    });
    expect(await response.json()).toMatchObject({ ok: true });
  });

  it('accepts JSON request bodies', async () => {
    const response = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-test' },
      body: JSON.stringify({ channel: 'C0AUDIT', text: 'from json', blocks: [{ type: 'divider' }] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: 'C0AUDIT' });
    expect(slack.callsTo('chat.postMessage')[0]?.args.blocks).toEqual([{ type: 'divider' }]);
  });

  it('refuses the bot token for apps.connections.open and the app token for bot methods', async () => {
    await expect(client.apps.connections.open()).rejects.toMatchObject({ data: { error: 'not_allowed_token_type' } });
    await expect(clientFor(slack, 'xapp-test').auth.test()).rejects.toMatchObject({ data: { error: 'not_allowed_token_type' } });
    const socketUrl = await clientFor(slack, 'xapp-test').apps.connections.open();
    expect(socketUrl.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\?ticket=/);
  });

  it('answers unknown_method for a method it does not emulate', async () => {
    await expect(client.apiCall('conversations.replies', { channel: 'C0AUDIT' })).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
  });

  it("conversations.history returns the channel's messages newest first, paged by cursor", async () => {
    for (const n of [1, 2, 3]) await client.chat.postMessage({ channel: 'C0AUDIT', text: `m${n}` });
    const first = await client.conversations.history({ channel: 'C0AUDIT', limit: 2 });
    expect(first.messages?.map((m) => m.text)).toEqual(['m3', 'm2']);
    expect(first.has_more).toBe(true);
    const rest = await client.conversations.history({ channel: 'C0AUDIT', limit: 2, cursor: first.response_metadata?.next_cursor });
    expect(rest.messages?.map((m) => m.text)).toEqual(['m1']);
    expect(rest.has_more).toBe(false);
    await expect(client.conversations.history({ channel: 'CNOPE' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
  });

  it('stores a posted message and records the call with JSON arguments parsed back into objects', async () => {
    const blocks = [{ type: 'section', block_id: 'b1', text: { type: 'mrkdwn', text: '*hello*' } }];
    const first = await client.chat.postMessage({ channel: 'C0AUDIT', text: 'hello', blocks });
    const second = await client.chat.postMessage({ channel: 'C0AUDIT', text: 'again' });
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(slack.messagesIn('C0AUDIT').map((m) => m.text)).toEqual(['hello', 'again']);
    const call = slack.callsTo('chat.postMessage')[0];
    expect(call?.args.blocks).toEqual(blocks);
    expect(call?.response).toMatchObject({ ok: true, channel: 'C0AUDIT', ts: first.ts });
    expect(slack.allText()).toContain('*hello*');
  });

  it('answers channel_not_found, no_text and msg_too_long like Slack', async () => {
    await expect(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(client.chat.postMessage({ channel: 'C0AUDIT', text: '' })).rejects.toMatchObject({ data: { error: 'no_text' } });
    await expect(client.chat.postMessage({ channel: 'C0AUDIT', text: 'x'.repeat(40_001) })).rejects.toMatchObject({
      data: { error: 'msg_too_long' },
    });
    const { ts } = await client.chat.postMessage({ channel: 'C0AUDIT', text: 'short' });
    await expect(client.chat.update({ channel: 'C0AUDIT', ts: ts ?? '', text: 'y'.repeat(4_001) })).rejects.toMatchObject({
      data: { error: 'msg_too_long' },
    });
  });

  it('rejects messages that break Block Kit limits with invalid_blocks and a json pointer', async () => {
    const divider = { type: 'divider' };
    await expect(
      client.chat.postMessage({ channel: 'C0AUDIT', text: 'x', blocks: Array.from({ length: 51 }, () => divider) }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
    const tooLong = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    await expect(client.chat.postMessage({ channel: 'C0AUDIT', text: 'x', blocks: tooLong })).rejects.toMatchObject({
      data: {
        error: 'invalid_blocks',
        response_metadata: { messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'] },
      },
    });
    const longButton = [
      { type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(76) } }] },
    ];
    await expect(client.chat.postEphemeral({ channel: 'C0AUDIT', user: 'U0001', text: 'x', blocks: longButton })).rejects.toMatchObject({
      data: { error: 'invalid_blocks' },
    });
    expect(slack.messagesIn('C0AUDIT')).toHaveLength(0);
  });

  it('updates and deletes channel messages but cannot find ephemeral ones', async () => {
    const { ts } = await client.chat.postMessage({ channel: 'C0AUDIT', text: 'v1' });
    await client.chat.update({ channel: 'C0AUDIT', ts: ts ?? '', text: 'v2' });
    expect(slack.messagesIn('C0AUDIT')[0]).toMatchObject({ text: 'v2', revisions: [{ text: 'v1' }] });
    const ephemeral = await client.chat.postEphemeral({ channel: 'C0AUDIT', user: 'U0001', text: 'secret' });
    expect(slack.ephemeralsFor('U0001').map((m) => m.text)).toEqual(['secret']);
    await expect(client.chat.update({ channel: 'C0AUDIT', ts: ephemeral.message_ts ?? '', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    await client.chat.delete({ channel: 'C0AUDIT', ts: ts ?? '' });
    expect(slack.messagesIn('C0AUDIT')).toHaveLength(0);
    await expect(client.chat.delete({ channel: 'C0AUDIT', ts: ts ?? '' })).rejects.toMatchObject({ data: { error: 'message_not_found' } });
  });

  it('refuses an ephemeral message for a user who is not in the channel', async () => {
    slack.addUser({ id: 'U0002', name: 'bob' });
    await expect(client.chat.postEphemeral({ channel: 'C0AUDIT', user: 'U0002', text: 'x' })).rejects.toMatchObject({
      data: { error: 'user_not_in_channel' },
    });
    await expect(client.chat.postEphemeral({ channel: 'C0AUDIT', user: 'U0NOBODY', text: 'x' })).rejects.toMatchObject({
      data: { error: 'user_not_found' },
    });
  });

  it('returns the same DM channel every time conversations.open is called for a user', async () => {
    const first = await client.conversations.open({ users: 'U0001' });
    const second = await client.conversations.open({ users: 'U0001' });
    expect(first.channel?.id).toMatch(/^D/);
    expect(second.channel?.id).toBe(first.channel?.id);
    expect(slack.dmChannelOf('U0001')).toBe(first.channel?.id);
    await expect(client.conversations.open({ users: 'U0NOBODY' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
  });

  it('knows added users with their time zone and answers user_not_found for others', async () => {
    const { user } = await client.users.info({ user: 'U0001' });
    expect(user).toMatchObject({ id: 'U0001', name: 'alice', tz: 'Europe/Berlin' });
    expect([3600, 7200]).toContain(user?.tz_offset);
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
  });

  it('opens a modal once per trigger_id and refuses to exchange it again', async () => {
    const triggerId = slack.mintTriggerId('U0001');
    expect(triggerId).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    const opened = await client.views.open({ trigger_id: triggerId, view: modal() });
    expect(opened.view?.id).toMatch(/^V/);
    expect(slack.openViewFor('U0001')).toMatchObject({
      id: opened.view?.id,
      callback_id: 'create_key',
      private_metadata: '{"channel":"C0001"}',
    });
    await expect(client.views.open({ trigger_id: triggerId, view: modal() })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });
  });

  it('refuses a trigger_id older than three seconds and one it never issued', async () => {
    const triggerId = slack.mintTriggerId('U0001');
    slack.advanceClock(3_001);
    await expect(client.views.open({ trigger_id: triggerId, view: modal() })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });
    await expect(client.views.open({ trigger_id: '123456.7890123.abcdef', view: modal() })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });
  });

  it('rejects modals that break Block Kit limits with invalid_arguments and Slack-style messages', async () => {
    const open = (view: types.ModalView): Promise<unknown> => client.views.open({ trigger_id: slack.mintTriggerId('U0001'), view });
    await expect(open(modal({ title: { type: 'plain_text', text: 'x'.repeat(25) } }))).rejects.toMatchObject({
      data: {
        error: 'invalid_arguments',
        response_metadata: { messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'] },
      },
    });
    await expect(open(modal({ submit: undefined }))).rejects.toMatchObject({
      data: { response_metadata: { messages: ['[ERROR] must define submit to use input block [json-pointer:/view/blocks/0/input]'] } },
    });
    await expect(open(modal({ private_metadata: 'm'.repeat(3001) }))).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    const overflow = {
      type: 'section',
      text: { type: 'mrkdwn', text: 'key' },
      accessory: {
        type: 'overflow',
        action_id: 'more',
        options: Array.from({ length: 6 }, (_, i) => ({ text: { type: 'plain_text', text: `o${i}` }, value: `v${i}` })),
      },
    };
    await expect(open(modal({ blocks: [overflow] }))).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
  });

  it('limits a modal stack to three views', async () => {
    await client.views.open({ trigger_id: slack.mintTriggerId('U0001'), view: modal() });
    await client.views.push({ trigger_id: slack.mintTriggerId('U0001'), view: modal() });
    await client.views.push({ trigger_id: slack.mintTriggerId('U0001'), view: modal() });
    await expect(client.views.push({ trigger_id: slack.mintTriggerId('U0001'), view: modal() })).rejects.toMatchObject({
      data: { error: 'push_limit_reached' },
    });
    expect(slack.viewStackOf('U0001')).toHaveLength(3);
  });

  it('answers hash_conflict when views.update carries a stale hash', async () => {
    const opened = await client.views.open({ trigger_id: slack.mintTriggerId('U0001'), view: modal() });
    const viewId = opened.view?.id ?? '';
    const staleHash = opened.view?.hash ?? '';
    const updated = await client.views.update({ view_id: viewId, hash: staleHash, view: modal({ callback_id: 'v2' }) });
    expect(updated.view?.hash).not.toBe(staleHash);
    await expect(client.views.update({ view_id: viewId, hash: staleHash, view: modal() })).rejects.toMatchObject({
      data: { error: 'hash_conflict' },
    });
    expect(slack.openViewFor('U0001')?.callback_id).toBe('v2');
  });

  it('publishes a home view per user and refuses submit buttons on it', async () => {
    const home: types.HomeView = { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Your keys' } }] };
    await client.views.publish({ user_id: 'U0001', view: home });
    expect(slack.homeViewOf('U0001')?.blocks[0]).toMatchObject({ type: 'section' });
    await expect(
      // apiCall, because the typed method (rightly) does not allow submit on a home view.
      client.apiCall('views.publish', { user_id: 'U0001', view: { ...home, submit: { type: 'plain_text', text: 'Go' } } }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
  });

  it('uploads a file end to end with filesUploadV2 and records its content', async () => {
    const dm = await client.conversations.open({ users: 'U0001' });
    const channelId = dm.channel?.id ?? '';
    const content = 'name,key\nprod,sk_live_123\n';
    await client.filesUploadV2({ channel_id: channelId, filename: 'api-key.csv', title: 'Your key', content });
    expect(slack.callsTo('files.getUploadURLExternal')[0]?.args).toMatchObject({ filename: 'api-key.csv', length: String(content.length) });
    expect(slack.callsTo('upload')).toHaveLength(1);
    expect(slack.filesIn(channelId)).toEqual([
      expect.objectContaining({ filename: 'api-key.csv', title: 'Your key', content: 'name,key\nprod,sk_live_123\n' }),
    ]);
    expect(slack.allText()).toContain('sk_live_123');
  });

  it('keeps a completed upload private when no channel is given', async () => {
    const { file_id: fileId, upload_url: uploadUrl } = await client.files.getUploadURLExternal({ filename: 'a.txt', length: 3 });
    await fetch(uploadUrl ?? '', { method: 'POST', body: 'abc' });
    await client.files.completeUploadExternal({ files: [{ id: fileId ?? '' }] });
    expect(slack.filesIn('C0AUDIT')).toHaveLength(0);
    await expect(client.files.completeUploadExternal({ files: [{ id: 'F0NOPE' }] })).rejects.toMatchObject({
      data: { error: 'file_not_found' },
    });
  });

  it('answers 429 with Retry-After, which web-api surfaces as a rate limit', async () => {
    slack.fault({ method: 'chat.postMessage', kind: 'ratelimited', retryAfterSec: 3, times: 1 });
    const strict = clientFor(slack, 'xoxb-test', { rejectRateLimitedCalls: true });
    await expect(strict.chat.postMessage({ channel: 'C0AUDIT', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 3,
    });
    expect(slack.callsTo('chat.postMessage')[0]).toMatchObject({ status: 429, response: { ok: false, error: 'ratelimited' } });
    await strict.chat.postMessage({ channel: 'C0AUDIT', text: 'after the limit' });
    expect(slack.messagesIn('C0AUDIT')).toHaveLength(1);
  });

  it('answers HTTP 500 when told to, which web-api surfaces as an HTTP error', async () => {
    slack.fault({ method: 'users.info', kind: 'http500' });
    await expect(client.users.info({ user: 'U0001' })).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    slack.clearFaults();
    await expect(client.users.info({ user: 'U0001' })).resolves.toMatchObject({ ok: true });
  });

  it('returns an injected platform error only as many times as asked', async () => {
    slack.fault({ method: 'chat.postMessage', kind: 'error', error: 'channel_not_found', times: 1 });
    await expect(client.chat.postMessage({ channel: 'C0AUDIT', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(client.chat.postMessage({ channel: 'C0AUDIT', text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('fails the upload URL and slows methods down when told to', async () => {
    slack.fault({ method: 'upload', kind: 'http500', times: 1 });
    await expect(client.filesUploadV2({ channel_id: 'C0AUDIT', filename: 'a.txt', content: 'abc' })).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
    });
    slack.fault({ method: 'auth.test', kind: 'delay', ms: 150, times: 1 });
    const started = performance.now();
    await client.auth.test();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

interface SeenRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

interface ScriptedAnswer {
  status?: number;
  json?: unknown;
  delayMs?: number;
}

/** A stand-in app that records raw requests and answers as scripted, to check the wire format. */
async function startScriptedApp(
  answer: (request: SeenRequest) => ScriptedAnswer,
): Promise<{ url: string; seen: SeenRequest[]; server: Server }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      const scripted = answer(request);
      setTimeout(() => {
        if (scripted.json === undefined) {
          res.writeHead(scripted.status ?? 200);
          res.end();
        } else {
          res.writeHead(scripted.status ?? 200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(scripted.json));
        }
      }, scripted.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo; // a TCP listener always reports AddressInfo
  return { url: `http://127.0.0.1:${port}/slack/events`, seen, server };
}

function interactivePayload(request: SeenRequest): Record<string, unknown> {
  const raw = new URLSearchParams(request.body).get('payload') ?? '{}';
  return JSON.parse(raw) as Record<string, unknown>;
}

describe('sending to an app over HTTP the way Slack does', () => {
  let slack: SlackEmulator;
  let app: Awaited<ReturnType<typeof startScriptedApp>>;
  let nextAnswer: ScriptedAnswer = {};

  beforeEach(async () => {
    slack = await SlackEmulator.start({ ackDeadlineMs: 100 });
    slack.addUser({ id: 'U0001', name: 'alice' });
    nextAnswer = {};
    app = await startScriptedApp(() => nextAnswer);
    slack.useHttpTarget(app.url);
  });

  afterEach(async () => {
    await slack.stop();
    await new Promise((resolve) => app.server.close(resolve));
  });

  async function openModal(view: types.ModalView): Promise<string> {
    const client = clientFor(slack);
    const opened = await client.views.open({ trigger_id: slack.mintTriggerId('U0001'), view });
    return opened.view?.id ?? '';
  }

  it('sends slash commands as exact form-encoded bodies with a valid signature', async () => {
    const ack = await slack.sendSlashCommand({ userId: 'U0001', text: 'create prod' });
    const request = app.seen[0];
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const timestamp = String(request?.headers['x-slack-request-timestamp']);
    expect(request?.headers['x-slack-signature']).toBe(slackSignature('test-signing-secret', timestamp, request?.body ?? ''));
    const fields = Object.fromEntries(new URLSearchParams(request?.body ?? ''));
    expect(fields).toMatchObject({
      command: '/accesskey',
      text: 'create prod',
      user_id: 'U0001',
      user_name: 'alice',
      channel_id: 'C0001',
      team_id: 'T0001',
      is_enterprise_install: 'false',
      response_url: ack.responseUrl,
      trigger_id: ack.triggerId,
    });
    expect(ack).toMatchObject({ status: 200, body: undefined, transport: 'http' });
  });

  it('sends events as signed JSON and fills in the Home tab channel', async () => {
    await slack.sendEvent({ type: 'app_home_opened', user: 'U0001' });
    const request = app.seen[0];
    expect(request?.headers['content-type']).toBe('application/json');
    const envelope = JSON.parse(request?.body ?? '{}') as Record<string, unknown>;
    expect(envelope).toMatchObject({
      type: 'event_callback',
      api_app_id: 'A0001',
      event: { type: 'app_home_opened', user: 'U0001', tab: 'home', channel: slack.dmChannelOf('U0001') },
    });
  });

  it('records acks slower than the deadline as late', async () => {
    nextAnswer = { delayMs: 150 };
    await slack.sendSlashCommand({ userId: 'U0001', text: 'slow' });
    expect(slack.lateAcks).toEqual([expect.objectContaining({ kind: 'slash_commands' })]);
  });

  it('applies update, push and clear acks to the modal stack', async () => {
    const viewId = await openModal(modal());
    nextAnswer = { json: { response_action: 'update', view: modal({ callback_id: 'step2' }) } };
    await slack.sendViewSubmission({ userId: 'U0001', inputs: { name_input: 'a' } });
    expect(slack.openViewFor('U0001')).toMatchObject({ id: viewId, callback_id: 'step2' });
    nextAnswer = { json: { response_action: 'push', view: modal({ callback_id: 'step3' }) } };
    await slack.sendViewSubmission({ userId: 'U0001' });
    expect(slack.viewStackOf('U0001').map((v) => v.callback_id)).toEqual(['step2', 'step3']);
    const submission = interactivePayload(app.seen[1] ?? { headers: {}, body: '' });
    expect(submission).toMatchObject({
      type: 'view_submission',
      view: {
        id: viewId,
        private_metadata: '{"channel":"C0001"}',
        state: { values: { name_block: { name_input: { type: 'plain_text_input', value: null } } } },
      },
    });
    nextAnswer = { json: { response_action: 'clear' } };
    await slack.sendViewSubmission({ userId: 'U0001' });
    expect(slack.openViewFor('U0001')).toBeUndefined();
  });

  it('shapes friendly inputs into the state values Slack sends for each element type', async () => {
    const option = (value: string): types.PlainTextOption => ({ text: { type: 'plain_text', text: value }, value });
    const input = (blockId: string, element: types.InputBlockElement): types.InputBlock => ({
      type: 'input',
      block_id: blockId,
      label: { type: 'plain_text', text: blockId },
      element,
    });
    await openModal(
      modal({
        blocks: [
          input('expiry_block', { type: 'datepicker', action_id: 'expiry_date' }),
          input('time_block', { type: 'timepicker', action_id: 'expiry_time', timezone: 'Europe/Berlin' }),
          input('scopes_block', { type: 'checkboxes', action_id: 'scopes', options: [option('read'), option('write')] }),
          input('env_block', { type: 'static_select', action_id: 'environment', options: [option('prod'), option('dev')] }),
          input('note_block', { type: 'plain_text_input', action_id: 'note' }),
        ],
      }),
    );
    // A typo in a test fails loudly instead of sending a payload Slack never would.
    await expect(slack.sendViewSubmission({ userId: 'U0001', inputs: { no_such_action: 'x' } })).rejects.toThrow(/no_such_action/);
    await slack.sendViewSubmission({
      userId: 'U0001',
      inputs: { expiry_date: '2026-12-31', expiry_time: '17:30', scopes: ['read', 'write'], environment: 'prod' },
      values: { note_block: { note: { type: 'plain_text_input', value: 'verbatim' } } },
    });
    const payload = interactivePayload(app.seen[0] ?? { headers: {}, body: '' });
    expect(payload).toMatchObject({
      view: {
        state: {
          values: {
            expiry_block: { expiry_date: { type: 'datepicker', selected_date: '2026-12-31' } },
            time_block: { expiry_time: { type: 'timepicker', selected_time: '17:30', timezone: 'Europe/Berlin' } },
            scopes_block: { scopes: { type: 'checkboxes', selected_options: [{ value: 'read' }, { value: 'write' }] } },
            env_block: { environment: { type: 'static_select', selected_option: { value: 'prod', text: { text: 'prod' } } } },
            note_block: { note: { type: 'plain_text_input', value: 'verbatim' } },
          },
        },
      },
    });
  });

  it('records a problem when errors name a block that is not an input block', async () => {
    await openModal(modal());
    nextAnswer = { json: { response_action: 'errors', errors: { nope: 'x' } } };
    await slack.sendViewSubmission({ userId: 'U0001' });
    expect(slack.problems.join('\n')).toContain('non-input block_ids nope');
  });

  it('builds block_actions for a view element and for an overflow option in a message', async () => {
    const viewId = await openModal(
      modal({
        blocks: [
          ...modal().blocks,
          {
            type: 'actions',
            block_id: 'acts',
            elements: [{ type: 'button', action_id: 'regen', text: { type: 'plain_text', text: 'Regenerate' } }],
          },
        ],
      }),
    );
    await slack.clickInView({ userId: 'U0001', actionId: 'regen', inputs: { name_input: 'typed' } });
    expect(interactivePayload(app.seen[0] ?? { headers: {}, body: '' })).toMatchObject({
      type: 'block_actions',
      container: { type: 'view', view_id: viewId },
      actions: [{ type: 'button', action_id: 'regen', block_id: 'acts' }],
      view: { state: { values: { name_block: { name_input: { value: 'typed' } } } } },
    });
    const client = clientFor(slack);
    const { ts } = await client.chat.postMessage({
      channel: 'C0001',
      text: 'key',
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'key k1' },
          accessory: {
            type: 'overflow',
            action_id: 'key_menu',
            confirm: {
              title: { type: 'plain_text', text: 'Sure?' },
              text: { type: 'plain_text', text: 'Really' },
              confirm: { type: 'plain_text', text: 'Yes' },
              deny: { type: 'plain_text', text: 'No' },
            },
            options: [
              { text: { type: 'plain_text', text: 'Extend' }, value: 'extend:k1' },
              { text: { type: 'plain_text', text: 'Delete' }, value: 'delete:k1' },
            ],
          },
        },
      ],
    });
    const click = await slack.clickButton({
      userId: 'U0001',
      channelId: 'C0001',
      messageTs: ts ?? '',
      actionId: 'key_menu',
      value: 'delete:k1',
    });
    expect(click.payload).toMatchObject({
      container: { type: 'message', channel_id: 'C0001', message_ts: ts, is_ephemeral: false },
      message: { ts },
      actions: [{ type: 'overflow', action_id: 'key_menu', selected_option: { value: 'delete:k1' } }],
    });
  });

  it('lets a response_url be used five times within thirty minutes', async () => {
    const ack = await slack.sendSlashCommand({ userId: 'U0001', text: 'x' });
    const post = (body: unknown): Promise<number> =>
      fetch(ack.responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        (r) => r.status,
      );
    for (let i = 0; i < 5; i += 1) expect(await post({ text: `reply ${i}` })).toBe(200);
    expect(await post({ text: 'one too many' })).toBe(404);
    expect(slack.responsesTo(ack.responseUrl)).toHaveLength(6);
    const later = await slack.sendSlashCommand({ userId: 'U0001', text: 'y' });
    slack.advanceClock(30 * 60 * 1000 + 1);
    expect(await fetch(later.responseUrl, { method: 'POST', body: '{"text":"late"}' }).then((r) => r.status)).toBe(404);
  });

  it('deletes the replied message when a response_url asks for delete_original', async () => {
    const ack = await slack.sendSlashCommand({ userId: 'U0001', text: 'x' });
    await fetch(ack.responseUrl, { method: 'POST', body: JSON.stringify({ text: 'secret: sk_123' }) });
    expect(slack.ephemeralsFor('U0001').map((m) => m.text)).toEqual(['secret: sk_123']);
    await fetch(ack.responseUrl, { method: 'POST', body: JSON.stringify({ delete_original: true }) });
    expect(slack.ephemeralsFor('U0001')).toEqual([]);
    expect(slack.allText()).toContain('sk_123');
  });

  it('gives up waiting with a clear error', async () => {
    await expect(slack.waitFor(() => false, { timeoutMs: 30, message: 'never true' })).rejects.toThrow('never true');
  });
});

describe('a real Bolt 5 app with the HTTP receiver', () => {
  let slack: SlackEmulator;
  let app: App;
  const seen: string[] = [];

  beforeAll(async () => {
    slack = await SlackEmulator.start();
    slack.addUser({ id: 'U0001', name: 'alice' });
    app = new App({
      token: 'xoxb-test',
      signingSecret: 'test-signing-secret',
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
      logger: quietLogger(),
    });
    app.command('/accesskey', async ({ command, ack, client, respond }) => {
      seen.push(`command:${command.text}`);
      if (command.text === 'create') {
        await ack();
        await client.views.open({ trigger_id: command.trigger_id, view: modal() });
        return;
      }
      if (command.text === 'list') {
        await ack();
        await respond({
          text: 'Your keys',
          blocks: ['k1', 'k2'].map((key) => ({
            type: 'section',
            block_id: `key_${key}`,
            text: { type: 'mrkdwn', text: `Key ${key}` },
            accessory: { type: 'button', action_id: 'deactivate', value: key, text: { type: 'plain_text', text: 'Deactivate' } },
          })),
        });
        return;
      }
      await ack({ text: `you said ${command.text}` });
    });
    app.action('deactivate', async ({ ack, action, respond }) => {
      await ack();
      const value = action.type === 'button' ? action.value : undefined;
      seen.push(`deactivate:${value ?? ''}`);
      await respond({ replace_original: true, text: `Deactivated ${value ?? ''}` });
    });
    app.view('create_key', async ({ ack, view }) => {
      const name = view.state.values.name_block?.name_input?.value ?? '';
      seen.push(`submit:${name}:${view.private_metadata}`);
      if (name === 'bad') await ack({ response_action: 'errors', errors: { name_block: 'Pick another name' } });
      else await ack();
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    const { port } = server.address() as AddressInfo; // a TCP listener always reports AddressInfo
    slack.useHttpTarget(`http://127.0.0.1:${port}/slack/events`);
  });

  afterAll(async () => {
    await app.stop();
    await slack.stop();
  });

  it('delivers a signed slash command to the listener and shows the ack text to the user', async () => {
    const ack = await slack.sendSlashCommand({ userId: 'U0001', text: 'hello there' });
    expect(ack.status).toBe(200);
    expect(ack.body).toEqual({ text: 'you said hello there' });
    expect(seen).toContain('command:hello there');
    expect(slack.ephemeralsFor('U0001').at(-1)).toMatchObject({ text: 'you said hello there', source: 'command_ack' });
    expect(slack.callsTo('auth.test').length).toBeGreaterThan(0);
  });

  it('is answered 401 by Bolt for a bad signature, a stale timestamp or missing headers', async () => {
    const body = 'command=%2Faccesskey&text=x&user_id=U0001';
    expect((await slack.sendRaw({ body, sign: { secret: 'wrong-secret' } })).status).toBe(401);
    expect((await slack.sendRaw({ body, sign: { timestamp: Math.floor(Date.now() / 1000) - 301 } })).status).toBe(401);
    expect((await slack.sendRaw({ body, sign: false })).status).toBe(401);
    expect(seen).not.toContain('command:x');
  });

  it('opens a modal from the command and keeps it open when the submission ack carries errors', async () => {
    await slack.sendSlashCommand({ userId: 'U0001', text: 'create' });
    const view = await slack.waitFor(() => slack.openViewFor('U0001'));
    const rejected = await slack.sendViewSubmission({ userId: 'U0001', viewId: view.id, inputs: { name_input: 'bad' } });
    expect(rejected.body).toEqual({ response_action: 'errors', errors: { name_block: 'Pick another name' } });
    expect(slack.viewErrors(view.id)).toEqual({ name_block: 'Pick another name' });
    expect(slack.openViewFor('U0001')?.id).toBe(view.id);
    await slack.sendViewSubmission({ userId: 'U0001', inputs: { name_input: 'prod-reporting' } });
    expect(seen).toContain('submit:prod-reporting:{"channel":"C0001"}');
    expect(slack.openViewFor('U0001')).toBeUndefined();
    expect(slack.lateAcks).toEqual([]);
  });

  it('lets a test click a button in a respond() message and sees the replacement', async () => {
    await slack.sendSlashCommand({ userId: 'U0001', text: 'list' });
    await slack.waitFor(() => slack.findMessageWithAction('U0001', { actionId: 'deactivate', value: 'k2' }));
    const click = await slack.clickButton({ userId: 'U0001', actionId: 'deactivate', value: 'k2' });
    expect(click.status).toBe(200);
    expect(click.payload).toMatchObject({
      container: { type: 'message', is_ephemeral: true },
      actions: [{ value: 'k2', block_id: 'key_k2' }],
    });
    expect(click.payload.message).toBeUndefined();
    await slack.waitFor(() => slack.responsesTo(click.responseUrl ?? '').length > 0);
    expect(seen).toContain('deactivate:k2');
    expect(slack.ephemeralsFor('U0001').at(-1)).toMatchObject({ text: 'Deactivated k2', revisions: [{ text: 'Your keys' }] });
  });
});

describe('a real Bolt 5 app in Socket Mode', () => {
  let slack: SlackEmulator;
  let app: App;

  beforeAll(async () => {
    slack = await SlackEmulator.start();
    slack.addUser({ id: 'U0001', name: 'alice' });
    app = new App({
      token: 'xoxb-test',
      appToken: 'xapp-test',
      socketMode: true,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
      logger: quietLogger(),
    });
    app.command('/accesskey', async ({ command, ack, client }) => {
      await ack(`socket got ${command.text}`);
      if (command.text === 'create') await client.views.open({ trigger_id: command.trigger_id, view: modal() });
    });
    app.view('create_key', async ({ ack }) => {
      await ack({ response_action: 'errors', errors: { name_block: 'Taken' } });
    });
    await app.start();
    slack.useSocketMode();
  });

  afterAll(async () => {
    await app.stop();
    await slack.stop();
  });

  it('delivers a slash command over the socket and reports the ack', async () => {
    const ack = await slack.sendSlashCommand({ userId: 'U0001', text: 'ping' });
    expect(ack).toMatchObject({ status: 200, transport: 'socket', body: { text: 'socket got ping' } });
    expect(slack.ephemeralsFor('U0001').at(-1)?.text).toBe('socket got ping');
  });

  it('sees a response_action errors ack on a view submission', async () => {
    await slack.sendSlashCommand({ userId: 'U0001', text: 'create' });
    const view = await slack.waitFor(() => slack.openViewFor('U0001'));
    const ack = await slack.sendViewSubmission({ userId: 'U0001', inputs: { name_input: 'dup' } });
    expect(ack.body).toEqual({ response_action: 'errors', errors: { name_block: 'Taken' } });
    expect(slack.viewErrors(view.id)).toEqual({ name_block: 'Taken' });
  });

  it('keeps delivering after it tells the app to reconnect', async () => {
    // The socket-mode client waits clientPingTimeout (5 s, not settable through App) before reconnecting.
    slack.disconnectSockets('refresh_requested');
    await slack.waitFor(() => slack.callsTo('apps.connections.open').length >= 2 && slack.socketConnections > 0, { timeoutMs: 10_000 });
    const ack = await slack.sendSlashCommand({ userId: 'U0001', text: 'again' });
    expect(ack.body).toEqual({ text: 'socket got again' });
  });
});

describe('workflow steps and OAuth, through a real WebClient', () => {
  let slack: SlackEmulator;
  let received: unknown[];
  let server: Server;

  beforeEach(async () => {
    slack = await SlackEmulator.start({ tokenRotation: true, tokenLifetimeSec: 60 });
    received = [];
    // A stand-in app that acknowledges every event and keeps what it got.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    slack.useHttpTarget(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
  });

  afterEach(async () => {
    await slack.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("sends function_executed with the fields of Slack's example, and ends it once by functions.completeSuccess", async () => {
    const sent = await slack.sendFunctionExecuted({
      callbackId: 'key_status',
      inputs: { key_id: 'ak_1' },
      outputParameters: [{ name: 'status', type: 'string', is_required: true }],
    });
    const event = (received[0] as { event: Record<string, unknown> }).event;
    expect(Object.keys(event).sort()).toEqual(
      ['bot_access_token', 'event_ts', 'function', 'function_execution_id', 'inputs', 'type', 'workflow_execution_id'].sort(),
    );
    expect(Object.keys(event.function as object).sort()).toEqual(
      [
        'app_id',
        'callback_id',
        'date_created',
        'date_deleted',
        'date_updated',
        'description',
        'id',
        'input_parameters',
        'output_parameters',
        'title',
        'type',
      ].sort(),
    );
    const step = clientFor(slack, sent.execution.token);
    await expect(step.functions.completeSuccess({ function_execution_id: sent.execution.id, outputs: {} })).rejects.toMatchObject({
      data: { error: 'parameter_validation_failed' },
    });
    await step.functions.completeSuccess({ function_execution_id: sent.execution.id, outputs: { status: 'Active' } });
    expect(slack.functionExecution(sent.execution.id)).toMatchObject({ state: 'completed', outputs: { status: 'Active' } });
    await expect(step.functions.completeError({ function_execution_id: sent.execution.id, error: 'late' })).rejects.toMatchObject({
      data: { error: 'execution_not_in_running_state' },
    });
    await expect(step.functions.completeError({ function_execution_id: 'Fx0NONE', error: 'x' })).rejects.toMatchObject({
      data: { error: 'function_execution_not_found' },
    });
  });

  it('oauth.v2.access exchanges a code once, refreshes a rotating token, and an expired token answers token_expired', async () => {
    slack.useOAuthRedirect('http://127.0.0.1:1/slack/oauth_redirect');
    const consent = await fetch(
      `${slack.apiUrl.replace(/api\/$/, '')}oauth/v2/authorize?client_id=test-client-id&scope=commands&state=s1`,
      {
        redirect: 'manual',
      },
    );
    const back = new URL(consent.headers.get('location') ?? '');
    expect(back.searchParams.get('state')).toBe('s1');
    const code = back.searchParams.get('code') ?? '';
    const anonymous = new WebClient(undefined, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: quietLogger() });
    const installed = await anonymous.oauth.v2.access({ client_id: 'test-client-id', client_secret: 'test-client-secret', code });
    expect(installed).toMatchObject({
      ok: true,
      token_type: 'bot',
      bot_user_id: 'U0BOT',
      team: { id: 'T0001' },
      enterprise: null,
      is_enterprise_install: false,
      authed_user: { id: 'U0INSTALLER' },
      expires_in: 60,
    });
    await expect(
      anonymous.oauth.v2.access({ client_id: 'test-client-id', client_secret: 'test-client-secret', code }),
    ).rejects.toMatchObject({
      data: { error: 'code_already_used' },
    });
    await expect(anonymous.oauth.v2.access({ client_id: 'test-client-id', client_secret: 'wrong', code })).rejects.toMatchObject({
      data: { error: 'bad_client_secret' },
    });
    const token = String(installed.access_token);
    expect((await clientFor(slack, token).auth.test()).ok).toBe(true);
    slack.advanceClock(61_000);
    await expect(clientFor(slack, token).auth.test()).rejects.toMatchObject({ data: { error: 'token_expired' } });
    const refreshed = await anonymous.oauth.v2.access({
      client_id: 'test-client-id',
      client_secret: 'test-client-secret',
      grant_type: 'refresh_token',
      refresh_token: String(installed.refresh_token),
    });
    expect((await clientFor(slack, String(refreshed.access_token)).auth.test()).ok).toBe(true);
  });
});
