import { describe, expect, it } from 'vitest';
import { escapeCommandText } from '../../src/sandbox/composer.js';
import { SANDBOX_CHANNELS, SANDBOX_PEOPLE } from '../../src/sandbox/workspace.js';

const directory = { people: SANDBOX_PEOPLE, channels: Object.values(SANDBOX_CHANNELS) };

describe('slash command text as Slack escapes it for should_escape: true', () => {
  it('turns a typed @person, by handle or real name in any case, into an escaped user mention', () => {
    expect(escapeCommandText('admin grant @Cleo', directory)).toBe('admin grant <@U0SANDCLEO|cleo>');
    expect(escapeCommandText('admin role assign @ben Ops', directory)).toBe('admin role assign <@U0SANDBEN|ben> Ops');
  });

  it('turns a typed #channel into a channel mention, and leaves unknown names and mid-word signs alone', () => {
    expect(escapeCommandText('x #general #nowhere @nobody mail@ada', directory)).toBe(
      'x <#C0SANDGENERAL|general> #nowhere @nobody mail@ada',
    );
  });

  it('sends &, < and > as entities, so typed markup cannot pass for a mention', () => {
    expect(escapeCommandText('create a&b <@U0SANDADA>', directory)).toBe('create a&amp;b &lt;@U0SANDADA&gt;');
  });
});
