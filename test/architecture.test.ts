import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, specifiersIn } from './support/imports.js';

/**
 * The layers of docs/architecture.md, checked over every file of src/: what each folder may import
 * (its own files always), and that no import cycle exists anywhere, type-only imports included.
 * A new dependency of a layer is a decision: add it here, and say why in docs/architecture.md.
 */
const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

/** For each folder of src/: the other src/ modules and the packages it may import. `node:*` is always allowed. */
const ALLOWED: Record<string, { modules: string[]; packages: string[] }> = {
  // The rules: no Slack, no SQL, no HTTP; only the shared error type.
  domain: { modules: ['errors.ts'], packages: ['zod', 'otpauth', 'ipaddr.js'] },
  // The only importer of kysely and the database drivers; migrations/ is the shared schema.
  db: { modules: ['domain', 'errors.ts', 'config.ts', '../migrations'], packages: ['kysely', 'better-sqlite3', 'pg'] },
  // Entry points beside each other: each calls the domain and never another entry point.
  // http-io.ts: the one body reader and JSON writer, shared with the sandbox (which may not import http/).
  http: { modules: ['domain', 'errors.ts', 'logger.ts', 'http-io.ts'], packages: ['jose', 'prom-client', 'zod'] },
  scheduler: { modules: ['domain', 'logger.ts'], packages: ['node-cron'] },
  slack: {
    modules: ['domain', 'errors.ts', 'config.ts', 'logger.ts'],
    packages: ['@slack/bolt', '@slack/web-api', 'csv-stringify', 'zod', 'qrcode'],
  },
  // Event streams' transport (signed webhooks, syslog): an outbound adapter like src/slack/outbound.
  streams: { modules: ['domain'], packages: ['standardwebhooks'] },
  // The sandbox reaches the app only over Slack's protocol.
  sandbox: { modules: ['logger.ts', 'http-io.ts'], packages: ['busboy', 'ws', 'zod', 'otpauth'] },
};

/** The file a relative specifier names (`./x.js` is `./x.ts` in the source tree), or undefined for a package. */
function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(dirname(from), specifier);
  const asTs = target.replace(/\.js$/, '.ts');
  return existsSync(asTs) ? asTs : target;
}

const packageOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** The folder of src/ a file is in ('domain', 'slack', …), or its name for a file at the top of src/. */
const areaOf = (file: string): string => relative(src, file).split('/')[0] ?? '';

const files = filesUnder(src);
const importsOf = new Map(files.map((file) => [file, specifiersIn(readFileSync(file, 'utf8'))]));

/** Strongly connected components with more than one file (Tarjan): each is an import cycle. */
function importCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('the layers of src/', () => {
  it('every folder of src/ has rules, and the scan sees its files', () => {
    const folders = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory());
    expect(folders.sort()).toEqual(Object.keys(ALLOWED).sort());
    for (const folder of folders) expect(files.some((file) => areaOf(file) === folder)).toBe(true);
  });

  it('each folder imports only what its layer may: no Slack, SQL or HTTP in the domain, no entry point in another', () => {
    const breaks: string[] = [];
    for (const [file, specifiers] of importsOf) {
      const rules = ALLOWED[areaOf(file)];
      if (rules === undefined) continue; // the entry files at the top of src/ wire the layers together
      for (const specifier of specifiers) {
        if (specifier.startsWith('node:')) continue;
        const local = resolveLocal(file, specifier);
        if (local === undefined) {
          if (!rules.packages.includes(packageOf(specifier))) breaks.push(`${relative(root, file)} → ${specifier}`);
          continue;
        }
        const target = relative(src, local);
        const sameArea = areaOf(local) === areaOf(file) && !target.startsWith('..');
        const allowed = rules.modules.some((m) => target === m || target.startsWith(`${m}/`));
        if (!sameArea && !allowed) breaks.push(`${relative(root, file)} → ${specifier}`);
      }
    }
    expect(breaks).toEqual([]);
  });

  it('only src/slack imports @slack/*, and only src/db imports kysely or a database driver', () => {
    const owners: Record<string, string> = {
      '@slack/bolt': 'slack',
      '@slack/web-api': 'slack',
      kysely: 'db',
      'better-sqlite3': 'db',
      pg: 'db',
    };
    const strays = [...importsOf].flatMap(([file, specifiers]) =>
      specifiers
        .filter((s) => owners[packageOf(s)] !== undefined && owners[packageOf(s)] !== areaOf(file))
        .map((s) => `${relative(root, file)} → ${s}`),
    );
    expect(strays).toEqual([]);
  });

  it('no import cycle anywhere in src/, type-only imports included', () => {
    const graph = new Map(
      [...importsOf].map(([file, specifiers]) => [
        file,
        specifiers.map((s) => resolveLocal(file, s)).filter((t): t is string => t !== undefined && importsOf.has(t)),
      ]),
    );
    expect(importCycles(graph).map((cycle) => cycle.map((f) => relative(src, f)))).toEqual([]);
  });

  it('the cycle finder finds a cycle (so the check above cannot pass by seeing nothing)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c']]);
  });

  it('the import scan sees every form of import', () => {
    const source = [
      "import { x } from '../../domain/keys.js';",
      "import type {\n  Y,\n} from '../db/store.js';",
      "export { z } from '@slack/bolt';",
      "export type * from './repo-ports.js';",
      "const later = await import('../slack/app.js');",
      "import './side-effect.js';",
    ].join('\n');
    expect(specifiersIn(source)).toEqual([
      '../../domain/keys.js',
      '../db/store.js',
      '@slack/bolt',
      './repo-ports.js',
      '../slack/app.js',
      './side-effect.js',
    ]);
  });
});
