import { RuntimeFailure } from '../../errors.js';
import { redact, type Connection } from './connection.js';

/**
 * How a failed request went, for the line that closes a run: the engine could not be reached at
 * all (`unreachable`), or it answered and said no (`refused`, with its status).
 */
export type EngineOutcome = 'unreachable' | 'refused' | 'failed';

/** A failure talking to the engine, with a message fit for a terminal (no secrets). */
export class EngineError extends RuntimeFailure {
  constructor(
    message: string,
    readonly status?: number,
    /** Worth another try later: a connection problem, a timeout, 429 or 5xx. */
    readonly transient = false,
    /** Whether anything answered: set for connection failures, derived from `status` otherwise. */
    readonly outcome: EngineOutcome = status === undefined ? 'failed' : 'refused',
  ) {
    super(message);
  }

  /** Two or three words for a closing line: `unreachable`, `refused (401)`. */
  get brief(): string {
    return this.outcome === 'refused' && this.status !== undefined ? `refused (${this.status})` : this.outcome;
  }
}

export interface ClientErrorShape {
  name?: string;
  message?: string;
  meta?: { statusCode?: number; body?: unknown; headers?: Record<string, string> };
}

const CREDENTIAL_HELP =
  'Put them in the URL (http://user:password@host:port), or set --es-api-key, or --es-username with --es-password ' +
  '(or MEMTRAIL_ES_API_KEY, MEMTRAIL_ES_USERNAME and MEMTRAIL_ES_PASSWORD).';

/** What was tried, as a sentence: which credentials, and where they came from. */
export function describeRefusedCredentials(connection: Pick<Connection, 'apiKey' | 'username' | 'credentialSource'>): string {
  const from = connection.credentialSource ? ` (from ${connection.credentialSource})` : '';
  if (connection.apiKey) return `the API key was not accepted${from}.`;
  if (connection.username) return `the password of user "${connection.username}" was not accepted${from}.`;
  return 'the engine asks for credentials and none were given.';
}

/** Turns a client error into an EngineError that says what went wrong and what to do. */
export function describeEngineError(error: unknown, connection: Connection, what: string): EngineError {
  const e = error as ClientErrorShape;
  const where = connection.url;
  if (e.name === 'ConnectionError' || e.name === 'TimeoutError' || e.name === 'NoLivingConnectionsError') {
    return new EngineError(redact(`cannot reach the search engine at ${where} (${what}): ${e.message}`, connection), undefined, true, 'unreachable');
  }
  const status = e.meta?.statusCode;
  if (status === 401) {
    return new EngineError(`authentication failed (401) at ${where}: ${describeRefusedCredentials(connection)} ${CREDENTIAL_HELP}`, 401);
  }
  if (status !== undefined) {
    const body = e.meta?.body as { error?: { type?: string; reason?: string } | string } | undefined;
    const detail = typeof body?.error === 'string' ? body.error : [body?.error?.type, body?.error?.reason].filter(Boolean).join(': ');
    const transient = status === 429 || status >= 500;
    return new EngineError(redact(`${what} failed with ${status}${detail ? ` (${detail})` : ''} at ${where}`, connection), status, transient);
  }
  return new EngineError(redact(`${what} failed at ${where}: ${e.message ?? String(error)}`, connection));
}
