import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const schemaPath = new URL('./fixtures/slack/manifest.schema.1.0.0.json', import.meta.url);
const manifest = parse(readFileSync(new URL('../manifest.yml', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('manifest.yml', () => {
  it("is valid against Slack's official app manifest schema (version 1)", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check would catch a broken manifest', () => {
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
    expect(validate({ ...manifest, display_information: { name: '' } })).toBe(false);
    expect(validate({ ...manifest, features: { slash_commands: [{ command: 'accesskey', description: 'x' }] } })).toBe(false);
  });

  it('declares /accesskey with escaped mentions, the scopes the app calls, App Home and interactivity', () => {
    const features = manifest.features as { slash_commands: Array<Record<string, unknown>>; app_home: Record<string, unknown> };
    expect(features.slash_commands).toEqual([
      expect.objectContaining({ command: '/accesskey', should_escape: true, usage_hint: expect.any(String) }),
    ]);
    expect(features.app_home.home_tab_enabled).toBe(true);
    const scopes = (manifest.oauth_config as { scopes: { bot: string[] } }).scopes.bot;
    expect(scopes.sort()).toEqual([
      'channels:history',
      'chat:write',
      'commands',
      'files:write',
      'groups:history',
      'im:history',
      'im:write',
      'mpim:history',
      'users:read',
    ]);
    const settings = manifest.settings as {
      interactivity: { is_enabled: boolean };
      event_subscriptions: { bot_events: string[] };
      socket_mode_enabled: boolean;
    };
    expect(settings.interactivity.is_enabled).toBe(true);
    expect(settings.event_subscriptions.bot_events).toContain('app_home_opened');
    // The leak watch (docs/leak-response.md): messages and edits in every kind of conversation.
    for (const event of ['message.channels', 'message.groups', 'message.im', 'message.mpim'])
      expect(settings.event_subscriptions.bot_events).toContain(event);
    expect(settings.socket_mode_enabled).toBe(true);
  });

  it('is org-ready: org-wide installs, the uninstall events, and the three workflow steps run by this app', () => {
    const settings = manifest.settings as {
      org_deploy_enabled: boolean;
      function_runtime: string;
      event_subscriptions: { bot_events: string[] };
    };
    expect(settings.org_deploy_enabled).toBe(true);
    expect(settings.function_runtime).toBe('remote');
    expect(settings.event_subscriptions.bot_events).toEqual(expect.arrayContaining(['app_uninstalled', 'tokens_revoked']));
    expect(Object.keys(manifest.functions as object).sort()).toEqual(['deactivate_user_keys', 'key_status', 'request_api_access']);
  });
});
