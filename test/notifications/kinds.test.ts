import { describe, expect, it } from 'vitest';
import { type NotificationKind, notificationSchema } from '../../src/domain/notifications.js';
import { PREPARE, type Preparer } from '../../src/scheduler/notification-kinds.js';
import { RENDER, type Renderer } from '../../src/slack/outbound/notification-kinds.js';

const schemaKinds = notificationSchema.options.map((option) => option.shape.kind.value).sort();

describe('a notification kind is one entry on each side', () => {
  it('every kind the outbox stores has exactly one prepare entry and one render entry, and no entry names another kind', () => {
    expect(Object.keys(PREPARE).sort()).toEqual(schemaKinds);
    expect(Object.keys(RENDER).sort()).toEqual(schemaKinds);
  });

  it('a map missing a kind does not compile, on either side', () => {
    const { 'secret_file.delete': _prepare, ...preparersWithoutOne } = PREPARE;
    const { 'secret_file.delete': _render, ...renderersWithoutOne } = RENDER;
    // @ts-expect-error the scheduler's half must name every kind
    const preparers: { [K in NotificationKind]: Preparer<K> } = preparersWithoutOne;
    // @ts-expect-error the Slack half must name every kind
    const renderers: { [K in NotificationKind]: Renderer<K> } = renderersWithoutOne;
    expect(Object.keys(preparers)).not.toContain('secret_file.delete');
    expect(Object.keys(renderers)).not.toContain('secret_file.delete');
  });
});
