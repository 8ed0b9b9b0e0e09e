import type { HomeView, ModalView } from './blocks.js';
import { mrkdwn, plain } from './format.js';

/**
 * What replaces a modal when a submission fails in a way no field of it can show. The text is
 * already escaped (it comes from errorMessage), so it is shown as is.
 */
export function errorModal(text: string): ModalView {
  return {
    type: 'modal',
    title: plain('Something went wrong', 24),
    close: plain('Close', 24),
    blocks: [{ type: 'section', text: mrkdwn(`:warning: ${text}`) }],
  };
}

/** App Home when even the user's keys cannot be read: the error alone; opening Home again redraws it. */
export function errorHomeView(text: string): HomeView {
  return { type: 'home', blocks: [{ type: 'section', text: mrkdwn(`:warning: ${text}`) }] };
}
