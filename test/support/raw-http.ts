import { request, type IncomingHttpHeaders } from 'node:http';

export interface RawAnswer {
  status: number | 'reset';
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request the raw way (any method, any body, GET with a body too), on a connection of its own. */
export function sendRaw(
  port: number,
  method: string,
  path: string,
  body: Buffer | undefined,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(body.length) }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', () => resolve({ status: 'reset', headers: {}, body: '' }));
    req.end(body);
  });
}

/** Every method a client can send, for method × route matrices. */
export const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
