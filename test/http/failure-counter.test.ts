import { describe, expect, it } from 'vitest';
import { FailureCounter } from '../../src/http/throttle.js';

const RULE = { limit: 3, windowMs: 60_000 };

describe('FailureCounter: reserved attempts are undecided until confirmed or refunded', () => {
  it('a full window of undecided attempts refuses new ones but does not lock the client out', () => {
    let now = 1_000_000;
    const counter = new FailureCounter(RULE, () => now);
    const held = [counter.reserve('c'), counter.reserve('c'), counter.reserve('c')];
    expect(held.every((reservation) => reservation !== undefined)).toBe(true);
    expect(counter.reserve('c')).toBeUndefined();
    expect(counter.retryAfterMs('c')).toBeGreaterThan(0);
    expect(counter.lockedForMs('c')).toBe(0);
    // Two turn out to be misses: still not locked (2 of 3 certain), and no new slot while one is undecided.
    held[0]?.confirm();
    held[1]?.confirm();
    expect(counter.lockedForMs('c')).toBe(0);
    expect(counter.reserve('c')).toBeUndefined();
    // The third was a real key: its slot comes back.
    held[2]?.refund();
    const next = counter.reserve('c');
    expect(next).toBeDefined();
    next?.confirm();
    expect(counter.lockedForMs('c')).toBe(60_000);
    now += 60_000;
    expect(counter.lockedForMs('c')).toBe(0);
  });

  it('settling twice counts once, and a settled attempt of an ended window changes nothing', () => {
    let now = 0;
    const counter = new FailureCounter(RULE, () => now);
    const a = counter.reserve('c');
    const b = counter.reserve('c');
    a?.confirm();
    // Already settled: neither takes the miss back nor settles it again.
    a?.confirm();
    a?.refund();
    const c = counter.reserve('c');
    expect(c).toBeDefined();
    // Three counted (a certain, b and c undecided): the window is full.
    expect(counter.retryAfterMs('c')).toBeGreaterThan(0);
    b?.confirm();
    // Two certain, c still undecided: not locked out yet.
    expect(counter.lockedForMs('c')).toBe(0);
    c?.refund();
    expect(counter.retryAfterMs('c')).toBe(0);
    const late = counter.reserve('c');
    expect(late).toBeDefined();
    now += 60_000;
    // A new window, filled: the old one's attempts neither block it nor free a slot in it.
    const fresh = [counter.reserve('c'), counter.reserve('c'), counter.reserve('c')];
    expect(fresh.every((reservation) => reservation !== undefined)).toBe(true);
    late?.refund();
    expect(counter.reserve('c')).toBeUndefined();
  });
});
