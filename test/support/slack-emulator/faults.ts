import type { CallInterceptor, InterceptOutcome } from '../../../src/sandbox/emulator/interceptor.js';

/**
 * `delay` waits before the call does anything; `slow_answer` does the call at once and answers after
 * `ms` (Slack posting a message whose answer reaches the client after it gave up). `hold` keeps matching
 * calls waiting until `releaseHeld()`: a test can show that something (an ack) happened while a Slack
 * call was still unanswered, by order of events rather than by a clock.
 */
export type FaultKind = 'ratelimited' | 'http500' | 'error' | 'delay' | 'hold' | 'slow_answer';

export interface FaultSpec {
  /** Web API method name, 'upload', 'response_url', or '*' for everything. */
  method: string;
  kind: FaultKind;
  retryAfterSec?: number;
  error?: string;
  ms?: number;
  times?: number;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

// unref: a long scripted hang must not keep the test process alive after the test is done.
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Scripted failures for Web API methods, the upload URL ('upload') and response_url ('response_url'). */
export class FaultInjector implements CallInterceptor {
  private faults: ActiveFault[] = [];
  private readonly held: (() => void)[] = [];
  /** How many calls a `hold` fault is keeping waiting right now. */
  heldCount = 0;

  add(spec: FaultSpec): void {
    if (spec.kind === 'error' && (spec.error === undefined || spec.error === '')) {
      throw new Error("fault kind 'error' needs an error code, e.g. { kind: 'error', error: 'channel_not_found' }");
    }
    this.faults.push({ spec, remaining: spec.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.faults = [];
  }

  /** Lets every held call go on (each then answers normally). */
  releaseHeld(): void {
    for (const release of this.held.splice(0)) release();
  }

  private takeMatching(method: string, phase: 'delay' | 'fail' | 'answer'): ActiveFault | undefined {
    const phaseOf = (kind: FaultKind) => (kind === 'delay' || kind === 'hold' ? 'delay' : kind === 'slow_answer' ? 'answer' : 'fail');
    const match = this.faults.find(
      (f) => f.remaining > 0 && (f.spec.method === method || f.spec.method === '*') && phaseOf(f.spec.kind) === phase,
    );
    if (match !== undefined) match.remaining -= 1;
    return match;
  }

  /**
   * Waits out any delay fault, then returns the failure to answer with, if one is armed.
   * Delays combine with failures so a test can script "slow, then 429".
   */
  async before(method: string): Promise<InterceptOutcome | undefined> {
    const delay = this.takeMatching(method, 'delay');
    if (delay?.spec.kind === 'hold') await this.holdUntilReleased();
    else if (delay !== undefined) await sleep(delay.spec.ms ?? 0);
    const fault = this.takeMatching(method, 'fail');
    if (fault === undefined) return undefined;
    switch (fault.spec.kind) {
      case 'ratelimited':
        return { kind: 'ratelimited', retryAfterSec: fault.spec.retryAfterSec ?? 1 };
      case 'http500':
        return { kind: 'http500' };
      default:
        return { kind: 'error', error: fault.spec.error ?? 'fatal_error' };
    }
  }

  async after(method: string): Promise<void> {
    const slow = this.takeMatching(method, 'answer');
    if (slow !== undefined) await sleep(slow.spec.ms ?? 0);
  }

  private holdUntilReleased(): Promise<void> {
    this.heldCount++;
    return new Promise((resolve) =>
      this.held.push(() => {
        this.heldCount--;
        resolve();
      }),
    );
  }
}
