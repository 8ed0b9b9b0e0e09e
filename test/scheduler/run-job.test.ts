import { describe, expect, it } from 'vitest';
import { runJob } from '../../src/scheduler/run-job.js';
import { createRecordingLogger } from '../support/background.js';

describe('runJob: the one error path of scheduled work', () => {
  it('a job that throws is logged once with its name and context, and resolves undefined so the next job runs', async () => {
    const logger = createRecordingLogger();
    const ran: string[] = [];
    const first = await runJob(
      logger,
      'stale-keys',
      async () => {
        ran.push('stale-keys');
        throw new Error('database went away');
      },
      { trigger: 'cron' },
    );
    const second = await runJob(logger, 'outbox-prune', async () => {
      ran.push('outbox-prune');
      return 3;
    });
    expect(first).toBeUndefined();
    expect(second).toBe(3);
    expect(ran).toEqual(['stale-keys', 'outbox-prune']);
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ job: 'stale-keys', trigger: 'cron', msg: 'stale-keys failed; the next run retries' });
    expect(JSON.stringify(errors[0])).toContain('database went away');
  });

  it('the job gets a logger named after it', async () => {
    const logger = createRecordingLogger();
    await runJob(logger, 'approval-reminders', async (log) => log.info('approval reminders queued', { count: 2 }));
    expect(logger.entries).toEqual([expect.objectContaining({ job: 'approval-reminders', msg: 'approval reminders queued', count: 2 })]);
  });
});
