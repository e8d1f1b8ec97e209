import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Health } from './health.js';
import { listenError, type ListenAddress } from './listen.js';

/** What the server serves: the exposition (and its content type) and the health. */
export interface MetricsHandlers {
  metrics(): Promise<{ contentType: string; body: string }>;
  health(): Promise<Health>;
}

const TEXT = 'text/plain; charset=utf-8';

/** The HTTP server of `--metrics-listen`: GET /metrics (Prometheus text format) and GET /healthz. */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    /** The address it listens on, as a URL base (the port the system picked when asked for 0). */
    readonly url: string,
  ) {}

  static async start(address: ListenAddress, handlers: MetricsHandlers): Promise<MetricsServer> {
    const server = createServer((request, response) => {
      void respond(request, response, handlers);
    });
    // Prometheus keeps its connection open between scrapes; one that went quiet is let go.
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(address, error)));
      server.listen(address.port, address.host, () => resolve());
    });
    const bound = server.address() as AddressInfo;
    const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    return new MetricsServer(server, `http://${host}:${bound.port}`);
  }

  /** Stops listening and ends the open connections (a scraper's kept-alive one too). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

async function respond(request: IncomingMessage, response: ServerResponse, handlers: MetricsHandlers): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  const send = (status: number, contentType: string, body: string, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  try {
    if (path !== '/metrics' && path !== '/healthz') {
      send(404, TEXT, 'not found: memtrail serves /metrics and /healthz\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(405, TEXT, 'method not allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/metrics') {
      const { contentType, body } = await handlers.metrics();
      send(200, contentType, body);
    } else {
      const health = await handlers.health();
      send(health.ok ? 200 : 503, TEXT, `${health.text}\n`);
    }
  } catch (error) {
    if (!response.headersSent) send(500, TEXT, `${(error as Error).message}\n`);
    else response.destroy();
  }
}
