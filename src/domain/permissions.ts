import { AppError } from '../errors.js';

/**
 * Least-privilege keys, permissions half (docs/least-privilege.md): the permission strings a role holds
 * and a key carries, and the query language `POST /v1/keys/verify` takes. Pure functions, no I/O.
 */

/** `alerts.read`, `policies.write`, `compliance.reports.export`: lower-case words joined by dots. */
const PERMISSION = /^[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$/;
export const MAX_PERMISSION_LENGTH = 64;
/** A role holds at most this many (the create modal's checkbox group shows at most 10 per group). */
export const MAX_ROLE_PERMISSIONS = 50;
/** `and`/`or` are the query's operators, in any case, so never a permission. */
const OPERATORS = new Set(['and', 'or']);

/** Undefined when valid, else why not (for a person to read). */
export function permissionProblem(text: string): string | undefined {
  if (text.length > MAX_PERMISSION_LENGTH) return `\`${text.slice(0, 20)}…\` is longer than ${MAX_PERMISSION_LENGTH} characters`;
  if (OPERATORS.has(text.toLowerCase())) return `\`${text}\` is a word of the query language, not a permission`;
  if (!PERMISSION.test(text))
    return `\`${text}\` is not a permission: use lower-case letters, digits, \`_\` and \`-\`, with dots between words (like \`alerts.read\`)`;
  return undefined;
}

/** Validated, de-duplicated and sorted; refuses with the first problem. */
export function parsePermissionList(items: readonly string[]): string[] {
  for (const item of items) {
    const problem = permissionProblem(item);
    if (problem !== undefined) throw new AppError('INVALID_INPUT', `${problem}.`);
  }
  return [...new Set(items)].sort();
}

/**
 * What a key may do: its chosen set (null = all) intersected with its role's set as it is now. The role
 * is read in the same lookup as the key, so narrowing a role narrows every key at its next verify.
 */
export function effectivePermissions(keyPermissions: readonly string[] | null, rolePermissions: readonly string[]): readonly string[] {
  if (keyPermissions === null) return rolePermissions;
  const role = new Set(rolePermissions);
  return keyPermissions.filter((permission) => role.has(permission));
}

// ---- the query language ----------------------------------------------------------------------------

/** Limits that keep a query cheap to parse and evaluate, whoever sends it. */
export const MAX_QUERY_LENGTH = 1000;
export const MAX_QUERY_DEPTH = 8;
export const MAX_QUERY_TERMS = 50;

export type PermissionQuery = { kind: 'permission'; name: string } | { kind: 'and' | 'or'; operands: readonly PermissionQuery[] };

export class PermissionQueryError extends Error {
  /** Zero-based offset into the query where the problem is. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = 'PermissionQueryError';
    this.position = position;
  }
}

type Token = { kind: 'word'; text: string; at: number } | { kind: '(' | ')'; at: number } | { kind: 'end'; at: number };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query.charAt(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i += 1;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c, at: i });
      i += 1;
    } else {
      const start = i;
      while (i < query.length && !' \t\n\r()'.includes(query.charAt(i))) i += 1;
      tokens.push({ kind: 'word', text: query.slice(start, i), at: start });
    }
  }
  tokens.push({ kind: 'end', at: query.length });
  return tokens;
}

/**
 * `a AND (b OR c)`: AND binds tighter than OR, operators in any case, parentheses nest up to
 * MAX_QUERY_DEPTH. Throws PermissionQueryError naming the offset of the first problem.
 */
export function parsePermissionQuery(query: string): PermissionQuery {
  if (query.length > MAX_QUERY_LENGTH)
    throw new PermissionQueryError(`the query is longer than ${MAX_QUERY_LENGTH} characters`, MAX_QUERY_LENGTH);
  const tokens = tokenize(query);
  let next = 0;
  let terms = 0;
  const peek = (): Token => tokens[next] ?? { kind: 'end', at: query.length };
  const isOperator = (token: Token, op: 'and' | 'or'): boolean => token.kind === 'word' && token.text.toLowerCase() === op;

  function primary(depth: number): PermissionQuery {
    const token = peek();
    if (token.kind === '(') {
      if (depth >= MAX_QUERY_DEPTH) throw new PermissionQueryError(`parentheses nest deeper than ${MAX_QUERY_DEPTH}`, token.at);
      next += 1;
      const inner = disjunction(depth + 1);
      const close = peek();
      if (close.kind !== ')') throw new PermissionQueryError('expected `)`', close.at);
      next += 1;
      return inner;
    }
    if (token.kind === 'word' && !isOperator(token, 'and') && !isOperator(token, 'or')) {
      const problem = permissionProblem(token.text);
      if (problem !== undefined) throw new PermissionQueryError(problem, token.at);
      terms += 1;
      if (terms > MAX_QUERY_TERMS) throw new PermissionQueryError(`more than ${MAX_QUERY_TERMS} permissions`, token.at);
      next += 1;
      return { kind: 'permission', name: token.text };
    }
    if (token.kind === 'end') throw new PermissionQueryError('expected a permission', token.at);
    throw new PermissionQueryError(`expected a permission, found \`${token.kind === 'word' ? token.text : token.kind}\``, token.at);
  }

  function conjunction(depth: number): PermissionQuery {
    const operands = [primary(depth)];
    while (isOperator(peek(), 'and')) {
      next += 1;
      operands.push(primary(depth));
    }
    return operands.length === 1 && operands[0] !== undefined ? operands[0] : { kind: 'and', operands };
  }

  function disjunction(depth: number): PermissionQuery {
    const operands = [conjunction(depth)];
    while (isOperator(peek(), 'or')) {
      next += 1;
      operands.push(conjunction(depth));
    }
    return operands.length === 1 && operands[0] !== undefined ? operands[0] : { kind: 'or', operands };
  }

  const tree = disjunction(0);
  const rest = peek();
  if (rest.kind !== 'end') {
    const found = rest.kind === 'word' ? rest.text : rest.kind;
    throw new PermissionQueryError(`expected AND, OR or the end, found \`${found}\``, rest.at);
  }
  return tree;
}

export function evaluatePermissionQuery(query: PermissionQuery, held: ReadonlySet<string>): boolean {
  switch (query.kind) {
    case 'permission':
      return held.has(query.name);
    case 'and':
      return query.operands.every((operand) => evaluatePermissionQuery(operand, held));
    case 'or':
      return query.operands.some((operand) => evaluatePermissionQuery(operand, held));
  }
}

/**
 * Parsed queries by text: integrations send the same few queries over and over, so verify parses each
 * once. Bounded (oldest dropped first), so random queries cannot grow it.
 */
const parsed = new Map<string, PermissionQuery | PermissionQueryError>();
const PARSED_MAX = 1000;

/** `parsePermissionQuery` remembered; returns the error instead of throwing it. */
export function parsePermissionQueryCached(query: string): PermissionQuery | PermissionQueryError {
  const known = parsed.get(query);
  if (known !== undefined) return known;
  let result: PermissionQuery | PermissionQueryError;
  try {
    result = parsePermissionQuery(query);
  } catch (error) {
    if (!(error instanceof PermissionQueryError)) throw error;
    result = error;
  }
  if (query.length <= 200) {
    if (parsed.size >= PARSED_MAX) {
      const oldest = parsed.keys().next();
      if (oldest.done !== true) parsed.delete(oldest.value);
    }
    parsed.set(query, result);
  }
  return result;
}
