import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** docs/architecture.md: in src/db, tables are function modules in repos/, queues live in queues/. */
const db = resolve(import.meta.dirname, '../../src/db');
const tsFiles = (folder: string) => readdirSync(join(db, folder)).filter((name) => name.endsWith('.ts'));
const source = (folder: string, name: string) => readFileSync(join(db, folder, name), 'utf8');

describe('src/db keeps one style per purpose', () => {
  it('a table repository is a module of functions taking the handle first, never a class', () => {
    const classes = tsFiles('repos').filter((name) => /^export class /m.test(source('repos', name)));
    expect(classes).toEqual([]);
  });

  it('no queue or repository sits at the top of src/db: queues are in queues/, tables in repos/', () => {
    const misplaced = tsFiles('.').filter(
      (name) => /-repo\.ts$/.test(name) || /LeaseQueue|implements \w+(Outbox|Store|Counters)\b/.test(source('.', name)),
    );
    expect(misplaced).toEqual([]);
  });
});
