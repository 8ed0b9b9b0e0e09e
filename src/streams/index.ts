import type { StreamTransport } from '../domain/streams/model.js';
import { sendSyslog } from './syslog.js';
import { challengeWebhook, sendWebhook, type WebhookOptions } from './webhook.js';

export interface StreamTransportOptions extends WebhookOptions {}

export const DEFAULT_TRANSPORT_OPTIONS: StreamTransportOptions = { timeoutMs: 10_000, challengeTimeoutMs: 2_000 };

/**
 * The outside world of event streams (docs/streams.md): signed HTTPS webhooks and syslog over TCP/TLS.
 * Transport only: what to send, when, and what a failure means is the domain's (src/domain/streams/).
 */
export function createStreamTransport(options: StreamTransportOptions = DEFAULT_TRANSPORT_OPTIONS): StreamTransport {
  return {
    send: (delivery) =>
      delivery.stream.kind === 'webhook' ? sendWebhook(delivery, options) : sendSyslog(delivery, { timeoutMs: options.timeoutMs }),
    challenge: (url, challenge) => challengeWebhook(url, challenge, options),
  };
}
