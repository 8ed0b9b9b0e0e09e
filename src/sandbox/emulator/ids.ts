import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { EmulatorClock } from './clock.js';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Mints identifiers that look like Slack's, so app code that pattern-matches ids keeps working. */
export class IdMinter {
  private lastTsMicros = 0;
  private counter = 0;

  constructor(private readonly clock: EmulatorClock) {}

  /**
   * Message timestamps are "seconds.microseconds" and must be unique per channel; Slack also
   * guarantees they increase, which apps rely on for ordering, so never hand out the same one twice.
   */
  messageTs(): string {
    const nowMicros = Math.floor(this.clock.now()) * 1000;
    this.lastTsMicros = Math.max(nowMicros, this.lastTsMicros + 100);
    return this.lastMessageTs ?? '0.000000';
  }

  /** The newest ts handed out so far ("seconds.micros"), if any. */
  get lastMessageTs(): string | undefined {
    if (this.lastTsMicros === 0) return undefined;
    return `${Math.floor(this.lastTsMicros / 1_000_000)}.${String(this.lastTsMicros % 1_000_000).padStart(6, '0')}`;
  }

  /** A ts that every message handed out so far is before, and every later one is at or after. */
  boundaryTs(): string {
    const micros = Math.max(Math.floor(this.clock.now()) * 1000, this.lastTsMicros + 1);
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  /** Messages kept from before a restart: later ones must still sort after them. */
  continueAfter(ts: string): void {
    const [seconds = '0', micros = '0'] = ts.split('.');
    this.lastTsMicros = Math.max(this.lastTsMicros, Number(seconds) * 1_000_000 + Number(micros));
  }

  /** e.g. V0A1B2C3D4E (Slack ids are an uppercase prefix letter plus ~10 alphanumerics). */
  id(prefix: string): string {
    this.counter += 1;
    // A counter keeps ids readable in failure output; the random tail keeps them from looking sequential
    // enough that an app could accidentally depend on the order.
    const serial = this.counter.toString(36).toUpperCase().padStart(4, '0');
    let tail = '';
    for (let i = 0; i < 6; i += 1) tail += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
    return `${prefix}0${serial}${tail}`;
  }

  /** Format documented for invalid_trigger_id: "132456.7890123.abcdef". */
  triggerId(): string {
    return `${randomInt(100_000, 999_999)}.${randomInt(1_000_000_000, 9_999_999_999)}.${randomBytes(16).toString('hex')}`;
  }

  viewHash(): string {
    return `${Math.floor(this.clock.now() / 1000)}.${randomBytes(6).toString('base64url')}`;
  }

  opaque(bytes = 12): string {
    return randomBytes(bytes).toString('hex');
  }

  envelopeId(): string {
    return randomUUID();
  }

  actionTs(): string {
    return (this.clock.now() / 1000).toFixed(6);
  }
}
