import type { types } from '@slack/bolt';

/**
 * Slack's chart block (docs.slack.dev/reference/block-kit/blocks/data-visualization-block, 2026-06-16),
 * newer than the @slack/types we have: a title of at most 50 characters and one chart. We build bar
 * charts only: 1–6 series of 1–20 points whose labels are the axis categories (≤ 20 characters each).
 */
export interface DataVisualizationBlock extends types.Block {
  type: 'data_visualization';
  title: string;
  chart: {
    type: 'bar';
    series: Array<{ name: string; data: Array<{ label: string; value: number }> }>;
    axis_config: { categories: string[]; x_label?: string; y_label?: string };
  };
}

/** The Block Kit types we build with, re-exported by Bolt so nothing else imports @slack/types. */
export type KnownBlock = types.KnownBlock | DataVisualizationBlock;
export type DataTableBlock = types.DataTableBlock;
export type ModalView = types.ModalView;
export type HomeView = types.HomeView;
export type Button = types.Button;
export type ActionsBlock = types.ActionsBlock;

/** A message: fallback text (notifications, screen readers) plus blocks. */
export interface Message {
  text: string;
  blocks: KnownBlock[];
}
