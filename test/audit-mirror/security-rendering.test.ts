import { describe, expect, it } from 'vitest';
import { auditActions, type AuditRecord } from '../../src/domain/model.js';
import { auditHashesInMessage, renderAuditMessage } from '../../src/slack/views/audit-message.js';
import { checkBlocks } from '../support/slack-emulator/index.js';

const hash = 'abcdef0123456789'.repeat(4);
const record = (overrides: Partial<AuditRecord>): AuditRecord => ({
  seq: 12,
  at: '2026-02-01T10:00:00.000Z',
  actorId: 'UALICE',
  action: 'key.created',
  keyId: 'ak_0123456789abcdefABCD',
  keyName: 'ci <!here>',
  ownerId: 'UALICE',
  roleName: 'Ops',
  expiresAt: null,
  details: {},
  prevHash: '0'.repeat(64),
  hash,
  ...overrides,
});

function rendered(r: AuditRecord) {
  const rendering = renderAuditMessage([r]);
  if (!rendering.ok) throw new Error(`should render: ${JSON.stringify(rendering.failures)}`);
  return rendering.message;
}

describe('security-team records in the audit channel', () => {
  it('a key reported compromised gets a :rotating_light: header naming key, owner, role, reporter, last use and client address', () => {
    const message = rendered(
      record({
        action: 'key.reported_compromised',
        actorId: 'UADMIN',
        details: { previousStatus: 'active', lastUsedAt: '2026-01-31T09:00:00.000Z', lastUsedFrom: '203.0.113.7', expired: false },
      }),
    );
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':rotating_light: Access key reported compromised', emoji: true },
    });
    const text = JSON.stringify(message.blocks);
    for (const part of [
      'ak_0123456789abcdefABCD',
      'ci &lt;!here&gt;',
      '*Owner*\\n<@UALICE>',
      '*Role*\\nOps',
      '*Reported by*\\n<@UADMIN>',
      '<!date^1769850000^',
      '`203.0.113.7`',
    ])
      expect(text).toContain(part);
    expect(text).not.toContain('<!here>');
    expect(message.text).toMatch(/^:rotating_light: Audit #12/);
    expect(checkBlocks(message.blocks, 'message', '/blocks')).toEqual([]);
  });

  it('a leaked key gets a :rotating_light: header naming key, owner, role and where it was seen', () => {
    const message = rendered(
      record({
        action: 'key.leaked',
        actorId: 'system',
        details: { source: 'github', url: 'https://github.com/acme/app/blob/abc/.env', leakAction: 'inactivated', sighting: 1 },
      }),
    );
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':rotating_light: Access key secret leaked', emoji: true },
    });
    const text = JSON.stringify(message.blocks);
    for (const part of [
      'ak_0123456789abcdefABCD',
      '*Owner*\\n<@UALICE>',
      'by GitHub secret scanning',
      'https://github.com/acme/app/blob/abc/.env',
    ])
      expect(text).toContain(part);
    expect(message.text).toMatch(/^:rotating_light: Audit #12/);
    expect(checkBlocks(message.blocks, 'message', '/blocks')).toEqual([]);
  });

  it('a key never used says so in the alert', () => {
    const text = JSON.stringify(
      rendered(record({ action: 'key.reported_compromised', details: { lastUsedAt: null, lastUsedFrom: null } })).blocks,
    );
    expect(text).toContain('*Last used*\\nNever');
    expect(text).toContain('*Last client address*\\nunknown');
  });

  it('a broken tail gets its own header; a policy change is an ordinary line', () => {
    const tail = rendered(
      record({
        action: 'audit.tail_mismatch',
        actorId: 'system',
        keyId: null,
        keyName: null,
        ownerId: null,
        roleName: null,
        details: { seenSeq: 40, seenHash: 'ab', foundHash: null, headSeqBefore: 30, witness: 'app_settings' },
      }),
    );
    expect(tail.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: ':rotating_light: Audit log does not continue from what the app last saw' },
    });
    expect(JSON.stringify(tail.blocks)).toContain('record *#40* as last seen (it is gone)');
    const policy = rendered(
      record({
        action: 'role.policy_changed',
        keyId: null,
        keyName: null,
        ownerId: null,
        details: { maxDays: 30, expiryRequired: false, previousMaxDays: null, previousExpiryRequired: false, keysOutOfPolicy: 2 },
      }),
    );
    expect(policy.blocks.some((b) => b.type === 'header')).toBe(false);
    expect(JSON.stringify(policy.blocks)).toContain('`role.policy_changed`');
    expect(JSON.stringify(policy.blocks)).toContain('keysOutOfPolicy: 2');
  });

  it('every audit action renders within Block Kit limits, and each post names its seq and full hash for the cross-check', () => {
    for (const action of auditActions) {
      const message = rendered(record({ action }));
      expect(checkBlocks(message.blocks, 'message', '/blocks')).toEqual([]);
      expect(auditHashesInMessage(message)).toEqual([{ seq: 12, hash }]);
    }
  });

  it('older posts that show only 12 hash characters in the text are still read', () => {
    const old = {
      blocks: [
        {
          type: 'section',
          block_id: 'audit-5',
          text: { type: 'mrkdwn', text: ':key: *#5* `key.created` by <@U1>\nkey `ak_x`\nhash `0123456789ab`' },
        },
      ],
    };
    expect(auditHashesInMessage(old)).toEqual([{ seq: 5, hash: '0123456789ab' }]);
  });
});
