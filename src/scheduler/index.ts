import cron, { type Logger as CronLogger } from 'node-cron';
import type { AuditChannel } from '../domain/audit-outbox.js';
import type { WarningDm } from '../domain/expiry-ports.js';
import type { Logger } from '../logger.js';
import { createAuditMirror, type AuditMirrorTuning } from './jobs/audit-mirror.js';
import { runExpireAccessRequests } from './jobs/expire-access-requests.js';
import { runExpiryCheck, type ExpiryCheckResult } from './jobs/expiry-check.js';
import { createWarningSender, type WarningSenderTuning } from './jobs/expiry-warning-sender.js';
import { runUndeliveredSweep } from './jobs/undelivered-sweep.js';
import type { JobContext } from './job-context.js';
import { runJob } from './run-job.js';
import { startWorkerLoop, type WorkerLoop } from './worker-loop.js';
import type { NotificationChannel } from '../domain/notifications.js';
import { createNotificationSender, type NotificationSenderTuning } from './jobs/notification-sender.js';
import { runOutboxPrune } from './jobs/outbox-prune.js';
import { runStaleKeyCheck } from './jobs/stale-keys.js';
import type { UserDirectory } from '../domain/owner-reconcile-ports.js';
import { runOwnerReconcile } from './jobs/owner-reconcile.js';
import { createStreamDelivery, type StreamWorkerTuning } from './jobs/stream-delivery.js';

/**
 * `services` and `ports` (src/scheduler/job-context.ts): the jobs call the services for use cases and
 * audited steps, and drive the queues and markers through the domain's ports. `ports.now` is the app's
 * one clock, for every expiry decision (and the warning queue, whose rows it dates).
 */
export interface SchedulerOptions extends JobContext {
  /**
   * Real elapsed time, for the audit mirror's pacing, leases and Retry-After holds: these are about
   * Slack's clock and the process's, not about key expiry. Defaults to the system clock.
   */
  wallClock?: () => Date;
  logger: Logger;
  expiryCheckCron: string;
  expiryWarningDays: readonly number[];
  auditChannel: AuditChannel;
  warningDm: WarningDm;
  /** Expires API-access requests on the same schedule as the expiry check (off unless set; tests leave it off). */
  expireAccessRequests?: boolean;
  /** Removes keys whose secret never reached their owner, every `undeliveredSweepMs` (off unless set). */
  sweepUndelivered?: boolean;
  /** How often the undelivered sweep runs; default 30 s, so a stranded key goes within about 2.5 minutes. */
  undeliveredSweepMs?: number;
  /** Stale keys, approval reminders and outbox pruning, run with the expiry check (optional in tests). */
  periodic?: PeriodicNotificationChecks;
  /** Run the expiry check once right away (catches up after downtime without waiting for the first tick). */
  checkOnStart?: boolean;
  tuning?: { mirror?: Partial<AuditMirrorTuning>; sender?: Partial<WarningSenderTuning> };
  /** The daily owner reconcile (docs/offboarding.md) on OWNER_RECONCILE_CRON; off unless set. */
  ownerReconcile?: { cron: string; directory: UserDirectory };
}

export interface PeriodicNotificationChecks {
  staleKeyAfterMs: number;
  staleKeyAutoInactiveAfterMs?: number;
  accessRequestRemindAfterMs: number;
  outboxRetentionMs: number;
  /** Wakes the notification worker when a run queued something. */
  wake?: () => void;
}

/** The notification outbox's worker: runs in every process (also with background work off), like a listener's own Slack calls did. */
export function startNotificationWorker(
  options: JobContext & {
    logger: Logger;
    channel: NotificationChannel;
    staleKeyAutoInactiveAfterMs?: number;
    tuning?: Partial<NotificationSenderTuning>;
  },
): WorkerLoop {
  const logger = options.logger.child({ component: 'scheduler', job: 'notifications' });
  const sender = createNotificationSender({
    services: options.services,
    ports: options.ports,
    channel: options.channel,
    logger,
    staleKeyAutoInactiveAfterMs: options.staleKeyAutoInactiveAfterMs,
    tuning: options.tuning,
  });
  return startWorkerLoop({ name: 'notification sender', logger, tick: (signal) => sender.tick(signal) });
}

/**
 * The event streams' worker (docs/streams.md): leases streams behind the chain head and delivers each on
 * its own. `now` is the wall clock (back-off, leases, signature timestamps).
 */
export function startStreamWorker(
  options: JobContext & { logger: Logger; now?: () => Date; tuning?: Partial<StreamWorkerTuning> },
): WorkerLoop {
  const logger = options.logger.child({ component: 'scheduler', job: 'event-streams' });
  let loop: WorkerLoop | undefined;
  const worker = createStreamDelivery({ ...options, logger, now: options.now ?? (() => new Date()), wake: () => loop?.wake() });
  loop = startWorkerLoop({ name: 'event streams', logger, tick: () => worker.tick() });
  return {
    wake: () => loop?.wake(),
    async stop() {
      await loop?.stop();
      await worker.drain();
    },
  };
}

/** Stale keys, approval reminders and pruning; each failure is logged and left to the next run. */
async function runPeriodicChecks(context: JobContext, logger: Logger, checks: PeriodicNotificationChecks): Promise<void> {
  let queued = 0;
  await runJob(logger, 'stale-keys', async (log) => {
    const result = await runStaleKeyCheck({
      ...context,
      logger: log,
      staleAfterMs: checks.staleKeyAfterMs,
      autoInactiveAfterMs: checks.staleKeyAutoInactiveAfterMs,
    });
    queued += result.noticed + result.inactivated;
  });
  await runJob(logger, 'rotation-grace', async (log) => {
    // Rotated-out keys still in use as their grace ends are kept 24 h more and their owners asked.
    const asked = await context.services.keys.checkRotationGrace();
    if (asked > 0) log.info('rotation grace kept for keys still in use', { count: asked });
    queued += asked;
  });
  await runJob(logger, 'approval-reminders', async (log) => {
    const at = context.ports.now();
    const reminded = await context.ports.queueReminders(new Date(at.getTime() - checks.accessRequestRemindAfterMs), at, 100);
    if (reminded > 0) log.info('approval reminders queued', { count: reminded });
    queued += reminded;
  });
  await runJob(logger, 'access-reviews', async (log) => {
    const result = await context.services.reviews.runDue();
    if (result.reminded + result.closed > 0) log.info('access reviews: reminders and deadlines', result);
  });
  if (queued > 0) checks.wake?.();
  await runJob(logger, 'outbox-prune', (log) =>
    runOutboxPrune({ ports: context.ports, logger: log, retentionMs: checks.outboxRetentionMs }),
  );
}

export interface Scheduler {
  /** Runs the expiry check now unless one is running in this process (then resolves to undefined). */
  runExpiryCheck(): Promise<ExpiryCheckResult | undefined>;
  /** Stops cron and both workers, waiting for work in progress to finish. */
  stop(): Promise<void>;
}

function cronLogger(logger: Logger): CronLogger {
  const text = (message: string | Error) => (message instanceof Error ? message.message : message);
  return {
    info: (message) => logger.info(message),
    warn: (message) => logger.warn(message),
    error: (message, error) => logger.error(text(message), { error: error ?? (message instanceof Error ? message : undefined) }),
    debug: (message) => logger.debug(text(message)),
  };
}

/**
 * Background work: the expiry check on EXPIRY_CHECK_CRON, the expiry-warning DM sender and the
 * audit mirror as paced loops. Exactly-once across replicas comes from the database (markers, leases,
 * SKIP LOCKED claims), not from cron; cron only decides when this process looks.
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const logger = options.logger.child({ component: 'scheduler' });
  const { services, ports } = options;

  const wallClock = options.wallClock ?? (() => new Date());
  const mirror = createAuditMirror({
    outbox: ports.auditOutbox,
    channel: options.auditChannel,
    now: wallClock,
    logger: logger.child({ job: 'audit-mirror' }),
    tuning: options.tuning?.mirror,
  });
  const mirrorLoop = startWorkerLoop({ name: 'audit mirror', logger, tick: () => mirror.tick() });

  const sender = createWarningSender({
    ports,
    dm: options.warningDm,
    warningDays: options.expiryWarningDays,
    logger: logger.child({ job: 'expiry-warnings' }),
    tuning: options.tuning?.sender,
  });
  const senderLoop = startWorkerLoop({ name: 'expiry warning sender', logger, tick: (signal) => sender.tick(signal) });

  // Not on the expiry cron (15 minutes by default): a stranded key holds a slot, so it goes within minutes.
  const sweepLoop = !options.sweepUndelivered
    ? undefined
    : startWorkerLoop({
        name: 'undelivered sweep',
        logger,
        tick: async () => {
          await runUndeliveredSweep({ services, logger: logger.child({ job: 'undelivered-sweep' }) });
          return options.undeliveredSweepMs ?? 30_000;
        },
      });

  let running: Promise<ExpiryCheckResult | undefined> | undefined;
  const checkLogger = logger.child({ job: 'expiry-check' });
  const runCheck = (trigger: string): Promise<ExpiryCheckResult | undefined> => {
    // node-cron's noOverlap covers cron ticks; this covers the start-up run and manual runs as well.
    if (running !== undefined) {
      checkLogger.warn('expiry check skipped: the previous run in this process is still going', { trigger });
      return Promise.resolve(undefined);
    }
    const run = (async () => {
      try {
        // The markers make a failed run's successor pick up where it stopped.
        const result = await runJob(
          logger,
          'expiry-check',
          (log) => runExpiryCheck({ services, ports, warningDays: options.expiryWarningDays, logger: log }),
          { trigger },
        );
        if (result === undefined) return undefined;
        if (result.queued > 0) senderLoop.wake();
        const { periodic } = options;
        if (options.expireAccessRequests === true) {
          await runJob(logger, 'access-request-expiry', (log) => runExpireAccessRequests({ services, logger: log }));
        }
        if (periodic !== undefined) await runPeriodicChecks({ services, ports }, logger, periodic);
        return result;
      } finally {
        running = undefined;
      }
    })();
    running = run;
    return run;
  };

  const task = cron.schedule(options.expiryCheckCron, () => runCheck('cron'), {
    name: 'expiry-check',
    noOverlap: true,
    logger: cronLogger(checkLogger),
  });
  task.on('execution:overlap', (context) => {
    checkLogger.warn('execution:overlap — expiry check tick skipped because the previous run is still going', {
      scheduledFor: context.date.toISOString(),
    });
  });
  if (options.checkOnStart !== false) void runCheck('start');

  const reconcile = options.ownerReconcile;
  let reconciling: Promise<unknown> | undefined;
  const reconcileTask =
    reconcile === undefined
      ? undefined
      : cron.schedule(
          reconcile.cron,
          // The scheduled instant names the run, the same on every replica: one of them claims it.
          (context) => {
            reconciling = runJob(logger, 'owner-reconcile', (log) =>
              runOwnerReconcile({ services, ports, logger: log, directory: reconcile.directory, runId: context.date.toISOString() }),
            );
            return reconciling;
          },
          { name: 'owner-reconcile', noOverlap: true, logger: cronLogger(logger.child({ job: 'owner-reconcile' })) },
        );

  return {
    runExpiryCheck: () => runCheck('manual'),
    async stop() {
      await task.stop();
      await task.destroy();
      await reconcileTask?.stop();
      await reconcileTask?.destroy();
      // A run stopped halfway is resumed from its cursor by the next claim once its lease runs out.
      await reconciling;
      await running;
      await Promise.all([mirrorLoop.stop(), senderLoop.stop(), sweepLoop?.stop()]);
    },
  };
}
