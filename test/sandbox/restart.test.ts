import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/wait.js';
import { startSandbox, type SandboxUnderTest } from './harness.js';

/**
 * Ctrl+C and `npm start` again: what Slack would still show is still there (the channels, the DM, the
 * approval card with its buttons, the CSV), and Reset clears it.
 */
const ADA = 'U0SANDADA';
const BEN = 'U0SANDBEN';
const GENERAL = 'C0SANDGENERAL';
const APPROVALS = 'C0SANDAPPROVALS';

interface Block {
  type: string;
  block_id?: string;
  elements?: Array<{ type: string; action_id?: string; value?: string; text?: { text: string } }>;
}
interface PageMessage {
  ts: string;
  ephemeral: boolean;
  text: string;
  blocks: Block[];
  files: Array<{ id: string; filename: string }>;
}
interface PageState {
  people: Array<{ id: string; dm: string }>;
  messages: PageMessage[];
  modals: Array<{ id: string }>;
}

function client(sandbox: SandboxUnderTest) {
  const origin = new URL(sandbox.running.url).origin;
  return {
    origin,
    post: (path: string, body: unknown) =>
      fetch(`${origin}/sandbox/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify(body),
      }),
    state: async (as: string, channel: string) =>
      (await (await fetch(`${origin}/sandbox/state?as=${as}&channel=${channel}`)).json()) as PageState,
  };
}

function button(message: PageMessage, text: string): { blockId: string; actionId: string; value?: string } {
  for (const block of message.blocks) {
    for (const element of block.elements ?? []) {
      if (element.type === 'button' && element.text?.text === text && block.block_id !== undefined && element.action_id !== undefined) {
        return { blockId: block.block_id, actionId: element.action_id, value: element.value };
      }
    }
  }
  throw new Error(`no ${text} button`);
}

describe('the sandbox across a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'akb-sandbox-restart-'));
  const conversationsFile = join(dir, 'sandbox.sqlite.conversations.json');
  let sandbox: SandboxUnderTest | undefined;

  afterAll(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the DM, the pending approval card (whose Approve still works) and the CSV; not the ephemerals', async () => {
    sandbox = await startSandbox({}, { dir });
    let c = client(sandbox);
    await c.post('command', { as: BEN, channel: GENERAL, text: '/accesskey request-access for the nightly export' });
    const card = await until(
      async () => (await c.state(ADA, APPROVALS)).messages.find((m) => m.text.startsWith('API access request from')),
      'the approval card',
    );
    await c.post('command', { as: ADA, channel: GENERAL, text: '/accesskey create kept-csv' });
    const modal = await until(async () => (await c.state(ADA, GENERAL)).modals[0], 'the create modal');
    await c.post('submit', { as: ADA, viewId: modal.id, form: {} });
    const adaDm = (await c.state(ADA, GENERAL)).people.find((p) => p.id === ADA)?.dm ?? '';
    const csv = await until(async () => (await c.state(ADA, adaDm)).messages.flatMap((m) => m.files)[0], 'the CSV in the DM');
    const keyId = /access-key-(ak_[0-9A-Za-z]+)\.csv/.exec(csv.filename)?.[1] ?? '';
    expect((await c.state(ADA, GENERAL)).messages.some((m) => m.ephemeral)).toBe(true);

    await sandbox.stop();
    sandbox = await startSandbox({}, { dir });
    c = client(sandbox);

    const after = await c.state(ADA, APPROVALS);
    expect(after.people.find((p) => p.id === ADA)?.dm).toBe(adaDm);
    const kept = after.messages.find((m) => m.ts === card.ts);
    expect(kept?.text).toBe(card.text);
    const download = await fetch(`${c.origin}/sandbox/files/${csv.id}?as=${ADA}`);
    expect(download.status).toBe(200);
    expect(await download.text()).toContain(keyId);
    // Ephemerals are Slack's client's alone: not kept, so the secret message is not on disk either.
    expect((await c.state(ADA, GENERAL)).messages.filter((m) => m.ephemeral)).toEqual([]);
    const onDisk = JSON.parse(readFileSync(conversationsFile, 'utf8')) as { slack: { files: Array<{ base64?: string }> } };
    for (const file of onDisk.slack.files) delete file.base64;
    expect(JSON.stringify(onDisk)).not.toMatch(/aks_/);

    // The card's buttons still reach the app, which finds its request by the card it kept.
    const approve = button(kept ?? card, 'Approve');
    const click = await c.post('action', { as: ADA, container: { type: 'message', channel: APPROVALS, ts: card.ts }, ...approve });
    expect(click.status).toBe(200);
    await until(
      async () => (await c.state(ADA, APPROVALS)).messages.find((m) => m.ts === card.ts && /approved/i.test(m.text)),
      'the card to say approved',
    );
  });

  it('Reset clears the kept conversations too', async () => {
    if (sandbox === undefined) throw new Error('the first test starts the sandbox');
    const c = client(sandbox);
    const before = sandbox.running.app;
    expect((await c.post('reset', {})).status).toBe(200);
    const running = sandbox;
    await until(
      async () =>
        running.running.app !== before &&
        (await fetch(`${c.origin}/healthz`).then(
          (r) => r.ok,
          () => false,
        )),
      'the app to restart',
      15_000,
    );
    expect((await c.state(ADA, APPROVALS)).messages).toEqual([]);

    await sandbox.stop();
    sandbox = await startSandbox({}, { dir });
    const again = client(sandbox);
    expect((await again.state(ADA, APPROVALS)).messages).toEqual([]);
    const dm = (await again.state(ADA, GENERAL)).people.find((p) => p.id === ADA)?.dm ?? '';
    expect((await again.state(ADA, dm)).messages).toEqual([]);
  });
});

describe('a second sandbox on the same machine', () => {
  let held: Server | undefined;
  let sandbox: SandboxUnderTest | undefined;

  beforeAll(async () => {
    // The first sandbox's metrics port (9464, the default). Already taken is as good as held here.
    held = createServer();
    const server = held;
    await new Promise<void>((resolve) => {
      server.once('error', () => resolve());
      server.listen(9464, '127.0.0.1', () => resolve());
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
    held?.close();
  });

  it('starts on another PORT with no other setting: its /metrics takes a free port', async () => {
    sandbox = await startSandbox({ METRICS_PORT: undefined });
    expect(sandbox.running.app.metricsPort).not.toBe(9464);
    const metrics = await fetch(`http://127.0.0.1:${sandbox.running.app.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    const port = String(sandbox.running.app.metricsPort);
    expect(sandbox.logs.some((line) => line.includes('access key bot started') && line.includes(port))).toBe(true);
  });
});
