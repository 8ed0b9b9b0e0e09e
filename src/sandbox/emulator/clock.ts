/**
 * The emulator's notion of "now". Tests inject a clock or advance an offset so that expiry rules
 * (trigger_id after 3 s, response_url after 30 min) can be checked without sleeping.
 */
export class EmulatorClock {
  private offsetMs = 0;

  constructor(private readonly source: () => number = Date.now) {}

  now(): number {
    return this.source() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
