import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { ADMIN, APPROVALS_CHANNEL, AUDIT_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { until } from '../support/wait.js';

const text = (value: unknown) => JSON.stringify(value);
const NEW_APPROVALS = 'C0NEWAPPROVE';
const NEW_AUDIT = 'C0NEWAUDIT';

describe.each(dialects)('/accesskey admin settings on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect, background: true });
    t.slack.addChannel({ id: NEW_APPROVALS, name: 'eu-key-approvals' });
    t.slack.addChannel({ id: NEW_AUDIT, name: 'eu-security' });
  });
  afterEach(async () => t.stop());

  const admin = (command: string, userId = ADMIN) => t.slack.sendSlashCommand({ userId, text: `admin ${command}` });
  /** The reply: in the ack, or by response_url once the command acknowledged first. */
  const replyTo = async (command: string, userId = ADMIN) => {
    const ack = await admin(command, userId);
    if (ack.body !== undefined) return text(ack.body);
    return text((await t.slack.waitFor(() => t.slack.responsesTo(ack.responseUrl)[0])).body);
  };

  it('shows the env defaults, and a channel set by an admin wins over them for cards and audit posts', async () => {
    expect(await replyTo('settings')).toContain(`<#${APPROVALS_CHANNEL}> (the default from the environment)`);
    expect(await replyTo(`settings approvals <#${NEW_APPROVALS}|eu-key-approvals>`)).toContain(`API-access requests: <#${NEW_APPROVALS}>`);
    expect(await replyTo(`settings audit ${NEW_AUDIT}`)).toContain(`Audit posts: <#${NEW_AUDIT}>`);
    expect(t.slack.messagesIn(NEW_APPROVALS)[0]?.text).toContain('will be posted in this channel');

    await t.slack.sendSlashCommand({ userId: 'UBOB', text: 'request-access nightly export' });
    await t.slack.waitFor(() => t.slack.messagesIn(NEW_APPROVALS).find((m) => text(m.blocks).includes(ACTION.approveRequest)));
    expect(t.slack.messagesIn(APPROVALS_CHANNEL).filter((m) => text(m.blocks).includes(ACTION.approveRequest))).toEqual([]);
    // The audit mirror posts the change itself (and what follows) to the new channel.
    await until(
      async () => t.slack.messagesIn(NEW_AUDIT).some((m) => text(m.blocks).includes('settings.changed')),
      'audit posts reach the new channel',
    );

    expect(await replyTo('settings approvals default')).toContain(`<#${APPROVALS_CHANNEL}> (the default from the environment)`);
    const audit = await t.app.services.audit.search({ userId: ADMIN, limit: 20 });
    expect(audit.filter((r) => r.action === 'settings.changed').map((r) => r.details)).toEqual([
      { setting: 'approvals_channel', channelId: null },
      { setting: 'audit_channel', channelId: NEW_AUDIT },
      { setting: 'approvals_channel', channelId: NEW_APPROVALS },
    ]);
  });

  it('is for admins only, and a channel the bot cannot post in is refused before anything changes', async () => {
    expect(await replyTo(`settings audit ${NEW_AUDIT}`, 'UALICE')).toContain('Only admins');
    t.slack.addChannel({ id: 'C0LOCKED', name: 'locked', botIsMember: false });
    expect(await replyTo('settings audit <#C0LOCKED>')).toContain("I can't post in channel C0LOCKED (not_in_channel)");
    expect(await t.app.services.settings.channelOverrides()).toEqual({});
    expect(await replyTo('settings audit somewhere')).toContain('Name the channel with #channel');
    expect(t.slack.messagesIn(AUDIT_CHANNEL).some((m) => text(m).includes('C0LOCKED'))).toBe(false);
  });
});
