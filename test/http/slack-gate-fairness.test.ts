import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, listen } from '../../src/http/server.js';
import { defaultSlackGateOptions } from '../../src/http/slack-gate.js';
import { createMemoryLogger } from '../../src/logger.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { until } from '../support/wait.js';

/**
 * One attacking connection, as in the issue: a well-shaped (forged) signature, a current timestamp,
 * `Content-Length: 1000` and one byte of body, from `from` (another loopback address is another client).
 * `status` is what the server answered (undefined while it waits for the rest), `closed` once it hung up.
 */
interface Held {
  socket: Socket;
  status: number | undefined;
  closed: boolean;
}

function holdSlot(port: number, from: string): Held {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  const held: Held = { socket, status: undefined, closed: false };
  socket.once('close', () => {
    held.closed = true;
  });
  socket.on('error', () => undefined);
  socket.once('data', (chunk: Buffer) => {
    held.status = Number(chunk.toString('latin1').split(' ')[1]);
  });
  socket.on('connect', () => {
    const now = Math.floor(Date.now() / 1000);
    socket.write(
      `POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
        `X-Slack-Signature: v0=${randomBytes(32).toString('hex')}\r\nX-Slack-Request-Timestamp: ${now}\r\nContent-Length: 1000\r\n\r\nt`,
    );
  });
  return held;
}

/** Counts the requests to /slack/events the server has taken in (and so put through the gate) per client address. */
function countSlackRequests(server: { on(event: 'request', listener: (req: IncomingMessage) => void): unknown }): Map<string, number> {
  const seen = new Map<string, number>();
  server.on('request', (req: IncomingMessage) => {
    if (req.url !== '/slack/events') return;
    const from = req.socket.remoteAddress ?? 'unknown';
    seen.set(from, (seen.get(from) ?? 0) + 1);
  });
  return seen;
}

describe('an unauthenticated client cannot lock Slack out of /slack/events', () => {
  let t: TestApp | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await t?.stop();
    t = undefined;
  });

  async function attack(from: string[], perAddress: number): Promise<Held[]> {
    if (t === undefined) throw new Error('no app');
    const seen = countSlackRequests(t.app.server);
    const held = from.flatMap((address) => Array.from({ length: perAddress }, () => holdSlot(t?.app.port ?? 0, address)));
    for (const h of held) sockets.push(h.socket);
    // Every attacking request has been through the gate before Slack sends anything.
    await until(async () => from.every((address) => seen.get(address) === perAddress), 'the gate to have seen every attacking request');
    return held;
  }

  it('64 forged, unfinished posts from one client take at most its share; 20 of 20 genuine Slack commands are answered 200', async () => {
    t = await startTestApp();
    const held = await attack(['127.0.0.2'], 64);
    for (let i = 0; i < 20; i++)
      expect((await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'help' })).status, `command ${i}`).toBe(200);
    // The attacker's requests over its share were refused at once, from the headers: they held nothing.
    const share = defaultSlackGateOptions.maxPendingPerClient;
    expect(share).toBeLessThanOrEqual(8);
    await until(async () => held.filter((h) => h.status === 503).length === 64 - share, 'the over-share requests to be refused');
  });

  it('eight attacking addresses with eight unfinished posts each still leave Slack the reserved slots', async () => {
    t = await startTestApp();
    const addresses = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
    await attack(addresses, 8);
    for (let i = 0; i < 20; i++)
      expect((await t.slack.sendSlashCommand({ userId: 'UALICE', text: 'help' })).status, `command ${i}`).toBe(200);
  });
});

describe('an admitted /slack/events request must deliver its body within the body deadline', () => {
  it('a client that sends one byte of a 1000-byte body is disconnected by the body deadline, long before the request deadline', async () => {
    let bodies = 0;
    const server = createHttpServer({
      routes: [],
      logger: createMemoryLogger(),
      slackRequestListener: (req, res) => {
        req.resume();
        req.on('end', () => {
          bodies += 1;
          res.writeHead(200).end();
        });
      },
      deadlines: { headersMs: 60_000, requestMs: 60_000, checkIntervalMs: 1_000 },
      slackGate: { bodyMs: 100, maxPendingPerClient: 1 },
    });
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const slow = holdSlot(port, '127.0.0.1');
      // 100 ms against a request deadline of 60 s: only the body deadline can close it within 5 s.
      await until(async () => slow.closed, 'the slow client to be closed', 5_000);
      expect(slow.status).toBeUndefined();
      expect(bodies).toBe(0);
      // Its slot is free again: the same client (a share of one) is admitted and answered.
      const now = Math.floor(Date.now() / 1000);
      const reply = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: { 'x-slack-signature': `v0=${'a'.repeat(64)}`, 'x-slack-request-timestamp': String(now), 'content-type': 'text/plain' },
        body: 'token=x',
      });
      expect(reply.status).toBe(200);
      expect(bodies).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
