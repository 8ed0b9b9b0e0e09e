import type { IncomingMessage } from 'node:http';
import { clientAddress, throttleIdentity } from './client.js';

/**
 * Bolt buffers a whole body before it checks the signature, so anyone can make it hold a megabyte per
 * request. This gate runs before Bolt reads a byte: it refuses what can never be a Slack request (no
 * length, too long, no signature headers, a timestamp outside the replay window) and caps how many
 * bytes of not-yet-verified bodies are held at once. Real Slack requests are a few kilobytes and are
 * answered in well under 3 s, so the cap only ever bites a flood.
 *
 * Signature headers are easy to fake, so the cap alone would let one client fill it with bodies it
 * never finishes and shut Slack out. Hence: a request holds its slot only until its body has arrived
 * (Slack sends its few KB at once), the body must arrive within `bodyMs`, one client holds at most
 * `maxPendingPerClient` slots, and the last `reservedSmall` small slots go only to clients holding none.
 */
export interface SlackGateOptions {
  /** Slack's largest payloads (a modal's state) are tens of kilobytes; 1 MB is ample. */
  maxBodyBytes: number;
  /** Bodies up to this size are "small": every real Slack request but the rarest. */
  smallBodyBytes: number;
  /** Small unverified requests admitted at once. */
  maxPendingSmall: number;
  /** Declared bytes of large unverified bodies admitted at once: a few large slow clients cannot shut out the small ones. */
  maxPendingLargeBytes: number;
  /** Unverified requests one client (an IPv4 address or IPv6 /64) may have pending at once. */
  maxPendingPerClient: number;
  /** Small slots only a client with nothing pending may take: what a few attacking addresses leave to Slack's many. */
  reservedSmall: number;
  /** Time an admitted request has to deliver its whole body; then its connection is closed. */
  bodyMs: number;
  /** Slack's replay window, both ways (Bolt itself only refuses old timestamps). */
  maxSkewSeconds: number;
  nowSeconds: () => number;
  /** Who is asking: the throttling identity of the request's client. */
  clientOf: (req: IncomingMessage) => string;
}

/**
 * At most 64 × 64 KB + 6 MB ≈ 10 MB of unverified bodies are held at any moment; one client holds at
 * most 8 of them, for at most 2 s each.
 */
export const defaultSlackGateOptions: SlackGateOptions = {
  maxBodyBytes: 1024 * 1024,
  smallBodyBytes: 64 * 1024,
  maxPendingSmall: 64,
  maxPendingLargeBytes: 6 * 1024 * 1024,
  maxPendingPerClient: 8,
  reservedSmall: 16,
  bodyMs: 2_000,
  maxSkewSeconds: 300,
  nowSeconds: () => Math.floor(Date.now() / 1000),
  clientOf: (req) => throttleIdentity(clientAddress(req, undefined)),
};

export type GateVerdict = { admitted: true; release: () => void } | { admitted: false; status: 401 | 411 | 413 | 503; reason: string };

const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export class SlackGate {
  readonly #options: SlackGateOptions;
  #pendingSmall = 0;
  #pendingLargeBytes = 0;
  readonly #pendingByClient = new Map<string, number>();

  constructor(options: Partial<SlackGateOptions> = {}) {
    this.#options = { ...defaultSlackGateOptions, ...options };
  }

  /** Decides from the headers alone; an admitted request holds its share until `release` (idempotent). */
  admit(req: IncomingMessage): GateVerdict {
    const options = this.#options;
    const declared = header(req, 'content-length');
    const length = declared === undefined ? Number.NaN : Number(declared);
    // Slack always sends Content-Length; without it the size is unknown until it has been read.
    if (!Number.isSafeInteger(length) || length < 0) return { admitted: false, status: 411, reason: 'no_length' };
    if (length > options.maxBodyBytes) return { admitted: false, status: 413, reason: 'too_large' };
    const signature = header(req, 'x-slack-signature');
    const timestamp = header(req, 'x-slack-request-timestamp');
    if (signature === undefined || !SIGNATURE.test(signature) || timestamp === undefined || !TIMESTAMP.test(timestamp)) {
      return { admitted: false, status: 401, reason: 'unsigned' };
    }
    if (Math.abs(options.nowSeconds() - Number(timestamp)) > options.maxSkewSeconds)
      return { admitted: false, status: 401, reason: 'stale' };
    const client = options.clientOf(req);
    const clientPending = this.#pendingByClient.get(client) ?? 0;
    if (clientPending >= options.maxPendingPerClient) return { admitted: false, status: 503, reason: 'client_busy' };
    const small = length <= options.smallBodyBytes;
    if (small ? !this.#smallSlotFree(clientPending) : this.#pendingLargeBytes + length > options.maxPendingLargeBytes) {
      return { admitted: false, status: 503, reason: 'busy' };
    }
    if (small) this.#pendingSmall += 1;
    else this.#pendingLargeBytes += length;
    this.#pendingByClient.set(client, clientPending + 1);
    let held = true;
    return {
      admitted: true,
      release: () => {
        if (!held) return;
        held = false;
        if (small) this.#pendingSmall -= 1;
        else this.#pendingLargeBytes -= length;
        const left = (this.#pendingByClient.get(client) ?? 1) - 1;
        if (left > 0) this.#pendingByClient.set(client, left);
        else this.#pendingByClient.delete(client);
      },
    };
  }

  /** The body deadline of admitted requests. */
  get bodyMs(): number {
    return this.#options.bodyMs;
  }

  #smallSlotFree(clientPending: number): boolean {
    const { maxPendingSmall, reservedSmall } = this.#options;
    if (this.#pendingSmall >= maxPendingSmall) return false;
    return clientPending === 0 || this.#pendingSmall < maxPendingSmall - reservedSmall;
  }
}
