import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './harness.js';

/**
 * `src/sandbox/public/mrkdwn.js` on its own, in a real DOM: Chromium loads the module from a blank page
 * (no app, no sandbox), renders a source into a `<div>` and the test reads its HTML back. Dates are in
 * UTC and en-US, so the reader's local time is known.
 */
const PUBLIC = fileURLToPath(new URL('../../src/sandbox/public/', import.meta.url));
const ORIGIN = 'http://page.test';
/** The ids the page knows: Ada and #general. */
const NAMES = { people: { U0ADA: 'Ada' }, channels: { C0GENERAL: 'general' } };

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  page = await (await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' })).newPage();
  await page.route(`${ORIGIN}/**`, async (route) => {
    const name = new URL(route.request().url()).pathname.slice(1);
    if (name === '') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>mrkdwn</title>' });
    if (!/^[a-z]+\.js$/.test(name)) return route.fulfill({ status: 404 });
    return route.fulfill({ contentType: 'text/javascript', body: await readFile(`${PUBLIC}${name}`, 'utf8') });
  });
  await page.goto(`${ORIGIN}/`);
});

afterAll(async () => {
  await browser?.close();
});

/**
 * Runs `body` in the page with the module as `m`, a `names` resolver and a fresh `div`. Passed as
 * source text, so the test runner's transform leaves its import() alone.
 */
async function inPage<T>(body: string): Promise<T> {
  return page.evaluate<T>(`(async () => {
    const m = await import('/mrkdwn.js');
    const known = ${JSON.stringify(NAMES)};
    const names = { personName: (id) => known.people[id], channelName: (id) => known.channels[id] };
    const div = document.createElement('div');
    ${body}
  })()`);
}

/** The HTML that `renderMrkdwn(source)` puts into an element. */
function html(source: string): Promise<string> {
  return inPage<string>(`div.append(m.renderMrkdwn(${JSON.stringify(source)}, names)); return div.innerHTML;`);
}

describe('mrkdwn in the sandbox page', () => {
  it('draws *bold*, _italic_, ~strike~ and `code` as elements', async () => {
    expect(await html('*bold* _italic_ ~gone~ `code`')).toBe('<strong>bold</strong> <em>italic</em> <s>gone</s> <code>code</code>');
  });

  it('nests emphasis, and leaves marks inside code alone', async () => {
    expect(await html('*bold _and italic_*')).toBe('<strong>bold <em>and italic</em></strong>');
    expect(await html('~*both*~')).toBe('<s><strong>both</strong></s>');
    expect(await html('`*not bold* :key:`')).toBe('<code>*not bold* :key:</code>');
  });

  it('takes emphasis only at word edges, and not around spaces', async () => {
    expect(await html('snake_case_name a*b*c')).toBe('snake_case_name a*b*c');
    expect(await html('* not bold * and *unclosed')).toBe('* not bold * and *unclosed');
    expect(await html('(*yes*), *yes*.')).toBe('(<strong>yes</strong>), <strong>yes</strong>.');
  });

  it('draws ``` blocks ``` as pre, with their text as it is', async () => {
    expect(await html('before```\n*not bold*\n&lt;b&gt;```after')).toBe('before<pre>*not bold*\n&lt;b&gt;</pre>after');
  });

  it('draws quotes, and line breaks between lines', async () => {
    expect(await html('> first\n&gt; second\nafter\nlast')).toBe('<blockquote>first<br>second</blockquote>after<br>last');
  });

  it('draws <url|text> as a link opening in a new tab, and a bare <url> with the url as its text', async () => {
    expect(await html('see <https://example.com/docs?a=1&amp;b=2|the docs>')).toBe(
      'see <a href="https://example.com/docs?a=1&amp;amp;b=2" target="_blank" rel="noopener noreferrer">the docs</a>',
    );
    expect(await html('<mailto:ada@example.com>')).toBe(
      '<a href="mailto:ada@example.com" target="_blank" rel="noopener noreferrer">mailto:ada@example.com</a>',
    );
  });

  it('opens a message link to a known conversation in the page, and one to an unknown conversation at Slack', async () => {
    expect(await html('<https://acme.slack.com/archives/C0GENERAL/p1700000000123456|this message>')).toBe(
      '<a href="#c=C0GENERAL&amp;m=1700000000.123456">this message</a>',
    );
    expect(await html('<https://slack.com/archives/C0ELSEWHERE/p1700000000123456|there>')).toContain('target="_blank"');
  });

  it('names people and channels the page knows, and falls back to the label, then the id', async () => {
    expect(await html('<@U0ADA> <@U0NOBODY|ben> <@U0NOBODY>')).toBe(
      '<span class="mention">@Ada</span> <span class="mention">@ben</span> <span class="mention">@U0NOBODY</span>',
    );
    expect(await html('<#C0GENERAL> <#C0OTHER|random>')).toBe('<span class="mention">#general</span> <span class="mention">#random</span>');
    expect(await html('<!here> <!subteam^S0TEAM|@admins>')).toBe('<span class="mention">@here</span> <span class="mention">@S0TEAM</span>');
  });

  it("draws <!date^…> in the reader's time zone, linked when it has a link, and its fallback when it is no date", async () => {
    // 2027-01-15 09:30 UTC.
    expect(await html('<!date^1800005400^{date_num} {time}|Jan 15>')).toBe(
      '<time datetime="2027-01-15T09:30:00.000Z" title="Fri Jan 15 2027 09:30:00 GMT+0000 (Coordinated Universal Time)">2027-01-15 9:30 AM</time>',
    );
    expect(await html('<!date^1800005400^{date_short}^https://example.com/when|Jan 15>')).toBe(
      '<a href="https://example.com/when"><time datetime="2027-01-15T09:30:00.000Z" title="Fri Jan 15 2027 09:30:00 GMT+0000 (Coordinated Universal Time)">Jan 15, 2027</time></a>',
    );
    expect(await html('<!date^soon^{date}|some day &amp; time>')).toBe('some day &amp; time');
    expect(await html('<!date^99999999999999^{date}|far away>')).toBe('far away');
  });

  it('decodes &lt; &gt; &amp; once, as Slack encodes them once', async () => {
    expect(await html('a &lt;b&gt; &amp;amp; &amp;lt;')).toBe('a &lt;b&gt; &amp;amp; &amp;lt;');
    expect(await inPage<string>(`div.append(m.renderMrkdwn('a &lt;b&gt; &amp;amp; &amp;lt;', names)); return div.textContent;`)).toBe(
      'a <b> &amp; &lt;',
    );
  });

  it('renders markup in every place text can carry it as inert text, never as elements', async () => {
    const attempts = [
      '&lt;img src=x onerror="window.pwned=1"&gt;',
      '&lt;script&gt;window.pwned=1&lt;/script&gt;',
      '<https://example.com|&lt;img src=x onerror="window.pwned=1"&gt;>',
      '<@U0NOBODY|&lt;img src=x onerror="window.pwned=1"&gt;>',
      '`&lt;img src=x onerror="window.pwned=1"&gt;`',
      '```&lt;script&gt;window.pwned=1&lt;/script&gt;```',
      '<!date^soon^{date}|&lt;img src=x onerror="window.pwned=1"&gt;>',
      '<img src=x onerror="window.pwned=1">',
    ];
    for (const source of attempts) {
      const tags = await inPage<string[]>(
        `div.append(m.renderMrkdwn(${JSON.stringify(source)}, names)); return [...div.querySelectorAll('*')].map((e) => e.tagName);`,
      );
      expect(
        tags.filter((tag) => !['A', 'SPAN', 'CODE', 'PRE'].includes(tag)),
        source,
      ).toEqual([]);
    }
    expect(await html('&lt;img src=x&gt;')).toBe('&lt;img src=x&gt;');
  });

  it('keeps links to anything but http(s) and mailto as text', async () => {
    expect(await html('<javascript:window.pwned=1|click me> <data:text/html,x|data>')).toBe('click me data');
    expect(await html('<!date^1800005400^{date}^javascript:window.pwned=1|x>')).not.toContain('<a');
  });

  it('draws the emoji codes it knows and leaves others as they are', async () => {
    expect(await html(':key: :no_such_emoji: 10:30:00')).toBe('🔑 :no_such_emoji: 10:30:00');
  });

  it('draws plain_text as text, with emoji unless emoji is false', async () => {
    const plain = (object: object) => inPage<string>(`return m.renderPlain(${JSON.stringify(object)});`);
    expect(await plain({ type: 'plain_text', text: ':key: *not bold*' })).toBe('🔑 *not bold*');
    expect(await plain({ type: 'plain_text', text: ':key:', emoji: false })).toBe(':key:');
    expect(await inPage<string>(`div.append(m.renderText({ type: 'plain_text', text: '<b>x</b>' }, names)); return div.innerHTML;`)).toBe(
      '&lt;b&gt;x&lt;/b&gt;',
    );
    expect(await inPage<string>('div.append(m.renderText(undefined, names)); return div.innerHTML;')).toBe('');
  });

  it('draws empty text as nothing, and a NUL in the text as nothing rather than failing', async () => {
    expect(await html('')).toBe('');
    expect(await html('<>')).toBe('&lt;&gt;');
    expect(await html('a\u0000b \u00000\u0000 *c*')).toBe('ab 0 <strong>c</strong>');
  });
});
