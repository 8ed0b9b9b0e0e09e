import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkerLoop } from '../../src/scheduler/worker-loop.js';
import { createSlackOutbound } from '../../src/slack/outbound/index.js';
import { AUDIT_CHANNEL, createRecordingLogger, postedSeqs, startMirrorLoop } from '../support/background.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';
import { SlackEmulator } from '../support/slack-emulator/index.js';
import { until } from '../support/wait.js';

/** The mirror's client gives up on a call after this long (5 s in the app). */
const CLIENT_TIMEOUT_MS = 300;

describe.each(dialects)('the audit mirror when Slack answers after the client gave up, on %s', (dialect) => {
  let db: TestDatabase;
  let slack: SlackEmulator;
  const loops: WorkerLoop[] = [];
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    slack = await SlackEmulator.start();
    slack.addChannel({ id: AUDIT_CHANNEL, name: 'security' });
  });
  afterEach(async () => {
    for (const loop of loops.splice(0)) await loop.stop();
    await slack.stop();
    await db.cleanup();
  });

  it('finds the record it already posted in the channel history and does not post it again', async () => {
    const logger = createRecordingLogger();
    const { services } = await makeServices(db.store, { admins: ['UADMIN'] });
    await services.access.grant('UADMIN', 'UALICE');
    const head = await db.store.read.audit.readHead();
    // Every post of the first ones is done at once but answered long after the client's timeout.
    slack.fault({ method: 'chat.postMessage', kind: 'slow_answer', ms: CLIENT_TIMEOUT_MS * 4, times: 2 });
    const outbound = createSlackOutbound({
      config: {
        slack: { botToken: slack.config.botToken, appToken: undefined, signingSecret: 'unused', apiUrl: slack.apiUrl, socketMode: false },
        auditChannelId: AUDIT_CHANNEL,
      },
      logger,
      clientOptions: { timeout: CLIENT_TIMEOUT_MS },
    });
    loops.push(startMirrorLoop({ store: db.store, outbound, logger }));

    await until(async () => (await db.store.read.audit.countPending()) === 0, 'every record marked posted');
    const seqs = postedSeqs(slack);
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: head.seq }, (_, i) => i + 1));
    expect(slack.callsTo('conversations.history').length).toBeGreaterThan(0);
  });
});
