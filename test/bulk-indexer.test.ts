import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BulkIndexer, type BulkDocument } from '../src/sinks/search/bulk-indexer.js';
import type { BulkItem, SearchEngine } from '../src/sinks/search/engine.js';
import { EngineError } from '../src/sinks/search/errors.js';

type BulkFn = (ids: string[]) => { items: BulkItem[] } | Error;

/** A unit-test stand-in for the engine's bulk call; the integration tests use real engines. */
function fakeEngine(bulk: BulkFn): SearchEngine & { calls: string[][]; maxInFlight: number } {
  let inFlight = 0;
  const engine = {
    calls: [] as string[][],
    maxInFlight: 0,
    async bulk(operations: object[]) {
      const ids = operations.filter((_, i) => i % 2 === 0).map((op) => (op as { index: { _id: string } }).index._id);
      engine.calls.push(ids);
      inFlight++;
      engine.maxInFlight = Math.max(engine.maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      const result = bulk(ids);
      if (result instanceof Error) throw result;
      return { errors: result.items.some((i) => i.status >= 300), items: result.items.map((item) => ({ index: item })) };
    },
  };
  return engine as unknown as SearchEngine & { calls: string[][]; maxInFlight: number };
}

const doc = (id: string): BulkDocument<string> => ({ index: 'i', id, body: { n: id }, context: id });
const ok = (ids: string[]) => ({ items: ids.map((id) => ({ status: 201, _id: id })) });

function indexer(engine: SearchEngine, options: Partial<ConstructorParameters<typeof BulkIndexer<string>>[1]> = {}) {
  const failed: [string, string][] = [];
  const acked: string[] = [];
  const bulk = new BulkIndexer<string>(engine, {
    flushBytes: 200,
    concurrency: 2,
    retries: 3,
    backoffMs: 1,
    maxBackoffMs: 4,
    onFail: (d, reason) => failed.push([d.id, reason]),
    onAck: (docs) => acked.push(...docs.map((d) => d.id)),
    ...options,
  });
  return { bulk, failed, acked };
}

test('flushes by bytes, keeps at most `concurrency` requests in flight, acknowledges every document', async () => {
  const engine = fakeEngine(ok);
  const { bulk, acked, failed } = indexer(engine);
  for (let i = 0; i < 50; i++) await bulk.add(doc(`d${i}`));
  await bulk.close();
  assert.equal(acked.length, 50);
  assert.deepEqual(new Set(acked).size, 50);
  assert.deepEqual(failed, []);
  assert.ok(engine.calls.length > 5, 'several flushes');
  assert.ok(engine.maxInFlight <= 2);
  assert.equal(bulk.indexed, 50);
});

test('documents answered 429 or 5xx are retried alone; other rejections fail with their reason', async () => {
  let round = 0;
  const engine = fakeEngine((ids) => {
    round++;
    return {
      items: ids.map((id) => {
        if (id === 'busy' && round === 1) return { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } };
        if (id === 'bad') return { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse' } };
        return { status: 201, _id: id };
      }),
    };
  });
  const { bulk, acked, failed } = indexer(engine, { flushBytes: 1e6 });
  for (const id of ['a', 'busy', 'bad', 'b']) await bulk.add(doc(id));
  await bulk.close();
  assert.deepEqual(acked.sort(), ['a', 'b', 'busy']);
  assert.deepEqual(failed, [['bad', '400 mapper_parsing_exception: failed to parse']]);
  assert.deepEqual(engine.calls, [['a', 'busy', 'bad', 'b'], ['busy']]);
  assert.equal(bulk.retried, 1);
});

test('a request failing with a transient error is retried with backoff, then succeeds', async () => {
  let attempts = 0;
  const engine = fakeEngine((ids) => (++attempts <= 2 ? new EngineError('bulk indexing failed with 503', 503, true) : ok(ids)));
  const waits: number[] = [];
  const { bulk, acked } = indexer(engine, { flushBytes: 1e6, onRetry: (_a, wait) => waits.push(wait) });
  await bulk.add(doc('x'));
  await bulk.close();
  assert.deepEqual(acked, ['x']);
  assert.equal(waits.length, 2);
});

test('an unreachable engine: retries run out, that batch fails, and later documents fail at once', async () => {
  const engine = fakeEngine(() => new EngineError('cannot reach the search engine at http://x (bulk indexing): ECONNREFUSED', undefined, true));
  const { bulk, failed } = indexer(engine, { flushBytes: 1e6 });
  await bulk.add(doc('first'));
  await bulk.close();
  const callsAfterFirst = engine.calls.length;
  assert.equal(callsAfterFirst, 4, 'the first try and three retries');
  await bulk.add(doc('later'));
  await bulk.close();
  assert.equal(engine.calls.length, callsAfterFirst, 'no more requests once the engine is known to be down');
  assert.deepEqual(
    failed.map(([id]) => id),
    ['first', 'later'],
  );
  assert.match(failed[1]![1], /^not indexed: cannot reach the search engine .*gave up after 3 retries/);
});

test('a permanent request error (401) fails the batch with its message, without retries', async () => {
  const engine = fakeEngine(() => new EngineError('authentication failed (401)', 401, false));
  const { bulk, failed } = indexer(engine, { flushBytes: 1e6 });
  await bulk.add(doc('a'));
  await bulk.add(doc('b'));
  await bulk.close();
  assert.equal(engine.calls.length, 1);
  assert.deepEqual(failed, [
    ['a', 'authentication failed (401)'],
    ['b', 'authentication failed (401)'],
  ]);
});
