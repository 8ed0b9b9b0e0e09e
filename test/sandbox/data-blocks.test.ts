import { describe, expect, it } from 'vitest';
import type { AccessKey } from '../../src/domain/model.js';
import type { UsageReport } from '../../src/domain/usage-report.js';
import { checkBlocks } from '../../src/sandbox/emulator/index.js';
import { usageMessage } from '../../src/slack/views/usage.js';

const messages = (blocks: unknown) => checkBlocks(blocks, 'message', '/blocks').map((p) => `${p.pointer}: ${p.message}`);

const bar = (overrides: Record<string, unknown> = {}) => ({
  type: 'data_visualization',
  title: 'Uses per day',
  chart: {
    type: 'bar',
    series: [{ name: 'Allowed', data: [{ label: 'Dec 1', value: 3 }] }],
    axis_config: { categories: ['Dec 1'] },
  },
  ...overrides,
});
const table = (rows: unknown[][], overrides: Record<string, unknown> = {}) => ({
  type: 'data_table',
  caption: 'Top tags',
  rows,
  ...overrides,
});
const t = (text: string) => ({ type: 'raw_text', text });

describe("the emulator checks Slack's documented limits of charts and data tables", () => {
  it('accepts a well-formed chart and table', () => {
    expect(
      messages([
        bar(),
        table([
          [t('Kind'), t('Uses')],
          [t('Tag'), { type: 'raw_number', value: 3, text: '3' }],
        ]),
      ]),
    ).toEqual([]);
  });

  it('refuses a long title, too many series or points, labels outside the categories, and a third chart', () => {
    expect(messages([bar({ title: 'x'.repeat(51) })])).toEqual(['/blocks/0/title: must be less than 51 characters']);
    const seven = Array.from({ length: 7 }, (_, i) => ({ name: `s${i}`, data: [{ label: 'Dec 1', value: 1 }] }));
    expect(messages([bar({ chart: { type: 'bar', series: seven, axis_config: { categories: ['Dec 1'] } } })])).toEqual([
      '/blocks/0/chart/series: must provide no more than 6 items',
    ]);
    const points = Array.from({ length: 21 }, (_, i) => ({ label: `d${i}`, value: i }));
    const tooMany = messages([
      bar({ chart: { type: 'bar', series: [{ name: 'a', data: points }], axis_config: { categories: points.map((p) => p.label) } } }),
    ]);
    expect(tooMany).toContain('/blocks/0/chart/series/0/data: must provide no more than 20 items');
    expect(tooMany).toContain('/blocks/0/chart/axis_config/categories: must provide no more than 20 items');
    expect(
      messages([
        bar({
          chart: { type: 'bar', series: [{ name: 'a', data: [{ label: 'Dec 2', value: 1 }] }], axis_config: { categories: ['Dec 1'] } },
        }),
      ]),
    ).toEqual(['/blocks/0/chart/series/0/data/0/label: must be one of axis_config.categories: Dec 2']);
    expect(messages([bar({ block_id: 'a' }), bar({ block_id: 'b' }), bar({ block_id: 'c' })])).toEqual([
      '/blocks/2: no more than 2 data_visualization blocks per message',
    ]);
  });

  it('refuses a table without body rows, over 101 rows, uneven rows, a rich_text header, or over 10,000 characters', () => {
    expect(messages([table([[t('Kind')]])])).toEqual(['/blocks/0/rows: must provide at least 2 items']);
    expect(messages([table(Array.from({ length: 102 }, () => [t('x')]))])).toEqual(['/blocks/0/rows: must provide no more than 101 items']);
    expect(messages([table([[t('a'), t('b')], [t('c')]])])).toEqual([
      '/blocks/0/rows/1: must have the same number of cells as the header (2)',
    ]);
    expect(messages([table([[{ type: 'rich_text', elements: [] }], [t('c')]])])).toEqual([
      '/blocks/0/rows/0/0/type: header cells cannot be rich_text',
    ]);
    expect(messages([table([[t('a')], [t('x'.repeat(10_000))]])])).toEqual([
      '/blocks/0/rows: must hold no more than 10000 characters over all cells (holds 10001)',
    ]);
    expect(messages([table([[t('a')], [t('b')]], { page_size: 101 })])).toEqual(['/blocks/0/page_size: must be an integer from 1 to 100']);
  });

  it('the usage message stays within every limit even for a long key name, long tags and many denial reasons', () => {
    const key = { id: 'ak_0123456789abcdefABCD', name: 'n'.repeat(64) } as const;
    const report: UsageReport = {
      key: key as unknown as AccessKey,
      role: undefined,
      days: Array.from({ length: 14 }, (_, i) => ({
        date: `2026-12-${String(i + 1).padStart(2, '0')}`,
        byOutcome: { valid: 100 + i, inactive: i, expired: 1, network_not_allowed: 2, insufficient_permissions: 3, a: 1, b: 1 },
      })),
      outcomes: ['valid', 'inactive', 'insufficient_permissions', 'network_not_allowed', 'expired', 'a', 'b'],
      topTags: Array.from({ length: 10 }, (_, i) => ({ label: `${i}`.padEnd(64, 't'), count: 1000 - i })),
      topNetworks: Array.from({ length: 10 }, (_, i) => ({ label: `2001:db8:${i}::/48`, count: 500 - i })),
      denials: ['inactive', 'insufficient_permissions', 'network_not_allowed', 'expired', 'a', 'b'].map((reason, i) => ({
        reason,
        count: 60 - i,
      })),
      total: 2000,
    };
    const message = usageMessage(report);
    expect(messages(message.blocks)).toEqual([]);
    const chart = message.blocks.find((b) => b.type === 'data_visualization');
    expect(JSON.stringify(chart)).toContain('Denied: other');
  });
});
