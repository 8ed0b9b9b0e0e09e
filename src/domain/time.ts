import { AppError } from '../errors.js';
import type { AccessKey, KeyStatus } from './model.js';

/** One day in milliseconds: warning lead times, request lifetimes and the rotation grace period count in days. */
export const DAY_MS = 24 * 60 * 60 * 1000;

export const iso = (date: Date): string => date.toISOString();

/**
 * One calendar month later in UTC, clamped to the last day of a shorter month
 * (31 January → 28/29 February), as people read "a month".
 */
export function addCalendarMonth(from: Date): Date {
  const year = from.getUTCFullYear();
  const month = from.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(from.getUTCDate(), lastDay);
  return new Date(Date.UTC(year, month, day, from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds()));
}

/** R5: no expiry → never; expiry without a date → one month; a date → that instant, in the future. */
export type ExpiryChoice = { kind: 'never' } | { kind: 'default' } | { kind: 'at'; at: Date };

export function resolveExpiry(choice: ExpiryChoice, now: Date): string | null {
  switch (choice.kind) {
    case 'never':
      return null;
    case 'default':
      return iso(addCalendarMonth(now));
    case 'at':
      if (Number.isNaN(choice.at.getTime())) throw new AppError('INVALID_EXPIRY', 'That expiry is not a valid date and time.');
      if (choice.at.getTime() <= now.getTime()) throw new AppError('INVALID_EXPIRY', 'The expiry must be in the future.');
      if (choice.at.getUTCFullYear() > 9999) throw new AppError('INVALID_EXPIRY', 'The expiry is too far in the future.');
      return iso(choice.at);
  }
}

/** A key is expired from the instant `now ≥ expires_at` (the documented boundary). */
export function isExpired(key: Pick<AccessKey, 'expiresAt'>, now: Date): boolean {
  return key.expiresAt !== null && Date.parse(key.expiresAt) <= now.getTime();
}

export function keyStatus(key: Pick<AccessKey, 'expiresAt' | 'status'>, now: Date): KeyStatus {
  if (isExpired(key, now)) return 'Expired';
  return key.status === 'active' ? 'Active' : 'Inactive';
}
