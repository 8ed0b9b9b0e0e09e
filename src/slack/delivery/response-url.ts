import type { Message } from '../views/blocks.js';

export interface ResponseUrlMessage extends Message {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  delete_original?: boolean;
}

/**
 * Posts to a response_url as Bolt's `respond()` does. Used where Bolt offers no `respond` (a modal's
 * submission), with the response_url the modal carried from the command that opened it.
 */
export async function postToResponseUrl(url: string, message: ResponseUrlMessage | { delete_original: true }): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`response_url answered ${response.status}`);
}
