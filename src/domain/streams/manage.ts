import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { appendAudit } from '../audit.js';
import type { DomainDeps } from '../deps.js';
import type { AuditAction } from '../model.js';
import type { Repos } from '../repo-ports.js';
import { firstTime } from '../replays.js';
import { containsCredential } from '../secrets.js';
import { requireAdmin, requireAdminIn } from '../users.js';
import { testEvent } from './formats.js';
import {
  streamFormats,
  streamKinds,
  type AuditStream,
  type ChallengeOutcome,
  type StreamSendOutcome,
  type StreamStatus,
  type StreamDeps,
} from './model.js';
import { newWebhookSecret } from './secret-box.js';

function streamDeps(deps: DomainDeps): StreamDeps {
  if (deps.streams === undefined)
    throw new AppError('CONFIG_INVALID', 'Event streams need STREAM_SECRET_KEY (or KEY_HASH_PEPPER) to be set.');
  return deps.streams;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const isLoopback = (host: string): boolean => LOOPBACK_NAMES.has(host) || (isIP(host) === 4 && host.startsWith('127.'));

/** A webhook is HTTPS, or plain HTTP to this machine only; no credentials in the URL. */
export function checkStreamUrl(kind: AuditStream['kind'], raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('INVALID_INPUT', 'That is not a URL.');
  }
  if (url.username !== '' || url.password !== '') throw new AppError('INVALID_INPUT', 'Put no user name or password in the URL.');
  if (kind === 'webhook') {
    if (url.protocol === 'https:') return url;
    if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
    throw new AppError('INVALID_INPUT', 'A webhook URL must start with https:// (plain http:// only to localhost).');
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'tls:')
    throw new AppError('INVALID_INPUT', 'A syslog target is tcp://host:port or tls://host:port.');
  if (url.hostname === '' || url.port === '') throw new AppError('INVALID_INPUT', 'A syslog target needs a host and a port.');
  return url;
}

/** Where a stream sends, without path or query (which may carry a receiver's token): what audit records show. */
export const streamTarget = (url: URL): string => `${url.protocol}//${url.host}`;

export const addStreamInputSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Give the stream a name.')
    .max(80, 'Keep the name under 80 characters.')
    .refine((name) => !containsCredential(name), 'That name looks like a secret. Never paste secrets into names.'),
  kind: z.enum(streamKinds),
  url: z.string().trim().min(1, 'Give the URL.').max(2000, 'That URL is too long.'),
  format: z.enum(streamFormats),
  actionPrefix: z
    .string()
    .trim()
    .max(64, 'Keep the filter under 64 characters.')
    .regex(/^[a-z_.]*$/, 'A filter is the start of an action, like key. or role.created')
    .optional(),
  tlsCa: z.string().trim().max(20_000, 'That CA is too long.').optional(),
});
export type AddStreamInput = z.input<typeof addStreamInputSchema>;

export interface AddStreamResult {
  stream: AuditStream;
  /** The webhook's signing secret (`whsec_…`), shown this once; null for syslog. */
  secret: string | null;
  /** The verification challenge's result (webhooks; syslog has none). */
  challenge: ChallengeOutcome | null;
}

function streamDetails(stream: AuditStream): Record<string, string | null> {
  return {
    streamId: stream.id,
    name: stream.name,
    kind: stream.kind,
    format: stream.format,
    target: streamTarget(new URL(stream.url)),
    actionPrefix: stream.actionPrefix,
  };
}

async function auditStream(tx: Repos, deps: DomainDeps, actorId: string, action: AuditAction, stream: AuditStream, extra = {}) {
  await appendAudit(tx, { actorId, action, details: { ...streamDetails(stream), ...extra } }, deps.now());
}

async function findOrRefuse(tx: { streams: Pick<Repos['streams'], 'findById'> }, id: string): Promise<AuditStream> {
  const stream = await tx.streams.findById(id);
  if (stream === undefined) throw new AppError('INVALID_INPUT', `No stream ${id}.`);
  return stream;
}

/**
 * Adds a stream. A syslog stream is active at once; a webhook is created unverified with a fresh
 * `whsec_` secret (sealed at rest, returned once) and enabled only when it answers the challenge.
 * The new stream starts at the current chain head: its first event is its own `stream.created`.
 */
export async function addStream(
  deps: DomainDeps,
  actorId: string,
  raw: AddStreamInput,
  options: { once?: string } = {},
): Promise<AddStreamResult | 'replayed'> {
  const sd = streamDeps(deps);
  const parsed = addStreamInputSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('INVALID_INPUT', parsed.error.issues[0]?.message ?? 'Check the stream settings.');
  const input = parsed.data;
  const url = checkStreamUrl(input.kind, input.url);
  if (input.kind === 'syslog' && input.format === 'cloudevents-batch')
    throw new AppError('INVALID_INPUT', 'Syslog sends one event per line: choose CloudEvents, OCSF or JSON.');
  const tlsCa = input.tlsCa === undefined || input.tlsCa === '' ? null : input.tlsCa;
  if (tlsCa !== null && url.protocol !== 'tls:') throw new AppError('INVALID_INPUT', 'A CA only applies to a tls:// syslog target.');
  if (tlsCa !== null && !tlsCa.includes('-----BEGIN CERTIFICATE-----'))
    throw new AppError('INVALID_INPUT', 'The CA must be a PEM certificate.');
  const secret = input.kind === 'webhook' ? newWebhookSecret() : null;
  const sealed = secret === null ? null : sd.secrets.seal(secret);
  const stream = await deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    // A replay of the same submission (a Slack retry) adds nothing: the first one showed the secret.
    if (!(await firstTime(tx, deps, actorId, options.once))) return undefined;
    const now = deps.now().toISOString();
    const head = await tx.audit.readHead();
    const created: AuditStream = {
      id: `st_${randomBytes(9).toString('base64url')}`,
      name: input.name,
      kind: input.kind,
      url: url.toString(),
      format: input.format,
      actionPrefix: input.actionPrefix === undefined || input.actionPrefix === '' ? null : input.actionPrefix,
      state: input.kind === 'webhook' ? 'unverified' : 'active',
      tlsCa,
      cursorSeq: head.seq,
      failures: 0,
      lastError: null,
      lastErrorAt: null,
      lastDeliveredAt: null,
      nextAttemptAt: now,
      failingAlerted: false,
      createdAt: now,
      createdBy: actorId,
    };
    await tx.streams.insert(created, sealed);
    await auditStream(tx, deps, actorId, 'stream.created', created);
    return created;
  });
  if (stream === undefined) return 'replayed';
  if (stream.kind !== 'webhook') return { stream, secret, challenge: null };
  const verified = await verifyStream(deps, actorId, stream.id);
  return { stream: verified.stream, secret, challenge: verified.challenge };
}

/** Sends the verification challenge; a webhook that answers it is enabled (audited `stream.verified`). */
export async function verifyStream(
  deps: DomainDeps,
  actorId: string,
  id: string,
): Promise<{ stream: AuditStream; challenge: ChallengeOutcome }> {
  const sd = streamDeps(deps);
  await requireAdmin(deps, actorId);
  const stream = await findOrRefuse(deps.store.read, id);
  if (stream.kind !== 'webhook') throw new AppError('INVALID_INPUT', 'Only webhooks answer a verification challenge.');
  const challenge = await sd.transport.challenge(stream.url, randomBytes(24).toString('base64url'));
  if (challenge.kind === 'failed' || stream.state !== 'unverified') return { stream, challenge };
  const updated = await deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const current = await findOrRefuse(tx, id);
    if (current.state !== 'unverified') return current;
    await tx.streams.setState(id, 'active', deps.now().toISOString());
    await auditStream(tx, deps, actorId, 'stream.verified', current);
    return { ...current, state: 'active' as const };
  });
  return { stream: updated, challenge };
}

async function changeState(deps: DomainDeps, actorId: string, id: string, to: 'active' | 'paused'): Promise<AuditStream> {
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const stream = await findOrRefuse(tx, id);
    if (stream.state === 'unverified') throw new AppError('INVALID_INPUT', 'This webhook has not passed its verification challenge yet.');
    if (stream.state === to) return stream;
    await tx.streams.setState(id, to, deps.now().toISOString());
    await auditStream(tx, deps, actorId, to === 'paused' ? 'stream.paused' : 'stream.resumed', stream);
    return { ...stream, state: to };
  });
}

/** Pausing keeps the cursor: resuming sends everything since, in order. */
export const pauseStream = (deps: DomainDeps, actorId: string, id: string) => changeState(deps, actorId, id, 'paused');
export const resumeStream = (deps: DomainDeps, actorId: string, id: string) => changeState(deps, actorId, id, 'active');

export async function deleteStream(deps: DomainDeps, actorId: string, id: string): Promise<void> {
  await deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const stream = await findOrRefuse(tx, id);
    await tx.streams.remove(id);
    await auditStream(tx, deps, actorId, 'stream.deleted', stream);
  });
}

/** Replay from seq N: everything from N on is sent again (the same event ids, so receivers can dedupe). */
export async function replayStream(
  deps: DomainDeps,
  actorId: string,
  id: string,
  fromSeq: number,
  options: { once?: string } = {},
): Promise<AuditStream> {
  if (!Number.isInteger(fromSeq) || fromSeq < 1) throw new AppError('INVALID_INPUT', 'Replay from a seq of 1 or more.');
  return deps.store.write(async (tx) => {
    await requireAdminIn(tx, deps, actorId);
    const stream = await findOrRefuse(tx, id);
    if (!(await firstTime(tx, deps, actorId, options.once))) return stream;
    const head = await tx.audit.readHead();
    if (fromSeq > head.seq + 1) throw new AppError('INVALID_INPUT', `The audit log ends at #${head.seq}.`);
    await tx.streams.replayFrom(id, fromSeq, deps.now().toISOString());
    await auditStream(tx, deps, actorId, 'stream.replayed', stream, { fromSeq });
    return { ...stream, cursorSeq: fromSeq - 1 };
  });
}

/** Every stream with how far behind the head it is (App Home and the admin modal). */
export async function listStreams(deps: DomainDeps, actorId: string): Promise<StreamStatus[]> {
  await requireAdmin(deps, actorId);
  return streamStatuses(deps);
}

/** The same without the admin check, for views already shown only to admins. */
export async function streamStatuses(deps: DomainDeps): Promise<StreamStatus[]> {
  const [streams, head] = await Promise.all([deps.store.read.streams.list(), deps.store.read.audit.readHead()]);
  return streams.map((stream) => ({ ...stream, lag: Math.max(0, head.seq - stream.cursorSeq) }));
}

/** Send test event: one synthetic event (marked `test`, no chain) through the stream's transport, now. */
export async function sendTestEvent(deps: DomainDeps, actorId: string, id: string): Promise<StreamSendOutcome> {
  const sd = streamDeps(deps);
  await requireAdmin(deps, actorId);
  const stream = await findOrRefuse(deps.store.read, id);
  if (stream.state === 'unverified') throw new AppError('INVALID_INPUT', 'This webhook has not passed its verification challenge yet.');
  const sealed = await deps.store.streamQueue.sealedSecret(id);
  const at = deps.now().toISOString();
  return sd.transport.send({
    stream,
    secret: sealed === null ? null : sd.secrets.open(sealed),
    records: [],
    test: testEvent(stream.format, stream.id, at),
  });
}
