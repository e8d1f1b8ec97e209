import type { Json } from './helpers.js';
/** The real engines `npm test` started (scripts/test.ts), as the integration tests see them. */
export interface TestEngine {
  name: 'elasticsearch' | 'opensearch';
  url: string;
  username?: string;
  password?: string;
}

export function testEngines(): TestEngine[] {
  const engines: TestEngine[] = [];
  for (const [name, prefix] of [
    ['elasticsearch', 'ES'],
    ['opensearch', 'OS'],
  ] as const) {
    const url = process.env[`MEMTRAIL_TEST_${prefix}_URL`];
    if (!url) continue;
    engines.push({
      name,
      url: url.replace(/\/+$/, ''),
      username: process.env[`MEMTRAIL_TEST_${prefix}_USERNAME`],
      password: process.env[`MEMTRAIL_TEST_${prefix}_PASSWORD`],
    });
  }
  return engines;
}

/** Environment for the CLI to reach an engine. */
export function engineEnv(engine: TestEngine): Record<string, string> {
  return {
    MEMTRAIL_ES_URL: engine.url,
    ...(engine.username ? { MEMTRAIL_ES_USERNAME: engine.username, MEMTRAIL_ES_PASSWORD: engine.password ?? '' } : {}),
  };
}

/** Plain HTTP against the engine, independent of memtrail's own client code. */
export async function request(engine: TestEngine, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (engine.username) headers.authorization = `Basic ${Buffer.from(`${engine.username}:${engine.password}`).toString('base64')}`;
  const response = await fetch(`${engine.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function cleanup(engine: TestEngine, prefix: string): Promise<void> {
  await request(engine, 'DELETE', `/${prefix}-findings,${prefix}-traces,${prefix}-memory?ignore_unavailable=true`);
  for (const index of ['findings', 'traces', 'memory']) await request(engine, 'DELETE', `/_index_template/${prefix}-${index}`);
}

/** Fresh index prefixes for one suite, with their indices and templates removed after it. */
export function testPrefixes(engine: TestEngine, tag: string, after: (fn: () => Promise<void>) => void): () => string {
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) await cleanup(engine, prefix);
  });
  return () => {
    const prefix = `mt-${tag}-${Math.random().toString(16).slice(2, 10)}`;
    prefixes.push(prefix);
    return prefix;
  };
}
