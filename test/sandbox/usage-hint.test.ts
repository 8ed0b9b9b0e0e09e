import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** Slack shows the manifest's usage_hint while a person types the command; the sandbox shows its own line. */
describe('the usage hint', () => {
  it('is the same in manifest.yml and under the sandbox’s message box', () => {
    const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
      features: { slash_commands: Array<{ command: string; usage_hint: string }> };
    };
    const hint = manifest.features.slash_commands.find((c) => c.command === '/accesskey')?.usage_hint;
    const html = readFileSync(new URL('../../src/sandbox/public/index.html', import.meta.url), 'utf8');
    const line = /<p id="usage"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
    const text = line
      .replace(/<[^>]+>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ')
      .trim();
    expect(text).toBe(`/accesskey ${hint}`);
  });
});
