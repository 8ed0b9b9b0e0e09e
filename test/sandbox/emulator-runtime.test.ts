import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackEmulator, stateValuesFromForm } from '../../src/sandbox/emulator/index.js';

/** The emulator as the sandbox runs it: mounted behind someone else's server, bounded, observable. */
const servers: Server[] = [];
const emulators: SlackEmulator[] = [];

afterEach(async () => {
  for (const emulator of emulators.splice(0)) await emulator.stop();
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function mountedEmulator(options: Parameters<typeof SlackEmulator.mounted>[1] = {}): Promise<SlackEmulator> {
  let emulator: SlackEmulator | undefined;
  const server = createServer((req, res) =>
    emulator?.handle(req, res, new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/slack/, '')),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  servers.push(server);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  emulator = SlackEmulator.mounted(`http://127.0.0.1:${port}/slack`, { botToken: 'xoxb-mounted', ...options });
  emulators.push(emulator);
  return emulator;
}

const call = async (emulator: SlackEmulator, method: string, args: Record<string, unknown>, token = 'xoxb-mounted') =>
  (await (
    await fetch(`${emulator.apiUrl}${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(args),
    })
  ).json()) as Record<string, unknown>;

describe('the emulator mounted under a base URL', () => {
  it('answers its Web API under the base path and hands out URLs below it', async () => {
    const emulator = await mountedEmulator();
    expect(emulator.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/slack\/api\/$/);
    expect(await call(emulator, 'auth.test', {})).toMatchObject({ ok: true, user_id: 'U0BOT' });
    expect(await call(emulator, 'auth.test', {}, 'xoxb-wrong')).toMatchObject({ ok: false, error: 'invalid_auth' });
    const upload = await call(emulator, 'files.getUploadURLExternal', { filename: 'a.csv', length: 3 });
    expect(String(upload.upload_url)).toMatch(/\/slack\/upload\//);
  });

  it('tells listeners after each call, and stops telling them once unsubscribed', async () => {
    const emulator = await mountedEmulator();
    emulator.addUser({ id: 'U0ADA', name: 'ada' });
    let changes = 0;
    const unsubscribe = emulator.onChange(() => (changes += 1));
    await call(emulator, 'chat.postMessage', { channel: 'C0001', text: 'hello' });
    expect(changes).toBe(1);
    unsubscribe();
    await call(emulator, 'chat.postMessage', { channel: 'C0001', text: 'again' });
    expect(changes).toBe(1);
    expect(emulator.messagesIn('C0001').map((m) => m.text)).toEqual(['hello', 'again']);
  });

  it('with bounded retention keeps only the latest records, and reports problems as they happen', async () => {
    const problems: string[] = [];
    const emulator = await mountedEmulator({ retention: 'bounded', onProblem: (p) => problems.push(p) });
    for (let i = 0; i < 310; i += 1) await call(emulator, 'auth.test', {});
    expect(emulator.calls.length).toBe(300);
    expect(problems).toEqual([]);
    const file = await call(emulator, 'files.getUploadURLExternal', { filename: 'a.csv', length: 5 });
    await fetch(String(file.upload_url), { method: 'POST', body: 'abc' });
    expect(problems.some((p) => p.includes('declared length 5 but 3 bytes arrived'))).toBe(true);
  });
});

describe('state values from a browser form', () => {
  const blocks = [
    { type: 'input', block_id: 'b1', element: { type: 'plain_text_input', action_id: 'name' } },
    { type: 'input', block_id: 'b2', element: { type: 'datetimepicker', action_id: 'at' } },
    {
      type: 'input',
      block_id: 'b3',
      element: { type: 'checkboxes', action_id: 'on', options: [{ text: { type: 'plain_text', text: 'On' }, value: 'on' }] },
    },
    {
      type: 'input',
      block_id: 'b4',
      element: { type: 'radio_buttons', action_id: 'pick', options: [{ text: { type: 'plain_text', text: 'A' }, value: 'a' }] },
    },
  ];

  it('shapes each element as Slack does, by block and action id, and ignores ids it does not have', () => {
    const values = stateValuesFromForm(blocks, {
      b1: { name: 'ci' },
      b2: { at: 1798736400 },
      b3: { on: ['on'] },
      b4: { pick: 'a' },
      nope: { x: 'y' },
    });
    expect(values).toEqual({
      b1: { name: { type: 'plain_text_input', value: 'ci' } },
      b2: { at: { type: 'datetimepicker', selected_date_time: 1798736400 } },
      b3: { on: { type: 'checkboxes', selected_options: [{ text: { type: 'plain_text', text: 'On' }, value: 'on' }] } },
      b4: { pick: { type: 'radio_buttons', selected_option: { text: { type: 'plain_text', text: 'A' }, value: 'a' } } },
    });
  });

  it('refuses an option the element does not offer', () => {
    expect(() => stateValuesFromForm(blocks, { b4: { pick: 'zzz' } })).toThrow(/no option with value "zzz"/);
  });
});
