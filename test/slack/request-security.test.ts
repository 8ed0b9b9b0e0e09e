import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';

const body =
  'token=vtok&team_id=T0001&team_domain=acme&channel_id=C0001&channel_name=general&user_id=UMALLORY&user_name=mallory&command=%2Faccesskey&text=list&api_app_id=A0001&is_enterprise_install=false&response_url=http%3A%2F%2F127.0.0.1%3A1%2Fresponse%2Fx&trigger_id=1.2.abc';
const form = 'application/x-www-form-urlencoded';

describe('requests that do not come from Slack', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
    await t.app.services.access.grant(ADMIN, 'UALICE');
  });
  afterEach(async () => t.stop());

  async function auditCount() {
    return (await t.app.services.audit.search({ limit: 1000 })).length;
  }

  it('unsigned, wrongly signed and header-less requests get 401 and run no listener', async () => {
    const before = await auditCount();
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      await t.slack.sendRaw({ body, contentType: form, sign: false }),
      await t.slack.sendRaw({ body, contentType: form, sign: { secret: 'not-the-signing-secret' } }),
      await t.slack.sendRaw({
        body,
        contentType: form,
        sign: false,
        headers: { 'x-slack-request-timestamp': String(now), 'x-slack-signature': 'v1=abc' },
      }),
      await t.slack.sendRaw({
        body,
        contentType: form,
        sign: false,
        headers: { 'x-slack-request-timestamp': 'yesterday', 'x-slack-signature': 'v0=abc' },
      }),
    ];
    expect(cases.map((c) => c.status)).toEqual([401, 401, 401, 401]);
    // No listener ran: first contact never created the sender, nothing was answered, nothing audited.
    expect(await t.app.store.read.users.find('UMALLORY')).toBeUndefined();
    expect(t.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
    expect(await auditCount()).toBe(before);
  });

  it('a signature 299 seconds old is accepted and one 301 seconds old is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await t.slack.sendRaw({ body, contentType: form, sign: { timestamp: now - 299 } })).status).toBe(200);
    expect((await t.slack.sendRaw({ body, contentType: form, sign: { timestamp: now - 301 } })).status).toBe(401);
  });

  it('a timestamp ten minutes in the future is refused (Bolt alone would accept it)', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await t.slack.sendRaw({ body, contentType: form, sign: { timestamp: now + 600 } })).status).toBe(401);
    expect((await t.slack.sendRaw({ body, contentType: form, sign: { timestamp: now + 60 } })).status).toBe(200);
  });
});

describe('oversized requests to the Slack endpoint', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => t.stop());

  it('a body over 1 MB or one without a length is refused before Bolt buffers it', async () => {
    const url = `http://127.0.0.1:${t.app.port}/slack/events`;
    const big = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x'.repeat(1024 * 1024 + 1),
    });
    expect(big.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('token=x'));
        controller.close();
      },
    });
    const chunked = await fetch(url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(411);
    // A normal signed request still goes through.
    expect((await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'help' })).status).toBe(200);
  });
});
