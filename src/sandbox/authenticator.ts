import { TOTP, URI } from 'otpauth';

/**
 * The sandbox's stand-in for a phone (docs/admin-security.md, "Trying it in the sandbox"): the current
 * step-up code of the acting person, computed from the newest `otpauth://` link the app sent to their
 * DM, as an authenticator app would from the QR code. It reads only what Slack would show that person,
 * and exists only in the sandbox (this module is part of it); a real workspace has no such thing.
 */
const OTPAUTH_LINK = /otpauth:\/\/totp\/[^\s`"<>|]+/g;

export interface SandboxCode {
  code: string;
  /** Seconds until the next code. */
  secondsLeft: number;
}

/** `texts`: the DM's messages (text and blocks as JSON), oldest first. */
export function currentCode(texts: readonly string[], now: number): SandboxCode | undefined {
  for (const text of [...texts].reverse()) {
    const links = [...text.replace(/&amp;/g, '&').matchAll(OTPAUTH_LINK)].map((m) => m[0]);
    const link = links.at(-1);
    if (link === undefined) continue;
    let parsed: unknown;
    try {
      parsed = URI.parse(link);
    } catch (error) {
      // A malformed link is only a message that is not an enrolment; look further back.
      if (error instanceof Error) continue;
      throw error;
    }
    if (!(parsed instanceof TOTP)) continue;
    const periodMs = parsed.period * 1000;
    return { code: parsed.generate({ timestamp: now }), secondsLeft: Math.ceil((periodMs - (now % periodMs)) / 1000) };
  }
  return undefined;
}
