import { describe, expect, it } from 'vitest';
import { BLOCK, INPUT } from '../../src/slack/ids.js';
import { parseCreateKeyState, parseNetworksState } from '../../src/slack/input/views.js';
import { createKeyModal, keyNetworksModal } from '../../src/slack/views/modals.js';

/** The least-privilege parts of the modals (docs/least-privilege.md), as pure functions: what is shown and what is read back. */

const NOW = new Date('2026-12-07T12:00:00Z');
const permissions = Array.from({ length: 23 }, (_, i) => `perm.p${String(i).padStart(2, '0')}`);

describe('the create modal with many permissions', () => {
  const view = createKeyModal({ roleName: 'Ops', used: 0, max: 2, privateMetadata: '{}', permissions });
  const groups = view.blocks.filter((b) => b.block_id?.startsWith(`${BLOCK.permissions}_`) === true);

  it('splits them into checkbox groups of at most 10 (Slack’s limit), every box ticked', () => {
    expect(groups.map((b) => b.block_id)).toEqual([`${BLOCK.permissions}_0`, `${BLOCK.permissions}_1`, `${BLOCK.permissions}_2`]);
    const text = JSON.stringify(groups);
    for (const p of permissions) expect(text).toContain(`"value":"${p}"`);
    for (const group of groups) {
      const element = (group as { element: { options: unknown[]; initial_options: unknown[] } }).element;
      expect(element.options.length).toBeLessThanOrEqual(10);
      expect(element.initial_options).toEqual(element.options);
    }
  });

  it('reads back the ticked boxes of every group, and nothing for a role without permissions', () => {
    const option = (value: string) => ({ text: { type: 'plain_text', text: value }, value });
    const state = {
      [BLOCK.name]: { [INPUT.name]: { value: 'k' } },
      [`${BLOCK.permissions}_0`]: { [`${INPUT.permissions}_0`]: { selected_options: [option('perm.p00')] } },
      [`${BLOCK.permissions}_2`]: { [`${INPUT.permissions}_2`]: { selected_options: [option('perm.p22')] } },
      [BLOCK.networks]: { [INPUT.networks]: { value: null } },
    };
    const parsed = parseCreateKeyState(state, NOW);
    expect(parsed).toEqual({
      ok: true,
      value: { name: 'k', expiry: { kind: 'never' }, permissions: ['perm.p00', 'perm.p22'], networks: [], reportOnly: false },
    });
    const none = createKeyModal({ roleName: 'Ops', used: 0, max: 2, privateMetadata: '{}', permissions: [] });
    expect(JSON.stringify(none.blocks)).toContain('This role has no permissions yet');
  });
});

describe('the networks modal', () => {
  it('shows the current ranges and switch, and reads every problem back under the field', () => {
    const view = keyNetworksModal({
      keyName: 'ci',
      keyId: 'ak_x',
      networks: ['10.0.0.0/8', '2001:db8::/32'],
      reportOnly: true,
      privateMetadata: '{}',
    });
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('"initial_value":"10.0.0.0/8\\n2001:db8::/32"');
    expect(text).toContain('"initial_options"');
    const state = (value: string) => ({ [BLOCK.networks]: { [INPUT.networks]: { value } } });
    expect(parseNetworksState(state('10.0.0.0/33, 1.2.3.4/24'))).toEqual({
      ok: false,
      errors: {
        [BLOCK.networks]: '`10.0.0.0/33`: the prefix must be 32 or less; `1.2.3.4/24`: host bits are set (did you mean `1.2.3.0/24`?)',
      },
    });
    expect(parseNetworksState(state('::ffff:192.0.2.0/120'))).toEqual({
      ok: true,
      value: { networks: ['192.0.2.0/24'], reportOnly: false },
    });
  });
});
