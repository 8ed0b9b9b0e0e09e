import { describe, expect, it } from 'vitest';
import { createDeliveryBackoff } from '../../src/scheduler/delivery-backoff.js';
import { createRecordingLogger } from '../support/background.js';

function backoff() {
  const logger = createRecordingLogger();
  const b = createDeliveryBackoff({
    name: 'test sender',
    blockedAlert: 'test_blocked',
    unavailableBackoffMs: [100_000, 200_000, 300_000],
    blockedRetryMs: 500_000,
    logger,
  });
  return { b, logger };
}

describe('the one delivery back-off of every Slack sender', () => {
  it('waits longer after each consecutive outage, up to the last step, and starts over once a send goes through', () => {
    const { b, logger } = backoff();
    const waits = [1, 2, 3, 4].map(() => b.pause({ kind: 'unavailable', error: 'HTTP 500' }));
    expect(waits).toEqual([100_000, 200_000, 300_000, 300_000]);
    b.delivered();
    expect(b.pause({ kind: 'unavailable', error: 'HTTP 500' })).toBe(100_000);
    expect(logger.entries.filter((e) => e.msg === 'test sender flowing again')).toEqual([
      expect.objectContaining({ after: 'unavailable' }),
    ]);
  });

  it('holds the sender for exactly the Retry-After of a rate limit, and a later pause replaces the hold', () => {
    const { b } = backoff();
    expect(b.heldMs()).toBe(0);
    expect(b.pause({ kind: 'rate_limited', retryAfterMs: 250_000 })).toBe(250_000);
    expect(b.heldMs()).toBeGreaterThan(200_000);
    expect(b.heldMs()).toBeLessThanOrEqual(250_000);
  });

  it('a blocked token alerts the operator once however often it is met, and again only after it recovered', () => {
    const { b, logger } = backoff();
    for (let i = 0; i < 3; i++) expect(b.pause({ kind: 'blocked', error: 'token_revoked' })).toBe(500_000);
    b.delivered();
    b.pause({ kind: 'blocked', error: 'invalid_auth' });
    expect(logger.entries.filter((e) => e.alert === 'test_blocked').map((e) => e.error)).toEqual(['token_revoked', 'invalid_auth']);
    expect(logger.entries.filter((e) => e.msg === 'test sender flowing again')).toEqual([expect.objectContaining({ after: 'blocked' })]);
  });
});
