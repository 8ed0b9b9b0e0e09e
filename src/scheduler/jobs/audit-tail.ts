import type { AuditWitness, TailCheck } from '../../domain/audit-verify.js';
import type { Services } from '../../domain/services.js';
import type { Logger } from '../../logger.js';

/** How often the witness follows the chain head while the app runs. */
export const WITNESS_EVERY_MS = 60_000;

function report(logger: Logger, check: TailCheck, witness: AuditWitness): void {
  if (check.ok) return;
  logger.error('ALERT audit log does not continue from the head this app last saw: it may have been rewritten or cut short', {
    alert: 'audit_tail_mismatch',
    seenSeq: check.seen.seq,
    seenHash: check.seen.hash.slice(0, 16),
    foundHash: check.found === null ? null : check.found.slice(0, 16),
    alertRecord: check.alertSeq,
    witness: witness.where,
  });
}

/**
 * Checks the chain's tail against the witness at start-up (alerting through a log line with an
 * `alert` field and a priority audit record the mirror posts to the security channel), then keeps the
 * witness up to date every minute and once more at shutdown. Resolves to the stop step.
 */
export async function watchAuditTail(
  services: Services,
  witness: AuditWitness,
  logger: Logger,
  everyMs = WITNESS_EVERY_MS,
): Promise<() => Promise<void>> {
  const log = logger.child({ job: 'audit-tail' });
  try {
    const first = await services.audit.checkTail(witness);
    log.info('audit tail witness checked', {
      witness: witness.where,
      ok: first.ok,
      headSeq: first.head.seq,
      seenSeq: first.seen?.seq ?? null,
    });
    report(log, first, witness);
  } catch (error) {
    // An unreadable or unwritable witness must not keep the app from serving; it must be seen, though.
    log.error('ALERT audit tail witness unavailable: the start-up tail check did not run', {
      alert: 'audit_witness_unavailable',
      error,
      witness: witness.where,
    });
  }
  let running: Promise<void> = Promise.resolve();
  const advance = () => {
    running = running
      .then(async () => report(log, await services.audit.advanceWitness(witness), witness))
      .catch((error: unknown) => log.warn('could not move the audit witness forward', { error, witness: witness.where }));
    return running;
  };
  const timer = setInterval(() => void advance(), everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await advance();
  };
}
