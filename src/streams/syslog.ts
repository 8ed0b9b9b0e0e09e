import { hostname } from 'node:os';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { formatRecord } from '../domain/streams/formats.js';
import type { AuditRecord } from '../domain/model.js';
import type { AuditStream, StreamDelivery, StreamSendOutcome } from '../domain/streams/model.js';

/** Facility 13 (log audit), severity 6 (informational): PRI 110. */
const PRI = 13 * 8 + 6;
const APP_NAME = 'accesskey-bot';
/** The SD-ID under the documentation enterprise number of RFC 5612. */
const SD_ID = 'accesskey@32473';

const printable = (text: string, max: number): string => text.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';
const HOST = printable(hostname(), 255);

/** One RFC 5424 message: the chain in structured data, the event (in the stream's format) as the message. */
export function syslogMessage(stream: AuditStream, record: AuditRecord): string {
  const sd = `[${SD_ID} seq="${record.seq}" prev_hash="${record.prevHash}" hash="${record.hash}"]`;
  return `<${PRI}>1 ${record.at} ${HOST} ${APP_NAME} - ${printable(record.action, 32)} ${sd} ${JSON.stringify(formatRecord(stream.format, record))}`;
}

function testMessage(test: object): string {
  return `<${PRI}>1 ${new Date().toISOString()} ${HOST} ${APP_NAME} - stream.test [${SD_ID} test="true"] ${JSON.stringify(test)}`;
}

/** RFC 6587 octet counting: the message's length in bytes, a space, the message. */
export const octetCounted = (message: string): string => `${Buffer.byteLength(message)} ${message}`;

function open(stream: AuditStream, timeoutMs: number): Socket {
  const url = new URL(stream.url);
  const port = Number(url.port);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const socket =
    url.protocol === 'tls:'
      ? connectTls({ host, port, servername: host, ...(stream.tlsCa === null ? {} : { ca: stream.tlsCa }) })
      : connectTcp({ host, port });
  socket.setTimeout(timeoutMs);
  return socket;
}

/**
 * One connection per attempt: every record as an octet-counted RFC 5424 frame, then our end of the
 * connection closed. TCP has no acknowledgement of its own, so the attempt counts as delivered only
 * once every byte was handed over and the receiver, having read to our end, closed its side too; a
 * reset, an error or a timeout before that fails the attempt and the same records go again (at least
 * once).
 */
export function sendSyslog(delivery: StreamDelivery, options: { timeoutMs: number }): Promise<StreamSendOutcome> {
  const frames =
    delivery.test !== undefined
      ? octetCounted(testMessage(delivery.test))
      : delivery.records.map((record) => octetCounted(syslogMessage(delivery.stream, record))).join('');
  return new Promise((resolve) => {
    let settled = false;
    let written = false;
    let failure: string | undefined;
    const done = (outcome: StreamSendOutcome) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(outcome);
    };
    const socket = open(delivery.stream, options.timeoutMs);
    socket.on('error', (error) => {
      failure = `${error.name}: ${error.message}`;
      done({ kind: 'failed', error: failure });
    });
    socket.on('timeout', () => done({ kind: 'failed', error: 'the syslog receiver did not answer in time' }));
    // Whatever the receiver says back is not ours to read; reading it lets its close arrive.
    socket.on('data', () => undefined);
    socket.on('close', () =>
      done(written && failure === undefined ? { kind: 'delivered' } : { kind: 'failed', error: failure ?? 'the connection closed early' }),
    );
    socket.once(delivery.stream.url.startsWith('tls:') ? 'secureConnect' : 'connect', () => {
      socket.end(frames, () => {
        written = true;
      });
    });
  });
}
