import type { AccessKey } from '../../domain/model.js';
import { redactSecrets } from '../../domain/secrets.js';
import { SPIKE_FACTOR, type Anomaly, type AnomalyKind } from '../../domain/usage-anomalies.js';
import type { UsageReport } from '../../domain/usage-report.js';
import { ACTION } from '../ids.js';
import type { Button, DataTableBlock, DataVisualizationBlock, KnownBlock, Message } from './blocks.js';
import { escapeText, mrkdwn, plain, slackDate } from './format.js';
import { deactivateButton, type KeyRow } from './keys.js';

/**
 * The usage report as one message (docs/usage-analytics.md): a `data_visualization` bar chart of uses
 * per day by outcome and a `data_table` of top tags, top networks and denials by reason. Slack's limits
 * (docs.slack.dev, data-visualization-block and data-table-block), kept here and checked by the emulator:
 */
export const CHART_LIMITS = {
  titleChars: 50,
  series: 6,
  seriesNameChars: 20,
  points: 20,
  categoryChars: 20,
  axisLabelChars: 50,
  chartsPerMessage: 2,
} as const;
export const TABLE_LIMITS = { rows: 101, columns: 20, chars: 10_000, pageSizeMax: 100 } as const;

const OUTCOME_NAMES: Record<string, string> = {
  valid: 'Allowed',
  inactive: 'Denied: inactive',
  expired: 'Denied: expired',
};
const outcomeName = (outcome: string): string =>
  (OUTCOME_NAMES[outcome] ?? `Denied: ${outcome.replace(/_/g, ' ')}`).slice(0, CHART_LIMITS.seriesNameChars);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `2026-12-07` → `Dec 7` (UTC, as the counters are). */
export function dayLabel(date: string): string {
  const [, month = '1', day = '1'] = date.split('-');
  return `${MONTHS[Number(month) - 1] ?? month} ${Number(day)}`;
}

const truncate = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Up to six series: allowed, the four biggest denial reasons, and the rest of the denials together. */
function chartOf(report: UsageReport): DataVisualizationBlock {
  const categories = report.days.map((day) => dayLabel(day.date));
  const shown = report.outcomes.slice(0, CHART_LIMITS.series - 1);
  const rest = report.outcomes.slice(CHART_LIMITS.series - 1);
  const series = shown.map((outcome) => ({
    name: outcomeName(outcome),
    data: report.days.map((day, i) => ({ label: categories[i] ?? day.date, value: day.byOutcome[outcome] ?? 0 })),
  }));
  if (rest.length > 0)
    series.push({
      name: 'Denied: other',
      data: report.days.map((day, i) => ({
        label: categories[i] ?? day.date,
        value: rest.reduce((sum, outcome) => sum + (day.byOutcome[outcome] ?? 0), 0),
      })),
    });
  // A key with no uses still gets a chart (of zeros): the picture says "nothing" at a glance.
  if (series.length === 0) series.push({ name: 'Allowed', data: categories.map((label) => ({ label, value: 0 })) });
  return {
    type: 'data_visualization',
    block_id: `usage_chart:${report.key.id}`,
    title: truncate(`Uses per day: ${report.key.name}`, CHART_LIMITS.titleChars),
    chart: { type: 'bar', series, axis_config: { categories, x_label: 'Day (UTC)', y_label: 'Uses' } },
  };
}

type Cell = { type: 'raw_text'; text: string } | { type: 'raw_number'; value: number; text: string };
const text = (value: string): Cell => ({ type: 'raw_text', text: value.length === 0 ? '—' : value });
const number = (value: number): Cell => ({ type: 'raw_number', value, text: value.toLocaleString('en-US') });

function tableOf(report: UsageReport): DataTableBlock {
  const rows: Cell[][] = [];
  // Tags are refused when secret-shaped (parseTags); rows stored before that rule still never show one.
  for (const tag of report.topTags) rows.push([text('Tag'), text(redactSecrets(tag.label)), number(tag.count)]);
  for (const network of report.topNetworks) rows.push([text('Network'), text(network.label), number(network.count)]);
  for (const denial of report.denials) rows.push([text('Denied'), text(denial.reason.replace(/_/g, ' ')), number(denial.count)]);
  if (rows.length === 0) rows.push([text('Uses'), text('none in the last 14 days'), number(0)]);
  const header: Cell[] = [text('Kind'), text('Value'), text('Uses')];
  // Within Slack's table limits: 100 body rows and 10,000 characters over all cells (tags are ≤ 64 each).
  const kept: Cell[][] = [];
  let chars = header.reduce((sum, cell) => sum + cell.text.length, 0);
  for (const row of rows.slice(0, TABLE_LIMITS.rows - 1)) {
    const rowChars = row.reduce((sum, cell) => sum + cell.text.length, 0);
    if (chars + rowChars > TABLE_LIMITS.chars) break;
    chars += rowChars;
    kept.push(row);
  }
  return {
    type: 'data_table',
    block_id: `usage_table:${report.key.id}`,
    caption: truncate(`Top tags, top networks and denials of ${report.key.name}, last 14 days`, 200),
    page_size: Math.min(TABLE_LIMITS.pageSizeMax, Math.max(1, kept.length)),
    row_header_column_index: 1,
    rows: [header, ...kept],
  };
}

export function usageMessage(report: UsageReport): Message {
  const first = report.days[0]?.date ?? '';
  const last = report.days[report.days.length - 1]?.date ?? '';
  const denied = report.denials.reduce((sum, d) => sum + d.count, 0);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `*Usage of ${escapeText(report.key.name)}*  \`${report.key.id}\`\n${report.total.toLocaleString('en-US')} uses from ${dayLabel(first)} to ${dayLabel(last)} (UTC), ${denied.toLocaleString('en-US')} denied.`,
      ),
    },
    chartOf(report),
    tableOf(report),
    {
      type: 'context',
      elements: [mrkdwn('Counts are written every few seconds; tags come from the `tags` of `POST /v1/keys/verify`.')],
    },
  ];
  return { text: `Usage of ${escapeText(report.key.name)} (${report.key.id}): ${report.total} uses in 14 days`, blocks };
}

const ANOMALY_TEXT: Record<AnomalyKind, (detail: Anomaly['detail']) => string> = {
  new_network: (d) => `was used from a network it has never been used from: \`${escapeText(d.network ?? '?')}\`.`,
  spike: (d) =>
    `was used ${d.count ?? 0} times in one hour${d.hour === undefined ? '' : ` (from ${slackDate(d.hour, '{time}')})`}, more than ${SPIKE_FACTOR} times its usual ${d.median ?? 0} an hour over the past week.`,
  idle_return: (d) => `was used again after ${d.idleDays ?? 30} days without any use.`,
  denial_burst: (d) =>
    `was refused ${d.count ?? 0} times in one hour${d.hour === undefined ? '' : ` (from ${slackDate(d.hour, '{time}')})`}: something is still trying to use it.`,
};

/**
 * A usage anomaly, told to the key's owner (at most once per key, kind and day): what happened, and
 * the two things to do about it — look at the usage, or make the key inactive at once.
 */
export function usageAnomalyMessage(row: KeyRow, anomaly: AnomalyKind, detail: Anomaly['detail']): Message {
  const what = `:mag: Your key *${escapeText(row.key.name)}* \`${row.key.id}\` ${ANOMALY_TEXT[anomaly](detail)}`;
  const elements: Button[] = [{ type: 'button', action_id: ACTION.keyUsage, text: plain('Usage'), value: row.key.id, style: 'primary' }];
  if (row.status === 'Active') elements.push(deactivateButton(row));
  return {
    text: `Unusual use of your key ${escapeText(row.key.name)} (${row.key.id})`,
    blocks: [
      { type: 'section', text: mrkdwn(what) },
      { type: 'context', elements: [mrkdwn('If this was not you or your integration, make the key inactive now and rotate it.')] },
      { type: 'actions', block_id: `anomaly:${row.key.id}`, elements },
    ],
  };
}

/**
 * The old key of a rotation was still in use when its grace ended: it was kept 24 h more. Its owner
 * sees how much it was used since the rotation and decides (without an answer it expires then).
 */
export function rotationGraceQuestion(row: KeyRow, previousExpiresAt: string, usesSinceRotation: number): Message {
  const { key } = row;
  const lastUse = key.lastUsedAt === null ? '' : `, the last ${slackDate(key.lastUsedAt)}`;
  const successor = key.rotatedTo === null ? '' : ` Its successor is \`${key.rotatedTo}\`.`;
  return {
    text: `Your rotated key ${escapeText(key.name)} is still in use: kept until ${key.expiresAt ?? 'later'}`,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:hourglass_flowing_sand: Your old key *${escapeText(key.name)}* \`${key.id}\` was still in use when its grace period ended (${slackDate(previousExpiresAt)}): *${usesSinceRotation.toLocaleString('en-US')} uses* since the rotation${lastUse}.${successor}\nSo it was not cut off: it keeps working until ${key.expiresAt === null ? 'later' : slackDate(key.expiresAt)}, then expires unless you decide otherwise.`,
        ),
      },
      {
        type: 'actions',
        block_id: `grace:${key.id}`,
        elements: [
          { type: 'button', action_id: ACTION.graceExtend, text: plain('Extend grace 24 h'), value: key.id, style: 'primary' },
          {
            type: 'button',
            action_id: ACTION.graceExpire,
            text: plain('Expire now'),
            value: key.id,
            style: 'danger',
            confirm: {
              title: plain('Expire the old key now?'),
              text: mrkdwn(`Anything still using *${escapeText(key.name)}* stops working at once.`),
              confirm: plain('Expire now'),
              deny: plain('Cancel'),
              style: 'danger',
            },
          },
          { type: 'button', action_id: ACTION.keyUsage, text: plain('Usage'), value: key.id },
        ],
      },
    ],
  };
}

/** On a rotated-out key's details while its grace runs: how much it is still used, so its owner can look before it is cut. */
export function graceNotice(key: AccessKey, usesSinceRotation: number, now: Date): string | undefined {
  if (key.rotatedTo === null || key.expiresAt === null || Date.parse(key.expiresAt) <= now.getTime()) return undefined;
  return `:hourglass_flowing_sand: Rotated to \`${key.rotatedTo}\`: it keeps working until ${slackDate(key.expiresAt)} and was used *${usesSinceRotation.toLocaleString('en-US')} times* since the rotation. Move what still uses it to the successor.`;
}
