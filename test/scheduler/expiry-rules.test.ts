import { describe, expect, it } from 'vitest';
import { takeForNextMessage } from '../../src/domain/audit-outbox.js';
import { backoffDelay, lastErrorText } from '../../src/domain/delivery.js';
import { expiryThresholds, planWarnings, reasonToCancel } from '../../src/domain/expiry.js';
import { isExpired } from '../../src/domain/time.js';

const DAY = 24 * 60 * 60 * 1000;
const E = Date.parse('2026-03-01T09:30:00.000Z');
const key = { expiresAt: new Date(E).toISOString(), createdAt: new Date(E - 30 * DAY).toISOString(), status: 'active' };
const thresholds = expiryThresholds([7, 1]);
const opts = { staleAfterMs: 7 * DAY };
const at = (ms: number) => new Date(ms);
const ids = (plan: ReturnType<typeof planWarnings>) => ({
  notify: plan.notify?.id,
  skip: plan.skip.map((s) => `${s.threshold.id}:${s.reason}`),
});

describe('expiry thresholds', () => {
  it('are expiry itself plus each configured lead time, most urgent first', () => {
    expect(expiryThresholds([7, 1]).map((t) => t.id)).toEqual(['expired', '1d', '7d']);
    expect(expiryThresholds([1, 7, 7, 30]).map((t) => t.id)).toEqual(['expired', '1d', '7d', '30d']);
  });

  it('are entered at the exact instant, the same boundary as an expired key (now ≥ expires_at)', () => {
    expect(ids(planWarnings(key, at(E - 7 * DAY - 1), thresholds, new Set(), opts))).toEqual({ notify: undefined, skip: [] });
    expect(ids(planWarnings(key, at(E - 7 * DAY), thresholds, new Set(), opts)).notify).toBe('7d');
    expect(ids(planWarnings(key, at(E - 1), thresholds, new Set(['7d']), opts)).notify).toBe('1d');
    expect(isExpired(key, at(E))).toBe(true);
    expect(ids(planWarnings(key, at(E), thresholds, new Set(['7d', '1d']), opts)).notify).toBe('expired');
  });
});

describe('which warning a key is due for', () => {
  it('after downtime, only the most urgent threshold is sent and the ones passed meanwhile are marked skipped', () => {
    expect(ids(planWarnings(key, at(E - 12 * 60 * 60 * 1000), thresholds, new Set(), opts))).toEqual({
      notify: '1d',
      skip: ['7d:superseded'],
    });
    expect(ids(planWarnings(key, at(E + 60_000), thresholds, new Set(), opts))).toEqual({
      notify: 'expired',
      skip: ['1d:superseded', '7d:superseded'],
    });
  });

  it('never warns twice for a marked threshold', () => {
    expect(ids(planWarnings(key, at(E - 3 * DAY), thresholds, new Set(['7d']), opts))).toEqual({ notify: undefined, skip: [] });
  });

  it('skips a threshold the key was created inside of, and expiries long past, and inactive keys', () => {
    const young = { ...key, createdAt: new Date(E - 3 * DAY).toISOString() };
    expect(ids(planWarnings(young, at(E - 2 * DAY), thresholds, new Set(), opts))).toEqual({
      notify: undefined,
      skip: ['7d:entered_at_creation'],
    });
    expect(ids(planWarnings(young, at(E - 12 * 60 * 60 * 1000), thresholds, new Set(['7d']), opts)).notify).toBe('1d');
    expect(ids(planWarnings(key, at(E + 8 * DAY), thresholds, new Set(['7d', '1d']), opts))).toEqual({
      notify: undefined,
      skip: ['expired:stale'],
    });
    expect(ids(planWarnings({ ...key, status: 'inactive' }, at(E - 3 * DAY), thresholds, new Set(), opts))).toEqual({
      notify: undefined,
      skip: ['7d:inactive'],
    });
  });
});

describe('a queued warning, just before it is sent', () => {
  const queued = { threshold: '7d', expiresAt: key.expiresAt };
  it('is cancelled for a deleted, extended or deactivated key, or once a more urgent threshold is due', () => {
    expect(reasonToCancel(queued, undefined, at(E - 6 * DAY), thresholds)).toBe('key_deleted');
    expect(reasonToCancel(queued, { ...key, expiresAt: new Date(E + DAY).toISOString() }, at(E - 6 * DAY), thresholds)).toBe(
      'expiry_changed',
    );
    expect(reasonToCancel(queued, { ...key, status: 'inactive' }, at(E - 6 * DAY), thresholds)).toBe('inactive');
    expect(reasonToCancel(queued, key, at(E - 6 * DAY), thresholds)).toBeUndefined();
    expect(reasonToCancel(queued, key, at(E - 12 * 60 * 60 * 1000), thresholds)).toBe('superseded');
    expect(reasonToCancel({ threshold: 'expired', expiresAt: key.expiresAt }, key, at(E + 30 * DAY), thresholds)).toBeUndefined();
  });
});

describe('the audit mirror rules', () => {
  it('a digest takes fresh records only; a record that failed before goes alone', () => {
    expect(takeForNextMessage([0, 0, 0, 0], 3)).toBe(3);
    expect(takeForNextMessage([0, 0, 2, 0], 15)).toBe(2);
    expect(takeForNextMessage([1, 0, 0], 15)).toBe(1);
    expect(takeForNextMessage([], 15)).toBe(0);
  });

  it('backs off along the configured steps and stays at the last', () => {
    expect([1, 2, 3, 9].map((n) => backoffDelay([100, 200, 400], n))).toEqual([100, 200, 400, 400]);
  });

  it('keeps secret-shaped text out of stored errors', () => {
    const secret = `aks_${'A'.repeat(46)}`;
    expect(lastErrorText(new Error(`boom ${secret}`))).not.toContain(secret);
  });
});
