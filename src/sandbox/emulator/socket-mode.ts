import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { EmulatorContext } from './context.js';
import { isObject, tryParseJson, type JsonObject } from './json.js';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface DeliveryResult {
  status: number;
  body: unknown;
  ackMs: number;
}

interface PendingAck {
  resolve: (payload: unknown) => void;
  reject: (error: Error) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Socket Mode as Slack documents it: apps.connections.open hands out one-time tickets for ws://…/link,
 * the server greets with `hello`, sends envelopes, and correlates `{envelope_id, payload}` acks.
 */
export class SocketModeServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  /** Sockets that may receive envelopes (not yet told to disconnect), newest last. */
  private readonly live: WebSocket[] = [];
  private readonly all = new Set<WebSocket>();
  private readonly pending = new Map<string, PendingAck>();
  connectionsOpened = 0;

  constructor(private readonly ctx: EmulatorContext) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link' || !this.ctx.store.socketTickets.delete(ticket)) {
      // Each URL from apps.connections.open is good for one connection.
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.connectionsOpened += 1;
    this.all.add(ws);
    this.live.push(ws);
    ws.on('message', (data: RawData) => this.onMessage(data));
    ws.on('close', () => {
      this.all.delete(ws);
      this.dropLive(ws);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.live.length,
        debug_info: { host: 'slack-emulator', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.ctx.config.appId },
      }),
    );
  }

  private dropLive(ws: WebSocket): void {
    const index = this.live.indexOf(ws);
    if (index >= 0) this.live.splice(index, 1);
  }

  private onMessage(data: RawData): void {
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : data instanceof ArrayBuffer
        ? Buffer.from(data).toString('utf8')
        : data.toString('utf8');
    const parsed = tryParseJson(text);
    if (!parsed.ok || !isObject(parsed.value) || typeof parsed.value.envelope_id !== 'string') {
      this.ctx.store.problem(`socket mode: unexpected message from app: ${text.slice(0, 200)}`);
      return;
    }
    const pending = this.pending.get(parsed.value.envelope_id);
    if (pending === undefined) {
      this.ctx.store.problem(`socket mode: ack for unknown or already answered envelope ${parsed.value.envelope_id}`);
      return;
    }
    this.pending.delete(parsed.value.envelope_id);
    pending.resolve(parsed.value.payload);
  }

  get connectionCount(): number {
    return this.live.length;
  }

  async waitForConnection(timeoutMs: number): Promise<WebSocket> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ws = this.live.at(-1);
      if (ws !== undefined && ws.readyState === ws.OPEN) return ws;
      if (Date.now() > deadline)
        throw new Error(`no Socket Mode connection within ${timeoutMs} ms (did the app start with socketMode: true?)`);
      await sleep(10);
    }
  }

  /** Sends one envelope and waits for its ack; status 0 when none came within timeoutMs. */
  async deliver(type: EnvelopeType, payload: JsonObject, timeoutMs: number): Promise<DeliveryResult> {
    const ws = await this.waitForConnection(timeoutMs);
    const envelopeId = this.ctx.ids.envelopeId();
    const envelope: JsonObject = {
      envelope_id: envelopeId,
      type,
      // Unconfirmed which interactive types set this; the client ignores it.
      accepts_response_payload: type === 'slash_commands' || payload.type === 'view_submission',
      payload,
    };
    if (type === 'events_api') {
      envelope.retry_attempt = 0;
      envelope.retry_reason = '';
    }
    const started = performance.now();
    const acked = new Promise<unknown>((resolve, reject) => this.pending.set(envelopeId, { resolve, reject }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    ws.send(JSON.stringify(envelope));
    const outcome = await Promise.race([acked, timedOut]);
    clearTimeout(timer);
    const ackMs = performance.now() - started;
    if (outcome === 'timeout') {
      this.pending.delete(envelopeId);
      return { status: 0, body: undefined, ackMs };
    }
    // ack() arrives as payload {}; report it as empty like an empty HTTP body.
    const body = isObject(outcome) && Object.keys(outcome).length === 0 ? undefined : outcome;
    return { status: 200, body, ackMs };
  }

  /** Sends `disconnect`; the client closes and reconnects through apps.connections.open. */
  disconnectAll(reason: string): void {
    for (const ws of [...this.live]) {
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'slack-emulator' } }));
      this.dropLive(ws);
    }
  }

  close(): void {
    for (const ws of this.all) ws.terminate();
    this.all.clear();
    this.live.length = 0;
    for (const pending of this.pending.values()) pending.reject(new Error('slack emulator stopped before the app acknowledged'));
    this.pending.clear();
    this.wss.close();
  }
}
