import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/domain/secrets.js';
import { ACTION, BLOCK, INPUT } from '../../src/slack/ids.js';
import { ADMIN, APPROVALS_CHANNEL, startTestApp, type TestApp } from '../support/app.js';
import { dialects } from '../support/db.js';

const BOB = 'UBOB';
const text = (value: unknown) => JSON.stringify(value);
/** Any piece of a secret long enough to matter (what the logger redacts, too). */
const SECRET_FRAGMENT = /aks_[0-9A-Za-z]{8,}/;

describe.each(dialects)('what people type, at the edge, on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
  });
  afterEach(async () => t.stop());

  const say = async (userId: string, command: string) => {
    const ack = await t.slack.sendSlashCommand({ userId, text: command });
    return t.slack.waitFor(() => (ack.body !== undefined ? ack.body : t.slack.responsesTo(ack.responseUrl)[0]?.body));
  };
  const faultsLogged = () => t.logs.filter((line) => line.includes('request failed'));

  it('a mention in a request reason stays a mention on the card and in `admin requests`; other tokens stay inert', async () => {
    const reason = 'need access, ask <@U0SANDADA|ada> or <!channel> <https://evil.example|here> <!subteam^S123|@team>';
    await say(BOB, `request-access ${reason}`);
    const card = await t.slack.waitFor(() => t.slack.messagesIn(APPROVALS_CHANNEL)[0]);
    const shown = text(card.blocks);
    expect(shown).toContain('ask <@U0SANDADA> or &lt;!channel&gt; &lt;https://evil.example|here&gt; &lt;!subteam^S123|@team&gt;');
    expect(shown).not.toContain('U0SANDADA|ada');
    const list = text(await say(ADMIN, 'admin requests'));
    expect(list).toContain('ask <@U0SANDADA> or &lt;!channel&gt;');
  });

  it('a secret in a request reason is refused with a clear answer, not stored, not a fault, and not repeated', async () => {
    const secret = generateSecret();
    const reply = text(await say(BOB, `request-access my current key ${secret} expired`));
    expect(reply).toContain('looks like it contains a secret key');
    expect(reply).not.toMatch(SECRET_FRAGMENT);
    expect(await t.app.store.read.accessRequests.findPending(BOB)).toBeUndefined();
    expect(t.slack.messagesIn(APPROVALS_CHANNEL)).toHaveLength(0);
    expect(faultsLogged()).toEqual([]);
  });

  it('a secret in a role name is refused with a clear answer and no role is made', async () => {
    const reply = text(await say(ADMIN, `admin role create ${generateSecret()}`));
    expect(reply).toContain("won't repeat it");
    expect(reply).not.toMatch(SECRET_FRAGMENT);
    expect((await t.app.services.roles.list(ADMIN)).map((r) => r.name).join()).not.toMatch(SECRET_FRAGMENT);
    expect(faultsLogged()).toEqual([]);
  });

  it('no command repeats a secret-shaped argument back, even to its sender', async () => {
    const created = await t.app.services.keys.create(ADMIN, { name: 'ci', expiry: { kind: 'never' } });
    if (!created.created) throw new Error('expected a new key');
    const secret = created.secret;
    for (const command of [
      `show ${secret}`,
      `show "${secret.slice(0, 40)}"`,
      `extend ${secret}`,
      `deactivate ${secret}`,
      `activate ${secret}`,
      `delete ${secret}`,
      `rotate ${secret}`,
      `compromised ${secret}`,
      `role ${secret}`,
      secret,
      `admin revoke ${secret}`,
      `admin role delete ${secret}`,
      `admin role assign <@UBOB|bob> ${secret}`,
      `admin role policy ${secret} max-days 30`,
      `admin audit ${secret}`,
      `admin ${secret}`,
    ]) {
      const reply = text(await say(ADMIN, command));
      expect(reply, command).not.toMatch(SECRET_FRAGMENT);
      expect(reply, command).not.toContain('Something went wrong');
    }
    expect((await t.app.services.keys.show(ADMIN, created.key.id)).key.status).toBe('active');
    expect(faultsLogged()).toEqual([]);
  });

  it('a secret in the Deny reason is refused inside the modal; the request stays open', async () => {
    await say(BOB, 'request-access please');
    const card = await t.slack.waitFor(() =>
      t.slack.messagesIn(APPROVALS_CHANNEL).find((m) => text(m.blocks).includes(ACTION.denyRequest)),
    );
    await t.slack.clickButton({ userId: ADMIN, actionId: ACTION.denyRequest, message: card });
    const modal = await t.slack.waitFor(() => t.slack.openViewFor(ADMIN));
    await t.slack.sendViewSubmission({ userId: ADMIN, viewId: modal.id, inputs: { [INPUT.denyReason]: `use ${generateSecret()}` } });
    const error = await t.slack.waitFor(() => t.slack.viewErrors(modal.id)?.[BLOCK.denyReason]);
    expect(error).toContain('looks like it contains a secret key');
    expect(error).not.toMatch(SECRET_FRAGMENT);
    expect(await t.app.store.read.accessRequests.findPending(BOB)).toMatchObject({ status: 'pending' });
    expect(faultsLogged()).toEqual([]);
  });

  it('a role name with nothing visible is refused', async () => {
    for (const blank of ['\u3164', '\u2800', '\u200B\u200D', '\u115F\u1160']) {
      expect(text(await say(ADMIN, `admin role create ${blank}`))).toContain('at least one visible character');
    }
    expect((await t.app.services.roles.list(ADMIN)).every((r) => /\p{L}/u.test(r.name))).toBe(true);
  });
});
