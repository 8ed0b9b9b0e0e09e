import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP, type CloudEventV1 } from 'cloudevents';
import { Webhook } from 'standardwebhooks';
import { jobPorts } from '../../src/domain/background.js';
import type { DomainDeps } from '../../src/domain/deps.js';
import { createServices, type Services } from '../../src/domain/services.js';
import { StreamSecretBox } from '../../src/domain/streams/secret-box.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startStreamWorker } from '../../src/scheduler/index.js';
import type { WorkerLoop } from '../../src/scheduler/worker-loop.js';
import { createStreamTransport } from '../../src/streams/index.js';
import type { TestDatabase } from '../support/db.js';
import { domainWithAlice, type TestClock } from '../support/domain.js';

export interface ReceivedRequest {
  id: string;
  contentType: string;
  body: string;
  /** Every CloudEvent in the request, parsed by the cloudevents SDK (structured or batch). */
  cloudEvents: CloudEventV1<unknown>[];
}

/**
 * A webhook receiver on loopback that checks what a SIEM would: the Standard Webhooks signature (with
 * the `standardwebhooks` package), CloudEvents (with the `cloudevents` SDK), and answers the Okta-style
 * challenge. `down` makes it refuse deliveries (503) without recording them, as an outage would.
 */
export class TestReceiver {
  secret: string | undefined;
  challengeAnswer: 'echo' | 'wrong' = 'echo';
  down = false;
  /** Holds every delivery unanswered (a receiver that hangs) until `release()`. */
  hang = false;
  private readonly held: Array<() => void> = [];
  readonly accepted: ReceivedRequest[] = [];
  readonly badSignatures: string[] = [];
  refused = 0;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<TestReceiver> {
    const server = createServer();
    const receiver = new TestReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (receiver.hang && req.method === 'POST') {
          receiver.held.push(() => res.writeHead(503).end());
          return;
        }
        const answer = receiver.handle(req.method ?? '', req.headers, body);
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  private handle(method: string, headers: IncomingHttpHeaders, body: string): { status: number; body: string } {
    if (method === 'GET') {
      const challenge = headers['x-verification-challenge'];
      if (typeof challenge !== 'string') return { status: 400, body: '{}' };
      return { status: 200, body: JSON.stringify({ verification: this.challengeAnswer === 'echo' ? challenge : 'nope' }) };
    }
    if (this.down) {
      this.refused += 1;
      return { status: 503, body: '{}' };
    }
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') flat[name] = value;
    try {
      if (this.secret === undefined) throw new Error('no secret');
      new Webhook(this.secret).verify(body, flat);
    } catch (error) {
      this.badSignatures.push(String(error));
      return { status: 401, body: '{}' };
    }
    const contentType = flat['content-type'] ?? '';
    const parsed = contentType.includes('cloudevents') ? HTTP.toEvent({ headers: flat, body }) : [];
    this.accepted.push({
      id: flat['webhook-id'] ?? '',
      contentType,
      body,
      cloudEvents: Array.isArray(parsed) ? parsed : [parsed],
    });
    return { status: 204, body: '' };
  }

  /** The chain fields of every record received, in arrival order. */
  records(): Array<{ seq: number; prev_hash: string; hash: string; action: string }> {
    return this.accepted.flatMap((request) => {
      const value: unknown = JSON.parse(request.body);
      const events = Array.isArray(value) ? value : [value];
      return events
        .map((event) => {
          const e = event as Record<string, unknown>;
          const plain = (
            e.specversion !== undefined ? e.data : e.class_uid !== undefined ? (e.unmapped as Record<string, unknown>).accesskey_audit : e
          ) as {
            seq: number;
            prev_hash: string;
            hash: string;
            action: string;
            test?: boolean;
          };
          return plain;
        })
        .filter((plain) => plain.test !== true);
    });
  }

  get heldCount(): number {
    return this.held.length;
  }

  release(): void {
    this.hang = false;
    for (const answer of this.held.splice(0)) answer();
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface StreamsWorld {
  db: TestDatabase;
  services: Services;
  clock: TestClock;
  logger: Logger;
  logLines: string[];
  /** The services' dependencies, for a replica built differently (another sealing key). */
  deps: DomainDeps;
  /** Starts a stream worker (a replica of its own when given another database handle's services). */
  startWorker(services?: Services, store?: TestDatabase['store']): WorkerLoop;
  /** Services over another pool of the same database: a second replica. */
  replica(): Promise<Services & { store: TestDatabase['store'] }>;
  cleanup(): Promise<void>;
}

const KEY = 'stream-secret-key-for-tests-only-0123456789';

export async function streamsWorld(dialect: 'sqlite' | 'postgres'): Promise<StreamsWorld> {
  const base = await domainWithAlice(dialect);
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', sink: (line) => logLines.push(line) });
  const streams = { transport: createStreamTransport({ timeoutMs: 5000, challengeTimeoutMs: 5000 }), secrets: new StreamSecretBox(KEY) };
  const deps = { ...base.deps, streams };
  const services = createServices(deps);
  const loops: WorkerLoop[] = [];
  const startWorker = (over: Services = services, store = base.db.store): WorkerLoop => {
    const loop = startStreamWorker({
      services: over,
      ports: jobPorts(store, base.clock.now),
      logger,
      tuning: { pollMs: 10, delivery: { backoffMs: [10, 20, 40], alertAfterFailures: 3 } },
    });
    loops.push(loop);
    return loop;
  };
  return {
    db: base.db,
    services,
    clock: base.clock,
    logger,
    logLines,
    deps,
    startWorker,
    async replica() {
      const { store } = await base.db.openAnother();
      return Object.assign(createServices({ ...deps, store }), { store });
    },
    async cleanup() {
      for (const loop of loops) await loop.stop();
      await base.db.cleanup();
    },
  };
}

/** The result of adding a stream without a replay marker (never 'replayed'). */
export async function added<T>(result: Promise<T | 'replayed'>): Promise<T> {
  const value = await result;
  if (value === 'replayed') throw new Error('a first submission was taken for a replay');
  return value;
}
