import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_QUERY_DEPTH,
  MAX_QUERY_LENGTH,
  MAX_QUERY_TERMS,
  PermissionQueryError,
  effectivePermissions,
  evaluatePermissionQuery,
  parsePermissionList,
  parsePermissionQuery,
  permissionProblem,
} from '../../src/domain/permissions.js';

/** Where parsing fails, or undefined when it parses. */
function failureAt(query: string): { position: number; message: string } | undefined {
  try {
    parsePermissionQuery(query);
    return undefined;
  } catch (error) {
    if (!(error instanceof PermissionQueryError)) throw error;
    return { position: error.position, message: error.message };
  }
}

const held = (...names: string[]) => new Set(names);
const holds = (query: string, ...names: string[]) => evaluatePermissionQuery(parsePermissionQuery(query), held(...names));

describe('permission strings', () => {
  it('accepts dotted lower-case words and refuses anything else, with the reason', () => {
    for (const ok of ['alerts.read', 'policies.write', 'compliance.reports.export', 'a', 'iam_roles.list-all'])
      expect(permissionProblem(ok)).toBeUndefined();
    expect(permissionProblem('Alerts.read')).toContain('not a permission');
    expect(permissionProblem('alerts..read')).toContain('not a permission');
    expect(permissionProblem('alerts read')).toContain('not a permission');
    expect(permissionProblem('and')).toContain('word of the query language');
    expect(permissionProblem('OR')).toContain('word of the query language');
    expect(permissionProblem(`a${'b'.repeat(64)}`)).toContain('longer than 64');
  });

  it('a list is de-duplicated and sorted; one bad entry refuses it all', () => {
    expect(parsePermissionList(['policies.write', 'alerts.read', 'alerts.read'])).toEqual(['alerts.read', 'policies.write']);
    expect(() => parsePermissionList(['alerts.read', 'Bad'])).toThrow('`Bad` is not a permission');
  });

  it("a key's effective set is its chosen set within its role's current set; null means the role's whole set", () => {
    expect(effectivePermissions(['a.read', 'b.read'], ['a.read', 'c.read'])).toEqual(['a.read']);
    expect(effectivePermissions(null, ['a.read', 'c.read'])).toEqual(['a.read', 'c.read']);
    expect(effectivePermissions([], ['a.read'])).toEqual([]);
  });
});

describe('the permissions query', () => {
  it('AND binds tighter than OR; parentheses group; operators in any case', () => {
    expect(holds('alerts.read AND (policies.read OR policies.write)', 'alerts.read', 'policies.write')).toBe(true);
    expect(holds('alerts.read AND (policies.read OR policies.write)', 'policies.write')).toBe(false);
    expect(holds('a.x OR b.x AND c.x', 'a.x')).toBe(true);
    expect(holds('a.x OR b.x AND c.x', 'b.x')).toBe(false);
    expect(holds('(a.x OR b.x) AND c.x', 'a.x')).toBe(false);
    expect(holds('a.x and b.x', 'a.x', 'b.x')).toBe(true);
    expect(holds('  a.x\tOr\nb.x ', 'b.x')).toBe(true);
  });

  it('a malformed query names the zero-based position of the first problem', () => {
    expect(failureAt('')).toMatchObject({ position: 0, message: 'expected a permission at position 0' });
    expect(failureAt('alerts.read AND')).toMatchObject({ position: 15 });
    expect(failureAt('alerts.read AND AND b.x')).toMatchObject({ position: 16 });
    expect(failureAt('(alerts.read')).toMatchObject({ position: 12, message: 'expected `)` at position 12' });
    expect(failureAt('alerts.read)')).toMatchObject({ position: 11 });
    expect(failureAt('alerts.read policies.read')).toMatchObject({ position: 12 });
    expect(failureAt('alerts.read OR Bad.perm')).toMatchObject({ position: 15 });
    expect(failureAt('()')).toMatchObject({ position: 1 });
  });

  it('is bounded in length, depth and number of permissions', () => {
    expect(failureAt('a'.repeat(MAX_QUERY_LENGTH + 1))?.message).toContain(`longer than ${MAX_QUERY_LENGTH}`);
    const deep = `${'('.repeat(MAX_QUERY_DEPTH)}a.x${')'.repeat(MAX_QUERY_DEPTH)}`;
    expect(failureAt(deep)).toBeUndefined();
    const deeper = `${'('.repeat(MAX_QUERY_DEPTH + 1)}a.x${')'.repeat(MAX_QUERY_DEPTH + 1)}`;
    expect(failureAt(deeper)).toMatchObject({ position: MAX_QUERY_DEPTH });
    const many = Array.from({ length: MAX_QUERY_TERMS + 1 }, (_, i) => `p${i}`).join(' OR ');
    expect(failureAt(many)?.message).toContain(`more than ${MAX_QUERY_TERMS} permissions`);
  });
});

// ---- property test: the evaluator against a reference -----------------------------------------------

type Tree = { p: string } | { op: 'AND' | 'OR'; left: Tree; right: Tree };

const NAMES = ['a.read', 'a.write', 'b.read', 'b.write', 'c.admin'];

const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...NAMES).map((p) => ({ p })),
    fc.record({ op: fc.constantFrom('AND' as const, 'OR' as const), left: tie('tree'), right: tie('tree') }),
  ),
})).tree;

/** The reference: the tree itself, evaluated by structure. */
function reference(t: Tree, set: ReadonlySet<string>): boolean {
  if ('p' in t) return set.has(t.p);
  return t.op === 'AND' ? reference(t.left, set) && reference(t.right, set) : reference(t.left, set) || reference(t.right, set);
}

/** Fully parenthesised text: the parse must mean exactly the tree. */
function render(t: Tree): string {
  return 'p' in t ? t.p : `(${render(t.left)} ${t.op} ${render(t.right)})`;
}

function depth(t: Tree): number {
  return 'p' in t ? 0 : 1 + Math.max(depth(t.left), depth(t.right));
}

function terms(t: Tree): number {
  return 'p' in t ? 1 : terms(t.left) + terms(t.right);
}

describe('the evaluator agrees with a reference on random queries', () => {
  it('fully parenthesised random queries evaluate as their tree, for every held set', () => {
    fc.assert(
      fc.property(tree, fc.subarray(NAMES), (t, names) => {
        fc.pre(depth(t) <= MAX_QUERY_DEPTH && terms(t) <= MAX_QUERY_TERMS);
        const text = render(t);
        fc.pre(text.length <= MAX_QUERY_LENGTH);
        const set = new Set(names);
        expect(evaluatePermissionQuery(parsePermissionQuery(text), set)).toBe(reference(t, set));
      }),
      { numRuns: 500 },
    );
  });

  it('without parentheses, AND binds tighter than OR (a reference that splits on OR, then AND)', () => {
    const flat = fc.array(fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom('AND', 'OR')), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(flat, fc.subarray(NAMES), (pairs, names) => {
        const text = pairs.map(([p, op], i) => (i === pairs.length - 1 ? p : `${p} ${op}`)).join(' ');
        const set = new Set(names);
        const expected = text.split(' OR ').some((conj) => conj.split(' AND ').every((p) => set.has(p)));
        expect(evaluatePermissionQuery(parsePermissionQuery(text), set)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('any string either parses or fails with a position inside it; nothing else is thrown', () => {
    const alphabet = fc.constantFrom('a.read', 'b.x', 'AND', 'OR', '(', ')', ' ', 'Bad', '', '&&');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 30 }), (parts) => {
        const text = parts.join(' ');
        const failure = failureAt(text);
        if (failure !== undefined) {
          expect(failure.position).toBeGreaterThanOrEqual(0);
          expect(failure.position).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 500 },
    );
  });
});
