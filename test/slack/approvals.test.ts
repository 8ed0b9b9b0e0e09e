import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, INPUT } from '../../src/slack/ids.js';
import { ADMIN, APPROVALS_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { DAY_MS, TestClock } from '../support/domain.js';
import { until } from '../support/wait.js';

const BOB = 'UBOB';
const text = (value: unknown) => JSON.stringify(value);

describe('API access requests approved in Slack', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ clock: new TestClock(new Date()) });
  });
  afterEach(async () => t.stop());

  async function requestAccess(reason = 'nightly export job') {
    const ack = await t.slack.sendSlashCommand({ userId: BOB, text: `request-access ${reason}` });
    expect(ack.body).toBeUndefined();
    await t.slack.waitFor(() => t.slack.responsesTo(ack.responseUrl).some((p) => text(p.body).includes('went to the admins')));
    const card = await t.slack.waitFor(() =>
      t.slack.messagesIn(APPROVALS_CHANNEL).find((m) => text(m.blocks).includes(ACTION.approveRequest)),
    );
    return card;
  }

  const cardNow = () => t.slack.messagesIn(APPROVALS_CHANNEL)[0];
  const dmTo = (user: string) => t.slack.messagesIn(t.slack.dmChannelOf(user) ?? 'none');

  it('request → approve → create: the card shows who approved, and the requester is told and can create', async () => {
    const card = await requestAccess();
    expect(text(card.blocks)).toContain('nightly export job');
    expect(text(card.blocks)).toContain('Account Group Read Only');
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card });
    await t.slack.waitFor(() => text(cardNow()?.blocks).includes('*Approved* by <@UADMIN>'));
    expect(text(cardNow()?.blocks)).not.toContain(ACTION.approveRequest);
    await t.slack.waitFor(() => dmTo(BOB).some((m) => (m.text ?? '').includes('approved your API access')));
    const create = await t.slack.sendSlashCommand({ userId: BOB, text: 'create first-key' });
    expect(create.body).toBeUndefined();
    await t.slack.waitFor(() => t.slack.openViewFor(BOB));
  });

  it("deny opens a modal for a reason; the card and the requester's DM show it", async () => {
    const card = await requestAccess();
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.denyRequest, message: card });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    await t.slack.sendViewSubmission({
      userId: ADMIN,
      viewId: modal.id,
      inputs: { [INPUT.denyReason]: 'use the shared <!channel> service account' },
    });
    await t.slack.waitFor(() => text(cardNow()?.blocks).includes('*Denied* by <@UADMIN>'));
    expect(text(cardNow()?.blocks)).toContain('use the shared &lt;!channel&gt; service account');
    await t.slack.waitFor(() => dmTo(BOB).some((m) => (m.text ?? '').includes('denied your API access request')));
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(false);
  });

  it("a non-admin's click is refused ephemerally, changes nothing and is audited", async () => {
    const card = await requestAccess();
    const click = await t.slack.clickButton({ userId: 'UCAROL', actionId: ACTION.approveRequest, message: card });
    await t.slack.waitFor(() => t.slack.responsesTo(click.responseUrl ?? '').some((p) => text(p.body).includes('Only admins')));
    const deny = await t.slack.clickButton({ userId: 'UCAROL', actionId: ACTION.denyRequest, message: card });
    await t.slack.waitFor(() => t.slack.responsesTo(deny.responseUrl ?? '').some((p) => text(p.body).includes('Only admins')));
    expect(t.slack.openViewFor('UCAROL')).toBeUndefined();
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(false);
    expect(text(cardNow()?.blocks)).toContain(ACTION.approveRequest);
    const refusals = await until(async () => {
      const found = (await t.app.services.audit.search({ userId: 'UCAROL', limit: 10 })).filter(
        (r) => r.action === 'api_access.decision_refused',
      );
      return found.length >= 2 && found;
    }, 'both refusals to be audited');
    expect(refusals.map((r) => r.details.attempted).sort()).toEqual(['approve', 'deny']);
  });

  it('50 forged Approve presses by a non-admin: each gets its ephemeral refusal, and at most 2 audit records count all 50', async () => {
    const card = await requestAccess();
    const clicks = await Promise.all(
      Array.from({ length: 50 }, () => t.slack.clickButton({ userId: 'UCAROL', actionId: ACTION.approveRequest, message: card })),
    );
    await t.slack.waitFor(
      () => clicks.every((c) => t.slack.responsesTo(c.responseUrl ?? '').some((p) => text(p.body).includes('Only admins'))),
      { timeoutMs: 15_000, message: 'every press to be refused' },
    );
    // Stopping flushes the aggregated window (a running app writes it once the minute is over).
    await t.restart();
    const refusals = (await t.app.services.audit.search({ userId: 'UCAROL', limit: 100 })).filter(
      (r) => r.action === 'api_access.decision_refused',
    );
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(refusals.length).toBeLessThanOrEqual(2);
    expect(refusals.reduce((sum, r) => sum + Number(r.details.count), 0)).toBe(50);
    expect(refusals.every((r) => r.details.attempted === 'approve')).toBe(true);
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(false);
  }, 30_000);

  it('a double click (or a replayed request) decides once and DMs the requester once', async () => {
    const card = await requestAccess();
    await Promise.all([
      t.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card }),
      t.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card }),
    ]);
    const approve = t.slack.deliveries.find((d) => d.payload.type === 'block_actions');
    if (approve === undefined) throw new Error('no click recorded');
    await t.slack.sendRaw({
      body: `payload=${encodeURIComponent(JSON.stringify(approve.payload))}`,
      contentType: 'application/x-www-form-urlencoded',
    });
    await t.slack.waitFor(() => dmTo(BOB).length > 0);
    await t.slack.waitFor(() => t.slack.responseUrlPosts.filter((p) => text(p.body).includes('already approved')).length >= 2);
    expect(dmTo(BOB).filter((m) => (m.text ?? '').includes('approved your API access'))).toHaveLength(1);
    const approvals = (await t.app.services.audit.search({ userId: BOB, limit: 20 })).filter((r) => r.action === 'api_access.approved');
    expect(approvals).toHaveLength(1);
  });

  it('a user with a pending request is told so instead of filing another', async () => {
    await requestAccess();
    const again = await t.slack.sendSlashCommand({ userId: BOB, text: 'request-access please' });
    expect(text(again.body)).toContain('You already asked for API access');
    expect(t.slack.messagesIn(APPROVALS_CHANNEL)).toHaveLength(1);
  });

  it('a request past ACCESS_REQUEST_TTL_DAYS expires: approving it decides nothing and the card says so', async () => {
    const card = await requestAccess();
    t.clock.advance(8 * DAY_MS);
    const click = await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.approveRequest, message: card });
    await t.slack.waitFor(() => text(cardNow()?.blocks).includes('*Expired*'));
    await t.slack.waitFor(() => t.slack.responsesTo(click.responseUrl ?? '').some((p) => text(p.body).includes('had expired')));
    expect((await t.app.services.users.context(BOB)).hasApiAccess).toBe(false);
    const again = await t.slack.sendSlashCommand({ userId: BOB, text: 'request-access second try' });
    await t.slack.waitFor(() => t.slack.responsesTo(again.responseUrl).some((p) => text(p.body).includes('went to the admins')));
  });

  it('a request whose card could not be posted is posted again when the user asks again', async () => {
    t.slack.fault({ method: 'chat.postMessage', kind: 'error', error: 'channel_not_found', times: 1 });
    const first = await t.slack.sendSlashCommand({ userId: BOB, text: 'request-access please' });
    await t.slack.waitFor(() => t.slack.responsesTo(first.responseUrl).some((p) => text(p.body).includes("couldn't post it")));
    expect(t.slack.messagesIn(APPROVALS_CHANNEL)).toHaveLength(0);
    const again = await t.slack.sendSlashCommand({ userId: BOB, text: 'request-access please' });
    await t.slack.waitFor(() => t.slack.responsesTo(again.responseUrl).some((p) => text(p.body).includes('went to the admins')));
    const cards = t.slack.messagesIn(APPROVALS_CHANNEL);
    expect(cards).toHaveLength(1);
    expect((await t.app.services.audit.search({ userId: BOB, limit: 10 })).filter((r) => r.action === 'api_access.requested')).toHaveLength(
      1,
    );
  });

  it('the Request API access button on a refusal files a request', async () => {
    await t.slack.sendSlashCommand({ userId: BOB, text: 'create x' });
    await t.slack.clickButton({ userId: BOB, actionId: ACTION.requestAccess });
    await t.slack.waitFor(() => t.slack.messagesIn(APPROVALS_CHANNEL).length === 1);
    expect(JSON.stringify(t.slack.messagesIn(APPROVALS_CHANNEL))).toContain(BOB);
    expect(await t.app.store.read.accessRequests.findPending(BOB)).toMatchObject({ userId: BOB, status: 'pending' });
  });
});

describe('access requests left undecided', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.stop());

  it('expire after ACCESS_REQUEST_TTL_DAYS on the scheduled run: the card says so and the requester is told', async () => {
    const clock = new TestClock(new Date());
    t = await startTestApp({ background: true, clock, env: { EXPIRY_CHECK_CRON: '* * * * * *', ACCESS_REQUEST_TTL_DAYS: '2' } });
    const app = t;
    await app.slack.sendSlashCommand({ userId: BOB, text: 'request-access for the exporter' });
    await app.slack.waitFor(() => app.slack.messagesIn(APPROVALS_CHANNEL).find((m) => text(m.blocks).includes(ACTION.approveRequest)));
    clock.advance(2 * DAY_MS + 1000);
    await app.slack.waitFor(() => text(app.slack.messagesIn(APPROVALS_CHANNEL)[0]?.blocks).includes('*Expired*'), {
      timeoutMs: 10_000,
      message: 'the card to show expiry',
    });
    expect(text(app.slack.messagesIn(APPROVALS_CHANNEL)[0]?.blocks)).not.toContain(ACTION.approveRequest);
    const dm = await app.slack.waitFor(() => app.slack.dmChannelOf(BOB));
    await app.slack.waitFor(() => app.slack.messagesIn(dm).some((m) => (m.text ?? '').includes('expired without a decision')));
    const expiries = (await app.app.services.audit.search({ userId: BOB, limit: 10 })).filter(
      (r) => r.action === 'api_access.request_expired',
    );
    expect(expiries).toHaveLength(1);
  }, 30_000);
});
