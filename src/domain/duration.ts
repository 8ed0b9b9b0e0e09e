import { plural } from './text.js';

/**
 * Durations as operators write them in the environment: a whole number and one unit, `s`, `m`, `h` or
 * `d` (`30s`, `30m`, `12h`, `90d`). One parser for every duration setting, so they all read alike.
 */
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,9})([smhd])$/;

/** Milliseconds, or undefined for anything that is not `<whole number><s|m|h|d>` greater than zero. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] as keyof typeof UNIT_MS;
  const ms = amount * UNIT_MS[unit];
  return amount > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

/** "3 days", "5 hours", "2 minutes": the age of a request, for people. */
export function describeAge(ms: number): string {
  const units: Array<[number, string]> = [
    [UNIT_MS.d, 'day'],
    [UNIT_MS.h, 'hour'],
    [UNIT_MS.m, 'minute'],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return plural(n, name);
  }
  return 'less than a minute';
}
