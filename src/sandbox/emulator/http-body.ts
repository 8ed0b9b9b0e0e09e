import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { isObject, tryParseJson, type JsonObject } from './json.js';

export function readRawBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface ParsedBody {
  fields: JsonObject;
  /** Binary parts of a multipart body, keyed by field name. */
  files: Map<string, Buffer>;
  /** The body did not parse as its declared content type. */
  malformed: boolean;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function isMultipart(contentType: string | undefined): boolean {
  return mediaType(contentType) === 'multipart/form-data';
}

function parseMultipart(raw: Buffer, contentType: string): Promise<ParsedBody> {
  return new Promise((resolve) => {
    const fields: JsonObject = {};
    const files = new Map<string, Buffer>();
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType } });
    } catch {
      resolve({ fields, files, malformed: true });
      return;
    }
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => files.set(name, Buffer.concat(chunks)));
    });
    parser.on('close', () => resolve({ fields, files, malformed: false }));
    parser.on('error', () => resolve({ fields, files, malformed: true }));
    Readable.from([raw]).pipe(parser);
  });
}

/**
 * Parses a Web API request body the ways Slack accepts it: form-urlencoded (what web-api sends),
 * JSON, and multipart (what web-api sends when an argument is a Buffer).
 */
export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  const type = mediaType(contentType);
  if (type === 'multipart/form-data' && contentType !== undefined) return parseMultipart(raw, contentType);
  if (type === 'application/json') {
    if (raw.length === 0) return { fields: {}, files: new Map(), malformed: false };
    const parsed = tryParseJson(raw.toString('utf8'));
    if (parsed.ok && isObject(parsed.value)) return { fields: parsed.value, files: new Map(), malformed: false };
    return { fields: {}, files: new Map(), malformed: true };
  }
  return { fields: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), files: new Map(), malformed: false };
}

/** Slack's Web API answers JSON as the app's own API does. */
export { writeJson as sendJson } from '../../http-io.js';

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
