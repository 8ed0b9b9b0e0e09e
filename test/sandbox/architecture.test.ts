import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const sandboxDir = join(root, 'src/sandbox');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function specifiersIn(source: string): string[] {
  const found = [
    ...source.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g),
  ];
  return found.map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

const importsOf = (path: string): string[] => specifiersIn(readFileSync(path, 'utf8'));

describe('the sandbox talks to the app only over Slack’s protocol', () => {
  const files = filesUnder(sandboxDir);

  it('has modules to check (the emulator, the page server and the page)', () => {
    expect(files.map((f) => relative(sandboxDir, f))).toEqual(
      expect.arrayContaining(['sandbox.ts', 'emulator/emulator.ts', 'public/app.js']),
    );
  });

  it('imports nothing from src/slack, src/domain or src/db, and no @slack package', () => {
    const offending = files.flatMap((file) =>
      importsOf(file)
        .filter((specifier) => {
          if (specifier.startsWith('@slack/')) return true;
          if (!specifier.startsWith('.')) return false;
          const target = relative(join(root, 'src'), resolve(file, '..', specifier));
          return /^(slack|domain|db)(\/|$)/.test(target);
        })
        .map((specifier) => `${relative(root, file)} → ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it('nothing under src/slack knows about the sandbox', () => {
    const slackFiles = filesUnder(join(root, 'src/slack'));
    const knowing = slackFiles.filter((file) => /sandbox/i.test(readFileSync(file, 'utf8'))).map((file) => relative(root, file));
    expect(knowing).toEqual([]);
  });

  it('the import scan sees every form of import (so the check above cannot pass by seeing nothing)', () => {
    const source = [
      "import { x } from '../../domain/keys.js';",
      "import type {\n  Y,\n} from '../db/store.js';",
      "export { z } from '@slack/bolt';",
      "const later = await import('../slack/app.js');",
      "import './side-effect.js';",
    ].join('\n');
    expect(specifiersIn(source)).toEqual(['../../domain/keys.js', '../db/store.js', '@slack/bolt', '../slack/app.js', './side-effect.js']);
  });
});
