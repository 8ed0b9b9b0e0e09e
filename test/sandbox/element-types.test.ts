import { describe, expect, it } from 'vitest';
import { checkBlocks } from '../../src/sandbox/emulator/block-kit.js';
import { buildStateValues, ELEMENT_TYPES } from '../../src/sandbox/emulator/elements.js';

const types = [...ELEMENT_TYPES.keys()];
const unsupported = (type: string) =>
  checkBlocks([{ type: 'actions', elements: [{ type, action_id: 'a' }] }], 'modal', '/blocks').filter((p) =>
    p.message.startsWith('unsupported element type'),
  );

describe('the emulator declares its Block Kit element types once', () => {
  it('the validator accepts every element type the emulator can operate, and refuses any other', () => {
    expect(types.filter((type) => unsupported(type).length > 0)).toEqual([]);
    expect(unsupported('calendar_picker')).toHaveLength(1);
  });

  it('state.values holds exactly the elements whose type keeps state, by the same list', () => {
    const blocks = types.map((type) => ({
      type: 'input',
      block_id: type,
      label: { type: 'plain_text', text: type },
      element: { type, action_id: type },
    }));
    const inState = types.filter((type) => ELEMENT_TYPES.get(type)?.inState === true);
    expect(Object.keys(buildStateValues(blocks)).sort()).toEqual(inState.sort());
    expect(inState).toContain('plain_text_input');
    expect(inState).not.toContain('button');
  });
});
