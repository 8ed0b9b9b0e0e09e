import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/slack/input/command.js';
import { parseAdminText } from '../../src/slack/listeners/commands/accesskey/admin.js';

/** The admin text as the verb table reads it: the verb's words and its parsed input, or why not. */
function parseAdminCommand(text: string) {
  const request = parseAdminText(text);
  return request.kind === 'verb' ? { verb: request.verb.verb, input: request.input } : request;
}

describe('parsing the security-team commands', () => {
  it('role policy takes a role name of several words, then the setting and its value', () => {
    expect(parseAdminCommand('role policy Account Group Read Only max-days 30')).toEqual({
      verb: 'role policy',
      input: { role: 'Account Group Read Only', change: { setting: 'max-days', value: 30 } },
    });
    expect(parseAdminCommand('role policy Ops MAX-DAYS off')).toEqual({
      verb: 'role policy',
      input: { role: 'Ops', change: { setting: 'max-days', value: null } },
    });
    expect(parseAdminCommand('role policy Ops expiry-required on')).toEqual({
      verb: 'role policy',
      input: { role: 'Ops', change: { setting: 'expiry-required', value: true } },
    });
    expect(parseAdminCommand('role policy Ops expiry-required off')).toEqual({
      verb: 'role policy',
      input: { role: 'Ops', change: { setting: 'expiry-required', value: false } },
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
      message: expect.stringContaining('expiry-required takes `on` or `off`.'),
    });
  });

  it('verify-audit takes no options; compromised names a key like the other key commands', () => {
    expect(parseAdminCommand('verify-audit')).toEqual({ verb: 'verify-audit', input: {} });
    expect(parseAdminCommand('verify-audit --deep')).toMatchObject({ kind: 'invalid' });
    expect(parseCommand('compromised "ci deploy"')).toEqual({ kind: 'compromised', key: 'ci deploy' });
    expect(parseCommand('compromised')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('/accesskey compromised <key ID or name>'),
    });
  });
});
