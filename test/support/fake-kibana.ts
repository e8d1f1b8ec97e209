import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SavedObject } from '../../src/sinks/kibana/saved-objects.js';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP server in Kibana's place: it records what setup sends and answers as told. */
export async function fakeKibana(respond: (req: Seen) => { status: number; headers?: Record<string, string>; body?: unknown }) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const entry = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(entry);
      const answer = respond(entry);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

export const kibanaAnswers =
  (product: 'kibana' | 'osd', version: string, importErrors: unknown[] = []) =>
  (req: Seen) => {
    if (req.url === '/api/status') {
      return { status: 200, headers: { [product === 'kibana' ? 'kbn-name' : 'osd-name']: 'test' }, body: { version: { number: version } } };
    }
    if (req.url.startsWith('/api/saved_objects/_import')) {
      const count = uploadedObjects(req.body).length;
      return { status: 200, body: { success: importErrors.length === 0, successCount: count - importErrors.length, errors: importErrors } };
    }
    return { status: 404, body: { message: 'not found' } };
  };

/** The NDJSON inside a multipart body. */
export function uploadedObjects(body: string): SavedObject[] {
  const part = body.split('\r\n\r\n')[1]!.split('\r\n--')[0]!;
  return part.trimEnd().split('\n').map((l) => JSON.parse(l) as SavedObject);
}
