import type { Logger } from '../logger.js';

/**
 * The one error path of scheduled work: a job that throws is logged with its name and left to its next
 * run, and the jobs after it still run. Resolves with the job's result, or undefined when it failed.
 */
export async function runJob<T>(
  logger: Logger,
  job: string,
  fn: (log: Logger) => Promise<T>,
  context: Record<string, unknown> = {},
): Promise<T | undefined> {
  const log = logger.child({ job });
  try {
    return await fn(log);
  } catch (error) {
    log.error(`${job} failed; the next run retries`, { error, ...context });
    return undefined;
  }
}
