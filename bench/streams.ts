/**
 * `npm run bench:streams` — how long a backlog of 1,000 audit records takes to reach an event stream,
 * per transport and format, with the production tuning of the stream worker. The records are appended
 * through the domain (hash chain, one transaction each) into a real SQLite file; then one stream at a
 * time is added with its cursor at 0 and the worker drains it into a local receiver: an HTTP server that
 * checks every Standard Webhooks signature, or a TCP server that splits octet-counted syslog frames.
 * Exit code 1 if a record is missing, repeated out of order, or a signature fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { connect } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createStore } from '../src/db/store.js';
import { jobPorts } from '../src/domain/background.js';
import { appendAudit } from '../src/domain/audit.js';
import { recordsOfLine } from '../src/domain/streams/chain-file.js';
import type { AuditStream, StreamFormat, StreamKind } from '../src/domain/streams/model.js';
import { newWebhookSecret, StreamSecretBox } from '../src/domain/streams/secret-box.js';
import { SecretHasher } from '../src/domain/secrets.js';
import { createServices } from '../src/domain/services.js';
import { createLogger } from '../src/logger.js';
import { startStreamWorker } from '../src/scheduler/index.js';
import { createStreamTransport } from '../src/streams/index.js';

const RECORDS = 1000;
const GIVE_UP_MS = 300_000;

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-streams-'));
  const connection = connect({ kind: 'sqlite', path: join(dir, 'bench.sqlite') });
  await migrateToLatest(connection.db);
  const store = createStore(connection);
  const secrets = new StreamSecretBox('bench-stream-secret-key-0123456789abcdef');
  const services = createServices({
    store,
    now: () => new Date(),
    hasher: new SecretHasher(undefined),
    defaultRoleName: 'Account Group Read Only',
    streams: { transport: createStreamTransport(), secrets },
  });
  for (let i = 0; i < RECORDS; i++)
    await store.write((tx) =>
      appendAudit(
        tx,
        {
          actorId: `UBENCH${i % 7}`,
          action: 'key.created',
          keyId: `ak_bench${String(i).padStart(16, '0')}`,
          keyName: `ci-${i}`,
          ownerId: 'UBENCH0',
        },
        new Date(),
      ),
    );

  const received: number[] = [];
  let badSignatures = 0;
  let secret = '';
  const http = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      try {
        new Webhook(secret).verify(body, headers);
        received.push(...recordsOfLine(body).map((r) => r.seq));
      } catch {
        badSignatures += 1;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const tcp = createTcpServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const space = buffered.indexOf(0x20);
        if (space < 0) break;
        const length = Number(buffered.subarray(0, space).toString());
        if (buffered.length < space + 1 + length) break;
        received.push(...recordsOfLine(buffered.subarray(space + 1, space + 1 + length).toString('utf8')).map((r) => r.seq));
        buffered = buffered.subarray(space + 1 + length);
      }
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));

  const cases: Array<{ kind: StreamKind; format: StreamFormat; url: string }> = [
    { kind: 'webhook', format: 'json', url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/` },
    { kind: 'webhook', format: 'cloudevents-batch', url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/` },
    { kind: 'syslog', format: 'ocsf', url: `tcp://127.0.0.1:${(tcp.address() as AddressInfo).port}` },
  ];
  let failed = false;
  const logger = createLogger({ level: 'warn' });
  for (const [i, c] of cases.entries()) {
    received.length = 0;
    secret = newWebhookSecret();
    const now = new Date().toISOString();
    const stream: AuditStream = {
      id: `st_bench${i}`,
      name: `${c.kind}-${c.format}`,
      kind: c.kind,
      url: c.url,
      format: c.format,
      actionPrefix: null,
      state: 'active',
      tlsCa: null,
      cursorSeq: 0,
      failures: 0,
      lastError: null,
      lastErrorAt: null,
      lastDeliveredAt: null,
      nextAttemptAt: now,
      failingAlerted: false,
      createdAt: now,
      createdBy: 'UBENCH',
    };
    await store.write((tx) => tx.streams.insert(stream, c.kind === 'webhook' ? secrets.seal(secret) : null));
    const started = performance.now();
    const worker = startStreamWorker({ services, ports: jobPorts(store, () => new Date()), logger });
    while (new Set(received).size < RECORDS && performance.now() - started < GIVE_UP_MS) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - started) / 1000;
    await worker.stop();
    await store.write((tx) => tx.streams.remove(stream.id));
    const inOrder = received.every((seq, j) => j === 0 || seq > (received[j - 1] ?? 0));
    const complete = new Set(received).size === RECORDS;
    if (!complete || !inOrder || badSignatures > 0) failed = true;
    console.log(
      `${stream.name.padEnd(26)} ${RECORDS} records in ${seconds.toFixed(2)} s (${Math.round(RECORDS / seconds)} records/s)` +
        `${complete ? '' : ' INCOMPLETE'}${inOrder ? '' : ' OUT OF ORDER'}${badSignatures > 0 ? ` ${badSignatures} BAD SIGNATURES` : ''}`,
    );
  }
  http.close();
  tcp.close();
  await connection.db.destroy();
  rmSync(dir, { recursive: true, force: true });
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
