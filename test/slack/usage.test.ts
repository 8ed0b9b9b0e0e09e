import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPORT_DAYS, TOP_LABELS } from '../../src/domain/usage-report.js';
import { UsageRecorder } from '../../src/http/usage-recorder.js';
import { checkBlocks } from '../../src/sandbox/emulator/index.js';
import { ACTION } from '../../src/slack/ids.js';
import { dayLabel } from '../../src/slack/views/usage.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';

const ALICE = 'UALICE';
const BOB = 'UBOB';

type Block = { type: string; [field: string]: unknown };
type Chart = {
  title: string;
  chart: { series: Array<{ name: string; data: Array<{ label: string; value: number }> }>; axis_config: { categories: string[] } };
};
type Cell = { type: string; text?: string; value?: number };
type Table = { rows: Cell[][]; caption: string };

/** A deterministic stream of numbers in [0, 1) (mulberry32), so the replay is the same every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const blocksOf = (body: unknown): Block[] => (body as { blocks: Block[] }).blocks;

describe.each(dialects)('usage in Slack on %s', (dialect) => {
  let t: TestApp;
  let keyId: string;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    t.clock.set('2026-12-07T10:00:00.000Z');
    await t.app.services.access.grant(ADMIN, ALICE);
    const created = await t.app.services.keys.create(ALICE, { name: 'ci', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    keyId = created.key.id;
  });
  afterEach(async () => t.stop());

  it('a replay of 10,000 uses over three days is exactly what the chart and the table show', async () => {
    const recorder = new UsageRecorder(t.app.services.usage);
    const next = random(25);
    const networks = ['198.51.100.7', '198.51.100.200', '203.0.113.9', '2001:db8:1:2::5', '2001:db8:9::1'];
    const networkOf = ['198.51.100.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8:1::/48', '2001:db8:9::/48'];
    const expectedDays = new Map<string, Record<string, number>>();
    const expectedTags = new Map<string, number>();
    const expectedNetworks = new Map<string, number>();
    const expectedDenials = new Map<string, number>();
    const start = Date.parse('2026-12-05T00:00:00.000Z');
    const span = Date.parse('2026-12-07T09:59:00.000Z') - start;
    for (let i = 0; i < 10_000; i++) {
      const at = start + Math.floor((span * i) / 10_000);
      t.clock.set(new Date(at));
      const n = Math.floor(next() * networks.length);
      const roll = next();
      const outcome = roll < 0.9 ? 'valid' : roll < 0.97 ? 'inactive' : 'expired';
      // Squared: a skewed spread over 15 tags, so the table's top 10 leaves some out.
      const tags = [`endpoint=/e${Math.floor(next() ** 2 * 15)}`, ...(next() < 0.5 ? ['env=prod'] : [])];
      if (outcome === 'valid') recorder.recordUse(keyId, networks[n] ?? '', true, tags);
      else recorder.recordDenial(keyId, networks[n] ?? '', outcome, tags);
      const day = new Date(at).toISOString().slice(0, 10);
      const counts = expectedDays.get(day) ?? {};
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      expectedDays.set(day, counts);
      for (const tag of tags) expectedTags.set(tag, (expectedTags.get(tag) ?? 0) + 1);
      const network = networkOf[n] ?? '';
      expectedNetworks.set(network, (expectedNetworks.get(network) ?? 0) + 1);
      if (outcome !== 'valid') expectedDenials.set(outcome, (expectedDenials.get(outcome) ?? 0) + 1);
      if (i % 997 === 0) await recorder.flush();
    }
    await recorder.flush();
    t.clock.set('2026-12-07T10:00:00.000Z');

    const reply = await t.slack.sendSlashCommand({ userId: ALICE, text: 'usage ci' });
    const blocks = blocksOf(reply.body);
    expect(checkBlocks(blocks, 'message', '/blocks')).toEqual([]);
    const chart = blocks.find((b) => b.type === 'data_visualization') as unknown as Chart;
    const table = blocks.find((b) => b.type === 'data_table') as unknown as Table;

    // The chart: 14 days (the last three hold the replay), one series per outcome, each bar the day's count.
    expect(chart.chart.axis_config.categories).toHaveLength(REPORT_DAYS);
    expect(chart.chart.axis_config.categories.slice(-3)).toEqual(['Dec 5', 'Dec 6', 'Dec 7']);
    const names: Record<string, string> = { valid: 'Allowed', inactive: 'Denied: inactive', expired: 'Denied: expired' };
    let charted = 0;
    for (const [day, counts] of expectedDays) {
      for (const [outcome, count] of Object.entries(counts)) {
        const series = chart.chart.series.find((s) => s.name === names[outcome]);
        expect(series?.data.find((point) => point.label === dayLabel(day))?.value).toBe(count);
      }
    }
    for (const series of chart.chart.series) for (const point of series.data) charted += point.value;
    expect(charted).toBe(10_000);

    // The table: top 10 tags, every network, denials by reason — each with its exact count.
    const rows = table.rows.slice(1).map((row) => [row[0]?.text, row[1]?.text, row[2]?.value]);
    const top = (map: Map<string, number>, limit: number) => [...map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit);
    expect(rows.filter((row) => row[0] === 'Tag')).toEqual(top(expectedTags, TOP_LABELS).map(([label, n]) => ['Tag', label, n]));
    expect(rows.filter((row) => row[0] === 'Network')).toEqual(
      top(expectedNetworks, TOP_LABELS).map(([label, n]) => ['Network', label, n]),
    );
    expect(rows.filter((row) => row[0] === 'Denied')).toEqual(top(expectedDenials, 10).map(([label, n]) => ['Denied', label, n]));
    expect(expectedTags.size).toBeGreaterThan(TOP_LABELS);
    // The emulator took it as Slack would (its Block Kit checks include both new blocks).
    expect(t.slack.problems).toEqual([]);
  });

  it('a secret-shaped tag stored before tags were checked is never shown in the table', async () => {
    const secret = `aks_${'A'.repeat(46)}`;
    await t.app.services.usage.recordUsageCounts([
      {
        keyId,
        hour: Math.floor(t.clock.now().getTime() / 3_600_000),
        dimension: 'tag',
        label: `key=${secret}`,
        outcome: 'valid',
        count: 3,
      },
    ]);
    const reply = await t.slack.sendSlashCommand({ userId: ALICE, text: 'usage ci' });
    const table = blocksOf(reply.body).find((b) => b.type === 'data_table') as unknown as Table;
    expect(table.rows.slice(1).map((row) => [row[0]?.text, row[1]?.text, row[2]?.value])).toContainEqual(['Tag', 'key=aks_[REDACTED]', 3]);
    expect(JSON.stringify(reply.body)).not.toContain(secret);
  });

  it('an admin sees any key by ID; anyone else is told the key is not theirs', async () => {
    const admin = await t.slack.sendSlashCommand({ userId: ADMIN, text: `usage ${keyId}` });
    expect(blocksOf(admin.body).some((b) => b.type === 'data_visualization')).toBe(true);
    const stranger = await t.slack.sendSlashCommand({ userId: BOB, text: `usage ${keyId}` });
    expect(JSON.stringify(stranger.body)).not.toContain('data_visualization');
    expect(JSON.stringify(stranger.body)).toContain('No key of yours');
  });

  it('the Usage button on details answers under the message, and on App Home comes as a DM', async () => {
    const details = await t.slack.sendSlashCommand({ userId: ALICE, text: 'show ci' });
    expect(JSON.stringify(details.body)).toContain(ACTION.keyUsage);
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.keyUsage, value: keyId });
    const posted = await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => JSON.stringify(p.body).includes('data_table')));
    expect(JSON.stringify(posted.body)).toContain('Uses per day: ci');

    await t.slack.sendEvent({ type: 'app_home_opened', user: ALICE, tab: 'home' });
    const home = await t.slack.waitFor(() => t.slack.homeViewOf(ALICE));
    expect(JSON.stringify(home.blocks)).toContain(ACTION.keyUsage);
    await t.slack.clickInView({ userId: ALICE, viewId: home.id, actionId: ACTION.keyUsage, value: keyId });
    const dm = await t.slack.waitFor(() =>
      t.slack.messagesIn(t.slack.dmChannelOf(ALICE) ?? '').find((m) => m.blocks.some((b) => b.type === 'data_visualization')),
    );
    expect(dm.text).toContain('Usage of ci');
  });

  it('an anomaly reaches the owner as a DM with Usage and Make inactive, and Make inactive works from it', async () => {
    const recorder = new UsageRecorder(t.app.services.usage);
    for (let i = 0; i < 25; i++) recorder.recordDenial(keyId, '192.0.2.1', 'inactive');
    expect((await recorder.flush()).anomalies).toBe(1);
    const dm = await t.slack.waitFor(() =>
      t.slack.messagesIn(t.slack.dmChannelOf(ALICE) ?? '').find((m) => JSON.stringify(m.blocks).includes(ACTION.keyUsage)),
    );
    expect(dm.text).toContain('Unusual use of your key ci');
    expect(JSON.stringify(dm.blocks)).toContain('was refused 25 times in one hour');
    expect(JSON.stringify(dm.blocks)).toContain(ACTION.deactivateKey);
    expect(t.slack.problems).toEqual([]);
  });

  it('at the end of a rotation grace, an old key still in use is kept and its owner asked in a DM; Expire now cuts it', async () => {
    const created = await t.app.services.keys.create(ALICE, { name: 'old-deploy', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    await t.app.services.keys.rotate(ALICE, created.key.id);
    t.clock.advance(24 * 3_600_000 - 20 * 60_000);
    const at = t.clock.now();
    await t.app.services.usage.recordKeyUses([
      { keyId: created.key.id, at: at.toISOString(), clientAddress: '192.0.2.1', usedBefore: false },
    ]);
    await t.app.services.usage.recordUsageCounts([
      { keyId: created.key.id, hour: Math.floor(at.getTime() / 3_600_000), dimension: 'all', label: '', outcome: 'valid', count: 7 },
    ]);
    // Its details say how much it is still used while the grace runs.
    const details = await t.slack.sendSlashCommand({ userId: ALICE, text: `show ${created.key.id}` });
    expect(JSON.stringify(details.body)).toContain('was used *7 times* since the rotation');
    expect(await t.app.services.keys.checkRotationGrace()).toBe(1);
    const dm = await t.slack.waitFor(() =>
      t.slack.messagesIn(t.slack.dmChannelOf(ALICE) ?? '').find((m) => JSON.stringify(m.blocks).includes(ACTION.graceExtend)),
    );
    expect(JSON.stringify(dm.blocks)).toContain('*7 uses* since the rotation');
    expect(JSON.stringify(dm.blocks)).toContain(ACTION.graceExpire);
    await t.slack.clickButton({ userId: ALICE, actionId: ACTION.graceExpire, value: created.key.id });
    await t.slack.waitFor(() => t.slack.responseUrlPosts.find((p) => JSON.stringify(p.body).includes('has expired')));
    expect(await t.app.services.keys.verify(created.secret)).toMatchObject({ valid: false, code: 'EXPIRED' });
    expect(t.slack.problems).toEqual([]);
  });
});
