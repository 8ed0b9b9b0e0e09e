import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { expiryThresholds } from '../../src/domain/expiry.js';
import type { AuditRecord } from '../../src/domain/model.js';
import { ACTION } from '../../src/slack/ids.js';
import { outcomeOfError } from '../../src/slack/outbound/outcome.js';
import {
  AUDIT_DIGEST_FULL_RECORDS,
  AUDIT_DIGEST_MAX_BLOCKS_CHARS,
  AUDIT_DIGEST_MAX_RECORDS,
  auditHashesInMessage,
  renderAuditMessage,
} from '../../src/slack/views/audit-message.js';
import { expiryWarningMessage, timeLeft } from '../../src/slack/views/expiry-warning.js';
import { checkBlocks } from '../support/slack-emulator/index.js';

const record = (seq: number, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  seq,
  at: '2026-02-01T10:00:00.000Z',
  actorId: 'UALICE',
  action: 'key.created',
  keyId: 'ak_0123456789abcdefABCD',
  keyName: 'ci',
  ownerId: 'UALICE',
  roleName: 'Account Group Read Only',
  expiresAt: '2026-03-01T10:00:00.000Z',
  details: {},
  prevHash: '0'.repeat(64),
  hash: 'abcdef0123456789'.repeat(4),
  ...overrides,
});

describe('the audit channel message', () => {
  it('names action, actor, key ID and name, owner, role, expiry, time, seq and hash, with user text escaped', () => {
    const rendering = renderAuditMessage([
      record(7, { keyName: '<!here> & <@U999>', details: { previousExpiresAt: '2026-02-10T00:00:00.000Z', reason: '<b>' } }),
    ]);
    if (!rendering.ok) throw new Error('should render');
    const text = JSON.stringify(rendering.message.blocks);
    for (const part of [
      '*#7*',
      '`key.created`',
      'by <@UALICE>',
      'ak_0123456789abcdefABCD',
      '&lt;!here&gt; &amp; &lt;@U999&gt;',
      'owner <@UALICE>',
      'role Account Group Read Only',
      'expires <!date^1772359200^',
      '<!date^1769940000^',
      'previousExpiresAt: <!date^',
      'reason: &lt;b&gt;',
      'hash `abcdef012345`',
    ]) {
      expect(text).toContain(part);
    }
    expect(text).not.toContain('<!here>');
  });

  it('shows the system as the actor of expiries', () => {
    const rendering = renderAuditMessage([record(1, { actorId: 'system', action: 'key.expired' })]);
    expect(rendering.ok && JSON.stringify(rendering.message)).toContain('by system');
  });

  it.each([AUDIT_DIGEST_FULL_RECORDS, AUDIT_DIGEST_MAX_RECORDS])(
    'a digest of %i of the largest records stays inside Block Kit limits',
    (count) => {
      const huge = Array.from({ length: count }, (_, i) =>
        record(Number.MAX_SAFE_INTEGER - i, {
          action: 'api_access.self_decision_refused',
          actorId: 'U'.padEnd(40, 'X'),
          keyId: `ak_${'"'.repeat(200)}`,
          keyName: 'n'.repeat(64),
          roleName: 'r'.repeat(64),
          details: Object.fromEntries(Array.from({ length: 30 }, (__, j) => [`field${j}`, 'x'.repeat(500)])),
        }),
      );
      const rendering = renderAuditMessage(huge);
      if (!rendering.ok) throw new Error('should render');
      expect(rendering.message.blocks.length).toBeLessThanOrEqual(50);
      expect(JSON.stringify(rendering.message.blocks).length).toBeLessThanOrEqual(AUDIT_DIGEST_MAX_BLOCKS_CHARS);
      expect(checkBlocks(rendering.message.blocks, 'message', '/blocks')).toEqual([]);
      expect(auditHashesInMessage(rendering.message)).toHaveLength(count);
    },
  );

  it('a backlog-sized digest shows every record on its own line with its seq and full hash', () => {
    const records = Array.from({ length: AUDIT_DIGEST_MAX_RECORDS }, (_, i) =>
      record(i + 1, { hash: (i + 1).toString(16).padStart(64, 'c') }),
    );
    const rendering = renderAuditMessage(records);
    if (!rendering.ok) throw new Error('should render');
    const sections = rendering.message.blocks.filter((b) => b.type === 'section');
    expect(sections).toHaveLength(AUDIT_DIGEST_MAX_RECORDS);
    sections.forEach((section, i) => {
      const seq = i + 1;
      const hash = seq.toString(16).padStart(64, 'c');
      const text = JSON.stringify(section);
      for (const part of [
        `*#${seq}*`,
        '`key.created`',
        '<@UALICE>',
        'ak_0123456789abcdefABCD',
        `\`${hash}\``,
        `"block_id":"audit-${seq}-${hash}"`,
      ])
        expect(text).toContain(part);
    });
    expect(auditHashesInMessage(rendering.message)).toEqual(records.map((r) => ({ seq: r.seq, hash: r.hash })));
  });

  it('refuses more records than one message can hold', () => {
    expect(() => renderAuditMessage(Array.from({ length: AUDIT_DIGEST_MAX_RECORDS + 1 }, (_, i) => record(i + 1)))).toThrow(RangeError);
  });

  it('reports a record that would carry something secret-shaped instead of posting it', () => {
    const rendering = renderAuditMessage([record(1), record(2, { details: { note: `aks_${'Q'.repeat(46)}` } })]);
    expect(rendering).toEqual({ ok: false, failures: [expect.objectContaining({ seq: 2 })] });
  });
});

describe('the expiry warning DM', () => {
  const [, oneDay] = expiryThresholds([7, 1]);
  if (oneDay === undefined) throw new Error('threshold missing');

  it('escapes the key name, formats the date for the reader, and offers Extend, Rotate and Report compromised for that key', () => {
    const message = expiryWarningMessage({
      ownerId: 'UALICE',
      keyId: 'ak_x1234567890123456',
      keyName: '<!channel>',
      roleName: 'Ops',
      expiresAt: '2026-03-01T10:00:00.000Z',
      threshold: oneDay,
      now: '2026-02-28T10:05:00.000Z',
    });
    const text = JSON.stringify(message);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('<!date^1772359200^{date_short_pretty} {time}|');
    expect(message.text).toContain('in 1 day');
    const actions = message.blocks.find((b) => b.type === 'actions');
    expect(actions).toMatchObject({
      elements: [
        { action_id: ACTION.extendKey, value: 'ak_x1234567890123456' },
        { action_id: ACTION.rotateKey, value: 'ak_x1234567890123456' },
        { action_id: ACTION.reportCompromised, value: 'ak_x1234567890123456', confirm: { confirm: { text: 'Report' } } },
      ],
    });
    expect(checkBlocks(message.blocks, 'message', '/blocks')).toEqual([]);
  });

  it('says how long is left the way people count it', () => {
    const from = '2026-01-01T00:00:00.000Z';
    const plus = (ms: number) => new Date(Date.parse(from) + ms).toISOString();
    expect(timeLeft(from, plus(7 * 86_400_000 - 60_000))).toBe('in 7 days');
    expect(timeLeft(from, plus(86_400_000 - 60_000))).toBe('in 1 day');
    expect(timeLeft(from, plus(23 * 3_600_000))).toBe('in 23 hours');
    expect(timeLeft(from, plus(90 * 60_000))).toBe('in 2 hours');
    expect(timeLeft(from, plus(30_000))).toBe('in 1 minute');
  });
});

describe('what a failed Slack call means for the queue', () => {
  const platform = (error: string) => new WebAPIPlatformError({ ok: false, error });
  it('classifies rate limits, outages, operator problems and refused content', () => {
    expect(outcomeOfError(new WebAPIRateLimitedError(3))).toEqual({ kind: 'rate_limited', retryAfterMs: 3000 });
    expect(outcomeOfError(new WebAPIHTTPError(503, 'Service Unavailable', {}))).toMatchObject({ kind: 'unavailable' });
    expect(outcomeOfError(new WebAPIRequestError(new Error('ECONNRESET')))).toMatchObject({ kind: 'unavailable' });
    expect(outcomeOfError(platform('invalid_auth'))).toEqual({ kind: 'blocked', error: 'invalid_auth' });
    expect(outcomeOfError(platform('token_revoked'))).toEqual({ kind: 'blocked', error: 'token_revoked' });
    expect(outcomeOfError(platform('channel_not_found'), new Set(['channel_not_found']))).toEqual({
      kind: 'blocked',
      error: 'channel_not_found',
    });
    expect(outcomeOfError(platform('channel_not_found'))).toEqual({ kind: 'rejected', error: 'channel_not_found' });
    expect(outcomeOfError(platform('invalid_blocks'))).toEqual({ kind: 'rejected', error: 'invalid_blocks' });
    expect(outcomeOfError(platform('internal_error'))).toEqual({ kind: 'unavailable', error: 'internal_error' });
    expect(outcomeOfError(new Error('Retry header did not contain a valid timeout'))).toMatchObject({ kind: 'rate_limited' });
  });
});
