import { describe, expect, it } from 'vitest';
import { ROTATION_GRACE_MS } from '../../../src/domain/keys/rotate.js';
import { helpMessage } from '../../../src/slack/views/messages.js';

const helpText = (): string => JSON.stringify(helpMessage().blocks);

describe('/accesskey help', () => {
  it('says what rotation does to the old key as README says it: working for 24 hours, then expired', () => {
    expect(ROTATION_GRACE_MS).toBe(24 * 60 * 60 * 1000);
    expect(helpText()).toContain('the old one keeps working for 24 hours, then expires');
    expect(helpText()).not.toContain('goes inactive');
  });

  it('names every button the key list offers, rotation and reporting a key compromised included', () => {
    expect(helpText()).toContain('your keys, with buttons to change expiry, rotate, make inactive, report compromised or delete');
  });
});
