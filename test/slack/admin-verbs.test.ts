import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_VERBS } from '../../src/slack/listeners/commands/accesskey/admin.js';
import { escapeText } from '../../src/slack/views/format.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';

/** A wrong use of every verb in the table; a verb added without one fails the first test. */
const WRONG_USE: Record<string, string> = {
  grant: 'grant',
  revoke: 'revoke one two',
  roles: 'roles extra',
  'role create': 'role create',
  'role delete': 'role delete',
  'role assign': 'role assign nobody Ops',
  'role remove': 'role remove Ops',
  'role policy': 'role policy Ops',
  'role permissions': 'role permissions Ops add',
  keys: 'keys --sort',
  audit: 'audit one two',
  'export-audit': 'export-audit extra',
  requests: 'requests extra',
  'verify-audit': 'verify-audit --deep',
  transfer: 'transfer ak_0123456789abcdefXYZ',
  'review start': 'review start deadline soon',
  'review status': 'review status extra',
  'review export': 'review export',
  streams: 'streams --all',
  'mfa enroll': 'mfa enroll now',
  'mfa status': 'mfa status someone',
  'mfa reset': 'mfa reset',
  settings: 'settings audit',
};

/** As shown: escaped for mrkdwn, then as it appears inside the JSON of the answer. */
const shown = (text: string) => JSON.stringify(escapeText(text)).slice(1, -1);
const usageLine = (v: { verb: string; usage: string }) => (v.usage === '' ? v.verb : `${v.verb} ${v.usage}`);

/** Help and usage errors are generated from the admin verb table (src/slack/listeners/commands/accesskey/admin.ts). */
describe('the admin verb table', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.stop());

  const admin = async (command: string): Promise<string> => {
    const ack = await t.slack.sendSlashCommand({ userId: ADMIN, text: `admin ${command}` });
    return JSON.stringify(ack.body);
  };

  it('every verb in the table has a wrong use in this test', () => {
    expect(Object.keys(WRONG_USE).sort()).toEqual(ADMIN_VERBS.map((v) => v.verb).sort());
  });

  it('`/accesskey admin help` lists every verb with its usage', async () => {
    const help = await admin('help');
    for (const verb of ADMIN_VERBS) expect(help).toContain(shown(`\`${usageLine(verb)}\` — ${verb.summary}`));
  });

  it.each(ADMIN_VERBS.map((v) => [v.verb, v] as const))('a wrong use of `%s` is answered with its usage line', async (verb, row) => {
    const answer = await admin(WRONG_USE[verb] ?? '');
    expect(answer).toContain(shown(`Use \`/accesskey admin ${usageLine(row)}\``));
  });

  it('an unknown verb of a family (`role …`) is answered with the usage of each verb in it', async () => {
    const answer = await admin('role frobnicate');
    for (const verb of ADMIN_VERBS.filter((v) => v.verb.startsWith('role ')))
      expect(answer).toContain(shown(`/accesskey admin ${usageLine(verb)}`));
  });
});
