import type { types } from '@slack/bolt';

/** The Block Kit types we build with, re-exported by Bolt so nothing else imports @slack/types. */
export type KnownBlock = types.KnownBlock;
export type ModalView = types.ModalView;
export type HomeView = types.HomeView;
export type Button = types.Button;
export type ActionsBlock = types.ActionsBlock;

/** A message: fallback text (notifications, screen readers) plus blocks. */
export interface Message {
  text: string;
  blocks: KnownBlock[];
}
