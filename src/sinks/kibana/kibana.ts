import { ConfigError } from '../../config.js';
import { RuntimeFailure } from '../../errors.js';
import { redact } from '../search/connection.js';
import type { SavedObject } from './saved-objects.js';
import { toNdjson } from './saved-objects.js';

export interface KibanaConnection {
  url: string;
  apiKey?: string;
  username?: string;
  password?: string;
}

export type Dashboards = { product: 'kibana' | 'opensearch-dashboards'; version: string };

export interface ImportResult {
  successCount: number;
  errors: { id: string; type: string; error: string }[];
}

/** A failure talking to Kibana, fit for a terminal (no secrets). */
export class KibanaError extends RuntimeFailure {}

export function kibanaFrom(
  flags: { kibanaUrl?: string; kibanaApiKey?: string; kibanaUsername?: string; kibanaPassword?: string },
  fallback: { apiKey?: string; username?: string; password?: string },
  env: NodeJS.ProcessEnv = process.env,
): KibanaConnection | undefined {
  const raw = flags.kibanaUrl ?? env.MEMTRAIL_KIBANA_URL;
  if (raw === undefined) return undefined;
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) throw new ConfigError(`--kibana-url: expected an http:// or https:// URL`);
  const apiKey = flags.kibanaApiKey ?? env.MEMTRAIL_KIBANA_API_KEY;
  const username = flags.kibanaUsername ?? env.MEMTRAIL_KIBANA_USERNAME;
  const password = flags.kibanaPassword ?? env.MEMTRAIL_KIBANA_PASSWORD;
  // Kibana authenticates against the same cluster, so the engine's credentials are the default.
  const own = apiKey !== undefined || username !== undefined;
  return {
    url: raw.replace(/\/+$/, ''),
    ...(own ? { apiKey, username, password } : { apiKey: fallback.apiKey, username: fallback.username, password: fallback.password }),
  };
}

/** Kibana's HTTP API (and OpenSearch Dashboards', which shares the saved-objects import). */
export class KibanaClient {
  constructor(private readonly connection: KibanaConnection) {}

  private headers(product: Dashboards['product'] = 'kibana'): Record<string, string> {
    const c = this.connection;
    return {
      // Both refuse state-changing API calls without their anti-CSRF header.
      [product === 'kibana' ? 'kbn-xsrf' : 'osd-xsrf']: 'true',
      ...(c.apiKey
        ? { authorization: `ApiKey ${c.apiKey}` }
        : c.username
          ? { authorization: `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}` }
          : {}),
    };
  }

  private async call(path: string, init: RequestInit, what: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.connection.url}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new KibanaError(this.clean(`cannot reach Kibana at ${this.connection.url} (${what}): ${cause?.code ?? cause?.message ?? (error as Error).message}`));
    }
    if (response.status === 401) {
      const c = this.connection;
      const how = c.apiKey
        ? 'the API key was not accepted.'
        : c.username
          ? `the password of user "${c.username}" was not accepted.`
          : 'Kibana asks for credentials and none were given.';
      throw new KibanaError(
        `authentication failed (401) at Kibana ${c.url}: ${how} Set --kibana-api-key, or --kibana-username with --kibana-password (by default the engine's credentials are used).`,
      );
    }
    if (response.status === 403) throw new KibanaError(`permission denied (403) at Kibana ${this.connection.url} (${what}): the user needs the kibana_admin role or saved-object privileges`);
    if (response.status === 503) throw new KibanaError(`Kibana at ${this.connection.url} is not ready yet (503); it may still be starting`);
    return response;
  }

  /** Which product and version answer, from /api/status (kbn-name / osd-name header). */
  async status(): Promise<Dashboards> {
    const response = await this.call('/api/status', { headers: this.headers() }, 'GET /api/status');
    if (!response.ok) throw new KibanaError(`${this.connection.url} answered ${response.status} to GET /api/status: is it Kibana?`);
    const body = (await response.json().catch(() => ({}))) as { version?: { number?: string } };
    const version = body.version?.number;
    if (!version) throw new KibanaError(`${this.connection.url}/api/status did not say which version it is: is it Kibana?`);
    if (response.headers.has('osd-name')) return { product: 'opensearch-dashboards', version };
    if (!response.headers.has('kbn-name')) throw new KibanaError(`${this.connection.url} does not look like Kibana or OpenSearch Dashboards`);
    return { product: 'kibana', version };
  }

  /** Imports saved objects, replacing the ones with the same ids (so running setup again is safe). */
  async importObjects(objects: SavedObject[], product: Dashboards['product']): Promise<ImportResult> {
    const form = new FormData();
    form.append('file', new Blob([toNdjson(objects)], { type: 'application/ndjson' }), 'memtrail-saved-objects.ndjson');
    const response = await this.call('/api/saved_objects/_import?overwrite=true', { method: 'POST', headers: this.headers(product), body: form }, 'importing saved objects');
    const body = (await response.json().catch(() => ({}))) as {
      successCount?: number;
      errors?: { id: string; type: string; error?: { type?: string; message?: string } }[];
      message?: string;
    };
    if (!response.ok) throw new KibanaError(this.clean(`importing saved objects failed with ${response.status}: ${body.message ?? response.statusText}`));
    return {
      successCount: body.successCount ?? 0,
      errors: (body.errors ?? []).map((e) => ({ id: e.id, type: e.type, error: [e.error?.type, e.error?.message].filter(Boolean).join(': ') })),
    };
  }

  private clean(text: string): string {
    return redact(text, { apiKey: this.connection.apiKey, password: this.connection.password });
  }
}
