import { stringify } from 'csv-stringify/sync';
import type { WebClient } from '@slack/web-api';
import type { AccessKey } from '../../domain/model.js';
import type { Logger } from '../../logger.js';
import { escapeText } from '../views/format.js';
import { csvDmComment, secretMessage } from '../views/messages.js';
import { openDm, uploadToDm } from './dm.js';
import { postToResponseUrl } from './response-url.js';

export interface SecretDeliveryInput {
  client: WebClient;
  logger: Logger;
  userId: string;
  key: AccessKey;
  roleName: string;
  secret: string;
  /** The slash command's response_url: ephemeral, and works where the bot is not a member. */
  responseUrl?: string;
  note?: string;
  /**
   * Makes the key unusable when its secret reached the user nowhere (R6). Creation deletes the key;
   * rotation deletes the successor and gives the old key its expiry back.
   */
  discard: () => Promise<void>;
  /** What to tell the user to do after a discard. */
  retryHint: string;
}

export type SecretDeliveryOutcome = 'both' | 'message_only' | 'csv_only' | 'none';

/** The CSV as Prisma Cloud offers it: a header and one row. Written by a CSV library, not by hand. */
export function secretCsv(keyId: string, secret: string): string {
  return stringify([
    ['Access Key ID', 'Secret Key'],
    [keyId, secret],
  ]);
}

/**
 * R6, after the key is committed: a CSV in the creator's DM with the bot, and one ephemeral message.
 * The CSV goes first so the message can say truthfully whether it arrived. If neither arrives the key
 * is deleted (audited): a key whose secret nobody holds must not stay usable or hold a slot.
 */
export async function deliverSecret(input: SecretDeliveryInput): Promise<SecretDeliveryOutcome> {
  const { client, logger, userId, key } = input;
  const log = logger.child({ keyId: key.id, userId });
  let dmChannel: string | undefined;
  let csvDelivered = false;
  try {
    dmChannel = await uploadToDm(client, userId, { filename: `access-key-${key.id}.csv`, content: secretCsv(key.id, input.secret), comment: csvDmComment(key) });
    csvDelivered = true;
  } catch (error) {
    log.warn('secret CSV could not be delivered', { error });
  }

  let messageDelivered = false;
  const message = secretMessage({ key, roleName: input.roleName, secret: input.secret, csvDelivered, note: input.note });
  try {
    if (input.responseUrl !== undefined) {
      await postToResponseUrl(input.responseUrl, { response_type: 'ephemeral', replace_original: false, ...message });
    } else {
      dmChannel ??= await openDm(client, userId);
      await client.chat.postEphemeral({ channel: dmChannel, user: userId, ...message });
    }
    messageDelivered = true;
  } catch (error) {
    log.warn('secret message could not be delivered', { error });
  }

  if (messageDelivered) return csvDelivered ? 'both' : 'message_only';
  if (csvDelivered && dmChannel !== undefined) {
    await client.chat
      .postMessage({ channel: dmChannel, text: `The message with the secret of *${escapeText(key.name)}* (\`${key.id}\`) could not be shown, so the CSV above is the only copy. Store it now.` })
      .catch((error: unknown) => log.warn('follow-up DM failed', { error }));
    return 'csv_only';
  }
  try {
    await input.discard();
    log.warn('secret delivered nowhere; key discarded');
  } catch (error) {
    // The key may still work while nobody holds its secret: an operator must remove it.
    log.error('secret delivered nowhere and the key could not be discarded', { error, alert: 'undelivered_key_left_usable' });
    throw error;
  }
  const text = `I couldn't deliver the secret of *${escapeText(key.name)}*, so I deleted it again and nothing was kept. ${input.retryHint}`;
  const told = input.responseUrl !== undefined ? postToResponseUrl(input.responseUrl, { response_type: 'ephemeral', text, blocks: [] }) : client.chat.postMessage({ channel: dmChannel ?? userId, text });
  await Promise.resolve(told).catch((error: unknown) => log.warn('could not tell the user about the failed delivery', { error }));
  return 'none';
}
