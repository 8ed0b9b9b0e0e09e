import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { currentCode } from '../../src/sandbox/authenticator.js';

describe('the sandbox authenticator (sandbox only)', () => {
  const totp = new TOTP({ issuer: 'Access Key Bot', label: 'U0SANDADA', secret: new Secret({ size: 20 }) });
  const at = Date.parse('2026-12-07T10:00:10.000Z');

  it('shows the code of the newest enrolment link in the DM, as an authenticator app would', () => {
    const older = new TOTP({ issuer: 'Access Key Bot', label: 'U0SANDADA', secret: new Secret({ size: 20 }) });
    const texts = [`\`${older.toString()}\``, 'unrelated', `{"text":"paste this \`${totp.toString().replace(/&/g, '&amp;')}\`"}`];
    expect(currentCode(texts, at)).toEqual({ code: totp.generate({ timestamp: at }), secondsLeft: 20 });
  });

  it('without an enrolment link, or with a broken one, there is no code', () => {
    expect(currentCode(['hello', 'otpauth://totp/x?secret=%%%'], at)).toBeUndefined();
    expect(currentCode([], at)).toBeUndefined();
  });
});
