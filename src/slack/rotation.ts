import type { WebClient } from '@slack/web-api';
import type { RotateKeyResult } from '../domain/keys/rotate.js';
import type { Services } from '../domain/services.js';
import type { Logger } from '../logger.js';
import { deliverSecret } from './delivery/secret.js';
import { secretFileLifetime } from './delivery/secret-file.js';
import { escapeText, slackDate } from './views/format.js';

/** Hands over a rotated key's successor exactly as a new key's secret (R6), saying what it replaces. */
export async function deliverRotation(input: {
  client: WebClient;
  services: Services;
  now: () => Date;
  logger: Logger;
  userId: string;
  result: RotateKeyResult;
  responseUrl?: string;
  /** The click came from the `/accesskey rotate` question: the secret message replaces it. */
  replaceOriginal?: boolean;
  secretFileTtlMs?: number;
}): Promise<void> {
  const { result } = input;
  await deliverSecret({
    client: input.client,
    logger: input.logger,
    userId: input.userId,
    key: result.successor,
    roleName: result.role.name,
    secret: result.secret,
    responseUrl: input.responseUrl,
    replaceOriginal: input.replaceOriginal,
    confirmDelivered: () => input.services.keys.confirmDelivery(result.successor.id),
    discard: () => input.services.keys.undoRotation(input.userId, result),
    retryHint: `Your old key *${escapeText(result.old.name)}* keeps its previous expiry; try rotating again in a moment.`,
    csvLifetime:
      input.secretFileTtlMs === undefined ? undefined : secretFileLifetime(input, input.secretFileTtlMs, result.successor.id, input.userId),
    note: rotationNote(result),
  });
}

/** What became of the old key, under the new secret: inactive, already expired, or working until its grace ends. */
function rotationNote(result: RotateKeyResult): string {
  const old = `*${escapeText(result.old.name)}* (\`${result.old.id}\`)`;
  if (result.old.status === 'compromised')
    return `:arrows_counterclockwise: Replaces ${old}, which was reported compromised and stays inactive. Move your integrations to the new key now.`;
  if (result.oldExpired)
    return `:arrows_counterclockwise: Replaces ${old}, which has already expired; the new key has a fresh term. Move your integrations to the new key now.`;
  const until = result.old.expiresAt === null ? '' : ` until ${slackDate(result.old.expiresAt)}`;
  return `:arrows_counterclockwise: Replaces ${old}, which keeps working${until}. Move your integrations to the new key before then.`;
}
