import { createHmac } from 'node:crypto';

/**
 * Slack's request signature (Slack: verifying requests from Slack):
 * `v0=` + hex(HMAC-SHA256(signingSecret, "v0:" + timestamp + ":" + rawBody)).
 */
export function slackSignature(signingSecret: string, timestamp: number | string, rawBody: string): string {
  const base = `v0:${timestamp}:${rawBody}`;
  return `v0=${createHmac('sha256', signingSecret).update(base, 'utf8').digest('hex')}`;
}

export interface SignedHeaders {
  'X-Slack-Request-Timestamp': string;
  'X-Slack-Signature': string;
}

export function signedHeaders(signingSecret: string, timestampSec: number, rawBody: string): SignedHeaders {
  return {
    'X-Slack-Request-Timestamp': String(timestampSec),
    'X-Slack-Signature': slackSignature(signingSecret, timestampSec, rawBody),
  };
}
