/**
 * `npm run bench:backlog` — how long 1,000 audit records queued while the app was down take to reach
 * the security channel. The records are appended through the domain (hash chain and outbox rows, one
 * transaction each) into a real SQLite file with no mirror running; then the audit mirror starts, with
 * its production tuning, against the Slack emulator's `chat.postMessage` (which enforces Block Kit
 * limits). The emulator has no natural rate limits, so this script checks the pacing itself against
 * Slack's documented ~1 message per second per channel: no two posts closer than 900 ms, and no more
 * than 11 in any 10 s window. Exit code 1 if anything is refused, lost, or paced too fast.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createStore } from '../src/db/store.js';
import { appendAudit } from '../src/domain/audit.js';
import { createLogger } from '../src/logger.js';
import { SlackEmulator } from '../src/sandbox/emulator/index.js';
import { createAuditMirror } from '../src/scheduler/jobs/audit-mirror.js';
import { startWorkerLoop } from '../src/scheduler/worker-loop.js';
import { createSlackOutbound } from '../src/slack/outbound/index.js';
import { auditHashesInMessage } from '../src/slack/views/audit-message.js';

const RECORDS = 1000;
const TARGET_SECONDS = 60;
const AUDIT_CHANNEL = 'CBENCHAUDIT';
/** Slack's pace for chat.postMessage: about one per second per channel, short bursts tolerated. */
const MIN_GAP_MS = 900;
const WINDOW_MS = 10_000;
const MAX_IN_WINDOW = 11;
const GIVE_UP_MS = 180_000;

/** Typical records: keys created by a few people in a few roles, the longest everyday lines. */
async function queueBacklog(store: ReturnType<typeof createStore>): Promise<void> {
  for (let i = 0; i < RECORDS; i++) {
    const owner = `UBENCH${String(i % 7).padStart(4, '0')}`;
    await store.write((tx) =>
      appendAudit(
        tx,
        {
          actorId: owner,
          action: i % 3 === 0 ? 'key.created' : i % 3 === 1 ? 'key.expiry_extended' : 'key.deactivated',
          keyId: `ak_${String(i).padStart(20, '0')}`,
          keyName: `ci-deploy-${i}`,
          ownerId: owner,
          roleName: 'Account Group Read Only',
          expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          details: i % 3 === 1 ? { previousExpiresAt: new Date().toISOString() } : {},
        },
        new Date(),
      ),
    );
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'akb-backlog-'));
  const slack = await SlackEmulator.start();
  slack.addChannel({ id: AUDIT_CHANNEL, name: 'security-audit' });
  const connection = connect({ kind: 'sqlite', path: join(dir, 'backlog.sqlite') });
  try {
    await migrateToLatest(connection.db);
    const store = createStore(connection);
    await queueBacklog(store);

    const logger = createLogger({ level: 'error' });
    const outbound = createSlackOutbound({
      config: {
        slack: { botToken: slack.config.botToken, appToken: undefined, signingSecret: 'unused', apiUrl: slack.apiUrl, socketMode: false },
        auditChannelId: AUDIT_CHANNEL,
      },
      logger,
    });
    // Production tuning (DEFAULT_MIRROR_TUNING): what an operator gets after an outage.
    const mirror = createAuditMirror({ outbox: store.auditOutbox, channel: outbound.auditChannel, now: () => new Date(), logger });
    const started = performance.now();
    const loop = startWorkerLoop({ name: 'audit mirror (bench)', logger, tick: () => mirror.tick() });
    const posted = async () =>
      Number(
        (
          await connection.db
            .selectFrom('audit_outbox')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('state', '=', 'posted')
            .executeTakeFirstOrThrow()
        ).n,
      );
    let done = 0;
    while (done < RECORDS && performance.now() - started < GIVE_UP_MS) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      done = await posted();
    }
    const seconds = (performance.now() - started) / 1000;
    await loop.stop();

    const posts = slack.callsTo('chat.postMessage').filter((call) => call.args.channel === AUDIT_CHANNEL);
    const refused = posts.filter((call) => call.status !== 200 || (call.response as { ok?: boolean }).ok !== true);
    const rateLimited = posts.filter((call) => call.status === 429).length;
    const messages = slack.messagesIn(AUDIT_CHANNEL);
    const perMessage = messages.map((message) => auditHashesInMessage(message).length);
    const vouched = new Set(messages.flatMap((message) => auditHashesInMessage(message).map((pair) => pair.seq)));
    let minGapMs = Number.POSITIVE_INFINITY;
    let maxInWindow = 0;
    for (let i = 0; i < posts.length; i++) {
      const at = posts[i]?.at ?? 0;
      if (i > 0) minGapMs = Math.min(minGapMs, at - (posts[i - 1]?.at ?? 0));
      maxInWindow = Math.max(maxInWindow, posts.filter((call) => call.at >= at && call.at < at + WINDOW_MS).length);
    }

    console.log(
      `backlog: ${done} records in ${seconds.toFixed(1)} s (target ≤ ${TARGET_SECONDS} s), messages=${messages.length}, max records/message=${Math.max(0, ...perMessage)}, 429s=${rateLimited}, refused=${refused.length}, min gap=${Number.isFinite(minGapMs) ? minGapMs.toFixed(0) : '-'} ms, max in ${WINDOW_MS / 1000} s=${maxInWindow}`,
    );
    const problems = [
      done < RECORDS ? `only ${done} of ${RECORDS} posted` : '',
      vouched.size < RECORDS ? `only ${vouched.size} records carry their seq and hash in the channel` : '',
      refused.length > 0 ? `${refused.length} posts refused` : '',
      minGapMs < MIN_GAP_MS ? `two posts ${minGapMs.toFixed(0)} ms apart (Slack: ~1/s)` : '',
      maxInWindow > MAX_IN_WINDOW ? `${maxInWindow} posts within ${WINDOW_MS / 1000} s` : '',
      seconds > TARGET_SECONDS ? 'slower than the target' : '',
    ].filter((problem) => problem !== '');
    if (problems.length > 0) {
      console.error(`backlog: ${problems.join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await connection.db.destroy();
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
