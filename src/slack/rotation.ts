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
  secretFileTtlMs?: number;
}): Promise<void> {
  const { result } = input;
  const until = result.old.expiresAt === null ? '' : ` until ${slackDate(result.old.expiresAt)}`;
  await deliverSecret({
    client: input.client,
    logger: input.logger,
    userId: input.userId,
    key: result.successor,
    roleName: result.role.name,
    secret: result.secret,
    responseUrl: input.responseUrl,
    confirmDelivered: () => input.services.keys.confirmDelivery(result.successor.id),
    discard: () => input.services.keys.undoRotation(input.userId, result),
    retryHint: `Your old key *${escapeText(result.old.name)}* keeps its previous expiry; try rotating again in a moment.`,
    csvLifetime:
      input.secretFileTtlMs === undefined ? undefined : secretFileLifetime(input, input.secretFileTtlMs, result.successor.id, input.userId),
    note:
      result.old.status === 'compromised'
        ? `:arrows_counterclockwise: Replaces *${escapeText(result.old.name)}* (\`${result.old.id}\`), which was reported compromised and stays inactive. Move your integrations to the new key now.`
        : `:arrows_counterclockwise: Replaces *${escapeText(result.old.name)}* (\`${result.old.id}\`), which keeps working${until}. Move your integrations to the new key before then.`,
  });
}
