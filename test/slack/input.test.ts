import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/slack/input/command.js';
import { parseAdminText } from '../../src/slack/listeners/commands/accesskey/admin.js';

/** The admin text as the verb table reads it: the verb's words and its parsed input, or why not. */
function parseAdminCommand(text: string) {
  const request = parseAdminText(text);
  return request.kind === 'verb' ? { verb: request.verb.verb, input: request.input } : request;
}

describe('parsing /accesskey text', () => {
  it('reads subcommands, aliases and key references, with or without quotes', () => {
    expect(parseCommand('create  my key ')).toEqual({ kind: 'create', name: 'my key' });
    expect(parseCommand('ls --all-roles')).toEqual({ kind: 'list', allRoles: true });
    expect(parseCommand('show "ci deploy"')).toEqual({ kind: 'show', key: 'ci deploy' });
    expect(parseCommand('rm ak_0123456789abcdefGHIJ')).toEqual({ kind: 'delete', key: 'ak_0123456789abcdefGHIJ' });
    expect(parseCommand(undefined)).toEqual({ kind: 'help' });
  });

  it('decodes the entities Slack sends for &, < and > in command text', () => {
    expect(parseCommand('create a &lt;b&gt; &amp; c')).toEqual({ kind: 'create', name: 'a <b> & c' });
  });

  it('answers missing or bad arguments with a specific message, and unknown words with help', () => {
    expect(parseCommand('extend')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('Which key?') });
    expect(parseCommand('list --everything')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('--everything') });
    expect(parseCommand('x'.repeat(5000))).toMatchObject({ kind: 'invalid' });
    expect(parseCommand('frobnicate')).toEqual({ kind: 'help', unknown: 'frobnicate' });
  });
});

describe('parsing /accesskey admin text', () => {
  it('takes escaped mentions and raw user IDs', () => {
    expect(parseAdminCommand('grant <@U0ABC|alice>')).toEqual({ verb: 'grant', input: { userId: 'U0ABC' } });
    expect(parseAdminCommand('revoke <@W0ABC>')).toEqual({ verb: 'revoke', input: { userId: 'W0ABC' } });
    expect(parseAdminCommand('revoke ak_0123456789abcdefGHIJ')).toEqual({ verb: 'revoke', input: { key: 'ak_0123456789abcdefGHIJ' } });
    expect(parseAdminCommand('role assign U0ABC Build and Deploy Security')).toEqual({
      verb: 'role assign',
      input: { userId: 'U0ABC', role: 'Build and Deploy Security' },
    });
  });

  it('reads role limits, pages and dates, and refuses bad ones', () => {
    expect(parseAdminCommand('role create Data Science 3')).toEqual({ verb: 'role create', input: { name: 'Data Science', maxKeys: 3 } });
    expect(parseAdminCommand('role create Data Science')).toEqual({ verb: 'role create', input: { name: 'Data Science', maxKeys: 2 } });
    expect(parseAdminCommand('role create X 11')).toMatchObject({ kind: 'invalid' });
    expect(parseAdminCommand('audit <@U0ABC> --since 2026-01-31 --page 2')).toEqual({
      verb: 'audit',
      input: { userId: 'U0ABC', since: '2026-01-31', page: 2 },
    });
    expect(parseAdminCommand('audit --since 2026-02-30')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('That is not a real date.'),
    });
    expect(parseAdminCommand('keys --page')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('`--page` needs a value.'),
    });
    expect(parseAdminCommand('keys --sort')).toMatchObject({ kind: 'invalid' });
  });
});
