import { describe, expect, it } from 'vitest';
import { generateSecret } from '../../../src/domain/secrets.js';
import { parseWatchedMessage, secretsIn } from '../../../src/slack/input/message-event.js';

describe('finding secrets in a Slack message', () => {
  const secret = generateSecret();
  const other = generateSecret();

  it('finds them in text, code blocks, links and attachments, each once', () => {
    expect(secretsIn({ text: `\`\`\`\nexport KEY=${secret}\n\`\`\` and <https://x.example/?k=${other}|docs> and ${secret}` })).toEqual([
      secret,
      other,
    ]);
    expect(secretsIn({ attachments: [{ fallback: 'x', fields: [{ value: `key: ${secret}` }] }] })).toEqual([secret]);
  });

  it('joins rich-text elements, so a secret split by formatting is found', () => {
    const blocks = [
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_preformatted',
            elements: [
              { type: 'text', text: secret.slice(0, 10) },
              { type: 'text', text: secret.slice(10) },
            ],
          },
        ],
      },
    ];
    expect(secretsIn({ blocks })).toEqual([secret]);
  });

  it('ignores what is part of a longer token or too short to be a secret', () => {
    expect(secretsIn({ text: `x${secret}` })).toEqual([]);
    expect(secretsIn({ text: `${secret}Z` })).toEqual([]);
    expect(secretsIn({ text: secret.slice(0, 40) })).toEqual([]);
  });

  it('reads an edit from its new message, and skips deletions and bot messages', () => {
    expect(
      parseWatchedMessage({
        type: 'message',
        subtype: 'message_changed',
        channel: 'C1',
        ts: '2.0',
        message: { user: 'UBOB', ts: '1.0', text: secret },
        previous_message: { user: 'UBOB', ts: '1.0', text: other },
      }),
    ).toEqual({ channel: 'C1', ts: '1.0', userId: 'UBOB', botId: undefined, secrets: [secret] });
    expect(
      parseWatchedMessage({ type: 'message', subtype: 'message_deleted', channel: 'C1', ts: '2.0', previous_message: { text: secret } }),
    ).toBe(undefined);
    expect(parseWatchedMessage({ type: 'message', subtype: 'bot_message', channel: 'C1', ts: '2.0', bot_id: 'B1', text: secret })).toBe(
      undefined,
    );
    expect(parseWatchedMessage({ type: 'message', channel: 'C1', ts: '2.0', user: 'U1', bot_id: 'B1', text: secret })?.botId).toBe('B1');
  });
});
