import { readFileSync } from 'node:fs';

/**
 * The node flags `npm start` runs the app with (package.json's start script), so a bench's server is the
 * production process: the cap on V8's young generation (`--max-semi-space-size`) in particular moves
 * both the idle RSS and the CPU per request.
 */
export function startFlags(): string[] {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts?: { start?: string } };
  const flags = /\bnode ((?:--\S+ )*)dist\/src\/main\.js/.exec(packageJson.scripts?.start ?? '')?.[1];
  if (flags === undefined) throw new Error('package.json: the start script no longer runs node … dist/src/main.js');
  return flags
    .trim()
    .split(' ')
    .filter((flag) => flag !== '');
}
