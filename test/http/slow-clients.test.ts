import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINES, createHttpServer, listen } from '../../src/http/server.js';
import { createMemoryLogger } from '../../src/logger.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { STALL_MS, until } from '../support/wait.js';
import { rawRequest, startApi, type ApiHarness } from './harness.js';

interface Dripped {
  /** Whether the server closed the connection (rather than the client giving up). */
  closedByServer: boolean;
  ms: number;
}

/**
 * Opens a connection, sends `head`, then one more byte every 100 ms, as a slowloris client does.
 * Resolves when the server closes the connection, or after `giveUpMs` (then `closedByServer` is false).
 */
function dripUntilClosed(port: number, head: string, giveUpMs: number): Promise<Dripped> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let drip: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      clearInterval(drip);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closedByServer, ms: performance.now() - started });
    };
    const done = () => finish(true);
    const giveUp = setTimeout(() => finish(false), giveUpMs);
    socket.on('connect', () => {
      socket.write(head);
      drip = setInterval(() => socket.write('a'), 100);
    });
    socket.on('data', () => undefined);
    socket.on('error', done);
    socket.on('close', done);
  });
}

const HEADERS_HEAD = 'POST /v1/keys/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ';
const BODY_HEAD =
  'POST /v1/keys/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"key":"';

describe('slow clients are closed within the documented 10 s', () => {
  let h: ApiHarness | undefined;
  afterEach(async () => h?.close());

  it('the defaults close a drip-fed request within 10 s: 8 s deadlines, checked every 0.5 s', async () => {
    expect(DEFAULT_DEADLINES.headersMs + DEFAULT_DEADLINES.checkIntervalMs).toBeLessThanOrEqual(10_000);
    expect(DEFAULT_DEADLINES.requestMs + DEFAULT_DEADLINES.checkIntervalMs).toBeLessThanOrEqual(10_000);
    h = await startApi('sqlite');
    expect(h.server.headersTimeout).toBe(DEFAULT_DEADLINES.headersMs);
    expect(h.server.requestTimeout).toBe(DEFAULT_DEADLINES.requestMs);
    const port = Number(new URL(h.base).port);
    // Both at once: this waits about 8 s of wall time, not 16. The server closes them; how promptly it
    // does is the configuration checked above, not a clock bound a busy machine could break.
    const giveUp = DEFAULT_DEADLINES.requestMs + STALL_MS;
    const [headers, body] = await Promise.all([dripUntilClosed(port, HEADERS_HEAD, giveUp), dripUntilClosed(port, BODY_HEAD, giveUp)]);
    console.info(
      `default deadlines: drip-fed headers closed after ${headers.ms.toFixed(0)} ms, drip-fed body after ${body.ms.toFixed(0)} ms`,
    );
    expect(headers.closedByServer).toBe(true);
    expect(headers.ms).toBeGreaterThan(DEFAULT_DEADLINES.headersMs - 500);
    expect(body.closedByServer).toBe(true);
    expect(body.ms).toBeGreaterThan(DEFAULT_DEADLINES.requestMs - 500);
  }, 60_000);

  it('with 2 s deadlines, drip-fed headers and a drip-fed body are both closed within about 2 s', async () => {
    h = await startApi('sqlite');
    const logger = createMemoryLogger();
    const server = createHttpServer({
      routes: h.api.routes,
      logger,
      deadlines: { headersMs: 2000, requestMs: 2000, checkIntervalMs: 250 },
    });
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const giveUp = 2000 + STALL_MS;
      const [headers, body] = await Promise.all([dripUntilClosed(port, HEADERS_HEAD, giveUp), dripUntilClosed(port, BODY_HEAD, giveUp)]);
      console.info(
        `2 s deadlines: drip-fed headers closed after ${headers.ms.toFixed(0)} ms, drip-fed body after ${body.ms.toFixed(0)} ms`,
      );
      expect(headers.closedByServer).toBe(true);
      expect(headers.ms).toBeGreaterThan(1500);
      expect(body.closedByServer).toBe(true);
      expect(body.ms).toBeGreaterThan(1500);
      // Everyone else is served meanwhile and after.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 60_000);
});

/**
 * The attacker runs in a process of its own (as it would on another machine), so the memory and the
 * latency measured here are the server's, not the flood client's. It opens 200 connections, each
 * announcing 1 MB and sending all of it but the last byte (so a server that buffers unverified bodies
 * holds nearly a megabyte per connection), half without signature headers, half with forged ones and
 * a fresh timestamp. It prints the status each got (or "pending") once nearly all were answered or
 * 20 s passed, then holds the connections open until its stdin closes.
 */
const FLOOD_SCRIPT = `
const net = require('node:net');
const crypto = require('node:crypto');
const [port, count] = process.argv.slice(1).map(Number);
const body = Buffer.alloc(1024 * 1024, 'a');
const now = Math.floor(Date.now() / 1000);
const sockets = [];
for (let i = 0; i < count; i++) {
  const socket = net.connect(port, '127.0.0.1');
  const client = { signed: i % 2 === 1, status: 'pending' };
  sockets.push(client);
  new Promise((resolve) => {
    const signed = client.signed ? 'X-Slack-Signature: v0=' + crypto.randomBytes(32).toString('hex') + '\\r\\nX-Slack-Request-Timestamp: ' + now + '\\r\\n' : '';
    socket.on('connect', () => {
      socket.write('POST /slack/events HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/x-www-form-urlencoded\\r\\n' + signed + 'Content-Length: ' + body.length + '\\r\\n\\r\\n');
      socket.write(body.subarray(0, body.length - 1));
    });
    socket.once('data', (chunk) => { client.status = chunk.toString('latin1').split(' ')[1]; resolve(); });
    socket.on('error', () => resolve());
    // Closed unanswered: an admitted post the server cut at its body deadline.
    socket.on('close', () => { if (client.status === 'pending') client.status = 'closed'; resolve(); });
  });
}
// Reported once every unsigned one and all but a few forged ones (admitted: they wait for their last
// byte) were answered, or after 20 s (a limit only a stall can break: 3 s failed on a busy machine).
let reported = false;
const report = () => {
  if (reported) return;
  reported = true;
  process.stdout.write(JSON.stringify(sockets.map((c) => (c.signed ? 'forged:' : 'unsigned:') + c.status)) + '\\n');
};
const poll = setInterval(() => {
  const pending = sockets.filter((c) => c.status === 'pending');
  if (pending.length <= 6 && pending.every((c) => c.signed)) report();
  if (reported) clearInterval(poll);
}, 20);
setTimeout(report, 20000);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

function startFlood(port: number, count: number): { statuses: Promise<string[]>; stop(): void } {
  const child = spawn(process.execPath, ['-e', FLOOD_SCRIPT, String(port), String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const statuses = new Promise<string[]>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('\n')) resolve(JSON.parse(out) as string[]);
    });
    child.on('exit', (code) => reject(new Error(`the flood process exited early (${String(code)})`)));
  });
  return { statuses, stop: () => child.stdin.end() };
}

/** Verifies one request after another while `going()` says so (and at least `min` times). */
async function verifyLatencies(base: string, secret: string, going: () => boolean, min = 100): Promise<number[]> {
  const latencies: number[] = [];
  const body = JSON.stringify({ key: secret });
  while ((going() || latencies.length < min) && latencies.length < 5000) {
    const started = performance.now();
    const reply = await fetch(`${base}/v1/keys/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(((await reply.json()) as { valid: boolean }).valid).toBe(true);
    latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)] ?? Number.POSITIVE_INFINITY;
}

describe('a flood of unsigned 1 MB posts to /slack/events (the real app in HTTP mode)', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.stop());

  it('an unsigned, a stale and an undated post announcing 1 MB are answered from the headers, before the body is sent', async () => {
    t = await startTestApp();
    const base = `http://127.0.0.1:${t.app.port}`;
    const now = Math.floor(Date.now() / 1000);
    const forged = `v0=${randomBytes(32).toString('hex')}`;
    const cases: Array<[string, Record<string, string>, number]> = [
      ['unsigned', {}, 401],
      // An hour out of Slack's 5-minute window, so a slow run cannot drift a case back into it.
      ['stale', { 'x-slack-signature': forged, 'x-slack-request-timestamp': String(now - 3600) }, 401],
      ['from the future', { 'x-slack-signature': forged, 'x-slack-request-timestamp': String(now + 3600) }, 401],
      ['a signature of the wrong shape', { 'x-slack-signature': 'v1=abc', 'x-slack-request-timestamp': String(now) }, 401],
    ];
    for (const [name, headers, status] of cases) {
      // Only 10 of the announced 1,048,576 bytes are ever sent: an answer proves nothing was waited for.
      const result = await rawRequest(base, {
        path: '/slack/events',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(1024 * 1024), ...headers },
        chunks: ['token=abcd'],
        keepOpen: true,
      });
      expect(result.status, name).toBe(status);
    }
  });

  it('200 unsigned or forged 1 MB posts held open grow memory by under 50 MB, and verify keeps being answered meanwhile', async () => {
    t = await startTestApp();
    await t.app.services.access.grant('UADMIN', 'UALICE');
    const created = await t.app.services.keys.create('UALICE', { name: 'ci', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('no key');
    const base = `http://127.0.0.1:${t.app.port}`;
    // What the flood makes the server *hold* (buffered bodies), not garbage it churns through: measured
    // after a full garbage collection, before the flood and while it is held open.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const memory = () => {
      gc();
      const usage = process.memoryUsage();
      return { rss: usage.rss, held: usage.heapUsed + usage.arrayBuffers };
    };
    // The same client on the same (shared, busy) machine without a flood: the yardstick for the bound.
    const quiet = await verifyLatencies(base, created.secret, () => false, 300);
    const before = memory();
    const flood = startFlood(t.app.port, 200);
    let flooding = true;
    let heldMemory = before;
    // The flood is sent, then held open for 1.5 s more (the admitted ones still waiting for their last byte).
    const floodDone = flood.statuses.then(async (answers) => {
      heldMemory = memory();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      flooding = false;
      return answers;
    });

    // Another client verifies one request after another while the flood is sent and held (at least 100 times).
    const latencies = await verifyLatencies(base, created.secret, () => flooding);
    const answers = await floodDone;
    const during = heldMemory;
    flood.stop();
    const statuses = new Map<string, number>();
    for (const status of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);

    const grownMb = (during.held - before.held) / 1024 / 1024;
    const p99 = percentile(latencies, 0.99);
    const quietP99 = percentile(quiet, 0.99);
    console.info(
      `flood: statuses ${JSON.stringify(Object.fromEntries(statuses))}; held heap+buffers grew ${grownMb.toFixed(1)} MB (rss ${((during.rss - before.rss) / 1024 / 1024).toFixed(1)} MB); verify during the flood n=${latencies.length} p50 ${percentile(latencies, 0.5).toFixed(2)} ms p99 ${p99.toFixed(2)} ms; without it p50 ${percentile(quiet, 0.5).toFixed(2)} ms p99 ${quietP99.toFixed(2)} ms`,
    );
    // The unsigned half is refused from the headers alone (401, then the connection is closed); of the
    // forged half only what fits the gate's budget for large bodies (6 MB) is read — and waits for its last
    // byte — the rest is told 503. A client still sending when the server closes may get a TCP reset
    // before it reads the 401 (seen once in 100 on a loaded machine): refused all the same, never held.
    expect(statuses.get('unsigned:pending')).toBeUndefined();
    expect((statuses.get('unsigned:401') ?? 0) + (statuses.get('unsigned:closed') ?? 0)).toBe(100);
    expect(statuses.get('unsigned:401') ?? 0).toBeGreaterThan(0);
    // Admitted ones the server cut at its 2 s body deadline free their slot; on a slow machine a late
    // arrival may take it, so the budget holds at any moment (pending), not over the whole flood.
    expect(statuses.get('forged:pending') ?? 0).toBeLessThanOrEqual(6);
    expect((statuses.get('forged:503') ?? 0) + (statuses.get('forged:pending') ?? 0) + (statuses.get('forged:closed') ?? 0)).toBe(100);
    expect(grownMb).toBeLessThan(50);
    // Served all along (at least 100 answers, none held up by the flood for longer than only a stall
    // could); how fast is a bench's question (bench:verify), printed above for the record.
    expect(latencies.length).toBeGreaterThanOrEqual(100);
    expect(latencies.at(-1)).toBeLessThan(STALL_MS);
    // Slack itself still gets through afterwards.
    await until(
      async () => (await t?.slack.sendSlashCommand({ userId: 'UALICE', text: 'help' }))?.status === 200,
      'a Slack command to be answered after the flood',
    );
  }, 60_000);
});
