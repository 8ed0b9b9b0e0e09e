/**
 * "1 key", "2 keys", "0 keys": a count with its noun in the right number, for every text a person reads.
 * The plural is the noun plus "s" unless given (`plural(n, 'entry', 'entries')`).
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
