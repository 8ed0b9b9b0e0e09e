import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, BLOCK, INPUT } from '../../src/slack/ids.js';
import { ADMIN, APPROVALS_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { until } from '../support/wait.js';

const BOB = 'UBOB';
const text = (value: unknown) => JSON.stringify(value);

describe.each(dialects)('access given another way decides the open request, on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
  });
  afterEach(async () => t.stop());

  const admin = (command: string) => t.slack.sendSlashCommand({ userId: ADMIN, text: `admin ${command}` });
  const cardNow = () => t.slack.messagesIn(APPROVALS_CHANNEL)[0];
  const dmsTo = (user: string) => t.slack.messagesIn(t.slack.dmChannelOf(user) ?? 'none').map((m) => m.text ?? '');
  const outboxDrained = () => until(async () => (await t.app.store.notifications.backlog()).pending === 0, 'the outbox to drain');
  const auditOf = async (action: string) =>
    (await t.app.services.audit.search({ userId: BOB, limit: 50 })).filter((r) => r.action === action);

  async function requestAccess() {
    const ack = await t.slack.sendSlashCommand({ userId: BOB, text: 'request-access nightly export job' });
    await t.slack.waitFor(() => t.slack.responsesTo(ack.responseUrl).some((p) => text(p.body).includes('went to the admins')));
    const card = await t.slack.waitFor(() =>
      t.slack.messagesIn(APPROVALS_CHANNEL).find((m) => text(m.blocks).includes(ACTION.approveRequest)),
    );
    // What an admin's client still shows after the app has updated the card.
    const requestId = /req_[0-9A-Za-z]+/.exec(text(card.blocks))?.[0];
    if (requestId === undefined) throw new Error('the card names no request');
    return { ...card, requestId, channel: card.channel, ts: card.ts };
  }

  /** Presses on the card as an admin still saw it (buttons and all): each says it was decided, and nothing changes. */
  async function pressStaleCard(card: Awaited<ReturnType<typeof requestAccess>>) {
    const { requestId } = card;
    const press = (actionId: string) =>
      t.slack.sendBlockAction({
        userId: ADMIN,
        actionId,
        blockId: `request:${requestId}`,
        value: requestId,
        container: { type: 'message', channelId: card.channel, messageTs: card.ts },
      });
    const deny = await press(ACTION.denyRequest);
    await t.slack.waitFor(() => t.slack.responsesTo(deny.responseUrl ?? '').some((p) => text(p.body).includes('already approved')));
    expect(t.slack.openViewFor(ADMIN)).toBeUndefined();
    const approve = await press(ACTION.approveRequest);
    await t.slack.waitFor(() =>
      t.slack.responsesTo(approve.responseUrl ?? '').some((p) => text(p.body).includes('already approved by <@UADMIN>')),
    );
  }

  it('`admin grant` approves the open request: card updated, audited, one DM, admin requests empty, stale presses change nothing', async () => {
    const card = await requestAccess();
    const grant = await admin('grant <@UBOB|bob>');
    expect(text(grant.body)).toContain('now has API access');
    expect(text(grant.body)).toContain('open API access request is marked approved');

    await t.slack.waitFor(() => text(cardNow()?.blocks).includes('*Approved* by <@UADMIN>'));
    expect(text(cardNow()?.blocks)).not.toContain(ACTION.approveRequest);
    expect(text(cardNow()?.blocks)).toContain('granted directly');
    await t.slack.waitFor(() => dmsTo(BOB).some((m) => m.includes('approved your API access')));
    expect(text((await admin('requests')).body)).toContain('No open API access requests.');

    await pressStaleCard(card);
    await outboxDrained();
    expect(dmsTo(BOB)).toHaveLength(1);
    expect(dmsTo(BOB).some((m) => m.includes('denied'))).toBe(false);
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(true);
    expect(await auditOf('api_access.granted')).toHaveLength(1);
    const approved = await auditOf('api_access.approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]?.details).toMatchObject({ via: 'grant' });
    expect(await auditOf('api_access.denied')).toHaveLength(0);
  });

  it('making the requester a System Admin approves the open request the same way', async () => {
    const card = await requestAccess();
    expect(text((await admin('role assign <@UBOB|bob> System Admin')).body)).toContain('now holds *System Admin*');
    await t.slack.waitFor(() => text(cardNow()?.blocks).includes('*Approved* by <@UADMIN>'));
    expect(text(cardNow()?.blocks)).toContain('Made a System Admin');
    await t.slack.waitFor(() => dmsTo(BOB).some((m) => m.includes('approved your API access')));
    expect(text((await admin('requests')).body)).toContain('No open API access requests.');
    await pressStaleCard(card);
    await outboxDrained();
    expect(dmsTo(BOB)).toHaveLength(1);
    const approved = await auditOf('api_access.approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]?.details).toMatchObject({ via: 'system_admin' });
  });

  it('a deny modal left open while access is granted: submitting it decides nothing', async () => {
    const card = await requestAccess();
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.denyRequest, message: card });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    await admin('grant <@UBOB|bob>');
    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.denyReason]: 'no' } });
    await t.slack.waitFor(() => t.slack.viewErrors(modal.id)?.[BLOCK.denyReason]?.includes('already decided'));
    await outboxDrained();
    expect(dmsTo(BOB)).toHaveLength(1);
    expect(await auditOf('api_access.denied')).toHaveLength(0);
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(true);
  });

  it('a grant, an Approve press and a replayed grant at once decide the request once and DM once', async () => {
    const card = await requestAccess();
    await Promise.all([admin('grant <@UBOB|bob>'), t.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card })]);
    const grant = t.slack.deliveries.find((d) => d.kind === 'slash_commands' && d.payload.text === 'admin grant <@UBOB|bob>');
    if (grant === undefined) throw new Error('no grant command recorded');
    const replay = await t.slack.sendRaw({
      body: new URLSearchParams(Object.entries(grant.payload).map(([k, v]): [string, string] => [k, String(v)])).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(replay.status).toBe(200);
    await t.slack.waitFor(() => dmsTo(BOB).length > 0);
    await outboxDrained();
    expect(dmsTo(BOB)).toHaveLength(1);
    expect(await auditOf('api_access.approved')).toHaveLength(1);
    expect(text(cardNow()?.blocks)).not.toContain(ACTION.approveRequest);
  });
});
