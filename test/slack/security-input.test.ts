import { describe, expect, it } from 'vitest';
import { parseAdminCommand } from '../../src/slack/input/admin-command.js';
import { parseCommand } from '../../src/slack/input/command.js';

describe('parsing the security-team commands', () => {
  it('role policy takes a role name of several words, then the setting and its value', () => {
    expect(parseAdminCommand('role policy Account Group Read Only max-days 30')).toEqual({
      kind: 'role-policy',
      role: 'Account Group Read Only',
      change: { setting: 'max-days', value: 30 },
    });
    expect(parseAdminCommand('role policy Ops MAX-DAYS off')).toEqual({
      kind: 'role-policy',
      role: 'Ops',
      change: { setting: 'max-days', value: null },
    });
    expect(parseAdminCommand('role policy Ops expiry-required on')).toEqual({
      kind: 'role-policy',
      role: 'Ops',
      change: { setting: 'expiry-required', value: true },
    });
    expect(parseAdminCommand('role policy Ops expiry-required off')).toEqual({
      kind: 'role-policy',
      role: 'Ops',
      change: { setting: 'expiry-required', value: false },
    });
  });

  it('role policy refuses what it cannot mean, with a short usage line', () => {
    for (const text of ['role policy', 'role policy Ops', 'role policy max-days 5', 'role policy Ops lifetime 5']) {
      expect(parseAdminCommand(text)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('role policy <role>') });
    }
    for (const value of ['0', '3651', '1.5', 'soon', '-3'])
      expect(parseAdminCommand(`role policy Ops max-days ${value}`)).toMatchObject({
        kind: 'invalid',
        message: expect.stringContaining('1 to 3650'),
      });
    expect(parseAdminCommand('role policy Ops expiry-required maybe')).toMatchObject({
      kind: 'invalid',
      message: 'expiry-required takes `on` or `off`.',
    });
  });

  it('verify-audit takes no options; compromised names a key like the other key commands', () => {
    expect(parseAdminCommand('verify-audit')).toEqual({ kind: 'verify-audit' });
    expect(parseAdminCommand('verify-audit --deep')).toMatchObject({ kind: 'invalid' });
    expect(parseCommand('compromised "ci deploy"')).toEqual({ kind: 'compromised', key: 'ci deploy' });
    expect(parseCommand('compromised')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('/accesskey compromised <key ID or name>'),
    });
  });
});
