import { describe, expect, it } from 'vitest';
import { generateKeyId } from '../../../src/domain/secrets.js';
import { ownerNoticeMessage } from '../../../src/slack/views/owner-notice.js';

describe('the DM an owner gets when automation creates a key', () => {
  it('names the command that makes that very key inactive, key ID included, ready to paste', () => {
    const keyId = generateKeyId();
    const message = ownerNoticeMessage({
      change: 'key_created',
      ownerId: 'U0OWNER',
      keyId,
      keyName: 'ci-2027',
      roleName: 'Ops',
      viaKeyId: generateKeyId(),
      actorId: 'U0OWNER',
      at: '2026-12-01T08:00:00.000Z',
    });
    expect(JSON.stringify(message.blocks)).toContain(`\`/accesskey deactivate ${keyId}\``);
  });
});
