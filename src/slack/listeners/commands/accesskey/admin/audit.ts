import { stringify } from 'csv-stringify/sync';
import type { AuditRecord } from '../../../../../domain/model.js';
import { uploadToDm } from '../../../../delivery/dm.js';
import { auditMessage } from '../../../../views/admin.js';
import { noticeMessage } from '../../../../views/messages.js';
import type { SubcommandArgs, SubcommandResult } from '../types.js';
import { plural } from '../../../../../domain/text.js';

const PAGE_SIZE = 20;

export async function showAudit(
  args: SubcommandArgs,
  filter: { userId?: string; keyId?: string; since?: string; page: number },
): Promise<SubcommandResult> {
  // Paging by offset over "newest first": fetch the pages before this one and keep the last.
  const limit = PAGE_SIZE * filter.page;
  const records = await args.ctx.services.admin.searchAudit(args.userId, {
    userId: filter.userId,
    keyId: filter.keyId,
    sinceIso: filter.since === undefined ? undefined : `${filter.since}T00:00:00.000Z`,
    limit,
  });
  return auditMessage(records.slice((filter.page - 1) * PAGE_SIZE), filter.page);
}

/**
 * A cell that starts with = + - @ (or a tab / carriage return) is a formula to spreadsheet programs:
 * prefix it with ' so opening the export never runs anything (OWASP CSV injection).
 */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

export function auditCsv(records: AuditRecord[]): string {
  const header = ['seq', 'at', 'actor', 'action', 'key_id', 'key_name', 'owner', 'role', 'expires_at', 'details', 'hash'];
  const rows = records.map((r) =>
    [
      String(r.seq),
      r.at,
      r.actorId,
      r.action,
      r.keyId ?? '',
      r.keyName ?? '',
      r.ownerId ?? '',
      r.roleName ?? '',
      r.expiresAt ?? '',
      JSON.stringify(r.details),
      r.hash,
    ].map(neutralise),
  );
  return stringify([header, ...rows]);
}

export async function exportAuditCsv(args: SubcommandArgs, since: string | undefined): Promise<SubcommandResult> {
  const records = await args.ctx.services.admin.exportAudit(args.userId, since === undefined ? undefined : `${since}T00:00:00.000Z`);
  const stamp = args.ctx.now().toISOString().slice(0, 10);
  await args.ackNow();
  await uploadToDm(args.client, args.userId, {
    filename: `audit-log-${stamp}.csv`,
    content: auditCsv(records),
    comment: `Audit log export: ${plural(records.length, 'record')}${since === undefined ? '' : ` since ${since}`}. Each row carries its chain hash.`,
  });
  return noticeMessage(`:page_facing_up: ${plural(records.length, 'audit record')} sent to your DM with me as CSV.`);
}
