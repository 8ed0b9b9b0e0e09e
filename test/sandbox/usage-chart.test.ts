import { describe, expect, it } from 'vitest';
import { hourOf } from '../../src/domain/usage-counts.js';
import { sandboxPageForFile } from './page-actions.js';

/** The usage report in the browser: the chart as an SVG image with its values, the table as a real table. */
const s = sandboxPageForFile();

describe('the usage report on the sandbox page', () => {
  it('draws the chart as a labelled SVG with one bar per day and outcome, and the table with caption and headers', async () => {
    await s.actAs('Ada (admin)');
    await s.openConversation('general');
    await s.send('/accesskey create usage-demo');
    const modal = s.page.getByRole('dialog', { name: 'New access key' });
    await modal.getByRole('button', { name: 'Create key' }).click();
    await modal.waitFor({ state: 'detached' });
    const ready = s.messages().getByRole('listitem').filter({ hasText: 'usage-demo is ready' });
    const keyId = (await ready.locator('code', { hasText: /^ak_/ }).first().textContent()) ?? '';
    expect(keyId).toMatch(/^ak_/);

    // Counters as the flusher writes them (counting itself is tested in test/http/usage-counts.test.ts).
    const hour = hourOf(Date.now());
    await s.sandbox.running.app.store.usageCounts.add([
      { keyId, hour, dimension: 'all', label: '', outcome: 'valid', count: 42 },
      { keyId, hour, dimension: 'all', label: '', outcome: 'inactive', count: 5 },
      { keyId, hour, dimension: 'network', label: '198.51.100.0/24', outcome: 'valid', count: 47 },
      { keyId, hour, dimension: 'tag', label: 'endpoint=/users', outcome: 'valid', count: 30 },
    ]);
    await s.send('/accesskey usage usage-demo');

    const chart = s.page.getByRole('img', { name: 'Uses per day: usage-demo' });
    await chart.waitFor();
    const today = s.page.locator('.bk-chart-bar[data-series="Allowed"]').last();
    expect(await today.getAttribute('data-value')).toBe('42');
    expect(await s.page.locator('.bk-chart-bar[data-series="Denied: inactive"]').last().getAttribute('data-value')).toBe('5');
    expect(await s.page.locator('.bk-chart-bar[data-series="Allowed"]').count()).toBe(14);
    expect(await s.page.getByRole('list', { name: 'Legend' }).textContent()).toContain('Denied: inactive');

    const table = s.page.getByRole('table', { name: /Top tags, top networks and denials of usage-demo/ });
    await table.waitFor();
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(['Kind', 'Value', 'Uses']);
    expect(await table.getByRole('rowheader').allTextContents()).toEqual(['endpoint=/users', '198.51.100.0/24', 'inactive']);
    expect(await table.getByRole('row', { name: /198\.51\.100\.0\/24/ }).textContent()).toContain('47');
    // Nothing the page could not draw.
    expect(await s.page.locator('.bk-unsupported').count()).toBe(0);
  });
});
