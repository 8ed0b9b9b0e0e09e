import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { configErrorOf, minimalEnv } from './support/config.js';

describe('configuration of approvals and step-up (docs/admin-security.md)', () => {
  it('defaults: one approval, step-up off, no MFA key', () => {
    const config = loadConfig(minimalEnv);
    expect(config.approvals.apiAccess).toBe(1);
    expect(config.mfa).toBeUndefined();
  });

  it('a 32-byte base64 MFA_ENCRYPTION_KEY is taken, with ADMIN_STEP_UP', () => {
    const key = randomBytes(32);
    const config = loadConfig({
      ...minimalEnv,
      MFA_ENCRYPTION_KEY: key.toString('base64'),
      ADMIN_STEP_UP: 'on',
      API_ACCESS_APPROVALS: '2',
    });
    expect(config.mfa?.stepUp).toBe(true);
    expect(Buffer.from(config.mfa?.key ?? []).equals(key)).toBe(true);
    expect(config.approvals.apiAccess).toBe(2);
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['hex', randomBytes(32).toString('hex')],
    ['not base64', `${'!'.repeat(43)}=`],
  ])('a malformed MFA_ENCRYPTION_KEY (%s) is a clear start-up error that never echoes the value', (_name, value) => {
    const error = configErrorOf({ ...minimalEnv, MFA_ENCRYPTION_KEY: value });
    expect(error).toContain('MFA_ENCRYPTION_KEY must be 32 random bytes in base64');
    expect(error).not.toContain(value);
  });

  it('ADMIN_STEP_UP=on without a key, a wrong switch and a zero approvals count are named together', () => {
    expect(configErrorOf({ ...minimalEnv, ADMIN_STEP_UP: 'on' })).toContain('MFA_ENCRYPTION_KEY is required when ADMIN_STEP_UP=on');
    const error = configErrorOf({ ...minimalEnv, ADMIN_STEP_UP: 'yes', API_ACCESS_APPROVALS: '0' });
    expect(error).toContain('ADMIN_STEP_UP must be on or off');
    expect(error).toContain('API_ACCESS_APPROVALS');
  });
});
