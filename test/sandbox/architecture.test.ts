import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, specifiersIn } from '../support/imports.js';

const root = resolve(import.meta.dirname, '../..');
const sandboxDir = join(root, 'src/sandbox');

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
});
