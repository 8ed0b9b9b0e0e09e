import { describe, expect, it } from 'vitest';
import { newWebhookSecret } from '../src/domain/streams/secret-box.js';
import { createMemoryLogger, redact } from '../src/logger.js';

describe('log redaction', () => {
  it('cuts webhook signing secrets (whsec_) as it cuts key secrets and tokens', () => {
    const webhook = newWebhookSecret();
    expect(redact(`signing with ${webhook} failed`)).toBe('signing with whsec_[REDACTED] failed');
    const logger = createMemoryLogger();
    logger.warn('stream delivery failed', { error: new Error(`receiver said: bad signature for ${webhook}`), secret: webhook });
    expect(logger.lines.join('\n')).not.toContain(webhook.slice(6, 20));
    expect(logger.lines.join('\n')).toContain('whsec_[REDACTED]');
  });
});
