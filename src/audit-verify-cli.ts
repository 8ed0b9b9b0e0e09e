import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { loadAuditVerifyConfig, readEnvironment } from './config.js';
import { connect } from './db/connect.js';
import { createStore } from './db/store.js';
import { describeVerification, verificationPassed, verifyAudit } from './domain/audit-verify.js';
import type { ReadRepos } from './domain/ports.js';
import { checkReviewExport } from './domain/reviews.js';
import { describeFileVerdict, verifyChainLines } from './domain/streams/chain-file.js';
import { AppError, isAppError } from './errors.js';
import { mirrorHistoryWithToken } from './slack/outbound/audit-history.js';

/**
 * `npm run audit:verify`: walks the audit hash chain and, when SLACK_BOT_TOKEN and AUDIT_CHANNEL_ID are
 * set, cross-checks it against the record hashes the mirror posted to the security channel. Exit 0
 * when everything checked holds; 1 when the chain or the cross-check found a problem (the first bad
 * record's seq is printed); 2 when a check could not run (no database, or Slack refused the history
 * read). It only reads: no migration, no writes. With `--review-csv <file>` it also checks an access
 * review export (`/accesskey admin review export`) row by row against the chain.
 *
 * `npm run audit:verify -- --file <jsonl>` checks what an event stream delivered (docs/streams.md), on
 * its own: no database, no Slack. Same exit codes; the first gap or edit is named by seq and line.
 */
async function main(): Promise<number> {
  const fileFlag = process.argv.indexOf('--file');
  if (fileFlag >= 0) return verifyFile(process.argv[fileFlag + 1]);
  const config = loadAuditVerifyConfig(await readEnvironment());
  // Opening a missing SQLite file would create an empty database and "verify" that.
  if (config.database.kind === 'sqlite' && !existsSync(config.database.path))
    throw new AppError('CONFIG_INVALID', `No SQLite database at ${config.database.path} (check DATABASE_URL).`);
  const connection = connect(config.database);
  const store = createStore(connection);
  try {
    const history = config.slack === undefined ? undefined : mirrorHistoryWithToken(config.slack);
    const result = await verifyAudit(store.read, history);
    for (const line of describeVerification(result)) console.log(line);
    if (!result.chain.ok) console.log(`FIRST BAD RECORD: #${result.chain.seq}`);
    else if (result.mirror?.firstMismatch !== undefined) console.log(`FIRST BAD RECORD: #${result.mirror.firstMismatch.seq}`);
    if (!verificationPassed(result)) return 1;
    const reviewCsv = optionValue('--review-csv');
    if (reviewCsv !== undefined && !(await checkReviewCsv(store.read.audit, reviewCsv))) return 1;
    // Asked for a cross-check that could not run (missing scope, bot not in the channel): not a pass.
    return result.mirrorError === undefined ? 0 : 2;
  } finally {
    await connection.db.destroy();
  }
}

function optionValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

const reviewCsvRow = z
  .object({ key_id: z.string(), decision: z.string(), reason: z.string(), audit_seq: z.string(), audit_hash: z.string() })
  .transform((r) => ({ keyId: r.key_id, decision: r.decision, reason: r.reason, auditSeq: r.audit_seq, auditHash: r.audit_hash }));

/** Each row of a review export against the audit record it names; prints the first that does not match. */
async function checkReviewCsv(audit: ReadRepos['audit'], path: string): Promise<boolean> {
  const rows = z.array(reviewCsvRow).safeParse(parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }));
  if (!rows.success)
    throw new AppError('INVALID_INPUT', `${path} is not an access review export (key_id, decision, reason, audit_seq, audit_hash).`);
  const verdict = await checkReviewExport(audit, rows.data);
  if (verdict.ok) console.log(`Review export ${path}: ${verdict.answered} answered rows match the audit chain; ${verdict.open} open.`);
  else console.log(`Review export ${path}: line ${verdict.line}: ${verdict.problem}`);
  return verdict.ok;
}

function verifyFile(path: string | undefined): number {
  if (path === undefined || path === '') throw new AppError('INVALID_INPUT', 'Usage: npm run audit:verify -- --file <received.jsonl>');
  if (!existsSync(path)) throw new AppError('INVALID_INPUT', `No file at ${path}.`);
  const verdict = verifyChainLines(readFileSync(path, 'utf8').split('\n'));
  console.log(describeFileVerdict(verdict));
  if (verdict.ok) return 0;
  console.log(`FIRST BAD RECORD: ${verdict.seq === null ? `line ${verdict.line}` : `#${verdict.seq} (line ${verdict.line})`}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(isAppError(error) ? error.message : error);
    process.exit(2);
  },
);
