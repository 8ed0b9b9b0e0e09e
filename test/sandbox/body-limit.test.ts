import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from '../support/raw-http.js';
import { startSandbox, type SandboxUnderTest } from './harness.js';

/** The sandbox reads its posts with the API's own size-limited reader (src/http-io.ts). */
let sandbox: SandboxUnderTest;
let port: number;

beforeAll(async () => {
  sandbox = await startSandbox();
  port = sandbox.running.port;
});
afterAll(async () => sandbox?.stop());

describe('a post to the sandbox over its 64 KB limit', () => {
  it('is 413 "request too large" closing the connection, and the page still answers after', async () => {
    const origin = `http://127.0.0.1:${port}`;
    const huge = Buffer.from(JSON.stringify({ as: 'U0SANDADA', channel: 'C0SANDGENERAL', text: 'x'.repeat(70 * 1024) }));
    const answer = await sendRaw(port, 'POST', '/sandbox/command', huge, {
      host: `127.0.0.1:${port}`,
      'content-type': 'application/json',
      origin,
    });
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ error: 'request too large' });
    expect((await fetch(`${origin}/sandbox/state?as=U0SANDADA&channel=C0SANDGENERAL`)).status).toBe(200);
  });
});
