import { Webhook } from 'standardwebhooks';
import { eventIdOf, webhookBody } from '../domain/streams/formats.js';
import type { ChallengeOutcome, StreamDelivery, StreamSendOutcome } from '../domain/streams/model.js';

export interface WebhookOptions {
  /** How long one request may take before it counts as failed (the records stay queued). */
  timeoutMs: number;
  /** The challenge is answered while an admin waits in the modal, so it has a shorter limit. */
  challengeTimeoutMs: number;
}

const errorText = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** The stable `webhook-id` of a delivery: the same on every retry and replay of the same records. */
export function webhookIdOf(delivery: StreamDelivery): string {
  const first = delivery.records[0];
  const last = delivery.records.at(-1);
  if (first === undefined || last === undefined) {
    const id = delivery.test !== undefined && 'id' in delivery.test ? String(delivery.test.id) : 'test';
    return `msg_${delivery.stream.id}_${id}`;
  }
  return first === last ? `msg_${delivery.stream.id}_${eventIdOf(first.seq)}` : `msg_${delivery.stream.id}_audit-${first.seq}-${last.seq}`;
}

function bodyOf(delivery: StreamDelivery): { body: string; contentType: string } {
  if (delivery.test === undefined) return webhookBody(delivery.stream.format, delivery.records);
  switch (delivery.stream.format) {
    case 'cloudevents-batch':
      return { body: JSON.stringify([delivery.test]), contentType: 'application/cloudevents-batch+json' };
    case 'cloudevents':
      return { body: JSON.stringify(delivery.test), contentType: 'application/cloudevents+json' };
    default:
      return { body: JSON.stringify(delivery.test), contentType: 'application/json' };
  }
}

/**
 * One signed POST (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,…`).
 * Redirects are not followed (the verified URL is the only one that receives events); any 2xx is
 * delivered, anything else (or no answer in time) a failure the stream backs off from.
 */
export async function sendWebhook(delivery: StreamDelivery, options: WebhookOptions): Promise<StreamSendOutcome> {
  if (delivery.secret === null) return { kind: 'failed', error: 'the webhook has no signing secret' };
  const { body, contentType } = bodyOf(delivery);
  const id = webhookIdOf(delivery);
  const at = new Date();
  const signature = new Webhook(delivery.secret).sign(id, at, body);
  try {
    const response = await fetch(delivery.stream.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: {
        'content-type': contentType,
        'user-agent': 'access-key-bot-streams',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
    });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { kind: 'delivered' };
    return { kind: 'failed', error: `the receiver answered HTTP ${response.status}` };
  } catch (error) {
    return { kind: 'failed', error: errorText(error) };
  }
}

/** Okta-style verification: GET with `X-Verification-Challenge`, answered 200 `{"verification": "<same>"}`. */
export async function challengeWebhook(url: string, challenge: string, options: WebhookOptions): Promise<ChallengeOutcome> {
  try {
    const response = await fetch(url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.challengeTimeoutMs),
      headers: { 'x-verification-challenge': challenge, 'user-agent': 'access-key-bot-streams' },
    });
    const text = (await response.text()).slice(0, 4096);
    if (response.status !== 200) return { kind: 'failed', error: `the URL answered HTTP ${response.status}, not 200` };
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      return { kind: 'failed', error: 'the answer is not JSON' };
    }
    const verification = typeof answer === 'object' && answer !== null && 'verification' in answer ? answer.verification : undefined;
    if (verification !== challenge) return { kind: 'failed', error: 'the answer does not echo the challenge in "verification"' };
    return { kind: 'passed' };
  } catch (error) {
    return { kind: 'failed', error: errorText(error) };
  }
}
