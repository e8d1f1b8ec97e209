import { Client as ElasticClient } from '@elastic/elasticsearch';
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { readCa, type Connection } from './connection.js';
import { describeEngineError, EngineError, type ClientErrorShape } from './errors.js';

export type EngineKind = 'elasticsearch' | 'opensearch';

/** A bulk response item, the same for both engines. */
export interface BulkItem {
  status: number;
  _id?: string | null;
  error?: { type?: string; reason?: string | null; caused_by?: unknown } | null;
}

/**
 * The few calls memtrail makes, over either official client. Request bodies (templates, bulk
 * lines, queries) are built once, by the callers, and passed unchanged to both.
 */
export interface SearchEngine {
  readonly kind: EngineKind;
  readonly version: string;
  readonly url: string;
  putIndexTemplate(name: string, body: object): Promise<void>;
  getIndexTemplate(name: string): Promise<unknown>;
  /** One _bulk request; `body` is the NDJSON as it goes on the wire (serialised once, by the caller). */
  bulk(body: string): Promise<BulkResponse>;
  search(index: string, body: object): Promise<SearchResult<unknown>>;
  count(index: string, body?: object): Promise<number>;
  refresh(index: string): Promise<void>;
  getMapping(index: string): Promise<Record<string, { mappings: unknown }>>;
  deleteIndex(index: string): Promise<void>;
  /** Creates the index (its template gives the mappings); false when it was there already. */
  createIndex(index: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface BulkResponse {
  errors: boolean;
  items: Record<string, BulkItem>[];
}

export interface SearchResult<T> {
  hits: { total?: { value: number } | number; hits: { _id: string; _source: T; sort?: unknown[] }[] };
  aggregations?: Record<string, unknown>;
}

/**
 * What a bulk response is asked to carry: each item's status and error, nothing else (no index,
 * id, version, shards or sequence numbers). Items stay in request order, so a document's item is
 * still its position.
 */
const BULK_RESPONSE = { filter_path: 'errors,items.*.status,items.*.error' };

function commonOptions(connection: Connection) {
  return { node: connection.url, maxRetries: 0, requestTimeout: connection.requestTimeoutMs };
}

/** Which engine answers at the URL: from GET / (OpenSearch says so) or the X-Elastic-Product header. */
async function detect(probe: OpenSearchClient, connection: Connection): Promise<{ kind: EngineKind; version: string }> {
  let body: { version?: { number?: string; distribution?: string }; tagline?: string } | undefined;
  let headers: Record<string, string>;
  try {
    const response = await probe.transport.request({ method: 'GET', path: '/' });
    body = response.body as typeof body;
    headers = (response.headers ?? {}) as Record<string, string>;
  } catch (error) {
    const e = error as ClientErrorShape;
    // Some distributions answer GET / with an error but still name themselves in a header.
    if (e.name !== 'ResponseError' || e.meta?.statusCode === 401 || e.meta?.statusCode === 403) {
      throw describeEngineError(error, connection, 'GET /');
    }
    body = e.meta?.body as typeof body;
    headers = e.meta?.headers ?? {};
  }
  if (body?.version?.distribution === 'opensearch') return { kind: 'opensearch', version: body.version.number ?? 'unknown' };
  if (headers['x-elastic-product'] === 'Elasticsearch' || body?.tagline === 'You Know, for Search') {
    return { kind: 'elasticsearch', version: body?.version?.number ?? (await nodeVersion(probe)) };
  }
  throw new EngineError(`${connection.url} does not look like Elasticsearch or OpenSearch (set --engine to say which)`);
}

/** The version from the nodes API, for distributions whose GET / does not answer. */
async function nodeVersion(probe: OpenSearchClient): Promise<string> {
  try {
    const response = await probe.transport.request({ method: 'GET', path: '/_nodes/_local', querystring: { filter_path: 'nodes.*.version' } });
    const nodes = (response.body as { nodes?: Record<string, { version?: string }> }).nodes ?? {};
    return Object.values(nodes)[0]?.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Connects with the right client for the engine at the URL. */
export async function connect(connection: Connection): Promise<SearchEngine> {
  const ca = await readCa(connection);
  const tls = { ...(ca ? { ca } : {}), rejectUnauthorized: !connection.insecure };
  const basic = connection.username ? { username: connection.username, password: connection.password ?? '' } : undefined;
  const apiKeyHeader = connection.apiKey ? { authorization: `ApiKey ${connection.apiKey}` } : {};
  const opensearch = new OpenSearchClient({
    ...commonOptions(connection),
    ssl: tls,
    ...(basic ? { auth: basic } : {}),
    headers: apiKeyHeader,
  });
  let kind: EngineKind;
  let version = 'unknown';
  if (connection.engine === 'auto') ({ kind, version } = await detect(opensearch, connection));
  else kind = connection.engine;
  if (kind === 'opensearch') return openSearchEngine(opensearch, connection, version);
  await opensearch.close();
  const elastic = new ElasticClient({
    ...commonOptions(connection),
    tls,
    ...(connection.apiKey ? { auth: { apiKey: connection.apiKey } } : basic ? { auth: basic } : {}),
  });
  return elasticEngine(elastic, connection, version);
}

/** An index that exists already is what creating it wanted: its answer is 400 resource_already_exists_exception. */
function alreadyExists(error: unknown): boolean {
  const e = error as ClientErrorShape;
  const body = e.meta?.body as { error?: { type?: string } } | undefined;
  return e.meta?.statusCode === 400 && body?.error?.type === 'resource_already_exists_exception';
}

function guarded<A extends unknown[], R>(connection: Connection, what: string, fn: (...args: A) => Promise<R>) {
  return async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (error) {
      throw describeEngineError(error, connection, what);
    }
  };
}

function elasticEngine(client: ElasticClient, connection: Connection, version: string): SearchEngine {
  return {
    kind: 'elasticsearch',
    version,
    url: connection.url,
    putIndexTemplate: guarded(connection, 'installing an index template', async (name: string, body: object) => {
      await client.indices.putIndexTemplate({ name, ...body });
    }),
    getIndexTemplate: guarded(connection, 'reading an index template', (name: string) => client.indices.getIndexTemplate({ name })),
    bulk: guarded(connection, 'bulk indexing', async (body: string) => {
      return client.transport.request<BulkResponse>({ method: 'POST', path: '/_bulk', querystring: BULK_RESPONSE, bulkBody: body });
    }),
    search: guarded(connection, 'searching', async (index: string, body: object) => {
      return (await client.search({ index, ...body })) as unknown as SearchResult<unknown>;
    }),
    count: guarded(connection, 'counting', async (index: string, body: object = {}) => (await client.count({ index, ...body })).count),
    refresh: guarded(connection, 'refreshing', async (index: string) => {
      await client.indices.refresh({ index });
    }),
    getMapping: guarded(connection, 'reading mappings', async (index: string) => (await client.indices.getMapping({ index })) as never),
    deleteIndex: guarded(connection, 'deleting an index', async (index: string) => {
      await client.indices.delete({ index, ignore_unavailable: true });
    }),
    createIndex: guarded(connection, 'creating an index', async (index: string) => {
      try {
        await client.indices.create({ index });
        return true;
      } catch (error) {
        if (alreadyExists(error)) return false;
        throw error;
      }
    }),
    close: () => client.close(),
  };
}

function openSearchEngine(client: OpenSearchClient, connection: Connection, version: string): SearchEngine {
  return {
    kind: 'opensearch',
    version,
    url: connection.url,
    putIndexTemplate: guarded(connection, 'installing an index template', async (name: string, body: object) => {
      await client.indices.putIndexTemplate({ name, body: body });
    }),
    getIndexTemplate: guarded(connection, 'reading an index template', async (name: string) => (await client.indices.getIndexTemplate({ name })).body),
    bulk: guarded(connection, 'bulk indexing', async (body: string) => {
      return (await client.transport.request({ method: 'POST', path: '/_bulk', querystring: BULK_RESPONSE, bulkBody: body })).body as BulkResponse;
    }),
    search: guarded(connection, 'searching', async (index: string, body: object) => {
      return (await client.search({ index, body: body })).body as unknown as SearchResult<unknown>;
    }),
    count: guarded(connection, 'counting', async (index: string, body: object = {}) => {
      return (await client.count({ index, body: body })).body.count;
    }),
    refresh: guarded(connection, 'refreshing', async (index: string) => {
      await client.indices.refresh({ index });
    }),
    getMapping: guarded(connection, 'reading mappings', async (index: string) => (await client.indices.getMapping({ index })).body as never),
    deleteIndex: guarded(connection, 'deleting an index', async (index: string) => {
      await client.indices.delete({ index, ignore_unavailable: true });
    }),
    createIndex: guarded(connection, 'creating an index', async (index: string) => {
      try {
        await client.indices.create({ index });
        return true;
      } catch (error) {
        if (alreadyExists(error)) return false;
        throw error;
      }
    }),
    close: () => client.close(),
  };
}
