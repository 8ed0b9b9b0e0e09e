import { stringify } from 'csv-stringify/sync';
import type { WebClient } from '@slack/web-api';
import type { AccessKey } from '../../domain/model.js';
import type { Logger } from '../../logger.js';
import { escapeText } from '../views/format.js';
import { csvDmComment, csvMissingMessage, secretMessage, type SecretDeliveryOutcome } from '../views/messages.js';
import { openDm, uploadFileToDm } from './dm.js';
import type { SecretFileLifetime } from './secret-file.js';
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
  /** The message the click came from is used up (a question): the secret message takes its place. */
  replaceOriginal?: boolean;
  note?: string;
  /**
   * Records that the secret reached its owner: only then does the key authenticate (keys are created
   * with `deliverLater`). Called once, as soon as the first of the two copies is confirmed sent.
   */
  confirmDelivered: () => Promise<unknown>;
  /**
   * Makes the key unusable when its secret reached the user nowhere (R6). Creation deletes the key;
   * rotation deletes the successor and gives the old key its expiry back.
   */
  discard: () => Promise<void>;
  /** What to tell the user to do after a discard. */
  retryHint: string;
  /** SECRET_FILE_TTL: the CSV says until when it can be downloaded, and its deletion is queued after upload. */
  csvLifetime?: SecretFileLifetime;
}

/** The CSV as Prisma Cloud offers it: a header and one row. Written by a CSV library, not by hand. */
export function secretCsv(keyId: string, secret: string): string {
  return stringify([
    ['Access Key ID', 'Secret Key'],
    [keyId, secret],
  ]);
}

const settled = (work: Promise<unknown>): Promise<boolean> =>
  work.then(
    () => true,
    () => false,
  );

/**
 * R6, after the key is committed: one ephemeral message and a CSV in the creator's DM with the bot,
 * sent side by side so a slow or hanging upload never holds the message back (each Slack call has a
 * timeout: `SLACK_CALL_TIMEOUT_MS` in app.ts). The first copy confirmed sent marks the key delivered;
 * until then it does not authenticate, and if the process dies first the undelivered sweep removes it.
 * If neither arrives the key is deleted at once (audited) and the user is told to retry, by DM.
 */
export async function deliverSecret(input: SecretDeliveryInput): Promise<SecretDeliveryOutcome> {
  const { client, logger, userId, key } = input;
  const log = logger.child({ keyId: key.id, userId });
  let confirmation: Promise<void> | undefined;
  // Once, for whichever copy lands first. A failure here leaves the key unusable (the sweep removes it).
  const confirm = () =>
    (confirmation ??= input.confirmDelivered().then(
      () => undefined,
      (error: unknown) =>
        log.error('the secret was delivered but could not be recorded; the key stays unusable and the sweep will remove it', {
          error,
          alert: 'delivery_not_recorded',
        }),
    ));

  let dmChannel: string | undefined;
  const csv = (async () => {
    const uploaded = await uploadFileToDm(client, userId, {
      filename: `access-key-${key.id}.csv`,
      content: secretCsv(key.id, input.secret),
      comment: csvDmComment(key, input.csvLifetime?.until),
    });
    dmChannel = uploaded.channel;
    await confirm();
    if (input.csvLifetime !== undefined) {
      const fileId = uploaded.fileId;
      if (fileId === undefined)
        log.error('ALERT the secret CSV was uploaded but Slack named no file id; it cannot be deleted automatically', {
          alert: 'secret_file_untracked',
        });
      else
        await input.csvLifetime
          .schedule(fileId)
          .catch((error: unknown) =>
            log.error('ALERT could not queue the secret CSV for deletion', { error, alert: 'secret_file_untracked', fileId }),
          );
    }
  })();
  csv.catch((error: unknown) => log.warn('secret CSV could not be delivered', { error }));

  const message = secretMessage({ key, roleName: input.roleName, secret: input.secret, note: input.note });
  const ephemeral = (async () => {
    if (input.responseUrl !== undefined) {
      await postToResponseUrl(input.responseUrl, {
        response_type: 'ephemeral',
        replace_original: input.replaceOriginal === true,
        ...message,
      });
    } else {
      await client.chat.postEphemeral({ channel: await openDm(client, userId), user: userId, ...message });
    }
    await confirm();
  })();
  ephemeral.catch((error: unknown) => log.warn('secret message could not be delivered', { error }));

  const [messageDelivered, csvDelivered] = await Promise.all([settled(ephemeral), settled(csv)]);

  if (messageDelivered && csvDelivered) return 'both';
  if (messageDelivered) {
    // The message promised a CSV copy: say it is not coming, without repeating the secret.
    const missing = csvMissingMessage(key);
    const told =
      input.responseUrl !== undefined
        ? postToResponseUrl(input.responseUrl, { response_type: 'ephemeral', replace_original: false, ...missing })
        : openDm(client, userId).then((channel) => client.chat.postEphemeral({ channel, user: userId, ...missing }));
    await Promise.resolve(told).catch((error: unknown) => log.warn('could not say that the CSV is missing', { error }));
    return 'message_only';
  }
  if (csvDelivered && dmChannel !== undefined) {
    await client.chat
      .postMessage({
        channel: dmChannel,
        text: `The message with the secret of *${escapeText(key.name)}* (\`${key.id}\`) could not be shown, so the CSV above is the only copy. Store it now.`,
      })
      .catch((error: unknown) => log.warn('follow-up DM failed', { error }));
    return 'csv_only';
  }
  try {
    await input.discard();
    log.warn('secret delivered nowhere; key discarded');
  } catch (error) {
    // Never delivered, so the key does not authenticate; the undelivered sweep deletes it shortly.
    log.warn('secret delivered nowhere and the key could not be discarded now; the sweep will remove it', { error });
  }
  const text = `I couldn't deliver the secret of *${escapeText(key.name)}*, so I deleted it again and nothing was kept. ${input.retryHint}`;
  await tellUndelivered(input, dmChannel, text).catch((error: unknown) =>
    log.warn('could not tell the user about the failed delivery', { error }),
  );
  return 'none';
}

/**
 * The "couldn't deliver" notice goes by DM: the ephemeral path (the response_url, or postEphemeral)
 * is the one that just failed or timed out, so a user told only there would hear nothing. The
 * response_url is the fallback when the DM fails too.
 */
async function tellUndelivered(input: SecretDeliveryInput, dmChannel: string | undefined, text: string): Promise<void> {
  const { client, userId } = input;
  try {
    await client.chat.postMessage({ channel: dmChannel ?? (await openDm(client, userId)), text });
  } catch (error) {
    if (input.responseUrl === undefined) throw error;
    await postToResponseUrl(input.responseUrl, { response_type: 'ephemeral', text, blocks: [] });
  }
}
