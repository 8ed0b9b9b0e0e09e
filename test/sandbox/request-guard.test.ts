import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from '../support/raw-http.js';
import { until } from '../support/wait.js';
import { startSandbox, type SandboxUnderTest } from './harness.js';

/**
 * The page has no sign-in: only the developer's own tab may use it. Another site open in the same
 * browser must not run commands or reset it (cross-site requests), nor read its answers by pointing a
 * name of its own at 127.0.0.1 (DNS rebinding).
 */
const ADA = 'U0SANDADA';
const GENERAL = 'C0SANDGENERAL';
const EVIL = 'http://evil.example';

let sandbox: SandboxUnderTest;
let port: number;
let origin: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  port = sandbox.running.port;
  origin = `http://127.0.0.1:${port}`;
});
afterAll(async () => sandbox?.stop());

const command = (text: string) => Buffer.from(JSON.stringify({ as: ADA, channel: GENERAL, text }));
const modals = async () =>
  ((await (await fetch(`${origin}/sandbox/state?as=${ADA}&channel=${GENERAL}`)).json()) as { modals: unknown[] }).modals;

/** The secret of a key made through the page's own requests, and a check that it still works. */
async function makeKey(name: string): Promise<() => Promise<boolean>> {
  const post = (path: string, body: unknown) =>
    fetch(`${origin}/sandbox/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify(body),
    });
  await post('command', { as: ADA, channel: GENERAL, text: `/accesskey create ${name}` });
  const modal = await until(async () => ((await modals()) as Array<{ id: string }>)[0], 'the create modal');
  await post('submit', { as: ADA, viewId: modal.id, form: {} });
  const state = async () => JSON.stringify(await (await fetch(`${origin}/sandbox/state?as=${ADA}&channel=${GENERAL}`)).json());
  const secret = await until(async () => /aks_[0-9A-Za-z]{46}/.exec(await state())?.[0], 'the secret');
  return async () => {
    const verify = await fetch(`${origin}/v1/keys/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: secret }),
    });
    return ((await verify.json()) as { valid: boolean }).valid;
  };
}

describe('cross-site requests to the sandbox page', () => {
  it('a text/plain command from another origin is refused and runs nothing', async () => {
    const answer = await sendRaw(port, 'POST', '/sandbox/command', command('/accesskey create evil'), {
      host: `127.0.0.1:${port}`,
      'content-type': 'text/plain;charset=UTF-8',
      origin: EVIL,
    });
    expect(answer.status).toBe(415);
    // JSON does not help without the page's own Origin, nor with none at all.
    for (const headers of [{ origin: EVIL }, {}] as Array<Record<string, string>>) {
      const again = await sendRaw(port, 'POST', '/sandbox/command', command('/accesskey create evil'), {
        host: `127.0.0.1:${port}`,
        'content-type': 'application/json',
        ...headers,
      });
      expect(again.status).toBe(403);
    }
    // Had any of them run, the create modal would be open for Ada.
    expect(await modals()).toEqual([]);
  });

  it('a text/plain reset from another origin is refused: the keys stay', async () => {
    const works = await makeKey('stays');
    const before = sandbox.running.app;
    const answer = await sendRaw(port, 'POST', '/sandbox/reset', Buffer.from('{}'), {
      host: `127.0.0.1:${port}`,
      'content-type': 'text/plain',
      origin: EVIL,
    });
    expect(answer.status).toBe(415);
    const json = await sendRaw(port, 'POST', '/sandbox/reset', Buffer.from('{}'), {
      host: `127.0.0.1:${port}`,
      'content-type': 'application/json',
      origin: EVIL,
    });
    expect(json.status).toBe(403);
    expect(sandbox.running.app).toBe(before);
    expect(await works()).toBe(true);
  });

  it('the page itself (JSON, its own Origin, on localhost too) is answered', async () => {
    const answer = await sendRaw(port, 'POST', '/sandbox/home', Buffer.from(JSON.stringify({ as: ADA })), {
      host: `localhost:${port}`,
      'content-type': 'application/json; charset=utf-8',
      origin: `http://localhost:${port}`,
    });
    expect(answer.status).toBe(200);
  });
});

describe('DNS rebinding: another name for 127.0.0.1', () => {
  it('state, files and the event stream answer only known hosts', async () => {
    for (const path of [`/sandbox/state?as=${ADA}`, `/sandbox/files/F0001ABCDEF?as=${ADA}`, '/sandbox', '/sandbox/events']) {
      const answer = await sendRaw(port, 'GET', path, undefined, { host: `evil.example:${port}` });
      expect(answer.status, path).toBe(403);
      expect(answer.body, path).not.toContain('U0SANDADA');
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect((await sendRaw(port, 'GET', `/sandbox/state?as=${ADA}`, undefined, { host })).status, host).toBe(200);
    }
  });

  it('a secret CSV is not handed to a foreign Host', async () => {
    const dm = (
      (await (await fetch(`${origin}/sandbox/state?as=${ADA}`)).json()) as { people: Array<{ id: string; dm: string }> }
    ).people.find((p) => p.id === ADA)?.dm;
    const state = async () =>
      (await (await fetch(`${origin}/sandbox/state?as=${ADA}&channel=${dm ?? ''}`)).json()) as {
        messages: Array<{ files: Array<{ id: string }> }>;
      };
    const file = await until(async () => (await state()).messages.flatMap((m) => m.files)[0], 'a CSV in the DM');
    const path = `/sandbox/files/${file.id}?as=${ADA}`;
    expect((await sendRaw(port, 'GET', path, undefined, { host: `127.0.0.1:${port}` })).status).toBe(200);
    const foreign = await sendRaw(port, 'GET', path, undefined, { host: 'rebound.evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).not.toMatch(/aks_/);
  });
});
