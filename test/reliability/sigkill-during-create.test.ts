import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../support/db.js';
import { makeServices } from '../support/domain.js';
import { STALL_MS } from '../support/wait.js';

/**
 * Reliability checklist G1: SIGKILL while keys are being created (and deleted), again and again. After
 * every kill, each key row has its key.created record and each key.created record's key is either there
 * or has its key.deleted record (both or neither), the chain walks clean, and every key whose create
 * returned (where a secret would have been shown) was committed.
 */
const workerPath = fileURLToPath(new URL('../support/churn-worker.ts', import.meta.url));
const KILLS = 12;

/**
 * Starts the worker, lets it churn for `runMs` after its first create returned, SIGKILLs it; the key IDs
 * it reported. Counting from the first create (not from "ready") makes every round kill a worker in the
 * middle of its work however slow a loaded machine makes it.
 */
function churnThenKill(config: string, userId: string, runMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', workerPath, config, userId], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 2 * STALL_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (timer === undefined && /^created /m.test(out)) timer = setTimeout(() => child.kill('SIGKILL'), runMs);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(giveUp);
      if (signal !== 'SIGKILL' || timer === undefined) reject(new Error(`worker ended on its own (${String(signal)}): ${err}`));
      else resolve([...out.matchAll(/^created (\S+)$/gm)].map((m) => m[1] ?? ''));
    });
  });
}

describe.each(dialects)('SIGKILL during creates on %s', (dialect) => {
  let db: TestDatabase | undefined;
  afterEach(async () => db?.cleanup());

  it(`after each of ${KILLS} kills, every key and its audit records are both there or both absent, and every create that returned was committed`, async () => {
    db = await createTestDatabase(dialect);
    const { services } = await makeServices(db.store, { admins: ['UADMIN'] });
    await services.access.grant('UADMIN', 'UCHURN');
    const reported: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      reported.push(...(await churnThenKill(JSON.stringify(db.config), 'UCHURN', 150 + Math.floor(Math.random() * 500))));
      // One snapshot for keys and audit: a killed client's last COMMIT may still land on PostgreSQL
      // after the process is gone, and two separate reads could straddle it.
      const { rows, records } = await db.connection.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => ({
          rows: (await trx.selectFrom('access_keys').select('id').where('owner_id', '=', 'UCHURN').execute()).map((r) => r.id),
          records: await trx.selectFrom('audit_log').select(['action', 'key_id']).execute(),
        }));
      const created = new Set(records.filter((r) => r.action === 'key.created').map((r) => r.key_id));
      const deleted = new Set(records.filter((r) => r.action === 'key.deleted').map((r) => r.key_id));
      for (const id of rows) expect(created.has(id) && !deleted.has(id), `key ${id} after kill ${kill}`).toBe(true);
      for (const id of created)
        expect(rows.includes(id ?? '') || deleted.has(id), `key.created ${String(id)} after kill ${kill}`).toBe(true);
      for (const id of reported) expect(created.has(id), `reported ${id}`).toBe(true);
      expect(await services.audit.verifyChain()).toMatchObject({ ok: true });
    }
    console.log(`${dialect}: ${KILLS} kills, ${reported.length} creates returned before them, all committed with their audit records`);
    expect(reported.length).toBeGreaterThanOrEqual(KILLS);
  }, 180_000);
});
