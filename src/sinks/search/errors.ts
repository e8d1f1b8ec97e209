import { RuntimeFailure } from '../../errors.js';
import { redact, type Connection } from './connection.js';

/** A failure talking to the engine, with a message fit for a terminal (no secrets). */
export class EngineError extends RuntimeFailure {
  constructor(
    message: string,
    readonly status?: number,
    /** Worth another try later: a connection problem, a timeout, 429 or 5xx. */
    readonly transient = false,
  ) {
    super(message);
  }
}

export interface ClientErrorShape {
  name?: string;
  message?: string;
  meta?: { statusCode?: number; body?: unknown; headers?: Record<string, string> };
}

/** Turns a client error into an EngineError that says what went wrong and what to do. */
export function describeEngineError(error: unknown, connection: Connection, what: string): EngineError {
  const e = error as ClientErrorShape;
  const where = connection.url;
  if (e.name === 'ConnectionError' || e.name === 'TimeoutError' || e.name === 'NoLivingConnectionsError') {
    return new EngineError(redact(`cannot reach the search engine at ${where} (${what}): ${e.message}`, connection), undefined, true);
  }
  const status = e.meta?.statusCode;
  if (status === 401) {
    const how = connection.apiKey ? 'the API key' : connection.username ? `the password of user "${connection.username}"` : 'no credentials were given';
    return new EngineError(
      `authentication failed (401) at ${where}: ${how} was not accepted. Set --es-api-key, or --es-username with --es-password (or MEMTRAIL_ES_API_KEY / MEMTRAIL_ES_USERNAME / MEMTRAIL_ES_PASSWORD).`,
      401,
    );
  }
  if (status !== undefined) {
    const body = e.meta?.body as { error?: { type?: string; reason?: string } | string } | undefined;
    const detail = typeof body?.error === 'string' ? body.error : [body?.error?.type, body?.error?.reason].filter(Boolean).join(': ');
    const transient = status === 429 || status >= 500;
    return new EngineError(redact(`${what} failed with ${status}${detail ? ` (${detail})` : ''} at ${where}`, connection), status, transient);
  }
  return new EngineError(redact(`${what} failed at ${where}: ${e.message ?? String(error)}`, connection));
}

