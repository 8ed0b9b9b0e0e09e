import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { writeJson } from '../http-io.js';

/**
 * The page is plain HTML, CSS and JavaScript modules in `public/`, served as they are (no build step).
 * Beside this module when run from src/ (tests), or back in src/ when run from dist/ (npm start).
 */
const PUBLIC_DIR = [new URL('./public/', import.meta.url), new URL('../../../src/sandbox/public/', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(dir));

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

/** Only plain file names from the public folder: no paths, so nothing outside it can be asked for. */
export async function serveStatic(res: ServerResponse, name: string): Promise<void> {
  const match = /^([a-z0-9-]+)\.(html|css|js|svg)$/.exec(name);
  if (match === null || PUBLIC_DIR === undefined) return sendJsonBody(res, 404, { error: 'not found' });
  let bytes: Buffer;
  try {
    bytes = await readFile(`${PUBLIC_DIR}${name}`);
  } catch {
    return sendJsonBody(res, 404, { error: 'not found' });
  }
  res.writeHead(200, {
    'content-type': TYPES[match[2] ?? ''] ?? 'application/octet-stream',
    'content-length': bytes.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    // The page loads only its own scripts and styles and talks only to this server.
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
  });
  res.end(bytes);
}

export function sendJsonBody(res: ServerResponse, status: number, body: unknown): void {
  writeJson(res, status, body, { 'cache-control': 'no-store' });
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sendFile(res: ServerResponse, filename: string, bytes: Buffer): void {
  const safe = filename.replace(/[^A-Za-z0-9._-]/g, '_');
  // A PNG is shown in the conversation, as Slack shows an image (the step-up QR code); anything else downloads.
  const image = safe.endsWith('.png') && bytes.subarray(0, 8).equals(PNG_SIGNATURE);
  res.writeHead(200, {
    'content-type': safe.endsWith('.csv') ? 'text/csv; charset=utf-8' : image ? 'image/png' : 'application/octet-stream',
    'content-length': bytes.length,
    'content-disposition': `${image ? 'inline' : 'attachment'}; filename="${safe}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(bytes);
}
