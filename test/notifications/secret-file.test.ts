import { afterEach, describe, expect, it } from 'vitest';
import { INPUT } from '../../src/slack/ids.js';
import { ADMIN, secretsIn, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { TestClock } from '../support/domain.js';
import { until } from '../support/wait.js';

const ALICE = 'UALICE';
const HOUR_MS = 60 * 60 * 1000;
const FAST = { idlePollMs: 20, spacingMs: 0, unavailableBackoffMs: [20], retryDelaysMs: [0], blockedRetryMs: 50, maxAttempts: 3 };

describe.each(dialects)('the secret CSV’s lifetime in Slack on %s', (dialect) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  async function createKey(app: TestApp, name: string) {
    await app.app.services.access.grant(ADMIN, ALICE);
    await app.slack.sendSlashCommand({ userId: ALICE, text: `create ${name}` });
    const view = await app.slack.waitFor(() => app.slack.openViewFor(ALICE));
    await app.slack.sendViewSubmission({ userId: ALICE, viewId: view.id, inputs: { [INPUT.name]: name } });
    const dm = await app.slack.waitFor(() => app.slack.dmChannelOf(ALICE));
    const file = await app.slack.waitFor(() => app.slack.filesIn(dm)[0]);
    return { dm, file };
  }
  const deletions = async (app: TestApp) =>
    (await app.app.services.audit.search({ userId: ALICE, limit: 20 })).filter((r) => r.action === 'secret_file.deleted');

  it('the DM says until when the CSV can be downloaded; after SECRET_FILE_TTL the file is deleted from Slack and the deletion audited', async () => {
    const clock = new TestClock(new Date());
    t = await startTestApp({ dialect, clock, env: { SECRET_FILE_TTL: '1h' }, notificationTuning: FAST });
    const app = t;
    const created = clock.now().getTime();
    const { dm, file } = await createKey(app, 'exporter');
    expect(secretsIn(file.content)).toHaveLength(1);
    const until1h = Math.floor((created + HOUR_MS) / 1000);
    expect(file.initialComment).toContain(`deleted from Slack <!date^${until1h}^`);

    // The deletion is queued once the upload returned its file id, right after the DM appeared.
    await until(
      async () => (await app.db.connection.db.selectFrom('notification_outbox').select('kind').execute()).length > 0,
      'the deletion to be queued',
    );
    clock.advance(HOUR_MS - 60_000);
    // Not yet due: the worker leaves it.
    expect(await app.db.connection.db.selectFrom('notification_outbox').select(['kind', 'state']).execute()).toEqual([
      { kind: 'secret_file.delete', state: 'pending' },
    ]);
    clock.advance(2 * 60_000);
    await app.slack.waitFor(() => app.slack.filesIn(dm).length === 0, { timeoutMs: 10_000, message: 'the CSV to be deleted' });
    const [record] = await until(async () => {
      const found = await deletions(app);
      return found.length > 0 && found;
    }, 'secret_file.deleted to be audited');
    expect(record).toMatchObject({ actorId: 'system', ownerId: ALICE, details: { fileId: file.id, alreadyGone: false } });
    expect(secretsIn(JSON.stringify(record))).toEqual([]);
    expect(app.slack.calls.filter((c) => c.method === 'files.delete')).toHaveLength(1);
  }, 30_000);

  it('a deletion that keeps failing is retried through the outbox and alerted, and goes through once Slack lets it', async () => {
    const clock = new TestClock(new Date());
    t = await startTestApp({ dialect, clock, notificationTuning: FAST });
    const app = t;
    const { dm, file } = await createKey(app, 'stubborn');
    app.slack.fault({ method: 'files.delete', kind: 'error', error: 'cant_delete_file', times: 3 });
    app.slack.fault({ method: 'files.delete', kind: 'http500', times: 2 });
    clock.advance(HOUR_MS + 60_000);
    await app.slack.waitFor(() => app.slack.filesIn(dm).length === 0, { timeoutMs: 15_000, message: 'the CSV to be deleted in the end' });
    await until(async () => (await deletions(app)).length === 1, 'the deletion to be audited');
    expect(app.slack.calls.filter((c) => c.method === 'files.delete')).toHaveLength(6);
    const alerts = app.logs.filter((line) => line.includes('"alert":"secret_file_delete_failing"'));
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    expect(alerts[0]).toContain(file.id);
    expect(app.logs.some((line) => secretsIn(line).length > 0)).toBe(false);
    // The deletion's own row, marked sent just after the audit record is written: waited for, not raced.
    const row = await until(async () => {
      const [found] = await app.db.connection.db
        .selectFrom('notification_outbox')
        .select(['state', 'attempts'])
        .where('kind', '=', 'secret_file.delete')
        .execute();
      return found?.state === 'sent' && found;
    }, 'the deletion to be marked sent');
    expect(Number(row?.attempts)).toBe(5);
  }, 30_000);
});
