import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import type { Delivery } from '../../src/sandbox/emulator/inbound.js';
import { ADMIN, startTestApp, type TestApp } from '../support/app.js';
import { type DialectName, dialects } from '../support/db.js';

const ALICE = 'UALICE';
const REFERENCE = /err_[0-9a-f]{12}/;

let t: TestApp;
const repairs: string[] = [];
afterEach(async () => {
  for (const repair of repairs.splice(0).reverse()) await sql.raw(repair).execute(t.db.connection.db);
  await t.stop();
});

async function start(dialect: DialectName): Promise<string> {
  t = await startTestApp({ dialect });
  await t.app.services.access.grant(ADMIN, ALICE);
  return (await t.app.services.keys.create(ALICE, { name: 'fragile', expiry: { kind: 'never' } })).key.id;
}

const answersTo = (responseUrl: string | undefined) => t.slack.responsesTo(responseUrl ?? '').map((p) => JSON.stringify(p.body));

/**
 * A database fault where an expected "not found" is caught must reach the one error path: the user is
 * told to try again (with a reference), never "already handled" or a message that looks like the key is gone.
 */
describe.each(dialects)('a database fault is not an answer, on %s', (dialect) => {
  it('a replayed click whose key cannot be read is answered "try again", not "already handled"', async () => {
    const keyId = await start(dialect);
    await t.slack.sendSlashCommand({ userId: ALICE, text: 'list' });
    const click = await t.slack.clickButton({ userId: ALICE, actionId: ACTION.deactivateKey, value: keyId });
    await t.slack.waitFor(() => answersTo(click.responseUrl).length >= 1, { message: 'the first answer' });
    const press = [...t.slack.deliveries].reverse().find((d: Delivery) => d.payload.type === 'block_actions');
    if (press === undefined) throw new Error('no click delivered');

    await sql`alter table access_keys rename to access_keys_broken`.execute(t.db.connection.db);
    repairs.push('alter table access_keys_broken rename to access_keys');
    const reply = await t.slack.sendRaw({
      body: `payload=${encodeURIComponent(JSON.stringify(press.payload))}`,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(reply.status).toBe(200);

    const answer = await t.slack.waitFor(
      () =>
        answersTo(click.responseUrl)
          .slice(1)
          .find((a) => REFERENCE.test(a)),
      {
        message: 'the answer to the replay',
      },
    );
    expect(answer).toContain('try again');
    expect(answersTo(click.responseUrl).join('\n')).not.toContain('already handled');
  });
});

// Only PostgreSQL can rename a table from a trigger; defined only when it is among TEST_DIALECTS, so nothing is skipped.
if (dialects.includes('postgres'))
  describe('a database fault after a change is not an answer, on postgres', () => {
    it('when the key cannot be read back after a change, the user is told "try again", not shown a bare notice', async () => {
      const keyId = await start('postgres');
      await t.slack.sendSlashCommand({ userId: ALICE, text: 'show fragile' });
      // The change commits; in the same transaction the memberships table disappears, so the redraw
      // that reads the key back (and the user's roles) fails at the database.
      await sql
        .raw(
          `create function break_memberships() returns trigger language plpgsql as $$
           begin alter table user_roles rename to user_roles_broken; return new; end $$;
           create trigger break_memberships after update on access_keys for each row execute function break_memberships();`,
        )
        .execute(t.db.connection.db);
      repairs.push('drop function break_memberships() cascade', 'alter table user_roles_broken rename to user_roles');
      const click = await t.slack.clickButton({ userId: ALICE, actionId: ACTION.deactivateKey, value: keyId });

      const answer = await t.slack.waitFor(() => answersTo(click.responseUrl).find((a) => REFERENCE.test(a)), {
        message: 'the error answer',
      });
      expect(answer).toContain('try again');
      expect(answersTo(click.responseUrl).join('\n')).not.toContain('is now inactive');
      const [status] = (await sql<{ status: string }>`select status from access_keys where id = ${keyId}`.execute(t.db.connection.db)).rows;
      expect(status?.status).toBe('inactive');
    });
  });
