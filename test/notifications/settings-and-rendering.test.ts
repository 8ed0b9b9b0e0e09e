import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { describeAge, parseDuration } from '../../src/domain/duration.js';
import type { AuditAction, AuditRecord } from '../../src/domain/model.js';
import { renderAuditMessage } from '../../src/slack/views/audit-message.js';
import { openRequestsMessage, requestReminderMessage, staleKeyNoticeMessage } from '../../src/slack/views/notifications.js';
import { checkBlocks } from '../support/slack-emulator/index.js';
import { configErrorOf, minimalEnv } from '../support/config.js';

describe('durations', () => {
  it('reads a whole number and one unit: s, m, h or d', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('12h')).toBe(43_200_000);
    expect(parseDuration('90d')).toBe(90 * 86_400_000);
    expect(parseDuration(' 1h ')).toBe(3_600_000);
    for (const bad of ['', '90', 'd', '0d', '-1d', '1.5h', '1w', '90 d', '1h30m', '99999999999d'])
      expect(parseDuration(bad)).toBeUndefined();
  });

  it('says an age the way people do', () => {
    expect(describeAge(25 * 3_600_000)).toBe('1 day');
    expect(describeAge(3 * 86_400_000 + 5)).toBe('3 days');
    expect(describeAge(5 * 3_600_000)).toBe('5 hours');
    expect(describeAge(60_000)).toBe('1 minute');
    expect(describeAge(5_000)).toBe('less than a minute');
  });

  it('the four durations and the retention have the documented defaults and are validated at start-up, all named in one error', () => {
    expect(loadConfig(minimalEnv).notifications).toEqual({
      staleKeyAfterMs: 90 * 86_400_000,
      staleKeyAutoInactiveAfterMs: undefined,
      accessRequestRemindAfterMs: 24 * 3_600_000,
      secretFileTtlMs: 3_600_000,
      outboxRetentionMs: 30 * 86_400_000,
    });
    expect(loadConfig({ ...minimalEnv, STALE_KEY_AFTER: '12h', STALE_KEY_AUTO_INACTIVE_AFTER: '30s' }).notifications).toMatchObject({
      staleKeyAfterMs: 43_200_000,
      staleKeyAutoInactiveAfterMs: 30_000,
    });
    const message = configErrorOf({
      ...minimalEnv,
      STALE_KEY_AFTER: '90 days',
      STALE_KEY_AUTO_INACTIVE_AFTER: 'soon',
      ACCESS_REQUEST_REMIND_AFTER: '0h',
      SECRET_FILE_TTL: '1w',
      OUTBOX_RETENTION: '-30d',
    });
    for (const name of [
      'STALE_KEY_AFTER',
      'STALE_KEY_AUTO_INACTIVE_AFTER',
      'ACCESS_REQUEST_REMIND_AFTER',
      'SECRET_FILE_TTL',
      'OUTBOX_RETENTION',
    ])
      expect(message).toContain(`${name} must be a duration`);
  });
});

describe('the new audit actions in the security channel', () => {
  const actions: AuditAction[] = ['key.kept', 'key.deactivated_as_stale', 'api_access.self_decision_refused', 'secret_file.deleted'];
  it.each(actions)('%s renders with its own icon, names its subject and passes Block Kit checks', (action) => {
    const rendering = renderAuditMessage([
      {
        seq: 3,
        at: '2026-02-01T10:00:00.000Z',
        actorId: action === 'key.kept' || action === 'api_access.self_decision_refused' ? 'UALICE' : 'system',
        action,
        keyId: action === 'api_access.self_decision_refused' ? null : 'ak_0123456789abcdefABCD',
        keyName: 'ci',
        ownerId: 'UALICE',
        roleName: null,
        expiresAt: null,
        details: action === 'secret_file.deleted' ? { fileId: 'F0123', alreadyGone: false } : {},
        prevHash: '0'.repeat(64),
        hash: 'ab'.repeat(32),
      } satisfies AuditRecord,
    ]);
    if (!rendering.ok) throw new Error('should render');
    const text = JSON.stringify(rendering.message.blocks);
    expect(text).toContain(`\`${action}\``);
    expect(text).not.toContain(':memo:');
    expect(text).toContain('owner <@UALICE>');
    expect(checkBlocks(rendering.message.blocks, 'message', '/blocks')).toEqual([]);
  });
});

describe('notification views', () => {
  const request = {
    id: 'req_1',
    userId: 'UBOB',
    reason: '<!channel> please',
    status: 'pending' as const,
    createdAt: '2026-02-01T10:00:00.000Z',
    expiresAt: '2026-02-08T10:00:00.000Z',
    decidedAt: null,
    decidedBy: null,
    decisionReason: null,
    cardChannel: 'C0APPROVE',
    cardTs: '1769940000.000100',
    approvals: [],
    approvalsRequired: 1,
  };
  it('the reminder links the card and the open-requests list escapes reasons, within Block Kit limits', () => {
    const reminder = requestReminderMessage(
      request,
      ['Account Group Read Only'],
      26 * 3_600_000,
      'https://acme.slack.com/archives/C0APPROVE/p1769940000000100',
    );
    expect(JSON.stringify(reminder.blocks)).toContain('<https://acme.slack.com/archives/C0APPROVE/p1769940000000100|the request card>');
    expect(checkBlocks(reminder.blocks, 'message', '/blocks')).toEqual([]);
    const list = openRequestsMessage(
      Array.from({ length: 45 }, (_, i) => ({ ...request, id: `req_${i}` })),
      new Date('2026-02-02T10:00:00.000Z'),
    );
    expect(JSON.stringify(list.blocks)).not.toContain('<!channel>');
    expect(checkBlocks(list.blocks, 'message', '/blocks')).toEqual([]);
  });

  it('the stale-key notice escapes the key name and offers Keep, Make inactive and Delete', () => {
    const key = {
      id: 'ak_0123456789abcdefABCD',
      name: '<@U999> prod',
      ownerId: 'UALICE',
      roleId: 'r1',
      keyHash: 'h',
      hashVersion: 1,
      secretStart: 'aks_',
      status: 'active' as const,
      expiresAt: null,
      createdAt: '2025-10-01T00:00:00.000Z',
      createdBy: 'UALICE',
      lastUsedAt: null,
      lastUsedIp: null,
      requestId: null,
      rotatedTo: null,
      deliveredAt: '2025-10-01T00:00:00.000Z',
      permissions: null,
      networks: [],
      networkReportOnly: false,
    };
    const message = staleKeyNoticeMessage({ key, roleName: 'Ops', status: 'Active' }, key.createdAt, '2026-02-08T10:00:00.000Z');
    const text = JSON.stringify(message);
    expect(text).not.toContain('<@U999>');
    expect(text).toContain('made inactive <!date^');
    expect(message.blocks.find((b) => b.type === 'actions')).toMatchObject({
      elements: [{ text: { text: 'Keep' } }, { text: { text: 'Make inactive' } }, { text: { text: 'Delete' } }],
    });
    expect(checkBlocks(message.blocks, 'message', '/blocks')).toEqual([]);
  });
});
