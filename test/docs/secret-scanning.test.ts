import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checksumOf, generateSecret, isWellFormedSecret } from '../../src/domain/secrets.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const rc = join(root, 'docs/secret-scanning/.secretlintrc.json');
const cli = join(root, 'node_modules/secretlint/bin/secretlint.js');

/** A secret-shaped string whose checksum is wrong. */
function wrongChecksum(): string {
  const body = `aks_${generateSecret().slice(4, 44)}`;
  return `${body}${checksumOf(body) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;
}

describe('the scanner rules shipped in docs/secret-scanning', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('secretlint (the npm package, with the shipped config) reports the real secret and not the wrong-checksum one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'akb-secretlint-'));
    const real = generateSecret();
    const fake = wrongChecksum();
    expect(isWellFormedSecret(fake)).toBe(false);
    const content = `API_KEY=${real}\nEXAMPLE_KEY=${fake}\n`;
    await writeFile(join(dir, 'settings.env'), content);
    // secretlint exits 1 when it found something: the report is on stdout either way.
    const { stdout } = await run(process.execPath, [cli, '--secretlintrc', rc, '--format', 'json', 'settings.env'], { cwd: dir }).catch(
      (error: { stdout?: string; code?: number }) => {
        expect(error.code).toBe(1);
        return { stdout: error.stdout ?? '' };
      },
    );
    const [file] = JSON.parse(stdout) as Array<{ messages: Array<{ ruleId: string; range: [number, number] }> }>;
    expect(file?.messages.map((m) => ({ ruleId: m.ruleId, found: content.slice(...m.range) }))).toEqual([
      { ruleId: 'secretlint-rule-access-key-bot', found: real },
    ]);
  });

  it('the gitleaks rule and the TruffleHog detector match a whole secret, not a longer token', async () => {
    const gitleaks = await readFile(join(root, 'docs/secret-scanning/gitleaks.toml'), 'utf8');
    const gitleaksRegex = /regex = '''(.+)'''/.exec(gitleaks)?.[1];
    const trufflehog = parse(await readFile(join(root, 'docs/secret-scanning/trufflehog.yaml'), 'utf8')) as {
      detectors: Array<{ keywords: string[]; regex: { secret: string } }>;
    };
    const detector = trufflehog.detectors[0];
    expect(detector?.keywords).toEqual(['aks_']);
    for (const source of [gitleaksRegex, detector?.regex.secret]) {
      const regex = new RegExp(source ?? 'never');
      const secret = generateSecret();
      expect(regex.exec(`token: "${secret}"`)?.[1]).toBe(secret);
      expect(regex.test(`${secret}x`)).toBe(false);
      expect(regex.test(secret.slice(0, 45))).toBe(false);
    }
  });
});
