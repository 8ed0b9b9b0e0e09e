import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { addCalendarMonth, keyStatus, resolveExpiry } from '../../src/domain/time.js';

describe('expiry rules (R5)', () => {
  const now = new Date('2026-03-10T08:30:00.000Z');

  it('not selected means the key never expires', () => {
    expect(resolveExpiry({ kind: 'never' }, now)).toBeNull();
  });

  it('selected without a date means one calendar month after creation', () => {
    expect(resolveExpiry({ kind: 'default' }, now)).toBe('2026-04-10T08:30:00.000Z');
  });

  it('31 January plus one month is the last day of February, in common and leap years', () => {
    expect(addCalendarMonth(new Date('2026-01-31T10:00:00.000Z')).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(addCalendarMonth(new Date('2028-01-31T10:00:00.000Z')).toISOString()).toBe('2028-02-29T10:00:00.000Z');
    expect(addCalendarMonth(new Date('2026-12-31T23:59:59.999Z')).toISOString()).toBe('2027-01-31T23:59:59.999Z');
    expect(addCalendarMonth(new Date('2026-03-31T00:00:00.000Z')).toISOString()).toBe('2026-04-30T00:00:00.000Z');
  });

  it('a chosen instant must be in the future', () => {
    expect(resolveExpiry({ kind: 'at', at: new Date('2026-03-10T08:30:00.001Z') }, now)).toBe('2026-03-10T08:30:00.001Z');
    for (const at of ['2026-03-10T08:30:00.000Z', '2025-01-01T00:00:00.000Z', 'not a date']) {
      let caught: unknown;
      try {
        resolveExpiry({ kind: 'at', at: new Date(at) }, now);
      } catch (error) {
        caught = error;
      }
      expect(isAppError(caught, 'INVALID_EXPIRY')).toBe(true);
    }
  });

  it('a key is expired from the exact instant now equals expires_at', () => {
    const key = { status: 'active' as const, expiresAt: '2026-03-10T08:30:00.000Z' };
    expect(keyStatus(key, new Date('2026-03-10T08:29:59.999Z'))).toBe('Active');
    expect(keyStatus(key, new Date('2026-03-10T08:30:00.000Z'))).toBe('Expired');
    expect(keyStatus({ ...key, status: 'inactive' }, new Date('2026-03-10T08:29:59.999Z'))).toBe('Inactive');
    expect(keyStatus({ status: 'active', expiresAt: null }, new Date('2999-01-01T00:00:00.000Z'))).toBe('Active');
  });
});
