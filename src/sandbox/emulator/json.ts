/** Small helpers for handling untyped JSON that arrives over the wire. */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Slack treats "" and a missing argument the same way for required arguments. */
export function nonEmptyString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

export function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

export function objectsIn(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Every string (keys excluded) found anywhere inside a JSON-like value. */
export function collectStrings(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') {
    into.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, into);
  } else if (isObject(value)) {
    for (const item of Object.values(value)) collectStrings(item, into);
  }
  return into;
}

/** Structured clone for plain JSON data, so callers cannot mutate stored state by accident. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

export function truthyFlag(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}
